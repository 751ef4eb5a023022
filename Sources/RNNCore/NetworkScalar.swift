#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The number type a model computes in.
public enum Precision: String, CaseIterable, Sendable {
    /// IEEE double (53-bit significand): the teaching cells' and every lesson's.
    case float64
    /// IEEE single (24-bit significand, ε = 2⁻²³ ≈ 1.2e-7): half the memory traffic, twice the
    /// numbers per vector register; the batched network's products use fused multiply-add.
    case float32
}

/// What the batched network (`Network`) needs of its number type: Float or Double, the 64-byte
/// vector its kernels work in (16 floats or 8 doubles), and the elementwise functions of the
/// gates. The Double versions are the teaching cells' own (glibc-exact tanh, σ, softmax), so a
/// float64 network and a cell compute the same nonlinearities.
public protocol NetworkScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable {
    /// 64 bytes of scalars: one AVX-512 register, two AVX2 registers.
    associatedtype Lane: SIMD where Lane.Scalar == Self
    static var precision: Precision { get }

    /// s = σ(a) = 1 / (1 + e^{−a}) for n values.
    static func sigmoid(_ a: UnsafePointer<Self>, into s: UnsafeMutablePointer<Self>, count n: Int)
    /// h = tanh(a) for n values (h must not be a: the Double version uses h as scratch).
    static func tanh(_ a: UnsafePointer<Self>, into h: UnsafeMutablePointer<Self>, count n: Int)
    /// p = softmax(z) over n values; returns log Σ_j exp z_j (so −log p_y = that − z_y).
    static func softmax(_ z: UnsafePointer<Self>, _ n: Int, into p: UnsafeMutablePointer<Self>) -> Self
}

extension NetworkScalar {
    /// Scalars in one `Lane`.
    @inline(__always) static var laneWidth: Int { Lane.scalarCount }
}

@inline(__always)
func loadLane<S: NetworkScalar>(_ p: UnsafePointer<S>) -> S.Lane {
    UnsafeRawPointer(p).loadUnaligned(as: S.Lane.self)
}

@inline(__always)
func storeLane<S: NetworkScalar>(_ v: S.Lane, _ p: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: S.Lane.self)
}

extension Double: NetworkScalar {
    public typealias Lane = SIMD8<Double>
    public static var precision: Precision { .float64 }

    public static func sigmoid(_ a: UnsafePointer<Double>, into s: UnsafeMutablePointer<Double>, count n: Int) {
        sigmoidInPlace(a, into: s, count: n)
    }

    public static func tanh(_ a: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>, count n: Int) {
        tanhInPlace(a, into: h, count: n)
    }

    public static func softmax(_ z: UnsafePointer<Double>, _ n: Int, into p: UnsafeMutablePointer<Double>) -> Double {
        RNNCore.softmax(z, n, into: p)
    }
}

extension Float: NetworkScalar {
    public typealias Lane = SIMD16<Float>
    public static var precision: Precision { .float32 }

    public static func sigmoid(_ a: UnsafePointer<Float>, into s: UnsafeMutablePointer<Float>, count n: Int) {
        var j = 0
        while j + 16 <= n {
            storeLane(floatSigmoid(loadLane(a + j)), s + j)
            j += 16
        }
        if j < n { applyToTail(a + j, s + j, n - j, floatSigmoid) }
    }

    public static func tanh(_ a: UnsafePointer<Float>, into h: UnsafeMutablePointer<Float>, count n: Int) {
        var j = 0
        while j + 16 <= n {
            storeLane(floatTanh(loadLane(a + j)), h + j)
            j += 16
        }
        if j < n { applyToTail(a + j, h + j, n - j, floatTanh) }
    }

    /// m = max z;  e_j = exp(z_j − m);  s = Σ e_j (16 partial sums, combined in a fixed order, then
    /// the tail);  p = e / s;  log Σ exp z = m + log s.
    public static func softmax(_ z: UnsafePointer<Float>, _ n: Int, into p: UnsafeMutablePointer<Float>) -> Float {
        var m = -Float.infinity
        for j in 0 ..< n where z[j] > m { m = z[j] }
        var partial = SIMD16<Float>()
        var j = 0
        while j + 16 <= n {
            let e = floatExp(loadLane(z + j) - SIMD16(repeating: m))
            storeLane(e, p + j)
            partial += e
            j += 16
        }
        var sum = partial.sum()
        if j < n {
            var shifted = SIMD16<Float>(repeating: -Float.infinity)
            for k in 0 ..< n - j { shifted[k] = z[j + k] - m }
            let e = floatExp(shifted)
            for k in 0 ..< n - j {
                p[j + k] = e[k]
                sum += e[k]
            }
        }
        let inverse = 1 / sum
        for k in 0 ..< n { p[k] *= inverse }
        return m + logf(sum)
    }
}

/// `f` on the last n < 16 values, through one padded vector.
@inline(__always)
private func applyToTail(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                         _ f: (SIMD16<Float>) -> SIMD16<Float>) {
    var v = SIMD16<Float>()
    for k in 0 ..< n { v[k] = a[k] }
    let r = f(v)
    for k in 0 ..< n { out[k] = r[k] }
}

// Comparisons and selections on vectors are written with integer operations on the bits: the
// standard library's lane masks (`.<`, `replacing(with:where:)`, `pointwiseMin`) compile to a
// loop over the lanes, integer arithmetic to single vector instructions.

@inline(__always) private func bits(_ x: SIMD16<Float>) -> SIMD16<Int32> { unsafeBitCast(x, to: SIMD16<Int32>.self) }
@inline(__always) private func float(_ b: SIMD16<Int32>) -> SIMD16<Float> { unsafeBitCast(b, to: SIMD16<Float>.self) }

/// All ones in the lanes where a < b, else zeros (a − b is negative; a, b finite).
@inline(__always) private func less(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Int32> { bits(a - b) &>> 31 }

/// x where `mask` is all ones, else y.
@inline(__always) private func select(_ mask: SIMD16<Int32>, _ x: SIMD16<Float>, _ y: SIMD16<Float>) -> SIMD16<Float> {
    float((bits(x) & mask) | (bits(y) & ~mask))
}

/// e^x for 16 floats, within 2 ulp (Cody–Waite reduction and the Cephes polynomial):
///
///     x = k·ln 2 + r, |r| ≤ ln2/2;   e^r ≈ 1 + r + r²·P(r);   e^x = 2^k · e^r
///
/// Below −87.3 the result is 0 (subnormals are flushed), above 88.7 it is +∞; a NaN or infinite
/// x gives NaN (so a diverged pre-activation shows up in the loss). Pure IEEE operations with
/// explicit fused multiply-adds: the same bits on every machine.
@inline(__always)
func floatExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let low = SIMD16<Float>(repeating: -87.3), high = SIMD16<Float>(repeating: 88.7)
    let tooLow = less(x, low), tooHigh = less(high, x)
    let clamped = select(tooHigh, high, select(tooLow, low, x))
    let k = (clamped * SIMD16(repeating: 1.442_695_04)).rounded(.toNearestOrEven)
    var r = clamped.addingProduct(k, SIMD16(repeating: -0.693_359_375))     // ln 2, high part (exact product)
    r = r.addingProduct(k, SIMD16(repeating: 2.121_944_4e-4))                // ln 2, low part
    var poly = SIMD16<Float>(repeating: 1.987_569_15e-4)
    poly = SIMD16(repeating: 1.398_199_95e-3).addingProduct(poly, r)
    poly = SIMD16(repeating: 8.333_451_9e-3).addingProduct(poly, r)
    poly = SIMD16(repeating: 4.166_579_59e-2).addingProduct(poly, r)
    poly = SIMD16(repeating: 1.666_666_55e-1).addingProduct(poly, r)
    poly = SIMD16(repeating: 5.000_000_12e-1).addingProduct(poly, r)
    let er = (r + SIMD16(repeating: 1)).addingProduct(poly, r * r)
    // 2^k from the bits: k + 127 + 2²³ holds the integer k + 127 in its low significand bits.
    let biased = bits(k + SIMD16(repeating: 8_388_608 + 127)) &- 0x4B00_0000
    var result = er * float(biased &<< 23)
    result = select(tooLow, SIMD16(repeating: 0), select(tooHigh, SIMD16(repeating: .infinity), result))
    return result + x * SIMD16(repeating: 0)                                 // NaN for a NaN or infinite x
}

/// σ(x) = 1 / (1 + e^{−x}) for 16 floats.
@inline(__always)
func floatSigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(repeating: 1) / (SIMD16(repeating: 1) + floatExp(-x))
}

/// tanh x for 16 floats, as sign(x)·tanh|x|: the odd Cephes polynomial |x| + |x|³·P(x²) below
/// 0.625 (where 1 − 2/(e^{2|x|} + 1) would lose digits to cancellation), else that quotient,
/// which reaches 1 exactly from |x| ≈ 9.
@inline(__always)
func floatTanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let sign = bits(x) & SIMD16(repeating: Int32(bitPattern: 0x8000_0000))
    let magnitude = float(bits(x) & SIMD16(repeating: 0x7FFF_FFFF))
    let z = magnitude * magnitude
    var poly = SIMD16<Float>(repeating: -5.704_988_72e-3)
    poly = SIMD16(repeating: 2.063_908_88e-2).addingProduct(poly, z)
    poly = SIMD16(repeating: -5.373_971_55e-2).addingProduct(poly, z)
    poly = SIMD16(repeating: 1.333_144_22e-1).addingProduct(poly, z)
    poly = SIMD16(repeating: -3.333_328_19e-1).addingProduct(poly, z)
    let small = magnitude.addingProduct(poly * z, magnitude)
    let large = SIMD16(repeating: 1) - SIMD16(repeating: 2) / (floatExp(magnitude + magnitude) + SIMD16(repeating: 1))
    let result = select(less(magnitude, SIMD16(repeating: 0.625)), small, large)
    return float(bits(result) | sign)
}

/// A buffer of scalars owned by a network: allocated once, 64-byte aligned, zero-filled.
final class ScalarBuffer<S: NetworkScalar> {
    let count: Int
    let pointer: UnsafeMutablePointer<S>

    init(_ count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<S>.stride, alignment: 64)
        pointer = raw.bindMemory(to: S.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    func zero() { pointer.update(repeating: 0, count: count) }
}
