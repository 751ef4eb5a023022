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
    guard let axes = ScatterAxes(points, columns: width, rows: height) else { return ScatterAxes.emptyMessage + "\n" }
    let yAxis = axes.yAxis, xLow = axes.xLow, xHigh = axes.xHigh, xTicks = axes.xTicks

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
        let shown = scatterGlyph(scalar, style: style)
        if shown.standIn { standIns.insert(shown.text) }
        return shown.text
    }

    var labelAtRow: [Int: String] = [:]
    for tick in yAxis.ticks { labelAtRow[yAxis.row(of: tick, rows: height)] = axes.yTickLabel(tick) }
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
            line += style.paint(shown, timeColor(index, of: points.count))
        }
        output += line.trimmingTrailingSpaces() + "\n"
    }
    // The x axis, its ticks and their labels.
    var axisLine = String(repeating: " ", count: labelWidth + 1) + axis.2
    var tickColumns: [(Int, String)] = []
    for tick in xTicks {
        tickColumns.append((Int((fraction(tick, from: xLow, to: xHigh) * Double(width - 1)).rounded()), axes.xTickLabel(tick)))
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
    if let meaning = standInNote(standIns) { notes.append(meaning) }
    if style.color { notes.append("colour: blue early in the text, green in the middle, red late") }
    if hidden > 0 {
        notes.append(NumberFormat.grouped(hidden) + " of " + NumberFormat.grouped(points.count) + " points "
            + (hidden == 1 ? "falls" : "fall") + " on a place taken by an earlier one (the later one is drawn)")
    }
    for note in notes { output += wrapLines(margin + style.text(note), width: options.pageWidth, hanging: 2) + "\n" }
    return output
}

/// The axes of a scatter plot, for the terminal's text and a page's SVG alike: the y axis laid
/// out as a line plot's, the x axis spanning the points (widened a little when they share one
/// x), with round ticks inside it.
struct ScatterAxes {
    var yAxis: YAxis
    var xLow: Double
    var xHigh: Double
    var xTicks: [Double]
    /// Distance between x ticks (sets their labels' decimals).
    var xStep: Double

    /// What a scatter plot with no drawable point says instead.
    static let emptyMessage = "(nothing to plot: no point has finite coordinates)"

    /// The axes for a plotting area `columns` wide and `rows` tall; nil when no point has
    /// finite coordinates.
    init?(_ points: [ScatterPoint], columns: Int, rows: Int) {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard !finite.isEmpty else { return nil }
        yAxis = evenYAxis(low: finite.map(\.y).min()!, high: finite.map(\.y).max()!, rows: rows)
        var xLow = finite.map(\.x).min()!, xHigh = finite.map(\.x).max()!
        if xLow == xHigh {
            xLow -= xLow == 0 ? 1 : abs(xLow) * 0.1
            xHigh += xHigh == 0 ? 1 : abs(xHigh) * 0.1
        }
        self.xLow = xLow
        self.xHigh = xHigh
        xTicks = niceTicks(xLow, xHigh, count: max(2, columns / 12)).filter { $0 >= xLow && $0 <= xHigh }
        xStep = xTicks.count >= 2 ? xTicks[1] - xTicks[0] : 1
    }

    func yTickLabel(_ value: Double) -> String { tickLabel(value, step: yAxis.step) }
    func xTickLabel(_ value: Double) -> String { tickLabel(value, step: xStep) }
}

/// How a point's character is drawn: itself, or a one-column stand-in (and then `standIn`) for
/// a space, a line break, a tab, or a character that does not show or takes two columns.
func scatterGlyph(_ scalar: Unicode.Scalar, style: TextStyle) -> (text: String, standIn: Bool) {
    switch scalar {
    case " ": return (style.unicode ? "␣" : "_", true)
    case "\n": return (style.unicode ? "↵" : "$", true)
    case "\t": return (style.unicode ? "→" : ">", true)
    default:
        let category = scalar.properties.generalCategory
        if columns(of: scalar) != 1 || category == .control || category == .format { return ("?", true) }
        return (String(Character(scalar)), false)
    }
}

/// What the stand-ins drawn mean ("␣ is a space, ↵ is a line break"), nil when none is.
func standInNote(_ standIns: Set<String>) -> String? {
    let meanings: [(String, String)] = [("_", "a space"), ("␣", "a space"), ("$", "a line break"), ("↵", "a line break"),
                                        (">", "a tab"), ("→", "a tab"), ("?", "a character that does not show or is two columns wide")]
    let drawn = meanings.filter { standIns.contains($0.0) }.map { $0.0 + " is " + $0.1 }
    return drawn.isEmpty ? nil : drawn.joined(separator: ", ")
}

/// The colour of point `index` of `count` in time: blue early in the text, through teal, green
/// and orange, red late.
func timeColor(_ index: Int, of count: Int) -> TextStyle.Color {
    let colors: [TextStyle.Color] = [.blue, .teal, .green, .orange, .red]
    return colors[min(colors.count - 1, index * colors.count / max(count, 1))]
}
