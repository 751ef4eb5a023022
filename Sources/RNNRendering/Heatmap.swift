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
    guard matrix.rows > 0 && matrix.columns > 0 else { return "\(matrix.name)  (empty)\n" }
    var low = 0.0, high = 0.0, seen = false
    for value in matrix.values where value.isFinite {
        if !seen || value < low { low = value }
        if !seen || value > high { high = value }
        seen = true
    }
    let signed = low < 0
    let magnitude = max(abs(low), abs(high))

    // Each cell takes 2 characters (sign + ramp, or a colour block); average blocks to fit.
    let labelWidth = (matrix.rowLabels?.map(\.count).max() ?? String(matrix.rowOffset + matrix.rows - 1).count)
    let cellWidth = signed || style.color ? 2 : 1
    let columnStride = max(1, (matrix.columns * cellWidth + labelWidth + 1 + width - 1) / width)
    let rowStride = max(1, (matrix.rows + maxRows - 1) / maxRows)
    let gridRows = (matrix.rows + rowStride - 1) / rowStride
    let gridColumns = (matrix.columns + columnStride - 1) / columnStride

    /// The entry of largest magnitude in a block (so a lone big weight is not averaged away).
    func blockValue(_ r: Int, _ c: Int) -> Double {
        var best = Double.nan
        for i in r * rowStride ..< min((r + 1) * rowStride, matrix.rows) {
            for j in c * columnStride ..< min((c + 1) * columnStride, matrix.columns) where matrix[i, j].isFinite {
                if best.isNaN || abs(matrix[i, j]) > abs(best) { best = matrix[i, j] }
            }
        }
        return best
    }

    let ramp = style.unicode ? shadeRamp : asciiRamp

    func cell(_ value: Double) -> String {
        guard value.isFinite else { return String(repeating: "?", count: cellWidth) }
        let fraction = magnitude == 0 ? 0 : min(1, abs(value) / magnitude)
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

    var header = "\(matrix.name)  \(matrix.rows)\(style.times)\(matrix.columns)  heatmap"
    if rowStride > 1 || columnStride > 1 {
        header += "  (each cell shows the largest |value| of \(rowStride)\(style.times)\(columnStride) entries)"
    }
    var output = wrapLines(header, width: width) + "\n"
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
        let row = r * rowStride
        let label = matrix.rowLabels?[row] ?? String(matrix.rowOffset + row)
        var line = leftPad(label, labelWidth) + " "
        for c in 0 ..< gridColumns { line += cell(blockValue(r, c)) }
        output += (style.color ? line : line.trimmingTrailingSpaces()) + "\n"
    }
    return output
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
