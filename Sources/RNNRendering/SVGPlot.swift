#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A line plot as an inline SVG figure: the same points, axis ranges, ticks and tick labels as
/// the terminal's plot (both read `LinePlotGeometry`), drawn with lines instead of characters.
///
///     <figure class="plot"><figcaption>loss per character at each step</figcaption>
///     <svg class="plot" viewBox="0 0 650 320" width="650" height="320" …>
///       … grid lines, axes, tick labels, one polyline and one marker shape per series, the legend
///     </svg></figure>
///
/// Each series has its own colour (as on a terminal: blue, red, green, magenta, orange, teal)
/// and its own marker shape (● ○ × ◆ ■ ▲ ◇ ▼ □ △ ▽ ★, as the terminal's markers), drawn at a
/// few points along its line and in the legend. A log scale puts decades on the y axis and
/// says "(log scale)" in the legend; values clipped by `ymin`/`ymax` run along the edge, and the
/// notes under the plot say so, as on a terminal. The drawing scales down on a narrow screen
/// (the viewBox keeps its proportions). Series of many points are thinned to what a pixel
/// column can show (its first, lowest, highest and last point), which draws the same picture.
public func svgLinePlot(_ series: [PlotSeries], layout: PlotLayout, pageWidth: Int) -> String {
    let options = layout.options
    let columns = max(layout.resolvedWidth(pageWidth: pageWidth), 8), rows = max(options.height, 3)
    var html = "<figure class=\"plot\">"
    if let title = options.title { html += "<figcaption>" + HTML.text(title) + "</figcaption>" }
    guard let geometry = LinePlotGeometry(series, options: options, columns: columns, rows: rows) else {
        return html + "<p class=\"empty\">" + HTML.text(LinePlotGeometry.emptyMessage(series, options: options)) + "</p></figure>\n"
    }
    let drawing = SVGPlotDrawing(geometry: geometry, columns: columns, rows: rows)
    html += drawing.svg(series, options: options)
    for note in geometry.notes(series, options: options) {
        html += "<p class=\"plot-note\">" + HTML.text(note) + "</p>"
    }
    return html + "</figure>\n"
}

/// The frame of an SVG plot: the plotting area, the axes with their ticks and labels, and the
/// mapping from values to positions. Sizes are in the drawing's own units (CSS pixels at full
/// size); the labels are monospace, 12 units, 17 on a narrow screen (where the drawing is
/// scaled down), so the layout leaves room for the larger size.
struct SVGAxes {
    /// The value ranges of the axes (in plot coordinates: log₁₀ y on a log scale).
    let yLow: Double, yHigh: Double, xLow: Double, xHigh: Double
    /// Labelled y values (ticks, and ends set by a limit), and x ticks.
    let yLabels: [(value: Double, text: String)]
    let xTicks: [(value: Double, text: String)]
    /// The plotting area: 7.5 units a terminal column and 18 a row, within sensible bounds.
    let plotWidth: Double
    let plotHeight: Double
    /// Space left of the plotting area for the y tick labels, and above and right of it.
    let left: Double
    let top = 12.0
    let right = 24.0
    /// About 10.2 units a character of 17-unit monospace; a line of labels.
    static let characterWidth = 10.2
    static let lineHeight = 24.0

    init(yLow: Double, yHigh: Double, xLow: Double, xHigh: Double, yLabels: [(value: Double, text: String)],
         xTicks: [(value: Double, text: String)], columns: Int, rows: Int) {
        (self.yLow, self.yHigh, self.xLow, self.xHigh) = (yLow, yHigh, xLow, xHigh)
        self.yLabels = yLabels
        self.xTicks = xTicks
        plotWidth = min(640, max(300, Double(columns) * 7.5))
        plotHeight = min(432, max(108, Double(rows) * 18))
        let widest = yLabels.map { $0.text.count }.max() ?? 1
        left = (Double(widest) * Self.characterWidth).rounded(.up) + 14
    }

    var bottom: Double { top + plotHeight }
    var totalWidth: Double { left + plotWidth + right }

    /// Position of a value in the drawing (clamped to the plotting area, as the terminal draws
    /// clipped values along the edge).
    func px(_ x: Double) -> Double { left + fraction(x, from: xLow, to: xHigh) * plotWidth }
    func py(_ y: Double) -> Double { top + fraction(y, from: yHigh, to: yLow) * plotHeight }

    /// The opening tag of the drawing, `height` units tall, named `label` for screen readers.
    func openingTag(height: Double, label: String?) -> String {
        "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(svgNumber(totalWidth)) \(svgNumber(height))\""
            + " width=\"\(svgNumber(totalWidth))\" height=\"\(svgNumber(height))\" role=\"img\""
            + (label.map { " aria-label=\"" + HTML.attribute($0) + "\"" } ?? "") + ">"
    }

    /// Grid lines, the two axes with tick marks, the tick labels (an x label that would overlap
    /// the one before it is left out) and the x axis's title under them.
    func markup(xTitle: String?) -> String {
        var svg = "<g class=\"grid\">"
        for (value, _) in yLabels { svg += "<path d=\"M\(svgNumber(left)) \(svgNumber(py(value)))H\(svgNumber(left + plotWidth))\"/>" }
        svg += "</g><g class=\"axes\"><path d=\"M\(svgNumber(left)) \(svgNumber(top))V\(svgNumber(bottom))H\(svgNumber(left + plotWidth))\"/>"
        for (value, _) in yLabels { svg += "<path d=\"M\(svgNumber(left - 5)) \(svgNumber(py(value)))h5\"/>" }
        for (value, _) in xTicks { svg += "<path d=\"M\(svgNumber(px(value))) \(svgNumber(bottom))v5\"/>" }
        svg += "</g><g class=\"labels\">"
        for (value, text) in yLabels {
            svg += "<text x=\"\(svgNumber(left - 8))\" y=\"\(svgNumber(py(value)))\" text-anchor=\"end\" dominant-baseline=\"central\">"
                + HTML.text(text) + "</text>"
        }
        var lastEnd = -Double.infinity
        for (value, text) in xTicks {
            let half = Double(text.count) * Self.characterWidth / 2
            guard px(value) - half >= lastEnd + 4 else { continue }
            svg += "<text x=\"\(svgNumber(px(value)))\" y=\"\(svgNumber(bottom + 8))\" text-anchor=\"middle\" dominant-baseline=\"hanging\">"
                + HTML.text(text) + "</text>"
            lastEnd = px(value) + half
        }
        if let xTitle {
            svg += "<text class=\"axis-title\" x=\"\(svgNumber(left + plotWidth / 2))\" y=\"\(svgNumber(bottom + 8 + Self.lineHeight))\""
                + " text-anchor=\"middle\" dominant-baseline=\"hanging\">" + HTML.text(xTitle) + "</text>"
        }
        return svg + "</g>"
    }
}

/// The SVG of a line plot: its geometry in an `SVGAxes` frame.
struct SVGPlotDrawing {
    let geometry: LinePlotGeometry
    let axes: SVGAxes

    init(geometry: LinePlotGeometry, columns: Int, rows: Int) {
        self.geometry = geometry
        var labels = geometry.yAxis.ticks.map { ($0, geometry.yTickLabel($0)) }
        // An axis ended by a limit labels that end too, unless a tick is already there (within
        // half a row, as the terminal's label would share its row).
        let halfRow = fraction(0.5, from: 0, to: Double(rows - 1))
        for end in [geometry.highEnd, geometry.lowEnd].compactMap({ $0 }) {
            let at = fraction(end, from: geometry.yAxis.low, to: geometry.yAxis.high)
            if !labels.contains(where: { abs(fraction($0.0, from: geometry.yAxis.low, to: geometry.yAxis.high) - at) < halfRow }) {
                labels.append((end, geometry.endLabel(end)))
            }
        }
        axes = SVGAxes(yLow: geometry.yAxis.low, yHigh: geometry.yAxis.high, xLow: geometry.xLow, xHigh: geometry.xHigh,
                       yLabels: labels, xTicks: geometry.xTicks.map { ($0, geometry.xTickLabel($0)) }, columns: columns, rows: rows)
    }

    var left: Double { axes.left }
    var top: Double { axes.top }
    var plotWidth: Double { axes.plotWidth }
    var plotHeight: Double { axes.plotHeight }
    func px(_ x: Double) -> Double { axes.px(x) }
    func py(_ y: Double) -> Double { axes.py(y) }

    func svg(_ series: [PlotSeries], options: LinePlotOptions) -> String {
        let lineHeight = SVGAxes.lineHeight
        // Legend items: a swatch (line and marker) and a name; "(log scale)" last.
        var items: [(index: Int?, text: String)] = series.enumerated().map { ($0.offset, $0.element.name) }
        if options.logScale { items.append((nil, "(log scale)")) }
        var legendTop = axes.bottom + 8 + lineHeight + lineHeight / 2
        if options.xLabel != nil { legendTop += lineHeight }
        var placed: [(index: Int?, text: String, x: Double, y: Double)] = []
        var x = left, y = legendTop
        for item in items {
            let width = (item.index == nil ? 0 : 30) + Double(displayColumns(item.text)) * SVGAxes.characterWidth
            if x > left && x + width > axes.totalWidth - 4 {
                x = left
                y += lineHeight
            }
            placed.append((item.index, item.text, x, y))
            x += width + 20
        }
        var svg = axes.openingTag(height: y + lineHeight / 2 + 4, label: options.title) + axes.markup(xTitle: options.xLabel)
        // The series, later ones over earlier ones (as on the terminal).
        for (index, points) in geometry.points.enumerated() {
            let screen = thinned(points.map { (px($0.x), py($0.y)) })
            svg += "<g class=\"series " + seriesClass(index) + "\">"
            if screen.count > 1 {
                svg += "<polyline points=\"" + screen.map { svgNumber($0.0) + "," + svgNumber($0.1) }.joined(separator: " ") + "\"/>"
            }
            let marks = markerIndices(count: screen.count, series: index).map { screen[$0] }
            if !marks.isEmpty {
                svg += "<path class=\"" + markerStyle(index) + "\" d=\"" + marks.map { markerPath(index, at: $0) }.joined() + "\"/>"
            }
            svg += "</g>"
        }
        // The legend.
        svg += "<g class=\"legend\">"
        for item in placed {
            if let index = item.index {
                svg += "<g class=\"series " + seriesClass(index) + "\"><path class=\"key\" d=\"M\(svgNumber(item.x)) \(svgNumber(item.y))h24\"/>"
                    + "<path class=\"" + markerStyle(index) + "\" d=\"" + markerPath(index, at: (item.x + 12, item.y)) + "\"/></g>"
                svg += "<text x=\"\(svgNumber(item.x + 30))\" y=\"\(svgNumber(item.y))\" dominant-baseline=\"central\">"
                    + HTML.text(item.text) + "</text>"
            } else {
                svg += "<text x=\"\(svgNumber(item.x))\" y=\"\(svgNumber(item.y))\" dominant-baseline=\"central\">"
                    + HTML.text(item.text) + "</text>"
            }
        }
        return svg + "</g></svg>"
    }

    /// At most four points a pixel column (its first, lowest, highest and last, in order) for
    /// series much longer than the drawing is wide: the same line, a fraction of the bytes.
    func thinned(_ points: [(Double, Double)]) -> [(Double, Double)] {
        guard points.count > 4 * Int(axes.plotWidth) else { return points }
        var result: [(Double, Double)] = []
        var start = 0
        while start < points.count {
            let column = Int(points[start].0)
            var end = start, low = start, high = start
            while end < points.count && Int(points[end].0) == column {
                if points[end].1 < points[low].1 { low = end }
                if points[end].1 > points[high].1 { high = end }
                end += 1
            }
            var kept = Set([start, low, high, end - 1]).sorted()
            if kept.isEmpty { kept = [start] }
            result += kept.map { points[$0] }
            start = end
        }
        return result
    }

    /// Where a series shows its marker: every point of a short series, else 8 points spread
    /// along it, shifted a little from series to series so that overlapping lines keep theirs.
    func markerIndices(count: Int, series: Int) -> [Int] {
        guard count > 16 else { return Array(0 ..< count) }
        let phase = 0.2 + 0.6 * Double(series % 4) / 3
        return (0 ..< 8).map { min(count - 1, Int(((Double($0) + phase) / 8 * Double(count - 1)).rounded())) }
    }
}

/// The colour class of series `index`: the terminal's colour for it (`seriesColor`).
func seriesClass(_ index: Int) -> String {
    "c-" + colorName(seriesColor(index, markerCount: unicodeSeriesMarkers.count))
}

/// The CSS name of a terminal colour (the page's stylesheet defines each for light and dark).
func colorName(_ color: TextStyle.Color) -> String {
    switch color {
    case .red: "red"
    case .green: "green"
    case .yellow: "yellow"
    case .blue: "blue"
    case .magenta: "magenta"
    case .cyan: "cyan"
    case .gray: "gray"
    case .bold, .dim: "text"
    case .orange: "orange"
    case .teal: "teal"
    }
}

/// How series `index`'s marker is painted: filled (● ◆ ■ ▲ ▼ ★), open (○ ◇ □ △ ▽) or a
/// stroke (×).
func markerStyle(_ index: Int) -> String {
    switch index % unicodeSeriesMarkers.count {
    case 2: "mark-stroke"
    case 1, 6, 8, 9, 10: "mark-open"
    default: "mark-filled"
    }
}

/// The outline of series `index`'s marker centred at `point`: the shapes of the terminal's
/// markers ● ○ × ◆ ■ ▲ ◇ ▼ □ △ ▽ ★, in that order.
func markerPath(_ index: Int, at point: (Double, Double)) -> String {
    let (x, y) = point
    let r = 3.6
    func n(_ value: Double) -> String { svgNumber(value) }
    let circle = "M\(n(x - r)) \(n(y))a\(n(r)) \(n(r)) 0 1 0 \(n(2 * r)) 0a\(n(r)) \(n(r)) 0 1 0 \(n(-2 * r)) 0Z"
    let diamond = "M\(n(x)) \(n(y - 1.3 * r))L\(n(x + 1.3 * r)) \(n(y))L\(n(x)) \(n(y + 1.3 * r))L\(n(x - 1.3 * r)) \(n(y))Z"
    let square = "M\(n(x - r)) \(n(y - r))H\(n(x + r))V\(n(y + r))H\(n(x - r))Z"
    let up = "M\(n(x)) \(n(y - 1.2 * r))L\(n(x + 1.2 * r)) \(n(y + r))H\(n(x - 1.2 * r))Z"
    let down = "M\(n(x)) \(n(y + 1.2 * r))L\(n(x + 1.2 * r)) \(n(y - r))H\(n(x - 1.2 * r))Z"
    switch index % unicodeSeriesMarkers.count {
    case 0, 1: return circle
    case 2: return "M\(n(x - r)) \(n(y - r))L\(n(x + r)) \(n(y + r))M\(n(x - r)) \(n(y + r))L\(n(x + r)) \(n(y - r))"
    case 3, 6: return diamond
    case 4, 8: return square
    case 5, 9: return up
    case 7, 10: return down
    default:
        // A five-pointed star: outer and inner points alternating, from the top.
        var path = ""
        for k in 0 ..< 10 {
            let radius = k % 2 == 0 ? 1.4 * r : 0.6 * r
            let angle = Double.pi / 5 * Double(k) - Double.pi / 2
            path += (k == 0 ? "M" : "L") + n(x + radius * cos(angle)) + " " + n(y + radius * sin(angle))
        }
        return path + "Z"
    }
}
