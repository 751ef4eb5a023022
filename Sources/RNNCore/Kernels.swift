#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// The few dense-algebra loops a char-RNN needs, over raw pointers into flat row-major buffers.
///
/// Row-vector convention: a vector is a row (1×n). Each kernel states its shapes and the formula
/// it computes. Their summation order is fixed (and documented) so results are bit-identical
/// from run to run; the forward products accumulate row by row, exactly like the plain formula.

/// y += a·x  (x, y: 1×n). The inner loop of everything else; vectorises well.
@inline(__always)
func axpy(_ n: Int, _ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
    for j in 0 ..< n { y[j] += a * x[j] }
}

@inline(__always)
func load8(_ p: UnsafePointer<Double>) -> SIMD8<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
}

@inline(__always)
func store8(_ v: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Double>.self)
}

/// √x lane by lane, correctly rounded. `Double.squareRoot()` goes through a C shim that keeps a
/// branch to libm for negative inputs (for errno), which stops loops from vectorising; the SSE2
/// instruction (on x86-64; lane by lane elsewhere) computes the same correctly rounded result.
@inline(__always)
func squareRoot(_ x: SIMD4<Double>) -> SIMD4<Double> {
    #if arch(x86_64)
    let low = _mm_sqrt_pd(x.lowHalf), high = _mm_sqrt_pd(x.highHalf)
    return SIMD4(lowHalf: low, highHalf: high)
    #else
    return SIMD4(x[0].squareRoot(), x[1].squareRoot(), x[2].squareRoot(), x[3].squareRoot())
    #endif
}

@inline(__always)
func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
}

/// ((s0+s4)+(s1+s5)) + ((s2+s6)+(s3+s7)): how the eight partial sums of `dot` are combined.
@inline(__always)
func combine(_ s: SIMD8<Double>) -> Double {
    ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
}

/// Σ_j x_j·y_j  (x, y: 1×n).
///
/// Eight partial sums s_r = Σ_{j ≡ r mod 8} x_j·y_j over the first n − n mod 8 entries (the eight
/// lanes of one SIMD accumulator), combined as ((s0+s4)+(s1+s5)) + ((s2+s6)+(s3+s7)), then the
/// tail added in order. Independent partial sums let the loop run at full SIMD width without
/// fast-math (Swift never reassociates), and the order is fixed, so results are reproducible.
@inline(__always)
func dot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
    var partial = SIMD8<Double>()
    var j = 0
    while j + 8 <= n {
        partial += load8(x + j) * load8(y + j)
        j += 8
    }
    var sum = combine(partial)
    while j < n {
        sum += x[j] * y[j]
        j += 1
    }
    return sum
}

/// y (1×n) += x (1×m) · W (m×n):   y_j += Σ_i x_i·W_ij, with i ascending.
///
/// The plain formula is one axpy per row of W (y += x_i·W[i, :]). Eight rows are taken at a time,
/// adding their terms to y_j one after the other, so every y_j sees exactly the same sequence
/// of roundings as row by row, with an eighth of the loads and stores of y.
@inline(__always)
func addVectorTimesMatrix(_ x: UnsafePointer<Double>, _ m: Int,
                          _ w: UnsafePointer<Double>, _ n: Int,
                          into y: UnsafeMutablePointer<Double>) {
    var i = 0
    while i + 8 <= m {
        let a0 = x[i], a1 = x[i + 1], a2 = x[i + 2], a3 = x[i + 3]
        let a4 = x[i + 4], a5 = x[i + 5], a6 = x[i + 6], a7 = x[i + 7]
        let w0 = w + i * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n
        let w4 = w3 + n, w5 = w4 + n, w6 = w5 + n, w7 = w6 + n
        for j in 0 ..< n {
            var sum = y[j]
            sum += a0 * w0[j]
            sum += a1 * w1[j]
            sum += a2 * w2[j]
            sum += a3 * w3[j]
            sum += a4 * w4[j]
            sum += a5 * w5[j]
            sum += a6 * w6[j]
            sum += a7 * w7[j]
            y[j] = sum
        }
        i += 8
    }
    while i + 4 <= m {
        let a0 = x[i], a1 = x[i + 1], a2 = x[i + 2], a3 = x[i + 3]
        let w0 = w + i * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n
        for j in 0 ..< n {
            var sum = y[j]
            sum += a0 * w0[j]
            sum += a1 * w1[j]
            sum += a2 * w2[j]
            sum += a3 * w3[j]
            y[j] = sum
        }
        i += 4
    }
    while i < m {
        axpy(n, x[i], w + i * n, y)
        i += 1
    }
}

/// Y (T×n) += X (T×m) · W (m×n): `addVectorTimesMatrix` for T rows at once (rows of X and Y
/// are contiguous, `m` and `n` apart). Each y_t[j] sums its terms in the same order (i
/// ascending); W is read once for all T rows instead of T times.
func addRowsTimesMatrix(_ x: UnsafePointer<Double>, _ m: Int,
                        _ w: UnsafePointer<Double>, _ n: Int,
                        into y: UnsafeMutablePointer<Double>, rows: Int) {
    var i = 0
    while i + 4 <= m {
        let w0 = w + i * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n
        for t in 0 ..< rows {
            let xt = x + t * m, yt = y + t * n
            let a0 = xt[i], a1 = xt[i + 1], a2 = xt[i + 2], a3 = xt[i + 3]
            for j in 0 ..< n {
                var sum = yt[j]
                sum += a0 * w0[j]
                sum += a1 * w1[j]
                sum += a2 * w2[j]
                sum += a3 * w3[j]
                yt[j] = sum
            }
        }
        i += 4
    }
    while i < m {
        for t in 0 ..< rows { axpy(n, x[t * m + i], w + i * n, y + t * n) }
        i += 1
    }
}

/// y (1×m) = x (1×n) · Wᵀ where W is m×n:   y_i = W[i, :]·x  (one `dot` per row of W).
///
/// Four rows at a time share the loads of x; each row's dot is computed exactly as `dot` does.
@inline(__always)
func vectorTimesTransposed(_ x: UnsafePointer<Double>, _ n: Int,
                           _ w: UnsafePointer<Double>, _ m: Int,
                           into y: UnsafeMutablePointer<Double>) {
    var i = 0
    while i + 4 <= m {
        let w0 = w + i * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n
        var p0 = SIMD8<Double>(), p1 = SIMD8<Double>(), p2 = SIMD8<Double>(), p3 = SIMD8<Double>()
        var j = 0
        while j + 8 <= n {
            let xv = load8(x + j)
            p0 += load8(w0 + j) * xv
            p1 += load8(w1 + j) * xv
            p2 += load8(w2 + j) * xv
            p3 += load8(w3 + j) * xv
            j += 8
        }
        var s0 = combine(p0), s1 = combine(p1), s2 = combine(p2), s3 = combine(p3)
        while j < n {
            s0 += w0[j] * x[j]
            s1 += w1[j] * x[j]
            s2 += w2[j] * x[j]
            s3 += w3[j] * x[j]
            j += 1
        }
        y[i] = s0
        y[i + 1] = s1
        y[i + 2] = s2
        y[i + 3] = s3
        i += 4
    }
    while i < m {
        y[i] = dot(n, w + i * n, x)
        i += 1
    }
}

/// W (m×n) += uᵀ (m×1) · v (1×n):   W_ij += u_i·v_j  (rank-one update, one axpy per row).
@inline(__always)
func addOuterProduct(_ u: UnsafePointer<Double>, _ m: Int,
                     _ v: UnsafePointer<Double>, _ n: Int,
                     into w: UnsafeMutablePointer<Double>) {
    for i in 0 ..< m {
        axpy(n, u[i], v, w + i * n)
    }
}

/// W (m×n) += Σ_{t = T−1 … 0} u_tᵀ·v_t: the rank-one updates of `addOuterProduct` for T rows
/// u_t (1×m, `m` apart) and v_t (1×n, `n` apart), in descending t as BPTT makes them.
///
/// Each W_ij receives u_t[i]·v_t[j] for t = T−1 down to 0, exactly as T separate outer products
/// would add them, but it is loaded and stored once instead of T times: 8 columns of four rows
/// stay in registers while t runs.
func addOuterProductsDescending(_ u: UnsafePointer<Double>, _ m: Int,
                                _ v: UnsafePointer<Double>, _ n: Int,
                                into w: UnsafeMutablePointer<Double>, rows: Int) {
    var i = 0
    while i + 4 <= m {
        let w0 = w + i * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n
        var j = 0
        while j + 8 <= n {
            // Two chunks of 4 columns of four rows: 8 accumulators.
            var c0 = load4(w0 + j), c1 = load4(w1 + j), c2 = load4(w2 + j), c3 = load4(w3 + j)
            var d0 = load4(w0 + j + 4), d1 = load4(w1 + j + 4), d2 = load4(w2 + j + 4), d3 = load4(w3 + j + 4)
            var t = rows - 1
            while t >= 0 {
                let ut = u + t * m
                let vt = load4(v + t * n + j), wt = load4(v + t * n + j + 4)
                let u0 = SIMD4(repeating: ut[i]), u1 = SIMD4(repeating: ut[i + 1])
                let u2 = SIMD4(repeating: ut[i + 2]), u3 = SIMD4(repeating: ut[i + 3])
                c0 += u0 * vt
                c1 += u1 * vt
                c2 += u2 * vt
                c3 += u3 * vt
                d0 += u0 * wt
                d1 += u1 * wt
                d2 += u2 * wt
                d3 += u3 * wt
                t -= 1
            }
            store4(c0, w0 + j)
            store4(c1, w1 + j)
            store4(c2, w2 + j)
            store4(c3, w3 + j)
            store4(d0, w0 + j + 4)
            store4(d1, w1 + j + 4)
            store4(d2, w2 + j + 4)
            store4(d3, w3 + j + 4)
            j += 8
        }
        while j < n {
            for r in 0 ..< 4 {
                var sum = w[(i + r) * n + j]
                for t in stride(from: rows - 1, through: 0, by: -1) { sum += u[t * m + i + r] * v[t * n + j] }
                w[(i + r) * n + j] = sum
            }
            j += 1
        }
        i += 4
    }
    while i < m {
        for t in stride(from: rows - 1, through: 0, by: -1) { axpy(n, u[t * m + i], v + t * n, w + i * n) }
        i += 1
    }
}

/// h = tanh(a) for n values, computed as the C library computes tanh (fdlibm's method) but with
/// the divisions and sign handling done four at a time:
///
///     |x| < 2⁻⁵⁵: x·(1 + x);   |x| < 1: t = expm1(−2|x|), −t/(t + 2);
///     1 ≤ |x| < 22: t = expm1(2|x|), 1 − 2/(t + 2);   |x| ≥ 22: 1;   then the sign of x.
///
/// Only expm1 is called per value. Every operation is the same IEEE operation in the same order
/// as in glibc's tanh, so the results are bit-identical (a test compares them on millions of
/// values); it just avoids a library call and a scalar division per value.
@inline(__always)
func tanhInPlace(_ a: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>, count n: Int) {
    // 1. The argument of expm1 for each value (into h, used as scratch).
    for j in 0 ..< n {
        let magnitude = abs(a[j])
        h[j] = magnitude >= 1 ? 2 * magnitude : -2 * magnitude
    }
    // 2. The library's expm1, one value at a time.
    for j in 0 ..< n { h[j] = expm1(h[j]) }
    // 3. The quotient and the sign, four at a time.
    var j = 0
    let one = SIMD4<Double>(repeating: 1), two = SIMD4<Double>(repeating: 2)
    while j + 4 <= n {
        let x = load4(a + j), t = load4(h + j)
        let magnitude = x.replacing(with: -x, where: x .< 0)
        let large = one - two / (t + two), small = -t / (t + two)
        var z = small.replacing(with: large, where: magnitude .>= one)
        z.replace(with: -z, where: x .< 0)
        store4(z, h + j)
        j += 4
    }
    while j < n {
        let x = a[j], t = h[j]
        let z = abs(x) >= 1 ? 1 - 2 / (t + 2) : -t / (t + 2)
        h[j] = x < 0 ? -z : z
        j += 1
    }
    // 4. The rare cases: zero and tiny (x itself, or x·(1 + x)), |x| ≥ 22, NaN.
    for j in 0 ..< n {
        let x = a[j], magnitude = abs(x)
        if magnitude < 0x1p-55 || !(magnitude < 22) {
            h[j] = tanhSpecial(x)
        }
    }
}

/// s = σ(a) = 1 / (1 + e^{−a}) for n values (s may be a itself).
///
/// Written with e^{−a} rather than as (1 + tanh(a/2))/2 so that σ keeps its relative accuracy
/// near 0 (σ(−30) ≈ 9.4e-14, not a rounded-off difference): one exp per value, then the
/// divisions four at a time. For a < −709, e^{−a} = ∞ and σ = 0; a NaN stays NaN.
@inline(__always)
func sigmoidInPlace(_ a: UnsafePointer<Double>, into s: UnsafeMutablePointer<Double>, count n: Int) {
    for j in 0 ..< n { s[j] = exp(-a[j]) }
    var j = 0
    let one = SIMD4<Double>(repeating: 1)
    while j + 4 <= n {
        store4(one / (one + load4(s + j)), s + j)
        j += 4
    }
    while j < n {
        s[j] = 1 / (1 + s[j])
        j += 1
    }
}

/// tanh for the inputs `tanhInPlace` leaves to the library's own branches.
@inline(never)
func tanhSpecial(_ x: Double) -> Double {
    if x.isNaN { return x }
    let magnitude = abs(x)
    if magnitude == 0 { return x }
    if magnitude < 0x1p-55 { return x * (1 + x) }
    return x < 0 ? -1 : 1  // 1 − 1e-300 rounds to 1
}

/// The numerically stable softmax of z (1×n) into p, returning log Σ_j exp z_j.
///
///     m = max_j z_j,   p_j = exp(z_j − m) / Σ_k exp(z_k − m),   log Σ exp z = m + log Σ_k exp(z_k − m)
///
/// Subtracting the max keeps exp from overflowing; the returned log-sum-exp gives the loss
/// −log p_target = logΣexp − z_target without taking the log of a probability that may underflow.
@inline(__always)
func softmax(_ z: UnsafePointer<Double>, _ n: Int, into p: UnsafeMutablePointer<Double>) -> Double {
    var maximum = z[0]
    for j in 1 ..< n where z[j] > maximum { maximum = z[j] }
    var total = 0.0
    for j in 0 ..< n {
        let e = exp(z[j] - maximum)
        p[j] = e
        total += e
    }
    let scale = 1 / total
    for j in 0 ..< n { p[j] *= scale }
    return maximum + log(total)
}

/// ‖x‖ = √(Σ x_j²), the sum as `dot` forms it.
@inline(__always)
func norm(_ n: Int, _ x: UnsafePointer<Double>) -> Double {
    dot(n, x, x).squareRoot()
}
