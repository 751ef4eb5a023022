/// The update rules. θ, g and every memory are flat buffers sharing the parameters' layout.
public enum OptimizerKind: String, CaseIterable, Sendable {
    /// mem ← mem + g²;  θ ← θ − lr·g/√(mem + 1e-8)   (the article, min-char-rnn)
    case adagrad
    /// θ ← θ − lr·g
    case sgd
    /// m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − lr·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
    case adam
}

/// An optimiser and its memory.
public struct OptimizerState: Equatable, Sendable {
    public let kind: OptimizerKind
    /// Adagrad: Σ g² (shown as mW_…). Adam: the first moment m.
    public var memory: [Double]
    /// Adam: the second moment v (empty otherwise).
    public var secondMoment: [Double]
    /// Adam: t, the number of updates so far (for bias correction).
    public var updateCount: Int

    /// Inside Adagrad's square root, as in the article: keeps 1/√mem finite before any gradient.
    public static let adagradEpsilon = 1e-8
    public static let adamBeta1 = 0.9
    public static let adamBeta2 = 0.999
    /// Added to √v̂ (Kingma & Ba's default).
    public static let adamEpsilon = 1e-8

    /// Fresh state (all memory zero) for `count` parameters.
    public init(kind: OptimizerKind, count: Int) {
        self.kind = kind
        memory = kind == .sgd ? [] : [Double](repeating: 0, count: count)
        secondMoment = kind == .adam ? [Double](repeating: 0, count: count) : []
        updateCount = 0
    }

    public init(kind: OptimizerKind, memory: [Double], secondMoment: [Double], updateCount: Int) {
        self.kind = kind
        self.memory = memory
        self.secondMoment = secondMoment
        self.updateCount = updateCount
    }

    /// θ ← θ − lr·(update direction) for `n` parameters.
    public mutating func apply(to theta: UnsafeMutablePointer<Double>, gradients g: UnsafePointer<Double>,
                               count n: Int, learningRate lr: Double) {
        updateCount += 1
        switch kind {
        case .sgd:
            for i in 0 ..< n { theta[i] -= lr * g[i] }
        case .adagrad:
            memory.withUnsafeMutableBufferPointer { mem in
                for i in 0 ..< n {
                    mem[i] += g[i] * g[i]                                            // mem += g²
                    theta[i] -= lr * g[i] / (mem[i] + Self.adagradEpsilon).squareRoot() // θ −= lr·g/√(mem+1e-8)
                }
            }
        case .adam:
            let beta1 = Self.adamBeta1, beta2 = Self.adamBeta2
            let correction1 = 1 - power(beta1, updateCount)  // 1 − β₁ᵗ
            let correction2 = 1 - power(beta2, updateCount)  // 1 − β₂ᵗ
            memory.withUnsafeMutableBufferPointer { m in
                secondMoment.withUnsafeMutableBufferPointer { v in
                    for i in 0 ..< n {
                        m[i] = beta1 * m[i] + (1 - beta1) * g[i]            // m = β₁m + (1−β₁)g
                        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]     // v = β₂v + (1−β₂)g²
                        let mHat = m[i] / correction1
                        let vHat = v[i] / correction2
                        theta[i] -= lr * mHat / (vHat.squareRoot() + Self.adamEpsilon)
                    }
                }
            }
        }
    }

    /// Array convenience for `apply(to:gradients:count:learningRate:)`.
    public mutating func apply(to theta: inout [Double], gradients: [Double], learningRate: Double) {
        precondition(theta.count == gradients.count, "parameters and gradients differ in size")
        theta.withUnsafeMutableBufferPointer { t in
            gradients.withUnsafeBufferPointer { g in
                apply(to: t.baseAddress!, gradients: g.baseAddress!, count: t.count, learningRate: learningRate)
            }
        }
    }
}

/// xⁿ by repeated squaring (exact order, no libm `pow`, so it is the same everywhere).
func power(_ x: Double, _ n: Int) -> Double {
    var result = 1.0, base = x, k = n
    while k > 0 {
        if k & 1 == 1 { result *= base }
        base *= base
        k >>= 1
    }
    return result
}
