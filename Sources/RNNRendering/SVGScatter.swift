/// A scatter plot (`plot states`) as an inline SVG figure: the terminal's axes and ticks (both
/// read `ScatterAxes`), each point drawn as the character it stands for (the terminal's
/// stand-ins for a space, a line break, a tab), coloured by its place in the text as on a
/// colour terminal: blue early, through teal, green and orange, red late. Unlike a terminal's
/// cells, no point hides another: later points are drawn over earlier ones.
///
///     <figure class="plot scatter"><svg class="plot" …><text class="pt c-blue" …>t</text>…</svg>
///     <p class="plot-note">␣ is a space; colour: blue early in the text, green in the middle, red late</p></figure>
public func svgScatterPlot(_ points: [ScatterPoint], layout: ScatterLayout, pageWidth: Int) -> String {
    let options = layout.options(pageWidth: pageWidth)
    let columns = max(options.width, 8), rows = max(options.height, 3)
    var html = "<figure class=\"plot scatter\">"
    guard let scatter = ScatterAxes(points, columns: columns, rows: rows) else {
        return html + "<p class=\"empty\">" + HTML.text(ScatterAxes.emptyMessage) + "</p></figure>\n"
    }
    let axes = SVGAxes(yLow: scatter.yAxis.low, yHigh: scatter.yAxis.high, xLow: scatter.xLow, xHigh: scatter.xHigh,
                       yLabels: scatter.yAxis.ticks.map { ($0, scatter.yTickLabel($0)) },
                       xTicks: scatter.xTicks.map { ($0, scatter.xTickLabel($0)) }, columns: columns, rows: rows)
    if let yLabel = options.yLabel { html += "<figcaption>" + HTML.text(yLabel) + "</figcaption>" }
    let height = axes.bottom + 8 + SVGAxes.lineHeight * (options.xLabel == nil ? 1 : 2) + 4
    var svg = axes.openingTag(height: height, label: [options.yLabel, options.xLabel].compactMap { $0 }.joined(separator: " against "))
        + axes.markup(xTitle: options.xLabel) + "<g class=\"points\">"
    var standIns: Set<String> = []
    for (index, point) in points.enumerated() where point.x.isFinite && point.y.isFinite {
        let glyph = scatterGlyph(point.label, style: .page)
        if glyph.standIn { standIns.insert(glyph.text) }
        svg += "<text class=\"pt c-" + colorName(timeColor(index, of: points.count)) + "\" x=\"" + svgNumber(axes.px(point.x))
            + "\" y=\"" + svgNumber(axes.py(point.y)) + "\" text-anchor=\"middle\" dominant-baseline=\"central\">"
            + HTML.text(glyph.text) + "</text>"
    }
    html += svg + "</g></svg>"
    let notes = [standInNote(standIns), "colour: blue early in the text, green in the middle, red late"].compactMap { $0 }
    for note in notes { html += "<p class=\"plot-note\">" + HTML.text(note) + "</p>" }
    return html + "</figure>\n"
}
