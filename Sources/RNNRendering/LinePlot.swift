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
/// of them is a character of the axes (`|`, `-`, `+`).
let seriesMarkers: [Character] = ["*", "o", "x", "#", "%", "&", "=", "$"]
let unicodeSeriesMarkers: [Character] = ["●", "○", "×", "◆", "■", "▲", "◇", "▼"]
/// Colours that stay visible on a white projector screen as on a dark terminal (no yellow, no cyan).
let seriesColors: [TextStyle.Color] = [.blue, .red, .green, .magenta, .bold, .gray]

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
/// its spread as vertical strokes.
///
/// Any finite values can be plotted, from subnormal numbers to ±1.8e308: positions are computed
/// on values scaled by a power of two, so no difference overflows. `yMin`/`yMax` clip the axis;
/// the plot then names the series that went beyond.
public func formatLinePlot(_ series: [PlotSeries], options: LinePlotOptions = .init(), style: TextStyle = .plain) -> String {
    let width = max(options.width, 8), height = max(options.height, 3)
    // Points in plot coordinates (log₁₀ y when asked).
    func transform(_ y: Double) -> Double? {
        guard y.isFinite else { return nil }
        if options.logScale { return y > 0 ? log10(y) : nil }
        return y
    }
    let prepared: [[(Double, Double)]] = series.map { line in
        zip(line.xs, line.ys).compactMap { x, y in x.isFinite ? transform(y).map { (x, $0) } : nil }
    }
    let all = prepared.flatMap { $0 }
    var output = ""
    if let title = options.title { output += style.text(title) + "\n" }
    guard !all.isEmpty else {
        let anyValues = series.contains { !$0.ys.isEmpty }
        return output + (anyValues ? "(nothing to plot: no value is a finite number"
            + (options.logScale ? " above 0" : "") + ")\n" : "(nothing to plot yet)\n")
    }

    // The y range: the data's, narrowed to the limits asked for.
    var dataLow = all.map(\.1).min()!, dataHigh = all.map(\.1).max()!
    let limitLow = options.yMin.flatMap(transform), limitHigh = options.yMax.flatMap(transform)
    if let limitLow, limitLow < dataHigh { dataLow = max(dataLow, limitLow) }
    if let limitHigh, limitHigh > dataLow { dataHigh = min(dataHigh, limitHigh) }
    let yTicks = options.logScale ? logTicks(low: dataLow, high: dataHigh) : niceTicks(dataLow, dataHigh)
    var yLow = yTicks.first!, yHigh = yTicks.last!
    if let limitLow, limitLow > yLow && limitLow < yHigh { yLow = limitLow }
    if let limitHigh, limitHigh < yHigh && limitHigh > yLow { yHigh = limitHigh }
    // The x axis spans the data exactly; its ticks are the round values inside it.
    let xLow = all.map(\.0).min()!, xHigh = all.map(\.0).max()!
    var xTicks = niceTicks(xLow, xHigh, count: max(2, width / 12)).filter { $0 >= xLow && $0 <= xHigh }
    if xTicks.first.map({ fraction($0, from: xLow, to: xHigh) > 0.05 }) ?? true { xTicks.insert(xLow, at: 0) }

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
    var clipped: [(name: String, below: Double?, above: Double?)] = []
    for (index, points) in prepared.enumerated() {
        var previous: (Int, Int)?
        var below: Double?, above: Double?
        for (x, y) in points {
            if y < yLow { below = min(below ?? y, y) }
            if y > yHigh { above = max(above ?? y, y) }
            let current = pixel(x, y)
            if let start = previous {
                drawLine(from: start, to: current) { plot($0, $1, index) }
            } else {
                plot(current.0, current.1, index)
            }
            previous = current
        }
        if below != nil || above != nil { clipped.append((series[index].name, below, above)) }
    }

    // Tick labels on the rows nearest each y tick, with enough decimals to tell them apart.
    let yStep = yTicks.count > 1 ? yTicks[1] / 2 - yTicks[0] / 2 : 0.5
    func yLabel(_ value: Double) -> String {
        if options.logScale { return NumberFormat.general(pow(10, value), significant: 4) }
        return tickLabel(value, step: 2 * yStep)
    }
    var labelAtRow: [Int: String] = [:]
    for tick in yTicks where tick >= yLow && tick <= yHigh {
        let row = Int((fraction(tick, from: yHigh, to: yLow) * Double(height - 1)).rounded())
        labelAtRow[row] = yLabel(tick)
    }
    for (row, value) in [(0, yHigh), (height - 1, yLow)] where labelAtRow[row] == nil && !(yTicks.contains(value)) {
        labelAtRow[row] = yLabel(value)  // a clipped edge gets its own label
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
            line += style.paint(glyph, seriesColors[index % seriesColors.count])
        }
        output += line.trimmingTrailingSpaces() + "\n"
    }

    // The x axis with a tick under each x tick, and the labels centred on them.
    var tickColumns: [(Int, String)] = []
    let xStep = xTicks.count > 2 ? xTicks[2] / 2 - xTicks[1] / 2 : (xTicks.count == 2 ? xTicks[1] / 2 - xTicks[0] / 2 : 0.5)
    for tick in xTicks {
        let column = Int((fraction(tick, from: xLow, to: xHigh) * Double(width - 1)).rounded())
        tickColumns.append((column, tickLabel(tick, step: 2 * xStep)))
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

    // Legend (and the x label).
    var legend = String(repeating: " ", count: labelWidth + 2)
    if let xLabel = options.xLabel { legend += style.text(xLabel) + "    " }
    for (index, line) in series.enumerated() {
        let key = braille ? "⣿" : String(markers[index % markers.count])
        legend += style.paint(key, seriesColors[index % seriesColors.count]) + " " + style.text(line.name)
            + (index < series.count - 1 ? "   " : "")
    }
    if options.logScale { legend += "   (log scale)" }
    output += legend.trimmingTrailingSpaces() + "\n"
    for (name, below, above) in clipped {
        let value = { (y: Double) in NumberFormat.general(options.logScale ? pow(10, y) : y, significant: 4) }
        var parts: [String] = []
        if let above { parts.append("rises to " + value(above) + " (drawn along the top)") }
        if let below { parts.append("falls to " + value(below) + " (drawn along the bottom)") }
        output += wrapLines(String(repeating: " ", count: labelWidth + 2)
            + style.text("y axis clipped: '\(name)' " + parts.joined(separator: " and ")), width: labelWidth + 2 + width + 8) + "\n"
    }
    return output
}

/// Where `value` lies on the way from `start` to `end`, from 0 to 1 (clamped), computed on
/// halves so that even −1.8e308…1.8e308 does not overflow; 0 when the two are equal.
func fraction(_ value: Double, from start: Double, to end: Double) -> Double {
    let span = end / 2 - start / 2
    guard span != 0 else { return 0 }
    let result = (value / 2 - start / 2) / span
    return result.isFinite ? min(1, max(0, result)) : 0
}

/// A tick's label with just enough decimals for ticks `step` apart (0.2 → "0.4", 5 → "15").
func tickLabel(_ value: Double, step: Double) -> String {
    let magnitude = abs(value)
    if magnitude >= 1e6 || (magnitude > 0 && magnitude < 1e-4) { return NumberFormat.general(value, significant: 4) }
    let decimals = step >= 1 || step <= 0 ? 0 : min(10, Int((-log10(step)).rounded(.up)))
    let text = NumberFormat.fixed(value, decimals: decimals)
    return text
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

/// About `count` round tick values (1, 2 or 5 times a power of ten) covering [low, high].
///
/// Any finite bounds work: the steps are computed from halves so that the range never
/// overflows, ticks stay finite, and a range too narrow for distinct ticks (two subnormal
/// numbers, say) gives its two ends.
public func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    var low = low, high = high
    if low == high {
        let pad = low == 0 ? 1 : abs(low) * 0.1
        low -= pad
        high += pad
    }
    // The step nearest (in ratio) to range/(count−1) among 1, 2, 5 and 10 times a power of ten.
    let rough = (high / 2 - low / 2) / Double(max(count - 1, 1)) * 2
    guard rough.isNormal, rough > 0 else { return low < high ? [low, high] : [low] }
    let magnitude = pow(10, floor(log10(rough)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.filter(\.isFinite).min { abs(log($0 / rough)) < abs(log($1 / rough)) }!
    let first = floor(low / step + 1e-9) * step
    var ticks: [Double] = []
    var tick = first
    while (tick < high + step * 1e-9 || ticks.count < 2) && tick.isFinite && ticks.count < 1000 {
        ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
        tick = first + Double(ticks.count) * step
    }
    if let last = ticks.last, last < high - step * 1e-9 {
        ticks.append(tick.isFinite ? tick : high)
    }
    guard ticks.count >= 2 else {
        return low < high ? [low, high] : [low]
    }
    return ticks
}

/// Ticks for log₁₀ values: whole powers of ten, or 1-2-5 steps when the range is under a decade.
func logTicks(low logLow: Double, high logHigh: Double) -> [Double] {
    let low = floor(logLow), high = ceil(logHigh)
    if high - low >= 1 {
        // Whole decades, counted down from the top so the axis ends at the data's top decade.
        let step = Double(max(1, Int((high - low) / 5)))
        var ticks = [high]
        while ticks.last! > low { ticks.append(ticks.last! - step) }
        return ticks.reversed()
    }
    let ticks = niceTicks(pow(10, logLow), pow(10, logHigh)).filter { $0 > 0 }.map { log10($0) }
    return ticks.count >= 2 ? ticks : [logLow, logHigh == logLow ? logLow + 1 : logHigh]
}
