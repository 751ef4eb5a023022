/// A dense matrix of doubles, stored flat and row-major: entry (r, c) is `storage[r * columns + c]`.
///
/// A row vector is a 1×n matrix. No arrays of arrays: one contiguous buffer, so kernels can
/// walk it with a pointer and a checkpoint can write it as it is.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public var storage: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "a matrix cannot have a negative size")
        self.rows = rows
        self.columns = columns
        storage = [Double](repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, storage: [Double]) {
        precondition(storage.count == rows * columns, "storage holds \(storage.count) values, not \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// Builds a matrix from a list of rows (a convenience for tests and small examples).
    public init(_ rowValues: [[Double]]) {
        let columnCount = rowValues.first?.count ?? 0
        precondition(rowValues.allSatisfy { $0.count == columnCount }, "rows differ in length")
        self.init(rows: rowValues.count, columns: columnCount, storage: rowValues.flatMap { $0 })
    }

    public var count: Int { storage.count }

    public subscript(row: Int, column: Int) -> Double {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// Row r as an array (1×columns).
    public func row(_ r: Int) -> [Double] {
        Array(storage[r * columns ..< (r + 1) * columns])
    }

    /// The rectangle rows × columns of this matrix, as a new matrix.
    public func slice(rows rowRange: Range<Int>, columns columnRange: Range<Int>) -> Matrix {
        var values: [Double] = []
        values.reserveCapacity(rowRange.count * columnRange.count)
        for r in rowRange {
            for c in columnRange { values.append(self[r, c]) }
        }
        return Matrix(rows: rowRange.count, columns: columnRange.count, storage: values)
    }

    public var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for r in 0 ..< rows {
            for c in 0 ..< columns { result[c, r] = self[r, c] }
        }
        return result
    }

    /// The n×n identity times `scale`.
    public static func identity(_ n: Int, scale: Double = 1) -> Matrix {
        var result = Matrix(rows: n, columns: n)
        for i in 0 ..< n { result[i, i] = scale }
        return result
    }

    /// Ordinary product (self: m×k) · (other: k×n) → m×n, in plain loops (tests and small uses only).
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(columns == other.rows, "cannot multiply \(rows)×\(columns) by \(other.rows)×\(other.columns)")
        var result = Matrix(rows: rows, columns: other.columns)
        for i in 0 ..< rows {
            for k in 0 ..< columns {
                let a = self[i, k]
                for j in 0 ..< other.columns { result[i, j] += a * other[k, j] }
            }
        }
        return result
    }
}

/// Summary statistics of a list of values (for `show NAME stats`).
public struct ValueStatistics: Equatable, Sendable {
    public let count: Int
    public let mean: Double
    /// Population standard deviation √(Σ(x − mean)² / n).
    public let standardDeviation: Double
    public let minimum: Double
    public let maximum: Double
    /// Euclidean (Frobenius) norm √(Σ x²).
    public let norm: Double

    public init<C: Collection>(_ values: C) where C.Element == Double {
        count = values.count
        guard !values.isEmpty else {
            mean = 0; standardDeviation = 0; minimum = 0; maximum = 0; norm = 0
            return
        }
        var sum = 0.0, sumOfSquares = 0.0
        var low = Double.infinity, high = -Double.infinity
        for x in values {
            sum += x
            sumOfSquares += x * x
            low = Swift.min(low, x)
            high = Swift.max(high, x)
        }
        let mean = sum / Double(count)
        var squaredDeviations = 0.0
        for x in values { squaredDeviations += (x - mean) * (x - mean) }
        self.mean = mean
        standardDeviation = (squaredDeviations / Double(count)).squareRoot()
        minimum = low
        maximum = high
        norm = sumOfSquares.squareRoot()
    }
}
