/// The project's own seeded random numbers.
///
/// Every random number rnnrepl uses comes from here, never from the standard library,
/// so that the same seed gives the same weights, samples and transcripts on every
/// platform and Swift version. Only IEEE-754 basic operations (+ − × ÷ √) are used to
/// turn raw bits into doubles; those are exactly rounded everywhere.

/// SplitMix64: expands one 64-bit seed into a well-mixed stream (used to seed xoshiro).
///
///     z = (state += 0x9E3779B97F4A7C15)
///     z = (z ^ (z >> 30)) · 0xBF58476D1CE4E5B9
///     z = (z ^ (z >> 27)) · 0x94D049BB133111EB
///     return z ^ (z >> 31)
public struct SplitMix64: Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman & Vigna, 2018): 256 bits of state, period 2²⁵⁶ − 1.
///
/// The whole state is four public words so a checkpoint can store and restore it exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    public var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Seeds the four state words from SplitMix64(seed), as the xoshiro authors recommend.
    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
    }

    /// Restores a generator from a saved state. The all-zero state is a fixed point and is refused.
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
    }

    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// result = rotl(s1 · 5, 7) · 9, then the xor-shift-rotate state transition.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform double in [0, 1): the top 53 bits scaled by 2⁻⁵³ (every value is exact).
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in 0..<bound without modulo bias (Lemire's multiply-and-reject).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A standard normal draw N(0, 1) by Marsaglia's polar method.
    ///
    ///     u, v ~ U(−1, 1) until 0 < s = u² + v² < 1;   z = u · √(−2 ln s / s)
    ///
    /// The second value of the pair is discarded so the generator's state alone
    /// determines the stream (a checkpoint needs nothing else). The logarithm is
    /// `portableLog`, built from basic operations, so the draw is bit-identical everywhere.
    public mutating func nextGaussian() -> Double {
        while true {
            let u = 2 * nextUniform() - 1
            let v = 2 * nextUniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * portableLog(s) / s).squareRoot()
            }
        }
    }
}

@inline(__always)
private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
}

/// Natural logarithm from basic IEEE operations only, so it rounds identically on every
/// platform (the C library's `log` may differ in the last bit between systems).
///
///     x = m · 2ᵏ with m ∈ [√½, √2),   s = (m − 1)/(m + 1),
///     ln x = k·ln 2 + 2·(s + s³/3 + s⁵/5 + …)      (|s| ≤ 0.172, 13 terms reach 1e-20)
///
/// Accurate to a few units in the last place for positive finite x; used for Gaussian draws.
public func portableLog(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "portableLog needs a positive finite number")
    var exponent = Double(Int(x.exponent))
    var m = x.significand  // in [1, 2)
    if m > 1.414_213_562_373_095_1 {
        m /= 2
        exponent += 1
    }
    let s = (m - 1) / (m + 1)
    let s2 = s * s
    // Horner form of 1 + s²/3 + s⁴/5 + … + s²⁴/25.
    var series = 1.0 / 25
    var denominator = 23.0
    while denominator >= 1 {
        series = series * s2 + 1 / denominator
        denominator -= 2
    }
    // ln 2 split into a head with trailing zero bits and a tail, so k·ln2High is exact.
    let ln2High = 0.693_147_180_369_123_816_49
    let ln2Low = 1.908_214_929_270_587_700_02e-10
    return exponent * ln2High + (exponent * ln2Low + 2 * s * series)
}
