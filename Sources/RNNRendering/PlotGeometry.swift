#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a line plot shows, laid out once for every rendering of it: the terminal's text plot
/// and a page's SVG read their points, axis ranges, ticks, tick labels and notes from here, so
/// that both show the same numbers.
///
/// Coordinates are the plot's: x as given, y or (on a log scale) log₁₀ y. Points that cannot
/// be drawn (a non-finite value; on a log scale a value ≤ 0) are left out, and `notes` says so.
struct LinePlotGeometry {
    /// Each series' drawable points, in order.
    var points: [[(x: Double, y: Double)]]
    var yAxis: YAxis
    /// The x axis spans the data exactly.
    var xLow: Double
    var xHigh: Double
    /// Round x values inside the axis (the first one is the axis's start when no round value
    /// is near it).
    var xTicks: [Double]
    /// Distance between x ticks (sets their labels' decimals).
    var xStep: Double
    /// Where an explicit limit (`ymin`, `ymax`) ends the y axis, in plot coordinates.
    var lowEnd: Double?
    var highEnd: Double?
    /// Series with values beyond an explicit limit: how far below and above they went.
    var clipped: [(name: String, below: Double?, above: Double?)]
    var logScale: Bool

    /// Lays out `series` for a plotting area `columns` wide (it sets how many x ticks) and
    /// `rows` tall (it sets the y ticks); nil when no point can be drawn.
    init?(_ series: [PlotSeries], options: LinePlotOptions, columns: Int, rows: Int) {
        logScale = options.logScale
        let logScale = options.logScale
        func transform(_ y: Double) -> Double? {
            guard y.isFinite else { return nil }
            if logScale { return y > 0 ? log10(y) : nil }
            return y
        }
        let points: [[(x: Double, y: Double)]] = series.map { line in
            zip(line.xs, line.ys).compactMap { x, y in x.isFinite ? transform(y).map { (x, $0) } : nil }
        }
        var dataLow = Double.infinity, dataHigh = -Double.infinity
        var xLow = Double.infinity, xHigh = -Double.infinity
        for line in points {
            for (x, y) in line {
                dataLow = min(dataLow, y)
                dataHigh = max(dataHigh, y)
                xLow = min(xLow, x)
                xHigh = max(xHigh, x)
            }
        }
        guard dataLow <= dataHigh else { return nil }

        // The y range: the data's, narrowed to the limits asked for (which then end the axis).
        let limitLow = options.yMin.flatMap(transform), limitHigh = options.yMax.flatMap(transform)
        var lowEnd: Double?, highEnd: Double?
        if let limitLow, limitLow > dataLow && limitLow < dataHigh {
            dataLow = limitLow
            lowEnd = limitLow
        }
        if let limitHigh, limitHigh < dataHigh && limitHigh > dataLow {
            dataHigh = limitHigh
            highEnd = limitHigh
        }
        let yAxis = evenYAxis(low: dataLow, high: dataHigh, rows: rows, lowEnd: lowEnd, highEnd: highEnd, wholeSteps: logScale)
        // The x axis spans the data exactly; its ticks are the round values inside it.
        self.xLow = xLow
        self.xHigh = xHigh
        var xTicks = niceTicks(xLow, xHigh, count: max(2, columns / 12)).filter { $0 >= xLow && $0 <= xHigh }
        if xTicks.first.map({ fraction($0, from: xLow, to: xHigh) > 0.05 }) ?? true { xTicks.insert(xLow, at: 0) }
        self.xTicks = xTicks
        xStep = xTicks.count > 2 ? xTicks[2] / 2 - xTicks[1] / 2 : (xTicks.count == 2 ? xTicks[1] / 2 - xTicks[0] / 2 : 0.5)

        var clipped: [(name: String, below: Double?, above: Double?)] = []
        for (index, line) in points.enumerated() {
            var below: Double?, above: Double?
            for (_, y) in line {
                if y < yAxis.low { below = min(below ?? y, y) }
                if y > yAxis.high { above = max(above ?? y, y) }
            }
            if below != nil || above != nil { clipped.append((series[index].name, below, above)) }
        }
        self.points = points
        self.yAxis = yAxis
        self.lowEnd = lowEnd
        self.highEnd = highEnd
        self.clipped = clipped
    }

    /// What a plot with nothing to draw says instead.
    static func emptyMessage(_ series: [PlotSeries], options: LinePlotOptions) -> String {
        let anyValues = series.contains { !$0.ys.isEmpty }
        return anyValues ? "(nothing to plot: no value is a finite number" + (options.logScale ? " above 0" : "") + ")"
            : "(nothing to plot yet)"
    }

    /// The label of a y tick (a decade's label on a log scale).
    func yTickLabel(_ value: Double) -> String {
        logScale ? logTickLabel(value) : tickLabel(value, step: yAxis.step)
    }

    /// The label of an axis end set by a limit (`ymin`, `ymax`), which need not be round.
    func endLabel(_ value: Double) -> String {
        logScale ? NumberFormat.general(pow(10, value), significant: 4) : tickLabel(value, step: yAxis.step)
    }

    /// The label of an x tick.
    func xTickLabel(_ value: Double) -> String { tickLabel(value, step: 2 * xStep) }

    /// What the plot could not show as asked: values a log scale leaves out, limits it ignores,
    /// series clipped by a limit. (The terminal adds a note of its own when series share a
    /// marker.)
    func notes(_ series: [PlotSeries], options: LinePlotOptions) -> [String] {
        var notes: [String] = []
        if logScale {
            let left = series.reduce(0) { $0 + $1.ys.filter { $0.isFinite && $0 <= 0 }.count }
            if left > 0 {
                notes.append(NumberFormat.grouped(left) + (left == 1 ? " value ≤ 0 is" : " values ≤ 0 are")
                    + " left out (a log scale shows values above 0 only)")
            }
            for (key, limit) in [("ymin", options.yMin), ("ymax", options.yMax)] {
                if let limit, limit <= 0 {
                    notes.append("\(key)=" + NumberFormat.general(limit, significant: 4)
                        + " is ignored: a log scale shows values above 0 only")
                }
            }
        }
        for (name, below, above) in clipped {
            let value = { (y: Double) in NumberFormat.general(logScale ? pow(10, y) : y, significant: 4) }
            var parts: [String] = []
            if let above { parts.append("rises to " + value(above) + " (drawn along the top)") }
            if let below { parts.append("falls to " + value(below) + " (drawn along the bottom)") }
            notes.append("y axis clipped: '\(name)' " + parts.joined(separator: " and "))
        }
        return notes
    }
}
