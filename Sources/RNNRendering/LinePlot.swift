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
    /// In ASCII, show '@' where several series share a cell (else the later series wins).
    public var markOverlaps = true

    public init(title: String? = nil, width: Int = 60, height: Int = 14, logScale: Bool = false, xLabel: String? = nil,
                markOverlaps: Bool = true) {
        self.title = title
        self.width = width
        self.height = height
        self.logScale = logScale
        self.xLabel = xLabel
        self.markOverlaps = markOverlaps
    }
}

/// Markers of successive series in ASCII, and their colours on a terminal.
let seriesMarkers: [Character] = ["*", "o", "x", "+", "#", "%"]
let seriesColors: [TextStyle.Color] = [.cyan, .yellow, .magenta, .green, .red, .blue]

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
/// In ASCII each cell is one point and each series has its marker; on a terminal the plot is
/// drawn in braille (2×4 dots a cell) with one colour per series. Without colour, several
/// series could not be told apart in braille, so they get markers as in ASCII. Consecutive points are
/// joined, so a noisy series shows its spread as vertical strokes. Where series cross, the
/// one listed first is drawn on top.
public func formatLinePlot(_ series: [PlotSeries], options: LinePlotOptions = .init(), style: TextStyle = .plain) -> String {
    let width = max(options.width, 8), height = max(options.height, 3)
    // Points in plot coordinates (log₁₀ y when asked).
    let prepared: [[(Double, Double)]] = series.map { line in
        zip(line.xs, line.ys).compactMap { x, y in
            guard x.isFinite && y.isFinite else { return nil }
            if options.logScale { return y > 0 ? (x, log10(y)) : nil }
            return (x, y)
        }
    }
    let all = prepared.flatMap { $0 }
    var output = ""
    if let title = options.title { output += style.text(title) + "\n" }
    guard !all.isEmpty else {
        let anyValues = series.contains { !$0.ys.isEmpty }
        return output + (anyValues ? "(nothing to plot: no value is a finite number"
            + (options.logScale ? " above 0" : "") + ")\n" : "(nothing to plot yet)\n")
    }

    let yTicks = options.logScale ? logTicks(all.map(\.1)) : niceTicks(all.map(\.1).min()!, all.map(\.1).max()!)
    let yLow = yTicks.first!, yHigh = yTicks.last!
    // The x axis spans the data exactly; its ticks are the round values inside it.
    let xLow = all.map(\.0).min()!, xHigh = all.map(\.0).max()!
    var xTicks = niceTicks(xLow, xHigh, count: max(2, width / 12)).filter { $0 >= xLow && $0 <= xHigh }
    if xTicks.first.map({ $0 - xLow > (xHigh - xLow) / 20 }) ?? true { xTicks.insert(xLow, at: 0) }

    // The canvas: ASCII is one dot a cell; braille is 2×4 dots a cell.
    let braille = style.unicode && (style.color || series.count <= 1)
    let dotsX = braille ? 2 : 1, dotsY = braille ? 4 : 1
    let pixelWidth = width * dotsX, pixelHeight = height * dotsY
    var marks = [Int](repeating: -1, count: width * height)         // series drawn last in each cell
    var shared = [Bool](repeating: false, count: width * height)    // drawn by more than one series
    var dots = [UInt8](repeating: 0, count: width * height)         // braille dot mask per cell

    func pixel(_ x: Double, _ y: Double) -> (Int, Int) {
        let px = xHigh == xLow ? 0 : Int(((x - xLow) / (xHigh - xLow) * Double(pixelWidth - 1)).rounded())
        let py = yHigh == yLow ? 0 : Int(((yHigh - y) / (yHigh - yLow) * Double(pixelHeight - 1)).rounded())
        return (min(max(px, 0), pixelWidth - 1), min(max(py, 0), pixelHeight - 1))
    }
    func plot(_ px: Int, _ py: Int, _ index: Int) {
        let cell = (py / dotsY) * width + px / dotsX
        if marks[cell] >= 0 && marks[cell] != index { shared[cell] = true }
        marks[cell] = index
        if braille {
            let dx = px % 2, dy = py % 4
            let bit: UInt8 = dy == 3 ? (dx == 0 ? 0x40 : 0x80) : UInt8(1 << (dy + 3 * dx))
            dots[cell] |= bit
        }
    }
    // Later series are drawn over earlier ones (in ASCII a cell of several series shows '@').
    for (index, points) in prepared.enumerated() {
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

    // Tick labels on the rows nearest each y tick, with enough decimals to tell them apart.
    let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
    func yLabel(_ value: Double) -> String {
        if options.logScale { return NumberFormat.general(pow(10, value), significant: 4) }
        return tickLabel(value, step: yStep)
    }
    var labelAtRow: [Int: String] = [:]
    for tick in yTicks {
        let row = Int(((yHigh - tick) / (yHigh - yLow) * Double(height - 1)).rounded())
        labelAtRow[row] = yLabel(tick)
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
            } else if braille {
                let glyph = String(Character(Unicode.Scalar(0x2800 + UInt32(dots[cell]))!))
                line += style.paint(glyph, seriesColors[index % seriesColors.count])
            } else {
                line.append(shared[cell] && options.markOverlaps ? "@" : seriesMarkers[index % seriesMarkers.count])
            }
        }
        output += line.trimmingTrailingSpaces() + "\n"
    }

    // The x axis with a tick under each x tick, and the labels centred on them.
    var tickColumns: [(Int, String)] = []
    let xStep = xTicks.count > 2 ? xTicks[2] - xTicks[1] : (xTicks.count == 2 ? xTicks[1] - xTicks[0] : 1)
    for tick in xTicks {
        let column = xHigh == xLow ? 0 : Int(((tick - xLow) / (xHigh - xLow) * Double(width - 1)).rounded())
        tickColumns.append((column, tickLabel(tick, step: xStep)))
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
    if let xLabel = options.xLabel { legend += style.text(xLabel) + (series.count > 1 || !series.isEmpty ? "    " : "") }
    for (index, line) in series.enumerated() {
        let key = braille
            ? style.paint("⣿", seriesColors[index % seriesColors.count])
            : String(seriesMarkers[index % seriesMarkers.count])
        legend += key + " " + style.text(line.name) + (index < series.count - 1 ? "   " : "")
    }
    if !braille && options.markOverlaps && shared.contains(true) { legend += "   @ several" }
    if options.logScale { legend += "   (log scale)" }
    output += legend.trimmingTrailingSpaces() + "\n"
    return output
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
public func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    var low = low, high = high
    if low == high {
        let pad = low == 0 ? 1 : abs(low) * 0.1
        low -= pad
        high += pad
    }
    // The step nearest (in ratio) to range/(count−1) among 1, 2, 5 and 10 times a power of ten.
    let rough = (high - low) / Double(max(count - 1, 1))
    let magnitude = pow(10, floor(log10(rough)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.min { abs(log($0 / rough)) < abs(log($1 / rough)) }!
    let first = floor(low / step + 1e-9) * step
    var ticks: [Double] = []
    var tick = first
    while tick < high + step * 1e-9 || ticks.count < 2 {
        ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
        tick = first + Double(ticks.count) * step
    }
    if ticks.last! < high - step * 1e-9 { ticks.append(tick) }
    return ticks
}

/// Ticks for log₁₀ values: whole powers of ten, or 1-2-5 steps when the range is under a decade.
func logTicks(_ logValues: [Double]) -> [Double] {
    let low = floor(logValues.min()!), high = ceil(logValues.max()!)
    if high - low >= 1 {
        // Whole decades, counted down from the top so the axis ends at the data's top decade.
        let step = Double(max(1, Int((high - low) / 5)))
        var ticks = [high]
        while ticks.last! > low { ticks.append(ticks.last! - step) }
        return ticks.reversed()
    }
    return niceTicks(pow(10, logValues.min()!), pow(10, logValues.max()!)).filter { $0 > 0 }.map { log10($0) }
}
