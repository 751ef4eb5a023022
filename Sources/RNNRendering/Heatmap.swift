/// The ASCII ramp from light to dark.
public let asciiRamp: [Character] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]
/// Unicode shades from light to dark.
let shadeRamp: [Character] = [" ", "░", "▒", "▓", "█"]

/// A matrix as a picture, one cell per entry (or per block of entries, to fit the page):
///
///     W_hh  3x3  heatmap
///       range [-0.5, 1.5]: each cell is a sign (+/-) and ' .:-=+*#%@' for |value| from 0 to 1.5
///       0
///     0     --
///     1     +:
///     2 +@-.
///
/// Signed values are diverging: in ASCII each cell is a sign (+ or −) and a magnitude from the
/// ramp (Unicode shades ░▒▓█ on a terminal without colour); with colour negatives are blue,
/// positives red, darker when larger, and values near zero (under a tenth of the largest) have
/// no background. Values that are all ≥ 0 use the ramp alone. A legend states the value
/// range; it wraps to `width` between its pieces, never inside a number or the ramp.
public func formatHeatmap(_ matrix: LabeledMatrix, width: Int = 100, maxRows: Int = 40,
                          style: TextStyle = .plain) -> String {
    guard let grid = HeatmapGrid(matrix, width: width, maxRows: maxRows, cellWidth: style.color ? 2 : nil) else {
        return "\(matrix.name)  (empty)\n"
    }
    let signed = grid.signed, magnitude = grid.magnitude, low = grid.low, high = grid.high
    let labelWidth = grid.labelWidth, cellWidth = grid.cellWidth
    let columnStride = grid.columnStride, gridRows = grid.gridRows, gridColumns = grid.gridColumns

    let ramp = style.unicode ? shadeRamp : asciiRamp

    func cell(_ value: Double) -> String {
        guard value.isFinite else { return String(repeating: "?", count: cellWidth) }
        let fraction = grid.intensity(value)
        if style.color {
            // 256-colour greys would lose the sign: blues (negative) and reds (positive). Near
            // zero there is no background at all (white would be a colour on a dark terminal).
            let level = Int((fraction * 5).rounded())
            guard level > 0 else { return "  " }
            let code = value < 0 ? [153, 111, 69, 27, 21][level - 1] : [224, 217, 210, 203, 196][level - 1]
            return style.background(code, "  ")
        }
        let index = Int((fraction * Double(ramp.count - 1)).rounded())
        let glyph = String(ramp[index])
        if !signed { return glyph }
        if index == 0 { return "  " }
        return (value < 0 ? "-" : "+") + glyph
    }

    var output = wrapLines(grid.header(style: style), width: width) + "\n"
    // The legend, wrapped between its pieces (a number, the range, the ramp are never split).
    let range = "[\(NumberFormat.general(low, significant: 3)), \(NumberFormat.general(high, significant: 3))]:"
    let largest = NumberFormat.general(magnitude, significant: 3)
    func words(_ text: String) -> [LegendPiece] { text.split(separator: " ").map { LegendPiece(String($0)) } }
    var legend = [LegendPiece("range"), LegendPiece(range)]
    if style.color {
        legend += [LegendPiece(style.background(21, "  ") + " negative", columns: 11),
                   LegendPiece(style.background(196, "  ") + " positive,", columns: 12)]
            + words("darker = larger |value|") + [LegendPiece("(max " + largest + ")")]
    } else if signed {
        legend += words("each cell is a sign (+/-) and") + [LegendPiece("'\(String(ramp))'")] + words("for |value| from 0 to")
            + [LegendPiece(largest)]
    } else {
        legend += [LegendPiece("'\(String(ramp))'")] + words("from 0 to") + [LegendPiece(largest)]
    }
    output += flowLegend(legend, width: width, indent: 2, hanging: 4) + "\n"

    // Column ruler: the index (or label) of every 5th column where it fits.
    var ruler = String(repeating: " ", count: labelWidth + 1)
    var position = 0
    while position < gridColumns {
        let column = position * columnStride
        let name = matrix.columnLabels.map { _ in "" } ?? String(matrix.columnOffset + column)
        if position % 5 == 0 && !name.isEmpty && name.count <= 5 * cellWidth {
            ruler += rightPad(name, min(5, gridColumns - position) * cellWidth)
            position += 5
        } else {
            ruler += String(repeating: " ", count: cellWidth)
            position += 1
        }
    }
    output += ruler.trimmingTrailingSpaces() + "\n"
    for r in 0 ..< gridRows {
        var line = leftPad(grid.rowLabel(r), labelWidth) + " "
        for c in 0 ..< gridColumns { line += cell(grid.value(r, c)) }
        output += (style.color ? line : line.trimmingTrailingSpaces()) + "\n"
    }
    return output
}

/// A heatmap's cells: the matrix in blocks small enough to fit the page, each block standing
/// for its entry of largest magnitude. Shared by the terminal's heatmap and a page's coloured
/// table, so that both show the same cells.
public struct HeatmapGrid {
    public let matrix: LabeledMatrix
    /// The finite values' range, and the largest magnitude (1 for the darkest colour).
    public let low: Double
    public let high: Double
    public let magnitude: Double
    /// Whether any value is negative (a diverging scale: a sign and a magnitude).
    public let signed: Bool
    /// Entries per cell down and across.
    public let rowStride: Int
    public let columnStride: Int
    public let gridRows: Int
    public let gridColumns: Int
    /// Characters of the row labels, and of each cell on a text page.
    let labelWidth: Int
    let cellWidth: Int

    /// The cells of `matrix` for a page `width` characters wide, at most `maxRows` tall; cells
    /// take `cellWidth` characters (2 for a sign and a shade or a coloured block; by default 2
    /// when signed, else 1). nil for an empty matrix.
    public init?(_ matrix: LabeledMatrix, width: Int, maxRows: Int, cellWidth: Int? = nil) {
        guard matrix.rows > 0 && matrix.columns > 0 else { return nil }
        var low = 0.0, high = 0.0, seen = false
        for value in matrix.values where value.isFinite {
            if !seen || value < low { low = value }
            if !seen || value > high { high = value }
            seen = true
        }
        self.matrix = matrix
        self.low = low
        self.high = high
        signed = low < 0
        magnitude = max(abs(low), abs(high))
        // Each cell takes `cellWidth` characters; average blocks to fit.
        labelWidth = (matrix.rowLabels?.map(\.count).max() ?? String(matrix.rowOffset + matrix.rows - 1).count)
        self.cellWidth = cellWidth ?? (signed ? 2 : 1)
        columnStride = max(1, (matrix.columns * self.cellWidth + labelWidth + 1 + width - 1) / width)
        rowStride = max(1, (matrix.rows + maxRows - 1) / maxRows)
        gridRows = (matrix.rows + rowStride - 1) / rowStride
        gridColumns = (matrix.columns + columnStride - 1) / columnStride
    }

    /// The entry of largest magnitude in block (r, c) (so a lone big weight is not averaged
    /// away); NaN when the block holds no finite value.
    public func value(_ r: Int, _ c: Int) -> Double {
        var best = Double.nan
        for i in r * rowStride ..< min((r + 1) * rowStride, matrix.rows) {
            for j in c * columnStride ..< min((c + 1) * columnStride, matrix.columns) where matrix[i, j].isFinite {
                if best.isNaN || abs(matrix[i, j]) > abs(best) { best = matrix[i, j] }
            }
        }
        return best
    }

    /// The label of grid row r: its first row's character or index.
    public func rowLabel(_ r: Int) -> String {
        let row = r * rowStride
        return matrix.rowLabels?[row] ?? String(matrix.rowOffset + row)
    }

    /// The label of grid column c: its first column's character or index.
    public func columnLabel(_ c: Int) -> String {
        let column = c * columnStride
        return matrix.columnLabels?[column] ?? String(matrix.columnOffset + column)
    }

    /// "W_hh  16×16  heatmap", and how many entries a cell stands for when more than one.
    public func header(style: TextStyle) -> String {
        var header = "\(matrix.name)  \(matrix.rows)\(style.times)\(matrix.columns)  heatmap"
        if rowStride > 1 || columnStride > 1 {
            header += "  (each cell shows the largest |value| of \(rowStride)\(style.times)\(columnStride) entries)"
        }
        return header
    }

    /// How dark a value's cell is, from 0 (zero) to 1 (the largest magnitude).
    public func intensity(_ value: Double) -> Double {
        magnitude == 0 ? 0 : min(1, abs(value) / magnitude)
    }
}

/// A piece of a legend that is never broken, and the columns it takes on the screen (colour
/// escapes take none).
struct LegendPiece {
    var text: String
    var columns: Int

    init(_ text: String, columns: Int? = nil) {
        self.text = text
        self.columns = columns ?? displayColumns(text)
    }
}

/// Pieces joined by spaces into lines of at most `width` columns, broken only between pieces;
/// the first line indented `indent` spaces, the others `hanging`. A piece wider than a line
/// stands alone.
func flowLegend(_ pieces: [LegendPiece], width: Int, indent: Int, hanging: Int) -> String {
    var lines: [String] = []
    var line = String(repeating: " ", count: indent), used = indent, empty = true
    for piece in pieces {
        if !empty && used + 1 + piece.columns > width {
            lines.append(line)
            line = String(repeating: " ", count: hanging)
            used = hanging
            empty = true
        }
        if !empty {
            line += " "
            used += 1
        }
        line += piece.text
        used += piece.columns
        empty = false
    }
    lines.append(line)
    return lines.joined(separator: "\n")
}
