/// The update rules. θ, g and every memory are flat buffers sharing the parameters' layout.
public enum OptimizerKind: String, CaseIterable, Sendable {
    /// mem ← mem + g²;  θ ← θ − lr·g/√(mem + 1e-8)   (the article, min-char-rnn)
    case adagrad
    /// θ ← θ − lr·g
    case sgd
    /// m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − lr·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
    case adam
    /// mem ← α·mem + (1−α)·g²;  θ ← θ − lr·g/(√mem + ε)   (Hinton's RMSprop; char-rnn's default, α = 0.95)
    case rmsprop
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
    /// RMSprop's decay of the mean square (char-rnn's `decay_rate`) and the ε added to its root.
    public static let rmspropDecay = 0.95
    public static let rmspropEpsilon = 1e-8

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

    /// One update out of place: θ' ← θ − lr·(update direction), reading θ, the gradients and
    /// this memory, writing θ' into `newTheta` and the new memory (and t) into `next` (an
    /// optimizer of the same kind and size). Nothing of `self` or θ changes, so a caller can
    /// throw the result away. Returns false when any value of θ' or of the new memory is not
    /// finite (a diverged update).
    ///
    /// `newTheta` may be θ itself (then the update is in place): every loop reads entry i before
    /// writing entry i.
    public func update(theta: UnsafePointer<Double>, gradients g: UnsafePointer<Double>, count n: Int,
                       learningRate lr: Double, into newTheta: UnsafeMutablePointer<Double>,
                       next: inout OptimizerState) -> Bool {
        precondition(next.kind == kind && next.memory.count == memory.count && next.secondMoment.count == secondMoment.count,
                     "the next state must be an optimizer of the same kind and size")
        next.updateCount = updateCount + 1
        switch kind {
        case .sgd:
            return sgdUpdate(theta, g, newTheta, n, lr)
        case .adagrad:
            return memory.withUnsafeBufferPointer { m in
                next.memory.withUnsafeMutableBufferPointer { m2 in
                    adagradUpdate(theta, g, m.baseAddress!, newTheta, m2.baseAddress!, n, lr)
                }
            }
        case .rmsprop:
            return memory.withUnsafeBufferPointer { m in
                next.memory.withUnsafeMutableBufferPointer { m2 in
                    rmspropUpdate(theta, g, m.baseAddress!, newTheta, m2.baseAddress!, n, lr)
                }
            }
        case .adam:
            let correction1 = 1 - power(Self.adamBeta1, next.updateCount)  // 1 − β₁ᵗ
            let correction2 = 1 - power(Self.adamBeta2, next.updateCount)  // 1 − β₂ᵗ
            return memory.withUnsafeBufferPointer { m in
                secondMoment.withUnsafeBufferPointer { v in
                    next.memory.withUnsafeMutableBufferPointer { m2 in
                        next.secondMoment.withUnsafeMutableBufferPointer { v2 in
                            adamUpdate(theta, g, m.baseAddress!, v.baseAddress!, newTheta, m2.baseAddress!, v2.baseAddress!,
                                       n, lr, correction1, correction2)
                        }
                    }
                }
            }
        }
    }

    /// In place (tests, and callers that do not need to refuse a diverged update): θ and the
    /// memory are replaced by their updated values. Returns whether they are all finite.
    @discardableResult
    public mutating func apply(to theta: inout [Double], gradients: [Double], learningRate: Double) -> Bool {
        precondition(theta.count == gradients.count, "parameters and gradients differ in size")
        var next = self
        let finite = theta.withUnsafeMutableBufferPointer { t in
            gradients.withUnsafeBufferPointer { g in
                update(theta: t.baseAddress!, gradients: g.baseAddress!, count: t.count, learningRate: learningRate,
                       into: t.baseAddress!, next: &next)
            }
        }
        self = next
        return finite
    }
}

// The update loops take plain pointers (no closures inside), so the compiler vectorises them.
// Each also sums (x − x) over every value it writes: 0 while all are finite, NaN as soon as one
// is ±∞ or NaN, so divergence is found without a second pass.

/// θ' = θ − lr·g
@inline(never)
func sgdUpdate(_ theta: UnsafePointer<Double>, _ g: UnsafePointer<Double>, _ newTheta: UnsafeMutablePointer<Double>,
               _ n: Int, _ lr: Double) -> Bool {
    var check = SIMD4<Double>()
    var i = 0
    while i + 4 <= n {
        let t = load4(theta + i) - lr * load4(g + i)
        store4(t, newTheta + i)
        check += t - t
        i += 4
    }
    var tail = 0.0
    while i < n {
        let t = theta[i] - lr * g[i]
        newTheta[i] = t
        tail += t - t
        i += 1
    }
    return check.sum() + tail == 0
}

/// mem' = mem + g²;  θ' = θ − lr·g/√(mem' + 1e-8)
///
/// Four entries at a time, with the vector square root of `squareRoot(_:)` (the same correctly
/// rounded result as `Double.squareRoot()`, without its branch).
@inline(never)
func adagradUpdate(_ theta: UnsafePointer<Double>, _ g: UnsafePointer<Double>, _ mem: UnsafePointer<Double>,
                   _ newTheta: UnsafeMutablePointer<Double>, _ newMem: UnsafeMutablePointer<Double>,
                   _ n: Int, _ lr: Double) -> Bool {
    let epsilon = OptimizerState.adagradEpsilon
    var check = SIMD4<Double>()
    var i = 0
    while i + 4 <= n {
        let gi = load4(g + i)
        let m = load4(mem + i) + gi * gi
        let t = load4(theta + i) - lr * gi / squareRoot(m + epsilon)
        store4(m, newMem + i)
        store4(t, newTheta + i)
        check += (t - t) + (m - m)
        i += 4
    }
    var tail = 0.0
    while i < n {
        let gi = g[i]
        let m = mem[i] + gi * gi
        let t = theta[i] - lr * gi / (m + epsilon).squareRoot()
        newMem[i] = m
        newTheta[i] = t
        tail += (t - t) + (m - m)
        i += 1
    }
    return check.sum() + tail == 0
}

/// mem' = α·mem + (1−α)·g²;  θ' = θ − lr·g/(√mem' + ε)
@inline(never)
func rmspropUpdate(_ theta: UnsafePointer<Double>, _ g: UnsafePointer<Double>, _ mem: UnsafePointer<Double>,
                   _ newTheta: UnsafeMutablePointer<Double>, _ newMem: UnsafeMutablePointer<Double>,
                   _ n: Int, _ lr: Double) -> Bool {
    let alpha = OptimizerState.rmspropDecay, epsilon = OptimizerState.rmspropEpsilon
    var check = SIMD4<Double>()
    var i = 0
    while i + 4 <= n {  // four at a time, as in `adagradUpdate`
        let gi = load4(g + i)
        let m = alpha * load4(mem + i) + (1 - alpha) * gi * gi
        let t = load4(theta + i) - lr * gi / (squareRoot(m) + epsilon)
        store4(m, newMem + i)
        store4(t, newTheta + i)
        check += (t - t) + (m - m)
        i += 4
    }
    var tail = 0.0
    while i < n {
        let gi = g[i]
        let m = alpha * mem[i] + (1 - alpha) * gi * gi
        let t = theta[i] - lr * gi / (m.squareRoot() + epsilon)
        newMem[i] = m
        newTheta[i] = t
        tail += (t - t) + (m - m)
        i += 1
    }
    return check.sum() + tail == 0
}

/// m' = β₁m + (1−β₁)g;  v' = β₂v + (1−β₂)g²;  θ' = θ − lr·(m'/c₁)/(√(v'/c₂) + ε), cᵢ = 1 − βᵢᵗ
@inline(never)
func adamUpdate(_ theta: UnsafePointer<Double>, _ g: UnsafePointer<Double>,
                _ m: UnsafePointer<Double>, _ v: UnsafePointer<Double>,
                _ newTheta: UnsafeMutablePointer<Double>, _ newM: UnsafeMutablePointer<Double>,
                _ newV: UnsafeMutablePointer<Double>, _ n: Int, _ lr: Double,
                _ correction1: Double, _ correction2: Double) -> Bool {
    let beta1 = OptimizerState.adamBeta1, beta2 = OptimizerState.adamBeta2, epsilon = OptimizerState.adamEpsilon
    var check = SIMD4<Double>()
    var i = 0
    while i + 4 <= n {  // four at a time, as in `adagradUpdate`
        let gi = load4(g + i)
        let mi = beta1 * load4(m + i) + (1 - beta1) * gi
        let vi = beta2 * load4(v + i) + (1 - beta2) * gi * gi
        let t = load4(theta + i) - lr * (mi / correction1) / (squareRoot(vi / correction2) + epsilon)
        store4(mi, newM + i)
        store4(vi, newV + i)
        store4(t, newTheta + i)
        check += (t - t) + (mi - mi) + (vi - vi)
        i += 4
    }
    var tail = 0.0
    while i < n {
        defer { i += 1 }
        let gi = g[i]
        let mi = beta1 * m[i] + (1 - beta1) * gi
        let vi = beta2 * v[i] + (1 - beta2) * gi * gi
        let t = theta[i] - lr * (mi / correction1) / ((vi / correction2).squareRoot() + epsilon)
        newM[i] = mi
        newV[i] = vi
        newTheta[i] = t
        tail += (t - t) + (mi - mi) + (vi - vi)
    }
    return check.sum() + tail == 0
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
