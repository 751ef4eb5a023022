#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
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

/// Σ_j x_j·y_j  (x, y: 1×n).
///
/// Eight partial sums s_r = Σ_{j ≡ r mod 8} x_j·y_j over the first n − n mod 8 entries, combined
/// as ((s0+s4)+(s1+s5)) + ((s2+s6)+(s3+s7)), then the tail added in order. Independent partial
/// sums let the loop run at full SIMD width without fast-math (Swift never reassociates).
@inline(__always)
func dot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
    var j = 0
    while j + 8 <= n {
        s0 += x[j] * y[j]
        s1 += x[j + 1] * y[j + 1]
        s2 += x[j + 2] * y[j + 2]
        s3 += x[j + 3] * y[j + 3]
        s4 += x[j + 4] * y[j + 4]
        s5 += x[j + 5] * y[j + 5]
        s6 += x[j + 6] * y[j + 6]
        s7 += x[j + 7] * y[j + 7]
        j += 8
    }
    var sum = ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7))
    while j < n {
        sum += x[j] * y[j]
        j += 1
    }
    return sum
}

/// y (1×n) += x (1×m) · W (m×n):   y_j += Σ_i x_i·W_ij, with i ascending.
///
/// Computed as one axpy per row of W (y += x_i·W[i, :]), so memory is read in order.
@inline(__always)
func addVectorTimesMatrix(_ x: UnsafePointer<Double>, _ m: Int,
                          _ w: UnsafePointer<Double>, _ n: Int,
                          into y: UnsafeMutablePointer<Double>) {
    for i in 0 ..< m {
        axpy(n, x[i], w + i * n, y)
    }
}

/// y (1×m) = x (1×n) · Wᵀ where W is m×n:   y_i = W[i, :]·x  (one dot per row of W).
@inline(__always)
func vectorTimesTransposed(_ x: UnsafePointer<Double>, _ n: Int,
                           _ w: UnsafePointer<Double>, _ m: Int,
                           into y: UnsafeMutablePointer<Double>) {
    for i in 0 ..< m {
        y[i] = dot(n, w + i * n, x)
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

/// ‖x‖ = √(Σ x_j²), summed in order (diagnostics, not hot).
func norm(_ n: Int, _ x: UnsafePointer<Double>) -> Double {
    var sum = 0.0
    for j in 0 ..< n { sum += x[j] * x[j] }
    return sum.squareRoot()
}
