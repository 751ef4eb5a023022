/// One bar: a label (a character, a time step) and a value ≥ 0.
public struct Bar: Equatable, Sendable {
    public var label: String
    public var value: Double

    public init(label: String, value: Double) {
        self.label = label
        self.value = value
    }
}

/// Horizontal bars, scaled to the largest value or on a fixed scale from 0 to `scale`:
///
///     next character after "the ca"
///     't'  0.612  ##############################
///     'r'  0.201  ##########
///
/// Probabilities use `scale: 1`, so that 0.27 and 0.97 are bars of different lengths and a
/// full bar means certainty; the line under the bars says which scale it is. Unicode draws the
/// bars with eighth blocks (▏▎▍▌▋▊▉█) for a finer end; ASCII uses '#'. `significant` writes
/// each value with that many significant digits (for values spanning many decades).
public func formatBarChart(_ bars: [Bar], title: String? = nil, width: Int = 40, precision: Int = 3,
                           scale: Double? = nil, significant: Int? = nil, style: TextStyle = .plain) -> String {
    var output = title.map { style.text($0) + "\n" } ?? ""
    guard !bars.isEmpty else { return output + "(no values)\n" }
    let largest = fullBarValue(bars, scale: scale)
    let labelWidth = bars.map(\.label.count).max() ?? 0
    let values = barValueTexts(bars, precision: precision, significant: significant)
    let valueWidth = values.map(\.count).max() ?? 0
    let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]
    for (bar, value) in zip(bars, values) {
        let fraction = barFraction(bar.value, largest: largest)
        var drawn: String
        if style.unicode {
            let units = Int((fraction * Double(width * 8)).rounded())
            drawn = String(repeating: "█", count: units / 8)
            if units % 8 > 0 { drawn.append(eighths[units % 8 - 1]) }
            drawn = style.paint(drawn, .blue)  // cyan fades on a white projector screen
        } else {
            drawn = String(repeating: "#", count: Int((fraction * Double(width)).rounded()))
        }
        output += (rightPad(bar.label, labelWidth) + "  " + leftPad(value, valueWidth) + "  " + drawn)
            .trimmingTrailingSpaces() + "\n"
    }
    if let scale {
        let full = style.unicode ? "█" : "#"
        output += rightPad("", labelWidth) + "  " + rightPad("", valueWidth) + "  "
            + style.text("(a bar of \(width) \(full) would be \(NumberFormat.general(scale, significant: 4)))") + "\n"
    }
    return output
}

/// Each bar's value as a chart writes it: `precision` decimals (scientific when the values call
/// for it, as a matrix's), or with `significant`, each value with its own digits (values over
/// many decades: 0.31, 4.2e-05).
public func barValueTexts(_ bars: [Bar], precision: Int, significant: Int?) -> [String] {
    let format = ValueFormat.choose(for: bars.map(\.value), precision: precision)
    return bars.map { bar in significant.map { NumberFormat.general(bar.value, significant: $0) } ?? format.format(bar.value) }
}

/// The value of a full bar: the fixed scale, else the largest finite value (0 when none is).
func fullBarValue(_ bars: [Bar], scale: Double?) -> Double {
    scale ?? (bars.map(\.value).filter(\.isFinite).max() ?? 0)
}

/// A bar's length as a fraction of a full bar, from 0 to 1 (0 for a value that is not finite
/// or not above 0).
func barFraction(_ value: Double, largest: Double) -> Double {
    largest > 0 && value.isFinite ? min(1, max(0, value) / largest) : 0
}

/// Columns of text aligned under a header: numbers right-aligned, text left-aligned.
///
///     parameter  worst rel. error  result
///     W_xh              3.1e-12    OK
///
/// With a `width`, a last (left-aligned) column too long for the line wraps at spaces, its
/// continuation lines starting under the column:
///
///     seq          20        T, characters per training
///                            window (BPTT length)
public func formatTable(header: [String], rows: [[String]], rightAligned: Set<Int> = [], indent: Int = 0,
                        width: Int? = nil) -> String {
    let columnCount = header.count
    var widths = header.map(displayColumns)
    for row in rows {
        for (i, cell) in row.enumerated() where i < columnCount { widths[i] = max(widths[i], displayColumns(cell)) }
    }
    let last = columnCount - 1
    let lastStart = indent + widths.dropLast().reduce(0, +) + 2 * last
    /// The last column's lines: the cell wrapped to the room left, when there is a useful amount.
    func lastLines(_ cell: String) -> [String] {
        guard let width, !rightAligned.contains(last), width - lastStart >= 12, lastStart + displayColumns(cell) > width else {
            return [cell]
        }
        return wrapLines(cell, width: width - lastStart, hanging: 0).split(separator: "\n").map(String.init)
    }
    func line(_ cells: [String]) -> String {
        var text = String(repeating: " ", count: indent)
        var continuation: [String] = []
        for (i, cell) in cells.enumerated() where i < columnCount {
            if i > 0 { text += "  " }
            if i == last && !rightAligned.contains(i) {
                let pieces = lastLines(cell)
                text += pieces[0]
                continuation = Array(pieces.dropFirst())
            } else {
                let pad = String(repeating: " ", count: max(0, widths[i] - displayColumns(cell)))
                text += rightAligned.contains(i) ? pad + cell : cell + pad
            }
        }
        for piece in continuation { text += "\n" + String(repeating: " ", count: lastStart) + piece }
        return text.trimmingTrailingSpaces() + "\n"
    }
    return line(header) + rows.map(line).joined()
}
