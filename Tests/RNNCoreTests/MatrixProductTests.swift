import Testing
@testable import RNNCore

/// The batched network's products: every C_ij is fma(A_ik, B_kj, ·) over k in order, whatever the
/// shape, tile, task or number of threads.
@Suite struct MatrixProductTests {
    static let shapes: [(m: Int, k: Int, n: Int)] = [(1, 1, 1), (7, 5, 3), (13, 37, 33), (48, 64, 65), (50, 19, 100)]

    /// A scalar loop with the same operations as the kernels.
    static func reference<S: NetworkScalar>(_ a: [S], _ b: [S], m: Int, k: Int, n: Int, start: [S]?) -> [S] {
        var c = start ?? [S](repeating: 0, count: m * n)
        for i in 0 ..< m {
            for j in 0 ..< n {
                var sum = c[i * n + j]
                for p in 0 ..< k { sum = sum.addingProduct(a[i * k + p], b[p * n + j]) }
                c[i * n + j] = sum
            }
        }
        return c
    }

    static func check<S: NetworkScalar>(_ type: S.Type, threads: Int) {
        var generator = SeededGenerator(seed: 7)
        let pool = ThreadPool(threads: threads)
        for (m, k, n) in shapes {
            let a = (0 ..< m * k).map { _ in S(generator.nextGaussian()) }
            let b = (0 ..< k * n).map { _ in S(generator.nextGaussian()) }
            let start = (0 ..< m * n).map { _ in S(generator.nextGaussian()) }
            // B packed as a weight matrix, and as a padded row-major activation; A as rows and
            // as the transpose of a stored matrix.
            let packed = PackedMatrix<S>(depth: k, columns: n)
            packed.pack { b[$0 * n + $1] }
            let leading = S.paddedColumns(n)
            var padded = [S](repeating: 0, count: k * leading)
            for p in 0 ..< k { for j in 0 ..< n { padded[p * leading + j] = b[p * n + j] } }
            var aTransposed = [S](repeating: 0, count: k * m)
            for i in 0 ..< m { for p in 0 ..< k { aTransposed[p * m + i] = a[i * k + p] } }
            for accumulate in [false, true] {
                let expected = reference(a, b, m: m, k: k, n: n, start: accumulate ? start : nil)
                for useTransposed in [false, true] {
                    for usePacked in [false, true] {
                        var c = accumulate ? start : [S](repeating: 0, count: m * n)
                        let source = useTransposed ? aTransposed : a
                        source.withUnsafeBufferPointer { ap in
                            padded.withUnsafeBufferPointer { bp in
                                c.withUnsafeMutableBufferPointer { cp in
                                    let aMatrix = useTransposed ? StridedMatrix.transposed(ap.baseAddress!, leading: m)
                                        : StridedMatrix.rows(ap.baseAddress!, leading: k)
                                    let panels = usePacked ? packed.panels
                                        : Panels.paddedRows(bp.baseAddress!, leading: leading, columns: n)
                                    multiply(rows: m, depth: k, aMatrix, panels, into: cp.baseAddress!, leading: n,
                                             accumulate: accumulate, pool: pool)
                                }
                            }
                        }
                        #expect(c == expected, "\(S.self) \(m)x\(k)x\(n) accumulate \(accumulate) transposed \(useTransposed) packed \(usePacked) threads \(threads)")
                    }
                }
            }
        }
    }

    @Test(arguments: [1, 2, 3])
    func productsAreTheSameFusedSumsForEveryThreadCount(threads: Int) {
        Self.check(Float.self, threads: threads)
        Self.check(Double.self, threads: threads)
    }

    @Test func columnSumsAddRowsInOrder() {
        let pool = ThreadPool(threads: 2)
        let m = 5, n = 300
        let x = (0 ..< m * n).map { Float($0 % 17) * 0.1 }
        var s = [Float](repeating: 1, count: n)
        x.withUnsafeBufferPointer { xp in
            s.withUnsafeMutableBufferPointer { addColumnSums(rows: m, columns: n, xp.baseAddress!, leading: n, into: $0.baseAddress!, pool: pool) }
        }
        for j in 0 ..< n {
            var expected: Float = 1
            for i in 0 ..< m { expected += x[i * n + j] }
            #expect(s[j] == expected)
        }
    }
}
