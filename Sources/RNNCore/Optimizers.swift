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
            sgdUpdate(theta, g, n, lr)
        case .adagrad:
            memory.withUnsafeMutableBufferPointer { adagradUpdate(theta, g, $0.baseAddress!, n, lr) }
        case .adam:
            let correction1 = 1 - power(Self.adamBeta1, updateCount)  // 1 − β₁ᵗ
            let correction2 = 1 - power(Self.adamBeta2, updateCount)  // 1 − β₂ᵗ
            memory.withUnsafeMutableBufferPointer { m in
                secondMoment.withUnsafeMutableBufferPointer { v in
                    adamUpdate(theta, g, m.baseAddress!, v.baseAddress!, n, lr, correction1, correction2)
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

// The update loops take plain pointers (no closures inside), so the compiler vectorises them.

/// θ −= lr·g
@inline(never)
func sgdUpdate(_ theta: UnsafeMutablePointer<Double>, _ g: UnsafePointer<Double>, _ n: Int, _ lr: Double) {
    for i in 0 ..< n { theta[i] -= lr * g[i] }
}

/// mem += g²;  θ −= lr·g/√(mem + 1e-8)
///
/// Four entries at a time, with the vector square root of `squareRoot(_:)` (the same correctly
/// rounded result as `Double.squareRoot()`, without its branch).
@inline(never)
func adagradUpdate(_ theta: UnsafeMutablePointer<Double>, _ g: UnsafePointer<Double>,
                   _ mem: UnsafeMutablePointer<Double>, _ n: Int, _ lr: Double) {
    let epsilon = OptimizerState.adagradEpsilon
    var i = 0
    while i + 4 <= n {
        let gi = load4(g + i)
        let m = load4(mem + i) + gi * gi
        store4(m, mem + i)
        store4(load4(theta + i) - lr * gi / squareRoot(m + epsilon), theta + i)
        i += 4
    }
    while i < n {
        let gi = g[i]
        let m = mem[i] + gi * gi
        mem[i] = m
        theta[i] -= lr * gi / (m + epsilon).squareRoot()
        i += 1
    }
}

/// m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  θ −= lr·(m/c₁)/(√(v/c₂) + ε), cᵢ = 1 − βᵢᵗ
@inline(never)
func adamUpdate(_ theta: UnsafeMutablePointer<Double>, _ g: UnsafePointer<Double>,
                _ m: UnsafeMutablePointer<Double>, _ v: UnsafeMutablePointer<Double>, _ n: Int, _ lr: Double,
                _ correction1: Double, _ correction2: Double) {
    let beta1 = OptimizerState.adamBeta1, beta2 = OptimizerState.adamBeta2, epsilon = OptimizerState.adamEpsilon
    var i = 0
    while i + 4 <= n {  // four at a time, as in `adagradUpdate`
        let gi = load4(g + i)
        let mi = beta1 * load4(m + i) + (1 - beta1) * gi
        let vi = beta2 * load4(v + i) + (1 - beta2) * gi * gi
        store4(mi, m + i)
        store4(vi, v + i)
        store4(load4(theta + i) - lr * (mi / correction1) / (squareRoot(vi / correction2) + epsilon), theta + i)
        i += 4
    }
    while i < n {
        defer { i += 1 }
        let gi = g[i]
        let mi = beta1 * m[i] + (1 - beta1) * gi
        let vi = beta2 * v[i] + (1 - beta2) * gi * gi
        m[i] = mi
        v[i] = vi
        theta[i] -= lr * (mi / correction1) / ((vi / correction2).squareRoot() + epsilon)
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
