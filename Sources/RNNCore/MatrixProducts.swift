/// Matrix products for the batched network (`Network`): C (M×N) = A (M×K) · B (K×N), or
/// C += A·B, in the layout llm.c and BLAS libraries use.
///
/// B comes in column panels of `panelWidth` columns (two vector registers: 32 floats or 16
/// doubles), each panel K rows deep; a weight matrix is packed into panels once per step, and a
/// row-major activation whose rows are padded to a multiple of the panel width is already in
/// that form. A is read in place through two strides, so A·B, Aᵀ·B and a block of rows are all
/// the same loop. The register tile is 6 rows × one panel: twelve vector accumulators.
///
/// Every C_ij is computed by exactly one call of the kernel, as
///
///     c ← C_ij (accumulate) or 0;   for k = 0, 1, …, K−1:  c ← fma(A_ik, B_kj, c);   C_ij ← c
///
/// whatever tile, task or thread it falls in (the one-row kernel does the same operations as
/// the six-row one). So products are bit-identical for every number of threads.

extension NetworkScalar {
    /// Columns in a panel of B: two lanes.
    @inline(__always) static var panelWidth: Int { 2 * Lane.scalarCount }

    /// n rounded up to whole panels: the row length of an activation that serves as B.
    static func paddedColumns(_ n: Int) -> Int { (n + panelWidth - 1) / panelWidth * panelWidth }
}

/// A read in place: A_ik = base[i·rowStride + k·depthStride].
struct StridedMatrix<S: NetworkScalar> {
    var base: UnsafePointer<S>
    var rowStride: Int
    var depthStride: Int

    /// A row-major matrix with rows `leading` apart, as A.
    static func rows(_ base: UnsafePointer<S>, leading: Int) -> StridedMatrix { .init(base: base, rowStride: leading, depthStride: 1) }
    /// The transpose of a row-major matrix (rows `leading` apart), as A: A_ik = M_ki.
    static func transposed(_ base: UnsafePointer<S>, leading: Int) -> StridedMatrix {
        .init(base: base, rowStride: 1, depthStride: leading)
    }

    /// The matrix from row `row` on.
    func fromRow(_ row: Int) -> StridedMatrix { .init(base: base + row * rowStride, rowStride: rowStride, depthStride: depthStride) }
}

/// B as panels: B_kj = base[(j / W)·panelStride + k·depthStride + j mod W], W = `panelWidth`.
/// Each panel's W columns are contiguous for every k; columns past `columns` read as zeros.
struct Panels<S: NetworkScalar> {
    var base: UnsafePointer<S>
    var panelStride: Int
    var depthStride: Int
    var columns: Int

    var panelCount: Int { (columns + S.panelWidth - 1) / S.panelWidth }

    /// A row-major matrix whose rows (`leading` apart, a multiple of the panel width) are
    /// zero-padded past `columns`.
    static func paddedRows(_ base: UnsafePointer<S>, leading: Int, columns: Int) -> Panels {
        precondition(leading % S.panelWidth == 0 && leading >= columns, "rows must be padded to whole panels")
        return Panels(base: base, panelStride: S.panelWidth, depthStride: leading, columns: columns)
    }
}

/// A weight matrix (or its transpose) converted to S and packed into panels.
final class PackedMatrix<S: NetworkScalar> {
    let depth: Int
    let columns: Int
    let storage: ScalarBuffer<S>

    /// Room for a K×N matrix.
    init(depth: Int, columns: Int) {
        self.depth = depth
        self.columns = columns
        storage = ScalarBuffer((columns + S.panelWidth - 1) / S.panelWidth * S.panelWidth * depth)
    }

    var panels: Panels<S> {
        Panels(base: UnsafePointer(storage.pointer), panelStride: S.panelWidth * depth, depthStride: S.panelWidth, columns: columns)
    }

    /// Packs B_kj = value(k, j) (columns past N stay zero).
    @inline(__always)
    func pack(_ value: (_ k: Int, _ j: Int) -> S) {
        let width = S.panelWidth
        for panel in 0 ..< (columns + width - 1) / width {
            let out = storage.pointer + panel * width * depth
            let first = panel * width, count = min(width, columns - first)
            for k in 0 ..< depth {
                for j in 0 ..< count { out[k * width + j] = value(k, first + j) }
            }
        }
    }
}

/// C (M×N, rows `ldc` apart) = A·B, or += when `accumulate`: see the top of this file. Tasks of
/// whole tiles go to `pool` when given (nil: this thread does everything, as inside a task).
@_specialize(where S == Float)
@_specialize(where S == Double)
func multiply<S: NetworkScalar>(rows m: Int, depth k: Int, _ a: StridedMatrix<S>, _ b: Panels<S>,
                                into c: UnsafeMutablePointer<S>, leading ldc: Int, accumulate: Bool, pool: ThreadPool? = nil) {
    guard m > 0 && b.columns > 0 else { return }
    let width = S.panelWidth, panels = b.panelCount
    let packB = b.depthStride != width
    // Tasks: blocks of rows × groups of panels, enough of them to share out. A B that must be
    // packed is packed once: its tasks take all the rows (unless there are too few panels).
    let threads = pool?.threadCount ?? 1
    let rowBlock = packB && panels >= 2 * threads ? m : 96
    let rowBlocks = (m + rowBlock - 1) / rowBlock
    let panelGroups = min(panels, max(1, (4 * threads + rowBlocks - 1) / rowBlocks))
    let tasks = rowBlocks * panelGroups
    // Operands read with a long stride are copied first: a transposed A into rows (once), the
    // panels of an activation B into contiguous tiles (per task). A stride of a power of two
    // would otherwise keep only a few cache sets busy.
    if a.rowStride == 1 && a.depthStride != 1 && m > 1 {
        withUnsafeTemporaryAllocation(of: S.self, capacity: m * k) { rows in
            let out = rows.baseAddress!
            let chunks = min(m, 4 * threads)
            let work: (Int) -> Void = { chunk in
                let first = chunk * m / chunks, last = (chunk + 1) * m / chunks
                transpose(a.fromRow(first), rows: last - first, depth: k, into: out + first * k)
            }
            if let pool { pool.run(chunks, work) } else { for chunk in 0 ..< chunks { work(chunk) } }
            multiply(rows: m, depth: k, .rows(UnsafePointer(rows.baseAddress!), leading: k), b, into: c, leading: ldc,
                     accumulate: accumulate, pool: pool)
        }
        return
    }
    // The depth is taken in blocks of 512, so that a panel's block of B (64 KB of floats) stays
    // in cache while the row tiles use it; each block continues the sums the one before left
    // in C, so the order of every sum is unchanged.
    let depthBlock = 256
    func task(_ index: Int) {
        let rowStart = (index / panelGroups) * rowBlock, rowEnd = min(m, rowStart + rowBlock)
        let group = index % panelGroups
        let firstPanel = group * panels / panelGroups, lastPanel = (group + 1) * panels / panelGroups
        withUnsafeTemporaryAllocation(of: S.self, capacity: packB ? min(k, depthBlock) * width : 1) { scratch in
            for first in stride(from: 0, to: k, by: depthBlock) {
                let depth = min(depthBlock, k - first), continuing = accumulate || first > 0
                let aBlock = StridedMatrix(base: a.base + first * a.depthStride, rowStride: a.rowStride, depthStride: a.depthStride)
                for panel in firstPanel ..< lastPanel {
                    let column = panel * width
                    let valid = min(width, b.columns - column)
                    var bPanel = b.base + panel * b.panelStride + first * b.depthStride, bStride = b.depthStride
                    if packB {
                        let tile = scratch.baseAddress!
                        for p in 0 ..< depth { (tile + p * width).update(from: bPanel + p * bStride, count: width) }
                        bPanel = UnsafePointer(tile)
                        bStride = width
                    }
                    var row = rowStart
                    while row + 6 <= rowEnd {
                        kernel6(depth: depth, aBlock.fromRow(row), bPanel, bStride, c + row * ldc + column, ldc, valid, continuing)
                        row += 6
                    }
                    if row + 4 <= rowEnd {
                        kernel4(depth: depth, aBlock.fromRow(row), bPanel, bStride, c + row * ldc + column, ldc, valid, continuing)
                        row += 4
                    }
                    if row + 2 <= rowEnd {
                        kernel2(depth: depth, aBlock.fromRow(row), bPanel, bStride, c + row * ldc + column, ldc, valid, continuing)
                        row += 2
                    }
                    if row < rowEnd {
                        kernel1(depth: depth, aBlock.fromRow(row), bPanel, bStride, c + row * ldc + column, valid, continuing)
                    }
                }
            }
        }
    }
    if let pool, tasks > 1 { pool.run(tasks, task) } else { for index in 0 ..< tasks { task(index) } }
}

/// out (m×k, row-major) = the m×k matrix `a` reads, copied in 16×16 blocks.
private func transpose<S: NetworkScalar>(_ a: StridedMatrix<S>, rows m: Int, depth k: Int, into out: UnsafeMutablePointer<S>) {
    let block = 16
    for i0 in stride(from: 0, to: m, by: block) {
        for p0 in stride(from: 0, to: k, by: block) {
            for p in p0 ..< min(k, p0 + block) {
                let source = a.base + p * a.depthStride
                for i in i0 ..< min(m, i0 + block) { out[i * k + p] = source[i * a.rowStride] }
            }
        }
    }
}

/// Loads `width` ≤ 2 lanes of C into two lanes (zeros past the width).
@inline(__always)
private func loadTile<S: NetworkScalar>(_ c: UnsafeMutablePointer<S>, _ width: Int) -> (S.Lane, S.Lane) {
    let w = S.Lane.scalarCount
    if width == 2 * w { return (loadLane(c), loadLane(c + w)) }
    var low = S.Lane(), high = S.Lane()
    for j in 0 ..< width { if j < w { low[j] = c[j] } else { high[j - w] = c[j] } }
    return (low, high)
}

/// Stores the first `width` columns of two lanes into C.
@inline(__always)
private func storeTile<S: NetworkScalar>(_ low: S.Lane, _ high: S.Lane, _ c: UnsafeMutablePointer<S>, _ width: Int) {
    let w = S.Lane.scalarCount
    if width == 2 * w {
        storeLane(low, c)
        storeLane(high, c + w)
        return
    }
    for j in 0 ..< width { c[j] = j < w ? low[j] : high[j - w] }
}

/// Six rows of A times one panel of B into six rows of C (`width` valid columns).
@inline(__always)
private func kernel6<S: NetworkScalar>(depth: Int, _ a: StridedMatrix<S>, _ b: UnsafePointer<S>, _ bStride: Int,
                                       _ c: UnsafeMutablePointer<S>, _ ldc: Int, _ width: Int, _ accumulate: Bool) {
    let w = S.Lane.scalarCount
    var c00 = S.Lane(), c01 = S.Lane(), c10 = S.Lane(), c11 = S.Lane(), c20 = S.Lane(), c21 = S.Lane()
    var c30 = S.Lane(), c31 = S.Lane(), c40 = S.Lane(), c41 = S.Lane(), c50 = S.Lane(), c51 = S.Lane()
    if accumulate {
        (c00, c01) = loadTile(c, width)
        (c10, c11) = loadTile(c + ldc, width)
        (c20, c21) = loadTile(c + 2 * ldc, width)
        (c30, c31) = loadTile(c + 3 * ldc, width)
        (c40, c41) = loadTile(c + 4 * ldc, width)
        (c50, c51) = loadTile(c + 5 * ldc, width)
    }
    let rs = a.rowStride, ds = a.depthStride
    var ap = a.base, bp = b
    for _ in 0 ..< depth {
        let b0: S.Lane = loadLane(bp), b1: S.Lane = loadLane(bp + w)
        var x = S.Lane(repeating: ap[0])
        c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
        x = S.Lane(repeating: ap[rs])
        c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
        x = S.Lane(repeating: ap[2 * rs])
        c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
        x = S.Lane(repeating: ap[3 * rs])
        c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
        x = S.Lane(repeating: ap[4 * rs])
        c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
        x = S.Lane(repeating: ap[5 * rs])
        c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
        ap += ds
        bp += bStride
    }
    storeTile(c00, c01, c, width)
    storeTile(c10, c11, c + ldc, width)
    storeTile(c20, c21, c + 2 * ldc, width)
    storeTile(c30, c31, c + 3 * ldc, width)
    storeTile(c40, c41, c + 4 * ldc, width)
    storeTile(c50, c51, c + 5 * ldc, width)
}

/// Four rows: the same operations as four rows of `kernel6`.
@inline(__always)
private func kernel4<S: NetworkScalar>(depth: Int, _ a: StridedMatrix<S>, _ b: UnsafePointer<S>, _ bStride: Int,
                                       _ c: UnsafeMutablePointer<S>, _ ldc: Int, _ width: Int, _ accumulate: Bool) {
    let w = S.Lane.scalarCount
    var c00 = S.Lane(), c01 = S.Lane(), c10 = S.Lane(), c11 = S.Lane()
    var c20 = S.Lane(), c21 = S.Lane(), c30 = S.Lane(), c31 = S.Lane()
    if accumulate {
        (c00, c01) = loadTile(c, width)
        (c10, c11) = loadTile(c + ldc, width)
        (c20, c21) = loadTile(c + 2 * ldc, width)
        (c30, c31) = loadTile(c + 3 * ldc, width)
    }
    let rs = a.rowStride, ds = a.depthStride
    var ap = a.base, bp = b
    for _ in 0 ..< depth {
        let b0: S.Lane = loadLane(bp), b1: S.Lane = loadLane(bp + w)
        var x = S.Lane(repeating: ap[0])
        c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
        x = S.Lane(repeating: ap[rs])
        c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
        x = S.Lane(repeating: ap[2 * rs])
        c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
        x = S.Lane(repeating: ap[3 * rs])
        c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
        ap += ds
        bp += bStride
    }
    storeTile(c00, c01, c, width)
    storeTile(c10, c11, c + ldc, width)
    storeTile(c20, c21, c + 2 * ldc, width)
    storeTile(c30, c31, c + 3 * ldc, width)
}

/// Two rows: the same operations as two rows of `kernel6`.
@inline(__always)
private func kernel2<S: NetworkScalar>(depth: Int, _ a: StridedMatrix<S>, _ b: UnsafePointer<S>, _ bStride: Int,
                                       _ c: UnsafeMutablePointer<S>, _ ldc: Int, _ width: Int, _ accumulate: Bool) {
    let w = S.Lane.scalarCount
    var c00 = S.Lane(), c01 = S.Lane(), c10 = S.Lane(), c11 = S.Lane()
    if accumulate {
        (c00, c01) = loadTile(c, width)
        (c10, c11) = loadTile(c + ldc, width)
    }
    let rs = a.rowStride, ds = a.depthStride
    var ap = a.base, bp = b
    for _ in 0 ..< depth {
        let b0: S.Lane = loadLane(bp), b1: S.Lane = loadLane(bp + w)
        var x = S.Lane(repeating: ap[0])
        c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
        x = S.Lane(repeating: ap[rs])
        c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
        ap += ds
        bp += bStride
    }
    storeTile(c00, c01, c, width)
    storeTile(c10, c11, c + ldc, width)
}

/// One row of A times one panel of B: the same operations as one row of `kernel6`.
@inline(__always)
private func kernel1<S: NetworkScalar>(depth: Int, _ a: StridedMatrix<S>, _ b: UnsafePointer<S>, _ bStride: Int,
                                       _ c: UnsafeMutablePointer<S>, _ width: Int, _ accumulate: Bool) {
    let w = S.Lane.scalarCount
    var c0 = S.Lane(), c1 = S.Lane()
    if accumulate { (c0, c1) = loadTile(c, width) }
    var ap = a.base, bp = b
    for _ in 0 ..< depth {
        let x = S.Lane(repeating: ap[0])
        c0 = c0.addingProduct(x, loadLane(bp))
        c1 = c1.addingProduct(x, loadLane(bp + w))
        ap += a.depthStride
        bp += bStride
    }
    storeTile(c0, c1, c, width)
}

/// s_j (+)= Σ_i X_ij over the rows i = 0…m−1 in order (X row-major, rows `leading` apart), for
/// j in 0..<n: bias gradients. Columns are shared out to `pool` in blocks.
@_specialize(where S == Float)
@_specialize(where S == Double)
func addColumnSums<S: NetworkScalar>(rows m: Int, columns n: Int, _ x: UnsafePointer<S>, leading: Int,
                                     into s: UnsafeMutablePointer<S>, pool: ThreadPool? = nil) {
    let block = 256
    let blocks = (n + block - 1) / block
    func task(_ index: Int) {
        let first = index * block, last = min(n, first + block)
        for i in 0 ..< m {
            let row = x + i * leading
            for j in first ..< last { s[j] += row[j] }
        }
    }
    if let pool, blocks > 1 { pool.run(blocks, task) } else { for index in 0 ..< blocks { task(index) } }
}
