/// A matrix ready to be drawn: values plus what its rows and columns mean.
public struct LabeledMatrix: Equatable, Sendable {
    public var name: String
    public var rows: Int
    public var columns: Int
    /// Row-major values, rows × columns.
    public var values: [Double]
    /// One label per row (e.g. the character of each row of W_xh), or nil for indices.
    public var rowLabels: [String]?
    /// One label per column (e.g. the character of each column of W_hy), or nil for indices.
    public var columnLabels: [String]?
    /// Index of the first row/column, when this is a slice of a bigger matrix.
    public var rowOffset: Int
    public var columnOffset: Int
    /// Shown after the shape, e.g. "rows: characters".
    public var note: String?

    public init(name: String, rows: Int, columns: Int, values: [Double], rowLabels: [String]? = nil,
                columnLabels: [String]? = nil, rowOffset: Int = 0, columnOffset: Int = 0, note: String? = nil) {
        precondition(values.count == rows * columns, "\(values.count) values for \(rows)×\(columns)")
        self.name = name
        self.rows = rows
        self.columns = columns
        self.values = values
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.rowOffset = rowOffset
        self.columnOffset = columnOffset
        self.note = note
    }

    public subscript(row: Int, column: Int) -> Double { values[row * columns + column] }
}

/// Layout choices for `formatMatrix`.
public struct MatrixFormatOptions: Equatable, Sendable {
    /// Digits after the decimal point.
    public var precision = 4
    /// More rows than this are elided to `edgeItems` at each end.
    public var maxRows = 16
    public var edgeItems = 3
    /// The width of the page in characters; columns that do not fit are elided in the middle.
    public var width = 100

    public init(precision: Int = 4, maxRows: Int = 16, edgeItems: Int = 3, width: Int = 100) {
        self.precision = precision
        self.maxRows = maxRows
        self.edgeItems = edgeItems
        self.width = width
    }
}

/// The quoted label of a character: 'a', ' ', '\n', or U+0007 for other invisible ones.
public func characterLabel(_ scalar: Unicode.Scalar) -> String {
    switch scalar {
    case "\n": return "'\\n'"
    case "\t": return "'\\t'"
    case "\r": return "'\\r'"
    case "'": return "'\\''"
    case "\\": return "'\\\\'"
    default:
        let category = scalar.properties.generalCategory
        if category == .control || category == .format || category == .lineSeparator || category == .paragraphSeparator {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        return "'\(scalar)'"
    }
}

/// Which indices of 0..<count to show: all, or the first and last `edge` around a gap (nil).
/// A gap stands for two or more entries: one entry is shown rather than elided, since it takes
/// the same line (or column) as the ellipsis would.
func visibleIndices(count: Int, limit: Int, edge: Int) -> [Int?] {
    let e = max(1, min(edge, limit / 2))
    if count <= max(limit, 2 * e + 1) { return Array(0 ..< count) }
    return Array(0 ..< e) + [nil] + Array(count - e ..< count)
}

/// A matrix as an aligned table under a header with its name and shape:
///
///     W_hh  3×3
///             0        1        2
///     0  0.0100   0.0000   0.0000
///     1  0.0000   0.0100   0.0000
///     2  0.0000   0.0000   0.0100
///
/// Rows beyond `maxRows` and columns beyond the page width are elided with ⋮ and … (or : and
/// ... in ASCII), keeping `edgeItems` at each end as NumPy does.
public func formatMatrix(_ matrix: LabeledMatrix, options: MatrixFormatOptions = .init(),
                         style: TextStyle = .plain) -> String {
    guard let layout = MatrixLayout(matrix, options: options, style: style) else {
        return MatrixLayout.header(matrix, style: style) + "\n(empty)\n"
    }
    func line(_ label: String, _ entries: [String]) -> String {
        var text = rightPad(label, layout.labelWidth)
        for entry in entries { text += "  " + leftPad(entry, layout.cellWidth) }
        return text.trimmingTrailingSpaces() + "\n"
    }
    var output = layout.header + "\n"
    output += line("", layout.columnHeaders)
    for row in layout.shownRows {
        output += line(layout.rowHeader(row), layout.entries(row))
    }
    return output
}

/// Which entries of a matrix a table shows and how they read, for the terminal's text table
/// and a page's HTML table alike: the same rows and columns elided, the same number format.
public struct MatrixLayout {
    public let matrix: LabeledMatrix
    public let style: TextStyle
    /// "W_hh  3×3  (note)".
    public let header: String
    /// The rows shown, nil where the elided rows are (one gap at most).
    public let shownRows: [Int?]
    /// The columns shown, nil where the elided columns are.
    public let shownColumns: [Int?]
    let format: ValueFormat
    /// Characters of the row labels' column and of each entry's column (for text).
    let labelWidth: Int
    let cellWidth: Int

    /// The header line of a matrix.
    public static func header(_ matrix: LabeledMatrix, style: TextStyle) -> String {
        var header = "\(matrix.name)  \(matrix.rows)\(style.times)\(matrix.columns)"
        if let note = matrix.note { header += "  (\(style.text(note)))" }
        return header
    }

    /// The layout of `matrix` within `options.width` characters; nil for an empty matrix.
    public init?(_ matrix: LabeledMatrix, options: MatrixFormatOptions, style: TextStyle) {
        guard matrix.rows > 0 && matrix.columns > 0 else { return nil }
        self.matrix = matrix
        self.style = style
        header = Self.header(matrix, style: style)
        // Only the entries shown are formatted (a 2000×2000 matrix shows about a hundred), so the
        // cost is one pass over the values to choose the format and to find the widest entry: the
        // widest text is that of the smallest or the largest value, or of a non-finite one.
        let format = ValueFormat.choose(for: matrix.values, precision: options.precision)
        var smallest = Double.infinity, largest = -Double.infinity
        var widestSpecial = 0
        for value in matrix.values {
            if value.isFinite {
                smallest = min(smallest, value)
                largest = max(largest, value)
            } else {
                widestSpecial = max(widestSpecial, format.format(value).count)
            }
        }
        let widestValue = max(widestSpecial, smallest.isFinite ? max(format.format(smallest).count, format.format(largest).count) : 1)
        let shownRows = visibleIndices(count: matrix.rows, limit: options.maxRows, edge: options.edgeItems)
        let rowName = { (row: Int) in matrix.rowLabels?[row] ?? String(matrix.rowOffset + row) }
        let labelWidth = max(1, shownRows.compactMap { $0.map { rowName($0).count } }.max() ?? 1,
                             shownRows.contains(nil) ? style.verticalEllipsis.count : 0)
        let widestColumnName = matrix.columnLabels?.map(\.count).max() ?? String(matrix.columnOffset + matrix.columns - 1).count
        let cellWidth = max(widestValue, widestColumnName)

        // How many columns fit: label, then each column takes a space and cellWidth.
        let columnCost = cellWidth + 2
        let fitting = max(2, (options.width - labelWidth) / columnCost)
        self.shownRows = shownRows
        shownColumns = visibleIndices(count: matrix.columns, limit: fitting, edge: (fitting - 1) / 2)
        self.format = format
        self.labelWidth = labelWidth
        self.cellWidth = cellWidth
    }

    /// The label of a row shown (its character or index), or the vertical ellipsis for the gap.
    public func rowHeader(_ row: Int?) -> String {
        guard let row else { return style.verticalEllipsis }
        return matrix.rowLabels?[row] ?? String(matrix.rowOffset + row)
    }

    /// The labels over the columns shown, an ellipsis over the gap.
    public var columnHeaders: [String] {
        shownColumns.map { column in
            column.map { matrix.columnLabels?[$0] ?? String(matrix.columnOffset + $0) } ?? style.ellipsis
        }
    }

    /// The entries of a row as shown: numbers, an ellipsis in the column gap; a row of vertical
    /// ellipses for the row gap.
    public func entries(_ row: Int?) -> [String] {
        guard let row else { return shownColumns.map { _ in style.verticalEllipsis } }
        return shownColumns.map { column in
            column.map { format.format(matrix.values[row * matrix.columns + $0]) } ?? style.ellipsis
        }
    }
}

extension String {
    /// The string without spaces at its end.
    public func trimmingTrailingSpaces() -> String {
        var end = endIndex
        while end > startIndex {
            let before = index(before: end)
            if self[before] != " " { break }
            end = before
        }
        return String(self[..<end])
    }
}

/// Mean, spread, range and norm of a matrix, one per line.
///
/// Any finite values: when plain sums overflow (entries near ±1.8e308), the sums are taken over
/// the values divided by the largest magnitude, and scaled back.
public func formatStatistics(name: String, rows: Int, columns: Int, values: [Double], style: TextStyle = .plain) -> String {
    var sum = 0.0, squares = 0.0, low = Double.infinity, high = -Double.infinity, zeros = 0, largest = 0.0
    for x in values {
        sum += x
        squares += x * x
        low = min(low, x)
        high = max(high, x)
        largest = max(largest, abs(x))
        if x == 0 { zeros += 1 }
    }
    let n = Double(max(values.count, 1))
    var mean = sum / n
    var deviations = 0.0
    for x in values { deviations += (x - mean) * (x - mean) }
    var std = (deviations / n).squareRoot(), norm = squares.squareRoot()
    if largest.isFinite && largest > 0 && !(mean.isFinite && std.isFinite && norm.isFinite) {
        var scaledSum = 0.0, scaledSquares = 0.0
        for x in values {
            scaledSum += x / largest
            scaledSquares += (x / largest) * (x / largest)
        }
        let scaledMean = scaledSum / n
        var scaledDeviations = 0.0
        for x in values { scaledDeviations += (x / largest - scaledMean) * (x / largest - scaledMean) }
        mean = scaledMean * largest
        std = (scaledDeviations / n).squareRoot() * largest
        norm = scaledSquares.squareRoot() * largest
    }
    let entries: [(String, String)] = [
        ("entries", NumberFormat.grouped(values.count) + (zeros > 0 ? "  (\(NumberFormat.grouped(zeros)) zero)" : "")),
        ("mean", NumberFormat.general(mean)),
        ("std", NumberFormat.general(std)),
        ("min", NumberFormat.general(values.isEmpty ? 0 : low)),
        ("max", NumberFormat.general(values.isEmpty ? 0 : high)),
        ("norm", NumberFormat.general(norm)),
    ]
    var output = "\(name)  \(rows)\(style.times)\(columns)  statistics\n"
    for (key, value) in entries { output += "  " + rightPad(key, 8) + value + "\n" }
    return output
}
