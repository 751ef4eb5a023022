/// Double-double arithmetic: a value hi + lo with |lo| ≤ ulp(hi)/2, about 32 significant digits.
///
/// Used only by the gradient check's reference forward pass, so that the numeric derivative
/// (L(θ+δ) − L(θ−δ)) / 2δ is not swamped by rounding: in double precision that difference loses
/// about ε·L/δ ≈ 1e-10 to cancellation; in double-double about 1e-26. Built from exactly rounded
/// + − × ÷ only (Dekker's and Knuth's error-free transformations), so it is the same everywhere.
public struct DoubleDouble: Equatable, Sendable, CustomStringConvertible {
    public var hi: Double
    public var lo: Double

    public init(_ value: Double) {
        hi = value
        lo = 0
    }

    init(hi: Double, lo: Double) {
        self.hi = hi
        self.lo = lo
    }

    public static let zero = DoubleDouble(0)
    public static let one = DoubleDouble(1)
    /// ln 2 to 106 bits.
    static let ln2 = DoubleDouble(hi: 0.693_147_180_559_945_29, lo: 2.319_046_813_846_299_6e-17)

    /// The nearest double.
    public var double: Double { hi + lo }
    public var description: String { "\(hi) + \(lo)" }

    // MARK: Error-free transformations

    /// s + e = a + b exactly (Knuth's TwoSum).
    @inline(__always)
    static func twoSum(_ a: Double, _ b: Double) -> (Double, Double) {
        let s = a + b
        let bb = s - a
        return (s, (a - (s - bb)) + (b - bb))
    }

    /// s + e = a + b exactly, when |a| ≥ |b| (Dekker's FastTwoSum).
    @inline(__always)
    static func quickTwoSum(_ a: Double, _ b: Double) -> (Double, Double) {
        let s = a + b
        return (s, b - (s - a))
    }

    /// hi + lo = a with each half of 26 bits (Veltkamp's split), so their products are exact.
    @inline(__always)
    static func split(_ a: Double) -> (Double, Double) {
        let t = 134_217_729.0 * a  // 2²⁷ + 1
        let hi = t - (t - a)
        return (hi, a - hi)
    }

    /// p + e = a·b exactly (Dekker's TwoProduct, no fused multiply-add needed).
    @inline(__always)
    static func twoProduct(_ a: Double, _ b: Double) -> (Double, Double) {
        let p = a * b
        let (ah, al) = split(a)
        let (bh, bl) = split(b)
        return (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
    }

    // MARK: Arithmetic

    public static func + (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        var (s, e) = twoSum(x.hi, y.hi)
        let (t, f) = twoSum(x.lo, y.lo)
        e += t
        (s, e) = quickTwoSum(s, e)
        e += f
        (s, e) = quickTwoSum(s, e)
        return DoubleDouble(hi: s, lo: e)
    }

    public static prefix func - (x: DoubleDouble) -> DoubleDouble {
        DoubleDouble(hi: -x.hi, lo: -x.lo)
    }

    public static func - (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble { x + (-y) }

    public static func * (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        var (p, e) = twoProduct(x.hi, y.hi)
        e += x.hi * y.lo + x.lo * y.hi
        (p, e) = quickTwoSum(p, e)
        return DoubleDouble(hi: p, lo: e)
    }

    public static func / (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        // Long division: three quotient digits, each correcting the remainder of the last.
        let q1 = x.hi / y.hi
        var r = x - y * DoubleDouble(q1)
        let q2 = r.hi / y.hi
        r = r - y * DoubleDouble(q2)
        let q3 = r.hi / y.hi
        let (s, e) = quickTwoSum(q1, q2)
        return DoubleDouble(hi: s, lo: e) + DoubleDouble(q3)
    }

    public static func += (x: inout DoubleDouble, y: DoubleDouble) { x = x + y }

    /// x·2ⁿ, exact.
    func scaled(byPowerOfTwo n: Int) -> DoubleDouble {
        let factor = Double(sign: .plus, exponent: n, significand: 1)
        return DoubleDouble(hi: hi * factor, lo: lo * factor)
    }

    // MARK: Elementary functions

    /// 1/(n+1)! for n = 0…8, each to 106 bits (computed once by double-double division).
    private static let taylorCoefficients: [DoubleDouble] = {
        var coefficients: [DoubleDouble] = []
        var factorial = DoubleDouble.one
        for n in 1 ... 9 {
            factorial = factorial * DoubleDouble(Double(n))
            coefficients.append(DoubleDouble.one / factorial)
        }
        return coefficients
    }()

    /// eˣ − 1, accurate for small x too:
    ///
    ///     x = k·ln2 + r, |r| ≤ ln2/2;  s = r/2¹⁰ (|s| < 3.4e-4);
    ///     e = expm1(s) = s·Σ_{n=0…8} sⁿ/(n+1)!   (the next term is below 1e-33);
    ///     ten times e ← 2e + e² (that is (1+e)² − 1);   result = 2ᵏ(1 + e) − 1
    public static func expm1(_ x: DoubleDouble) -> DoubleDouble {
        if x.hi.isNaN { return DoubleDouble(.nan) }
        if x.hi > 709 { return DoubleDouble(.infinity) }
        if x.hi < -745 { return DoubleDouble(-1) }
        let (k, e) = reduced(x)
        if k == 0 { return e }
        return (DoubleDouble.one + e).scaled(byPowerOfTwo: k) - DoubleDouble.one
    }

    /// eˣ = 2ᵏ(1 + e), formed directly rather than as expm1(x) + 1, so that e^{−40} keeps its 32
    /// digits instead of the absolute accuracy left after cancelling −1 + 1.
    public static func exp(_ x: DoubleDouble) -> DoubleDouble {
        if x.hi.isNaN { return DoubleDouble(.nan) }
        if x.hi > 709 { return DoubleDouble(.infinity) }
        if x.hi < -745 { return DoubleDouble.zero }
        let (k, e) = reduced(x)
        return (DoubleDouble.one + e).scaled(byPowerOfTwo: k)
    }

    /// k and e = e^r − 1 with x = k·ln2 + r (see `expm1`).
    private static func reduced(_ x: DoubleDouble) -> (k: Int, e: DoubleDouble) {
        let k = Int((x.hi / ln2.hi).rounded())
        let r = x - ln2 * DoubleDouble(Double(k))
        let s = r.scaled(byPowerOfTwo: -10)
        let c = taylorCoefficients
        var series = c[8]
        for n in stride(from: 7, through: 0, by: -1) {
            series = series * s + c[n]
        }
        var e = s * series
        for _ in 0 ..< 10 {
            e = e.scaled(byPowerOfTwo: 1) + e * e
        }
        return (k, e)
    }

    /// ln x for x > 0: one Newton step y ← y + x·e^{−y} − 1 from the double-precision log
    /// (Newton doubles the number of correct digits: 16 → 32).
    public static func log(_ x: DoubleDouble) -> DoubleDouble {
        guard x.hi > 0 && x.hi.isFinite else {
            return DoubleDouble(x.hi == 0 ? -.infinity : (x.hi == .infinity ? .infinity : .nan))
        }
        let y = DoubleDouble(portableLog(x.hi))
        return y + x * exp(-y) - DoubleDouble.one
    }

    /// tanh x = expm1(2x) / (expm1(2x) + 2), computed for |x| and given x's sign (no cancellation).
    public static func tanh(_ x: DoubleDouble) -> DoubleDouble {
        if x.hi.isNaN { return x }
        let magnitude = x.hi < 0 ? -x : x
        if magnitude.hi > 40 { return DoubleDouble(x.hi < 0 ? -1 : 1) }  // 1 − tanh < 1e-34
        let e = expm1(magnitude.scaled(byPowerOfTwo: 1))
        let result = e / (e + DoubleDouble(2))
        return x.hi < 0 ? -result : result
    }

    /// σ(x) = 1 / (1 + e^{−x}), or e^x / (1 + e^x) for x < 0 so that e^{−x} never overflows
    /// (σ(−800) is 0 to double precision, not ∞ − ∞).
    public static func sigmoid(_ x: DoubleDouble) -> DoubleDouble {
        if x.hi < 0 {
            let e = exp(x)
            return e / (DoubleDouble.one + e)
        }
        return DoubleDouble.one / (DoubleDouble.one + exp(-x))
    }

    /// log Σ_j exp(z_j), with the maximum subtracted first.
    public static func logSumExp(_ z: [DoubleDouble]) -> DoubleDouble {
        var maximum = z[0]
        for value in z.dropFirst() where value.hi > maximum.hi || (value.hi == maximum.hi && value.lo > maximum.lo) {
            maximum = value
        }
        var total = DoubleDouble.zero
        for value in z { total += exp(value - maximum) }
        return maximum + log(total)
    }
}
