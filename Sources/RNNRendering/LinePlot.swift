#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of a plot: points (x_i, y_i) joined in order.
public struct PlotSeries: Equatable, Sendable {
    public var name: String
    public var xs: [Double]
    public var ys: [Double]

    public init(name: String, xs: [Double], ys: [Double]) {
        precondition(xs.count == ys.count, "a series needs as many x as y values")
        self.name = name
        self.xs = xs
        self.ys = ys
    }

    /// y values at x = 1, 2, 3, … (a loss per step).
    public init(name: String, values: [Double], firstX: Double = 1) {
        self.init(name: name, xs: values.indices.map { firstX + Double($0) }, ys: values)
    }
}

public struct LinePlotOptions: Equatable, Sendable {
    public var title: String?
    /// Columns of the plotting area (the axis labels come on top of this).
    public var width = 60
    /// Rows of the plotting area.
    public var height = 14
    /// Plot log₁₀ y (values ≤ 0 are left out).
    public var logScale = false
    public var xLabel: String?
    /// Explicit limits of the y axis: values beyond them are drawn on the edge, and the plot
    /// says which series were clipped and how far they went.
    public var yMin: Double?
    public var yMax: Double?
    /// The page's width: the legend wraps to stay within it (nil: one line).
    public var pageWidth: Int?

    public init(title: String? = nil, width: Int = 60, height: Int = 14, logScale: Bool = false, xLabel: String? = nil,
                yMin: Double? = nil, yMax: Double? = nil) {
        self.title = title
        self.width = width
        self.height = height
        self.logScale = logScale
        self.xLabel = xLabel
        self.yMin = yMin
        self.yMax = yMax
    }
}

/// Markers of successive series in ASCII, and on a terminal (with colour when it is on). None
/// of them is a character of the axes (`|`, `-`, `+`). Beyond twelve series the markers repeat,
/// and the plot says which series share one.
let seriesMarkers: [Character] = ["*", "o", "x", "#", "%", "&", "=", "$", "~", "^", "?", "v"]
let unicodeSeriesMarkers: [Character] = ["●", "○", "×", "◆", "■", "▲", "◇", "▼", "□", "△", "▽", "★"]
/// Colours that stay visible on a white projector screen as on a dark terminal: no yellow, no
/// cyan, no grey, no bold-as-a-colour.
let seriesColors: [TextStyle.Color] = [.blue, .red, .green, .magenta, .orange, .teal]

/// The colour of series `index`: the colours cycle, shifted at each round of the markers, so
/// that two series sharing a marker differ in colour.
func seriesColor(_ index: Int, markerCount: Int) -> TextStyle.Color {
    seriesColors[(index + index / markerCount) % seriesColors.count]
}

/// A line plot with axes, tick labels, a title and a legend:
///
///     loss
///     80 +*
///        | **
///     60 +   ***ooo
///        |      ****oooo
///     40 +          ********
///        +-------+-------+--
///        1      50     100
///        * raw   o smooth
///
/// Every series has its own marker (and, on a terminal, its own colour), listed in the legend;
/// where series cross, the one listed later is drawn on top. A single series on a terminal is
/// drawn in braille (2×4 dots a cell). Consecutive points are joined, so a noisy series shows
/// its spread as vertical strokes. The y ticks are evenly spaced rows (see `evenYAxis`).
///
/// Any finite values can be plotted, from subnormal numbers to ±1.8e308: positions are computed
/// on values scaled by a power of two, so no difference overflows, and no tick reads inf, nan
/// or (on a log scale) 0. `yMin`/`yMax` clip the axis; the plot then names the series that
/// went beyond. On a log scale, what cannot be drawn (values ≤ 0, a limit ≤ 0) is stated under
/// the legend, never dropped silently.
public func formatLinePlot(_ series: [PlotSeries], options: LinePlotOptions = .init(), style: TextStyle = .plain) -> String {
    let width = max(options.width, 8), height = max(options.height, 3)
    var output = ""
    if let title = options.title { output += style.text(title) + "\n" }
    guard let geometry = LinePlotGeometry(series, options: options, columns: width, rows: height) else {
        return output + LinePlotGeometry.emptyMessage(series, options: options) + "\n"
    }
    let yAxis = geometry.yAxis
    let yLow = yAxis.low, yHigh = yAxis.high
    let xLow = geometry.xLow, xHigh = geometry.xHigh

    // The canvas: one cell per point with a marker per series, or braille (2×4 dots a cell)
    // for a single series on a terminal.
    let braille = style.unicode && series.count <= 1
    let markers = style.unicode ? unicodeSeriesMarkers : seriesMarkers
    let dotsX = braille ? 2 : 1, dotsY = braille ? 4 : 1
    let pixelWidth = width * dotsX, pixelHeight = height * dotsY
    var marks = [Int](repeating: -1, count: width * height)         // series drawn last in each cell
    var dots = [UInt8](repeating: 0, count: width * height)         // braille dot mask per cell

    func pixel(_ x: Double, _ y: Double) -> (Int, Int) {
        let px = Int((fraction(x, from: xLow, to: xHigh) * Double(pixelWidth - 1)).rounded())
        let py = Int((fraction(y, from: yHigh, to: yLow) * Double(pixelHeight - 1)).rounded())
        return (px, py)
    }
    func plot(_ px: Int, _ py: Int, _ index: Int) {
        let cell = (py / dotsY) * width + px / dotsX
        marks[cell] = index
        if braille {
            let dx = px % 2, dy = py % 4
            let bit: UInt8 = dy == 3 ? (dx == 0 ? 0x40 : 0x80) : UInt8(1 << (dy + 3 * dx))
            dots[cell] |= bit
        }
    }
    // Later series are drawn over earlier ones.
    for (index, points) in geometry.points.enumerated() {
        var previous: (Int, Int)?
        for (x, y) in points {
            let current = pixel(x, y)
            if let start = previous {
                drawLine(from: start, to: current) { plot($0, $1, index) }
            } else {
                plot(current.0, current.1, index)
            }
            previous = current
        }
    }

    // Tick labels on their rows (evenly spaced), with enough decimals to tell them apart; an
    // axis ended by a limit labels that end too.
    var labelAtRow: [Int: String] = [:]
    for tick in yAxis.ticks {
        labelAtRow[yAxis.row(of: tick, rows: height)] = geometry.yTickLabel(tick)
    }
    for (row, end) in [(0, geometry.highEnd), (height - 1, geometry.lowEnd)] {
        if let end, labelAtRow[row] == nil {
            labelAtRow[row] = geometry.endLabel(end)
        }
    }
    let labelWidth = labelAtRow.values.map(\.count).max() ?? 1
    let axis = style.unicode ? ("│", "┤", "└", "─", "┬") : ("|", "+", "+", "-", "+")
    for row in 0 ..< height {
        var line = leftPad(labelAtRow[row] ?? "", labelWidth) + " " + (labelAtRow[row] == nil ? axis.0 : axis.1)
        for column in 0 ..< width {
            let cell = row * width + column
            let index = marks[cell]
            if index < 0 {
                line += " "
                continue
            }
            let glyph = braille ? String(Character(Unicode.Scalar(0x2800 + UInt32(dots[cell]))!)) : String(markers[index % markers.count])
            line += style.paint(glyph, seriesColor(index, markerCount: markers.count))
        }
        output += line.trimmingTrailingSpaces() + "\n"
    }

    // The x axis with a tick under each x tick, and the labels centred on them.
    var tickColumns: [(Int, String)] = []
    for tick in geometry.xTicks {
        let column = Int((fraction(tick, from: xLow, to: xHigh) * Double(width - 1)).rounded())
        tickColumns.append((column, geometry.xTickLabel(tick)))
    }
    var axisLine = String(repeating: " ", count: labelWidth + 1) + axis.2
    var labels = [Character](repeating: " ", count: labelWidth + 2 + width + 8)
    for column in 0 ..< width {
        axisLine += tickColumns.contains { $0.0 == column } ? axis.4 : axis.3
    }
    var lastEnd = -1
    for (column, text) in tickColumns {
        let start = max(labelWidth + 2 + column - text.count / 2, lastEnd + 1)
        guard start + text.count <= labels.count else { continue }
        for (offset, character) in text.enumerated() { labels[start + offset] = character }
        lastEnd = start + text.count
    }
    output += axisLine + "\n"
    output += String(labels).trimmingTrailingSpaces() + "\n"

    // Legend (and the x label), then what the plot could not show as asked.
    let margin = String(repeating: " ", count: labelWidth + 2)
    let pageWidth = options.pageWidth ?? Int.max
    // Items (shown, visible width) laid out on as many lines as the page needs.
    var items: [(shown: String, width: Int)] = []
    if let xLabel = options.xLabel { items.append((style.text(xLabel) + " ", displayColumns(style.text(xLabel)) + 1)) }
    for (index, line) in series.enumerated() {
        let key = braille ? "⣿" : String(markers[index % markers.count])
        let name = style.text(line.name)
        items.append((style.paint(key, seriesColor(index, markerCount: markers.count)) + " " + name, 2 + displayColumns(name)))
    }
    if options.logScale { items.append(("(log scale)", 11)) }
    var legend = margin, used = margin.count
    for (index, item) in items.enumerated() {
        if index > 0 {
            if used + 3 + item.width > pageWidth {
                legend = legend.trimmingTrailingSpaces() + "\n" + margin
                used = margin.count
            } else {
                legend += "   "
                used += 3
            }
        }
        legend += item.shown
        used += item.width
    }
    output += legend.trimmingTrailingSpaces() + "\n"
    var notes: [String] = []
    if !braille && series.count > markers.count {
        // More series than markers: say which share one (on a terminal their colours differ).
        var shared: [String] = []
        for marker in 0 ..< markers.count {
            let names = stride(from: marker, to: series.count, by: markers.count).map { "'\(series[$0].name)'" }
            if names.count > 1 { shared.append(String(markers[marker]) + " is " + names.joined(separator: " and ")) }
        }
        notes.append("\(series.count) series, \(markers.count) markers: " + shared.joined(separator: "; "))
    }
    notes += geometry.notes(series, options: options)
    for note in notes {
        output += wrapLines(margin + style.text(note), width: pageWidth) + "\n"
    }
    return output
}

/// Calls `plot` for every pixel of the segment from a to b (Bresenham).
func drawLine(from a: (Int, Int), to b: (Int, Int), _ plot: (Int, Int) -> Void) {
    var (x, y) = a
    let dx = abs(b.0 - x), dy = -abs(b.1 - y)
    let sx = x < b.0 ? 1 : -1, sy = y < b.1 ? 1 : -1
    var error = dx + dy
    while true {
        plot(x, y)
        if x == b.0 && y == b.1 { return }
        let doubled = 2 * error
        if doubled >= dy { error += dy; x += sx }
        if doubled <= dx { error += dx; y += sy }
    }
}
