/// How gradients are limited before the update (the article's trick against exploding gradients).
public enum ClipMode: String, CaseIterable, Sendable {
    /// Elementwise: g ← min(max(g, −c), c). The article and min-char-rnn (c = 5).
    case value
    /// Global norm: if ‖g‖ > c then g ← g·c/‖g‖ (direction kept; Pascanu et al. 2013).
    case norm
    /// No clipping (to watch gradients explode).
    case off
}

/// What clipping saw and did.
public struct ClipReport: Equatable, Sendable {
    /// ‖g‖ over all parameters before clipping.
    public var normBefore: Double
    /// How many entries were changed (elementwise), or all of them when the norm was scaled.
    public var clippedEntries: Int
    /// Index of the first non-finite gradient entry, if any (then nothing was clipped).
    public var firstNonFinite: Int?

    public init(normBefore: Double, clippedEntries: Int, firstNonFinite: Int? = nil) {
        self.normBefore = normBefore
        self.clippedEntries = clippedEntries
        self.firstNonFinite = firstNonFinite
    }
}

/// Clips `g` (n values) in place and reports what it did. Non-finite gradients are detected in
/// the same pass and leave `g` untouched so the caller can refuse the step.
public func clip(_ g: UnsafeMutablePointer<Double>, count n: Int, mode: ClipMode, limit c: Double) -> ClipReport {
    let sumOfSquares = dot(n, g, g)  // Σ g², eight partial sums: not one long chain of additions
    if !sumOfSquares.isFinite {
        // NaN or ±∞ somewhere (or squares overflowing): find the culprit.
        if let bad = (0 ..< n).first(where: { !g[$0].isFinite }) {
            return ClipReport(normBefore: .nan, clippedEntries: 0, firstNonFinite: bad)
        }
    }
    let normBefore = sumOfSquares.squareRoot()
    var clipped = 0
    switch mode {
    case .value:
        for i in 0 ..< n {  // g ← min(max(g, −c), c), without branches so that it vectorises
            let value = g[i]
            let bounded = Swift.min(Swift.max(value, -c), c)
            clipped &+= bounded != value ? 1 : 0
            g[i] = bounded
        }
    case .norm:
        if normBefore > c {
            let scale = c / normBefore
            for i in 0 ..< n { g[i] *= scale }
            clipped = n
        }
    case .off:
        break
    }
    return ClipReport(normBefore: normBefore, clippedEntries: clipped, firstNonFinite: nil)
}

/// Array convenience for `clip(_:count:mode:limit:)`.
public func clip(_ g: inout [Double], mode: ClipMode, limit: Double) -> ClipReport {
    g.withUnsafeMutableBufferPointer { buffer in
        clip(buffer.baseAddress!, count: buffer.count, mode: mode, limit: limit)
    }
}
