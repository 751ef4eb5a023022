/// A point of a scatter plot drawn as a character of the text (`plot states`).
public struct ScatterPoint: Equatable, Sendable {
    public var x: Double
    public var y: Double
    public var label: Unicode.Scalar

    public init(x: Double, y: Double, label: Unicode.Scalar) {
        self.x = x
        self.y = y
        self.label = label
    }
}

public struct ScatterOptions: Equatable, Sendable {
    /// Columns of the plotting area.
    public var width = 60
    /// Rows of the plotting area.
    public var height = 20
    public var xLabel: String?
    public var yLabel: String?
    /// The page's width: the notes under the plot wrap within it.
    public var pageWidth = 100

    public init(width: Int = 60, height: Int = 20, xLabel: String? = nil, yLabel: String? = nil, pageWidth: Int = 100) {
        self.width = width
        self.height = height
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.pageWidth = pageWidth
    }
}

/// Points drawn as their characters on axes like `formatLinePlot`'s:
///
///     PC2
///      1 +        e
///        |  t  h       a
///      0 +    _   $
///        |           c
///     -1 +  t
///        +-----+-----+-----+
///       -2     0     2     4
///        PC1
///
/// Where two points fall in one cell the later one is drawn, and a note under the plot counts
/// the points hidden so. A space is drawn as '_' (␣ on a terminal), a line break as '$' (↵),
/// a tab as '>' (→), a character that does not show or takes two columns as '?'; the notes say
/// which of these stand-ins appear. On a terminal with colour the points go from blue (early
/// in the text) through green to red (late).
public func formatScatter(_ points: [ScatterPoint], options: ScatterOptions = .init(), style: TextStyle = .plain) -> String {
    let width = max(options.width, 8), height = max(options.height, 3)
    let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
    guard !finite.isEmpty else { return "(nothing to plot: no point has finite coordinates)\n" }
    let yAxis = evenYAxis(low: finite.map(\.y).min()!, high: finite.map(\.y).max()!, rows: height)
    var xLow = finite.map(\.x).min()!, xHigh = finite.map(\.x).max()!
    if xLow == xHigh {
        xLow -= xLow == 0 ? 1 : abs(xLow) * 0.1
        xHigh += xHigh == 0 ? 1 : abs(xHigh) * 0.1
    }
    let xTicks = niceTicks(xLow, xHigh, count: max(2, width / 12)).filter { $0 >= xLow && $0 <= xHigh }

    var cells = [Int](repeating: -1, count: width * height)   // the point drawn in each cell
    var hidden = 0
    for (index, point) in points.enumerated() where point.x.isFinite && point.y.isFinite {
        let column = Int((fraction(point.x, from: xLow, to: xHigh) * Double(width - 1)).rounded())
        let row = yAxis.row(of: point.y, rows: height)
        let cell = row * width + column
        if cells[cell] >= 0 { hidden += 1 }
        cells[cell] = index
    }
    var standIns: Set<String> = []
    func glyph(_ scalar: Unicode.Scalar) -> String {
        let text: String
        switch scalar {
        case " ": text = style.unicode ? "␣" : "_"
        case "\n": text = style.unicode ? "↵" : "$"
        case "\t": text = style.unicode ? "→" : ">"
        default:
            let category = scalar.properties.generalCategory
            if columns(of: scalar) != 1 || category == .control || category == .format {
                text = "?"
            } else {
                return String(Character(scalar))
            }
        }
        standIns.insert(text)
        return text
    }
    let timeColors: [TextStyle.Color] = [.blue, .teal, .green, .orange, .red]

    var labelAtRow: [Int: String] = [:]
    for tick in yAxis.ticks { labelAtRow[yAxis.row(of: tick, rows: height)] = tickLabel(tick, step: yAxis.step) }
    let labelWidth = max(labelAtRow.values.map(\.count).max() ?? 1, 1)
    let axis = style.unicode ? ("│", "┤", "└", "─", "┬") : ("|", "+", "+", "-", "+")
    var output = ""
    if let yLabel = options.yLabel { output += style.text(yLabel) + "\n" }
    for row in 0 ..< height {
        var line = leftPad(labelAtRow[row] ?? "", labelWidth) + " " + (labelAtRow[row] == nil ? axis.0 : axis.1)
        for column in 0 ..< width {
            let index = cells[row * width + column]
            guard index >= 0 else {
                line += " "
                continue
            }
            let shown = glyph(points[index].label)
            let colour = timeColors[min(timeColors.count - 1, index * timeColors.count / max(points.count, 1))]
            line += style.paint(shown, colour)
        }
        output += line.trimmingTrailingSpaces() + "\n"
    }
    // The x axis, its ticks and their labels.
    let xStep = xTicks.count >= 2 ? xTicks[1] - xTicks[0] : 1
    var axisLine = String(repeating: " ", count: labelWidth + 1) + axis.2
    var tickColumns: [(Int, String)] = []
    for tick in xTicks {
        tickColumns.append((Int((fraction(tick, from: xLow, to: xHigh) * Double(width - 1)).rounded()), tickLabel(tick, step: xStep)))
    }
    for column in 0 ..< width { axisLine += tickColumns.contains { $0.0 == column } ? axis.4 : axis.3 }
    var labels = [Character](repeating: " ", count: labelWidth + 2 + width + 8)
    var lastEnd = -1
    for (column, text) in tickColumns {
        let start = max(labelWidth + 2 + column - text.count / 2, lastEnd + 1)
        guard start + text.count <= labels.count else { continue }
        for (offset, character) in text.enumerated() { labels[start + offset] = character }
        lastEnd = start + text.count
    }
    output += axisLine + "\n" + String(labels).trimmingTrailingSpaces() + "\n"
    let margin = String(repeating: " ", count: labelWidth + 2)
    if let xLabel = options.xLabel { output += margin + style.text(xLabel) + "\n" }

    var notes: [String] = []
    let meanings: [(String, String)] = [("_", "a space"), ("␣", "a space"), ("$", "a line break"), ("↵", "a line break"),
                                        (">", "a tab"), ("→", "a tab"), ("?", "a character that does not show or is two columns wide")]
    let drawn = meanings.filter { standIns.contains($0.0) }.map { $0.0 + " is " + $0.1 }
    if !drawn.isEmpty { notes.append(drawn.joined(separator: ", ")) }
    if style.color { notes.append("colour: blue early in the text, green in the middle, red late") }
    if hidden > 0 {
        notes.append(NumberFormat.grouped(hidden) + " of " + NumberFormat.grouped(points.count) + " points "
            + (hidden == 1 ? "falls" : "fall") + " on a place taken by an earlier one (the later one is drawn)")
    }
    for note in notes { output += wrapLines(margin + style.text(note), width: options.pageWidth, hanging: 2) + "\n" }
    return output
}
