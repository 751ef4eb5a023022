/// The leading principal components of n points x_0 … x_{n−1} in d dimensions (the rows of an
/// n×d matrix X), `plot states`' projection of the hidden states:
///
///     μ = (1/n) Σ_t x_t                                  (1×d) the mean point
///     C = (1/n) Σ_t (x_t − μ)ᵀ(x_t − μ)                  (d×d) the covariance
///     C·v_k = λ_k·v_k,  λ_1 ≥ λ_2 ≥ … ≥ 0,  ‖v_k‖ = 1    the components and their variances
///     y_t[k] = (x_t − μ)·v_k                             the coordinates of point t
///
/// λ_k / Σ_j λ_j (Σ_j λ_j = trace C, the total variance) is the share of the variance that
/// component k explains. Each v_k is defined up to its sign; here its entry of largest |value|
/// (the first, on a tie) is positive, so the same states always give the same picture.
public struct PrincipalComponents: Equatable, Sendable {
    /// μ (1×d).
    public let mean: [Double]
    /// v_1 … v_k, each 1×d of length 1 (a zero vector for a component with no variance).
    public let components: [[Double]]
    /// λ_1 … λ_k.
    public let variances: [Double]
    /// trace C = Σ of every λ.
    public let totalVariance: Double
    /// y_t (1×k) for each point t.
    public let projections: [[Double]]

    /// λ_k / trace C for each component (0 when nothing varies).
    public var explainedShares: [Double] { variances.map { totalVariance > 0 ? $0 / totalVariance : 0 } }
}

/// The first `count` principal components of the rows of `points` (n×d), nil when `shouldStop`
/// (asked between sweeps of the eigen-decomposition) said stop.
///
/// The eigenvectors come from the smaller of two symmetric matrices: C (d×d) when d ≤ n, else
/// the Gram matrix G = (1/n)·X_c·X_cᵀ (n×n, X_c the centred points), which has the same nonzero
/// eigenvalues, with v = X_cᵀ·u / ‖X_cᵀ·u‖ for each eigenvector u of G.
public func principalComponents(of points: Matrix, count: Int, shouldStop: () -> Bool = { false }) -> PrincipalComponents? {
    let n = points.rows, d = points.columns
    precondition(n >= 1 && d >= 1 && count >= 1, "principal components need points")
    var mean = [Double](repeating: 0, count: d)
    for t in 0 ..< n { for j in 0 ..< d { mean[j] += points[t, j] } }
    for j in 0 ..< d { mean[j] /= Double(n) }
    var centred = points.storage                               // X_c (n×d)
    for t in 0 ..< n { for j in 0 ..< d { centred[t * d + j] -= mean[j] } }
    var total = 0.0                                            // trace C = (1/n) Σ ‖x_t − μ‖²
    for value in centred { total += value * value }
    total /= Double(n)

    let k = min(count, d)
    var components: [[Double]] = []
    var variances: [Double] = []
    if d <= n {
        // C = (1/n)·X_cᵀ·X_c, summed over t in order.
        var c = [Double](repeating: 0, count: d * d)
        for t in 0 ..< n {
            let row = t * d
            for i in 0 ..< d where centred[row + i] != 0 {
                let xi = centred[row + i]
                for j in i ..< d { c[i * d + j] += xi * centred[row + j] }
            }
        }
        for i in 0 ..< d {
            for j in i ..< d {
                c[i * d + j] /= Double(n)
                c[j * d + i] = c[i * d + j]
            }
        }
        guard let (values, vectors) = symmetricEigen(Matrix(rows: d, columns: d, storage: c), shouldStop: shouldStop) else { return nil }
        for m in 0 ..< k {
            variances.append(max(values[m], 0))
            components.append((0 ..< d).map { vectors[$0, m] })
        }
    } else {
        // G = (1/n)·X_c·X_cᵀ (n×n).
        var g = [Double](repeating: 0, count: n * n)
        for s in 0 ..< n {
            for t in s ..< n {
                var sum = 0.0
                for j in 0 ..< d { sum += centred[s * d + j] * centred[t * d + j] }
                g[s * n + t] = sum / Double(n)
                g[t * n + s] = g[s * n + t]
            }
        }
        guard let (values, vectors) = symmetricEigen(Matrix(rows: n, columns: n, storage: g), shouldStop: shouldStop) else { return nil }
        for m in 0 ..< k {
            // v = X_cᵀ·u, normalised.
            var v = [Double](repeating: 0, count: d)
            for t in 0 ..< n {
                let u = vectors[t, m]
                for j in 0 ..< d { v[j] += centred[t * d + j] * u }
            }
            let length = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let variance = m < values.count ? max(values[m], 0) : 0
            if length > 0 && variance > 0 {
                for j in 0 ..< d { v[j] /= length }
            } else {
                v = [Double](repeating: 0, count: d)
            }
            variances.append(length > 0 ? variance : 0)
            components.append(v)
        }
    }
    // The sign convention: the entry of largest |value| is positive.
    for m in 0 ..< components.count {
        var largest = 0
        for j in 1 ..< d where abs(components[m][j]) > abs(components[m][largest]) { largest = j }
        if components[m][largest] < 0 { components[m] = components[m].map { -$0 } }
    }
    let projections = (0 ..< n).map { t in
        components.map { v in
            var sum = 0.0
            for j in 0 ..< d { sum += centred[t * d + j] * v[j] }
            return sum
        }
    }
    return PrincipalComponents(mean: mean, components: components, variances: variances, totalVariance: total,
                               projections: projections)
}

/// The eigenvalues of a symmetric matrix A (m×m), largest first, and its eigenvectors as the
/// columns of an m×m matrix, by the cyclic Jacobi method: each rotation in a plane (p, q),
///
///     θ = (a_qq − a_pp) / (2·a_pq),  t = sign(θ) / (|θ| + √(θ² + 1)),  c = 1/√(t² + 1),  s = t·c
///     A ← Jᵀ·A·J,  V ← V·J      (J: the identity with J_pp = J_qq = c, J_pq = s, J_qp = −s)
///
/// makes a_pq zero; sweeps over every pair until the off-diagonal part is negligible (about ten
/// sweeps). Deterministic: pairs in a fixed order. Nil when `shouldStop` (asked between sweeps)
/// said stop.
public func symmetricEigen(_ matrix: Matrix, shouldStop: () -> Bool = { false }) -> (values: [Double], vectors: Matrix)? {
    let m = matrix.rows
    precondition(matrix.columns == m, "a square matrix")
    var a = matrix.storage
    var v = [Double](repeating: 0, count: m * m)
    for i in 0 ..< m { v[i * m + i] = 1 }
    for _ in 0 ..< 100 {
        var off = 0.0, diagonal = 0.0
        for i in 0 ..< m {
            diagonal += a[i * m + i] * a[i * m + i]
            for j in i + 1 ..< m { off += a[i * m + j] * a[i * m + j] }
        }
        if off <= 1e-30 * diagonal || off == 0 { break }
        if shouldStop() { return nil }
        for p in 0 ..< m - 1 {
            for q in p + 1 ..< m {
                let apq = a[p * m + q]
                guard apq != 0 else { continue }
                let theta = (a[q * m + q] - a[p * m + p]) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                // Columns p and q of A (A·J), then rows p and q (Jᵀ·A).
                for r in 0 ..< m {
                    let arp = a[r * m + p], arq = a[r * m + q]
                    a[r * m + p] = c * arp - s * arq
                    a[r * m + q] = s * arp + c * arq
                }
                for r in 0 ..< m {
                    let apr = a[p * m + r], aqr = a[q * m + r]
                    a[p * m + r] = c * apr - s * aqr
                    a[q * m + r] = s * apr + c * aqr
                }
                a[p * m + q] = 0
                a[q * m + p] = 0
                for r in 0 ..< m {
                    let vrp = v[r * m + p], vrq = v[r * m + q]
                    v[r * m + p] = c * vrp - s * vrq
                    v[r * m + q] = s * vrp + c * vrq
                }
            }
        }
    }
    // Largest first (the lower index on a tie).
    let order = (0 ..< m).sorted { a[$0 * m + $0] > a[$1 * m + $1] || (a[$0 * m + $0] == a[$1 * m + $1] && $0 < $1) }
    var vectors = [Double](repeating: 0, count: m * m)
    for (column, source) in order.enumerated() {
        for r in 0 ..< m { vectors[r * m + column] = v[r * m + source] }
    }
    return (order.map { a[$0 * m + $0] }, Matrix(rows: m, columns: m, storage: vectors))
}
