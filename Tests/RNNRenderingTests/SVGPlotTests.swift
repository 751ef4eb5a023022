import Foundation
import Testing
import TestSupport
@testable import RNNRendering

/// SVG plots: the terminal's axes, ticks, labels and notes, drawn as lines.
@Suite struct SVGPlotTests {
    /// The text of every `<text>` element of a drawing, in order.
    static func labels(_ svg: String) -> [String] {
        svg.components(separatedBy: "<text ").dropFirst().map { piece in
            let start = piece.firstIndex(of: ">")!
            let end = piece.range(of: "</text>")!.lowerBound
            return String(piece[piece.index(after: start) ..< end])
        }
    }

    /// The y tick labels of a terminal plot (the labels left of "+" on the axis).
    static func terminalYLabels(_ plot: String) -> [String] {
        plot.split(separator: "\n").compactMap { line in
            guard let plus = line.firstIndex(of: "+"), line[..<plus].hasSuffix(" ") else { return nil }
            let label = line[..<plus].trimmingCharacters(in: " ")
            return label.isEmpty ? nil : label
        }
    }

    static let ramp: [Double] = (1 ... 100).map(Double.init)
    static let noisyLoss: [Double] = (0 ..< 1500).map { (step: Int) -> Double in
        let t = Double(step)
        return 3.3 * exp(-t / 700) + 0.2 * sin(t)
    }
    static let halving: [Double] = (0 ..< 40).map { (t: Int) -> Double in pow(0.5, Double(t)) }

    static let cases: [([PlotSeries], LinePlotOptions)] = [
        ([PlotSeries(name: "up", values: ramp)], LinePlotOptions(height: 14, xLabel: "step")),
        ([PlotSeries(name: "loss", values: noisyLoss)], LinePlotOptions(title: "loss per character", height: 12, xLabel: "step")),
        ([PlotSeries(name: "decay", values: halving, firstX: 0), PlotSeries(name: "flat", values: [Double](repeating: 1e-3, count: 40), firstX: 0)],
         LinePlotOptions(height: 10, logScale: true, xLabel: "t")),
        ([PlotSeries(name: "a", values: [1, 5, 2, 8, 3]), PlotSeries(name: "b", values: [0.5, 0.7, 9, 0.2, 0.1])],
         LinePlotOptions(height: 8, yMax: 4)),
        ([PlotSeries(name: "x", values: [1e-30, 1e30])], LinePlotOptions(height: 6, logScale: true, yMin: 1e-20)),
    ]

    /// The y tick labels are the terminal's, in the same order from the top; the x tick labels
    /// the terminal prints are all there; the notes under the plot are the terminal's notes.
    @Test(arguments: 0 ..< cases.count)
    func axesMatchTheTerminal(index: Int) throws {
        let (series, options) = Self.cases[index]
        let layout = PlotLayout(options)
        var textOptions = options
        textOptions.width = layout.resolvedWidth(pageWidth: 100)
        let terminal = formatLinePlot(series, options: textOptions)
        let html = svgLinePlot(series, layout: layout, pageWidth: 100)
        let text = try #require(pageText(html))
        let labels = Self.labels(html)

        // y labels: the terminal's, top to bottom, then the x labels.
        let yLabels = Self.terminalYLabels(terminal)
        #expect(Array(labels.prefix(yLabels.count)).sorted() == yLabels.sorted())
        let geometry = LinePlotGeometry(series, options: options, columns: textOptions.width, rows: options.height)!
        let xLine = terminal.split(separator: "\n").first { $0.contains("+-") || $0.contains("++") }!
        let xLabelsLine = terminal.split(separator: "\n").drop { $0 != xLine }.dropFirst().first!
        for label in xLabelsLine.split(separator: " ") { #expect(labels.contains(String(label)), "x label \(label)") }
        // Legend and notes.
        for line in series { #expect(labels.contains(HTML.text(line.name))) }
        if options.logScale { #expect(labels.contains("(log scale)")) }
        if let xLabel = options.xLabel { #expect(labels.contains(xLabel)) }
        for note in geometry.notes(series, options: options) {
            #expect(terminal.contains(note))
            #expect(html.contains("<p class=\"plot-note\">" + HTML.text(note) + "</p>"))
        }
        if let title = options.title { #expect(text.contains(normalisingSpaces(title))) }
    }

    /// Higher values are drawn higher, at the height of their tick.
    @Test func ticksArePlacedByValue() {
        let drawing = SVGPlotDrawing(geometry: LinePlotGeometry([PlotSeries(name: "a", values: [0, 10])],
                                                                options: LinePlotOptions(height: 11), columns: 60, rows: 11)!,
                                     columns: 60, rows: 11)
        #expect(drawing.py(10) < drawing.py(5) && drawing.py(5) < drawing.py(0))
        #expect(drawing.py(drawing.geometry.yAxis.high) == drawing.top)
        #expect(drawing.py(drawing.geometry.yAxis.low) == drawing.top + drawing.plotHeight)
        #expect(drawing.px(1) == drawing.left && drawing.px(2) == drawing.left + drawing.plotWidth)
        // Beyond the axis (a clipped value) stays on the edge, as on the terminal.
        #expect(drawing.py(1e300) == drawing.top)
    }

    /// One colour and one marker shape per series, as the terminal's (blue ●, red ○, green ×…).
    @Test func eachSeriesHasItsColourAndMarker() {
        let series = (0 ..< 13).map { PlotSeries(name: "s\($0)", values: [Double($0), Double($0) + 1]) }
        let html = svgLinePlot(series, layout: PlotLayout(LinePlotOptions(title: "many")), pageWidth: 100)
        let groups = html.components(separatedBy: "<g class=\"series ").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(groups.count == 26)  // a line and a legend key per series
        #expect(groups.prefix(6) == ["c-blue", "c-red", "c-green", "c-magenta", "c-orange", "c-teal"])
        let paths = (0 ..< 12).map { markerPath($0, at: (10, 10)) }
        #expect(Set(paths).count == 7)  // 12 markers: 7 outlines, 5 of them both filled and open
        #expect(Set((0 ..< 12).map { markerPath($0, at: (10, 10)) + markerStyle($0) }).count == 12)
        #expect(markerStyle(0) == "mark-filled" && markerStyle(1) == "mark-open" && markerStyle(2) == "mark-stroke")
        // The 13th series shares the first one's marker in another colour.
        #expect(seriesClass(12) != seriesClass(0) && markerPath(12, at: (1, 1)) == markerPath(0, at: (1, 1)))
    }

    @Test func longSeriesAreThinnedToWhatPixelsShow() throws {
        let values: [Double] = (0 ..< 100_000).map { (i: Int) -> Double in sin(Double(i) / 50) + (i == 77_777 ? 5 : 0) }
        let html = svgLinePlot([PlotSeries(name: "long", values: values)], layout: PlotLayout(LinePlotOptions()), pageWidth: 100)
        let pieces = html.components(separatedBy: "<polyline points=\"")
        try #require(pieces.count == 2)
        let pairs = pieces[1].prefix { $0 != "\"" }.split(separator: " ")
        #expect(pairs.count <= 4 * 640 && pairs.count > 500)
        // The spike (the highest point) survives the thinning.
        let ys = pairs.map { String($0.split(separator: ",")[1]) }
        let options = LinePlotOptions()
        let columns = PlotLayout(options).resolvedWidth(pageWidth: 100)
        let drawing = SVGPlotDrawing(geometry: LinePlotGeometry([PlotSeries(name: "long", values: values)], options: options,
                                                                columns: columns, rows: options.height)!,
                                     columns: columns, rows: options.height)
        #expect(ys.contains(svgNumber(drawing.py(values.max()!))))
        #expect(ys.contains(svgNumber(drawing.py(values.min()!))))
        #expect(html.utf8.count < 60_000)
    }

    @Test(arguments: [([PlotSeries](), "(nothing to plot yet)"),
                      ([PlotSeries(name: "n", values: [.nan, .infinity])], "(nothing to plot: no value is a finite number)")])
    func nothingToPlotSaysSo(series: [PlotSeries], message: String) {
        let html = svgLinePlot(series, layout: PlotLayout(LinePlotOptions(title: "t")), pageWidth: 100)
        #expect(html == "<figure class=\"plot\"><figcaption>t</figcaption><p class=\"empty\">\(message)</p></figure>\n")
    }

    @Test func namesAndTitlesAreEscaped() throws {
        let html = svgLinePlot([PlotSeries(name: "<b>&\"</b>", values: [1, 2])],
                               layout: PlotLayout(LinePlotOptions(title: "a <title> & \u{1B}")), pageWidth: 100)
        let text = try #require(pageText(html))
        #expect(text.contains("<b>&\"</b>"))
        #expect(text.contains("a <title> & ␛"))
        #expect(html.contains("aria-label=\"a &lt;title&gt; &amp; ␛\""))
    }

    /// The drawing scales: its viewBox and size attributes agree, and it is wider than tall.
    @Test(arguments: [(20, 3), (72, 14), (200, 40)])
    func sizes(columns: Int, rows: Int) throws {
        let html = svgLinePlot([PlotSeries(name: "a", values: [1, 2, 3])],
                               layout: PlotLayout(LinePlotOptions(height: rows), width: columns), pageWidth: 100)
        let viewBox = try #require(html.components(separatedBy: "viewBox=\"0 0 ").dropFirst().first?.prefix { $0 != "\"" })
        let size = viewBox.split(separator: " ").map { Double($0)! }
        #expect(html.contains("width=\"\(svgNumber(size[0]))\" height=\"\(svgNumber(size[1]))\""))
        #expect(size[0] >= 300 + 30 && size[0] <= 640 + 200)
        #expect(size[1] >= 108 && size[1] <= 432 + 120)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
