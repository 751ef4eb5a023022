extension TextStyle {
    /// A web page's text: Unicode symbols (×, ·, σ, ‖), no colour escapes (the page's own
    /// styles colour what needs colour).
    public static let page = TextStyle(unicode: true, color: false)
}

extension RenderContext {
    /// What a page renders text blocks for: `TextStyle.page` at 100 characters a line (the
    /// transcripts' width), or the width `set width=` asked for.
    public static func page(width: Int?) -> RenderContext {
        RenderContext(style: .page, width: width ?? RenderContext.transcript.width)
    }
}

/// One piece of a page, in the order it came.
enum PagePart {
    /// A new script (or the -e commands, or an interactive session) starts.
    case section(String)
    /// Lesson prose, as written (laid out when the page is assembled).
    case prose(String)
    /// The source of a command: a code cell, whose outputs follow.
    case command(String)
    /// A command's output, as HTML.
    case output(String)
    /// A section break.
    case pause
}

/// A block as a piece of the page: the page's one switch over `Block`. A new kind of block
/// gets its case here (its HTML as `.output`, a function beside these) and, if it needs any,
/// its styles in HTMLStyle.swift. `fromStandardError` marks the blocks the terminal prints on
/// standard error (errors, warnings, timing).
func pagePart(_ block: Block, width: Int?, fromStandardError: Bool) -> PagePart {
    let context = RenderContext.page(width: width)
    switch block {
    case .prose(let text):
        return .prose(text)
    case .command(let source):
        return .command(source)
    case .pause:
        return .pause
    case .text(let format):
        return .output(preformattedHTML(format(context), kind: fromStandardError ? "note" : "text"))
    case .error(let format):
        return .output(preformattedHTML(format(context), kind: "error"))
    case .plot(let series, let layout):
        return .output(svgLinePlot(series, layout: layout, pageWidth: context.width))
    case .bars(let bars, let options):
        return .output(barChartHTML(bars, options: options))
    case .matrix(let matrix, var options):
        options.width = min(options.width, context.width)
        return .output(matrixHTML(matrix, options: options))
    case .heatmap(let matrix):
        return .output(heatmapHTML(matrix, width: context.width))
    case .highlight(let text):
        return .output(highlightHTML(text))
    case .scatter(let points, let layout):
        return .output(svgScatterPlot(points, layout: layout, pageWidth: context.width))
    }
}

/// Long outputs show their first lines and collapse the rest.
enum Collapse {
    /// Outputs longer than this many lines or bytes collapse…
    static let lines = 60
    static let bytes = 16_000
    /// …after a preview of at most this many lines and bytes.
    static let previewLines = 20
    static let previewBytes = 4_000
}

/// Text output in a monospace block, `kind` its class ("text", "note", "error"). Longer than
/// `Collapse.lines` lines or `Collapse.bytes` bytes, it shows its first lines and keeps the
/// rest in a `<details>` element that opens on a click (and always prints):
///
///     <pre class="text">first 20 lines</pre>
///     <details class="more"><summary>show the other 180 lines (12 KB)</summary>
///     <pre class="text">…</pre></details>
func preformattedHTML(_ text: String, kind: String) -> String {
    var body = Substring(text)
    if body.hasSuffix("\n") { body.removeLast() }
    guard !body.isEmpty else { return "" }
    /// A <pre> keeps a first empty line only after the newline a parser drops.
    func pre(_ content: Substring, _ classes: String) -> String {
        "<pre class=\"" + classes + "\">" + (content.hasPrefix("\n") ? "\n" : "") + HTML.text(String(content)) + "</pre>"
    }
    let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.count > Collapse.lines || body.utf8.count > Collapse.bytes else { return pre(body, kind) + "\n" }
    var previewCount = 0, previewBytes = 0
    while previewCount < min(Collapse.previewLines, lines.count - 1)
            && previewBytes + lines[previewCount].utf8.count + 1 <= Collapse.previewBytes {
        previewBytes += lines[previewCount].utf8.count + 1
        previewCount += 1
    }
    let rest = lines[previewCount...]
    let restText = body[rest.first!.startIndex ..< body.endIndex]
    var html = ""
    if previewCount > 0 {
        html += pre(body[body.startIndex ..< lines[previewCount - 1].endIndex], kind + " preview")
    }
    let size = byteSize(restText.utf8.count)
    let what = previewCount > 0 ? "show the other " + counted(rest.count, "line") : "show all " + counted(rest.count, "line")
    html += "<details class=\"more\"><summary>" + what + " (" + size + ")</summary>" + pre(restText, kind) + "</details>\n"
    return html
}

/// "1 line", "20 lines".
func counted(_ count: Int, _ noun: String) -> String {
    NumberFormat.grouped(count) + " " + noun + (count == 1 ? "" : "s")
}

/// "812 bytes", "12 KB", "3.4 MB".
func byteSize(_ bytes: Int) -> String {
    if bytes < 1000 { return "\(bytes) bytes" }
    if bytes < 1_000_000 { return NumberFormat.general(Double(bytes) / 1000, significant: 2) + " KB" }
    return NumberFormat.general(Double(bytes) / 1_000_000, significant: 2) + " MB"
}

/// Horizontal bars as a table: label, value, and a bar whose length is the same fraction of a
/// full bar as on the terminal (the same scale: the largest value, or a fixed one such as 1
/// for probabilities, which the note under the bars states).
func barChartHTML(_ bars: [Bar], options: BarChartOptions) -> String {
    var html = "<figure class=\"bars\">"
    if let title = options.title { html += "<figcaption>" + HTML.text(title) + "</figcaption>" }
    guard !bars.isEmpty else { return html + "<p class=\"empty\">(no values)</p></figure>\n" }
    let largest = fullBarValue(bars, scale: options.scale)
    let values = barValueTexts(bars, precision: options.precision, significant: options.significant)
    html += "<table class=\"bars\"><tbody>\n"
    for (bar, value) in zip(bars, values) {
        let percent = svgNumber(barFraction(bar.value, largest: largest) * 100)
        html += "<tr><th>" + HTML.text(bar.label) + "</th> <td class=\"num\">" + HTML.text(value)
            + "</td> <td class=\"bar\"><span class=\"fill c-blue\" style=\"width:" + percent + "%\"></span></td></tr>\n"
    }
    html += "</tbody></table>"
    if let scale = options.scale {
        html += "<p class=\"plot-note\">(a full bar would be " + HTML.text(NumberFormat.general(scale, significant: 4)) + ")</p>"
    }
    return html + "</figure>\n"
}

/// A matrix as an HTML table: the same entries, elisions and number format as the terminal's
/// table (both read `MatrixLayout`), numbers right-aligned in columns.
func matrixHTML(_ matrix: LabeledMatrix, options: MatrixFormatOptions) -> String {
    let head = "<div class=\"matrix\"><p class=\"head\">" + HTML.text(MatrixLayout.header(matrix, style: .page)) + "</p>"
    guard let layout = MatrixLayout(matrix, options: options, style: .page) else {
        return head + "<p class=\"empty\">(empty)</p></div>\n"
    }
    var html = head + "<div class=\"scroll\"><table class=\"matrix\"><thead><tr><th></th>"
    for name in layout.columnHeaders { html += " <th>" + HTML.text(name) + "</th>" }
    html += "</tr></thead><tbody>\n"
    for row in layout.shownRows {
        html += (row == nil ? "<tr class=\"gap\">" : "<tr>") + "<th>" + HTML.text(layout.rowHeader(row)) + "</th>"
        for entry in layout.entries(row) { html += " <td>" + HTML.text(entry) + "</td>" }
        html += "</tr>\n"
    }
    return html + "</tbody></table></div></div>\n"
}

/// A heatmap as a table of coloured cells: the same cells as a colour terminal's heatmap at
/// the same width (both read `HeatmapGrid`), negatives blue and positives red, five shades by
/// |value| (none under a tenth of the largest); each cell's value in its tooltip.
func heatmapHTML(_ matrix: LabeledMatrix, width: Int) -> String {
    var html = "<figure class=\"heatmap\">"
    guard let grid = HeatmapGrid(matrix, width: width, maxRows: 40, cellWidth: 2) else {
        return html + "<figcaption>" + HTML.text("\(matrix.name)  (empty)") + "</figcaption></figure>\n"
    }
    html += "<figcaption>" + HTML.text(grid.header(style: .page)) + "</figcaption>"
    let range = "range [\(NumberFormat.general(grid.low, significant: 3)), \(NumberFormat.general(grid.high, significant: 3))]: "
    let largest = NumberFormat.general(grid.magnitude, significant: 3)
    html += "<p class=\"heat-legend\">" + HTML.text(range)
    if grid.signed { html += "<span class=\"swatch\" style=\"background:" + heatColor(-1, level: 5) + "\"></span> negative " }
    html += "<span class=\"swatch\" style=\"background:" + heatColor(1, level: 5) + "\"></span> positive, darker = larger |value| (max "
        + HTML.text(largest) + ")</p>"
    html += "<div class=\"scroll\"><table class=\"heatmap\"><thead><tr><th></th>"
    // The index of every 5th column over it (no ruler for columns labelled by characters).
    var position = 0
    while position < grid.gridColumns {
        let span = min(5, grid.gridColumns - position)
        let name = matrix.columnLabels == nil ? grid.columnLabel(position) : ""
        html += "<th colspan=\"\(span)\">" + HTML.text(name) + "</th>"
        position += span
    }
    html += "</tr></thead><tbody>\n"
    for r in 0 ..< grid.gridRows {
        html += "<tr><th>" + HTML.text(grid.rowLabel(r)) + "</th>"
        for c in 0 ..< grid.gridColumns {
            let value = grid.value(r, c)
            let tip = grid.rowLabel(r) + ", " + grid.columnLabel(c) + ": "
            guard value.isFinite else {
                html += "<td class=\"nan\" title=\"" + HTML.attribute(tip + "no finite value") + "\">?</td>"
                continue
            }
            let level = Int((grid.intensity(value) * 5).rounded())
            html += "<td" + (level > 0 ? " style=\"background:" + heatColor(value, level: level) + "\"" : "")
                + " title=\"" + HTML.attribute(tip + NumberFormat.general(value, significant: 4)) + "\"></td>"
        }
        html += "</tr>\n"
    }
    return html + "</tbody></table></div></figure>\n"
}

/// The colour of a heatmap cell at shade `level` (1…5): blue for negative values, red for
/// positive ones, more opaque when larger, so that it reads on a light page and a dark one.
func heatColor(_ value: Double, level: Int) -> String {
    let alpha = svgNumber(Double(level) / 5)
    return value < 0 ? "rgba(33,102,172," + alpha + ")" : "rgba(190,30,45," + alpha + ")"
}
