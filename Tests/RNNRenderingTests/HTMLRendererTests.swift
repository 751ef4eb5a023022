import Testing
import TestSupport
@testable import RNNRendering

/// Escaping: nothing in a command's output is ever read as markup or passed through invisibly.
@Suite struct HTMLEscapeTests {
    @Test(arguments: [
        ("plain text", "plain text"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("\"double\" 'single'", "&quot;double&quot; &#39;single&#39;"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("&amp; already", "&amp;amp; already"),
        ("red\u{1B}[31m", "red<span class=\"ctl\" title=\"U+001B\">␛</span>[31m"),
        ("bell\u{7}", "bell<span class=\"ctl\" title=\"U+0007\">␇</span>"),
        ("nul\u{0}", "nul<span class=\"ctl\" title=\"U+0000\">␀</span>"),
        ("cr\r", "cr<span class=\"ctl\" title=\"U+000D\">␍</span>"),
        ("del\u{7F}", "del<span class=\"ctl\" title=\"U+007F\">␡</span>"),
        ("c1\u{85}", "c1<span class=\"ctl\" title=\"U+0085\">U+0085</span>"),
        ("rtl\u{202E}x", "rtl<span class=\"ctl\" title=\"U+202E\">U+202E</span>x"),
        ("bom\u{FEFF}", "bom<span class=\"ctl\" title=\"U+FEFF\">U+FEFF</span>"),
        ("line\u{2028}sep", "line<span class=\"ctl\" title=\"U+2028\">U+2028</span>sep"),
        ("non\u{FFFF}char", "non<span class=\"ctl\" title=\"U+FFFF\">U+FFFF</span>char"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("emoji 👩‍💻 keeps its joiner", "emoji 👩‍💻 keeps its joiner"),
        ("‖∂L/∂h_t‖ × σ · é", "‖∂L/∂h_t‖ × σ · é"),
    ])
    func text(input: String, escaped: String) {
        #expect(HTML.text(input) == escaped)
        // Well-formed wherever it is put, and it reads as the visible text.
        #expect(pageText("<p>" + HTML.text(input) + "</p>") == normalisingSpaces(HTML.visible(input)))
    }

    @Test(arguments: [
        ("a \"b\" <c> & 'd'", "a &quot;b&quot; &lt;c&gt; &amp; &#39;d&#39;"),
        ("esc\u{1B}", "esc␛"),
        ("rtl\u{202E}", "rtlU+202E"),
    ])
    func attribute(input: String, escaped: String) {
        #expect(HTML.attribute(input) == escaped)
        #expect(pageText("<p title=\"" + HTML.attribute(input) + "\">x</p>") == "x")
    }

    @Test(arguments: [(0.0, "0"), (-0.04, "0"), (12.34, "12.3"), (12.25, "12.3"), (-3, "-3"), (650, "650"),
                      (Double.nan, "0"), (Double.infinity, "0"), (1e300, "0")])
    func svgNumbers(value: Double, text: String) {
        #expect(svgNumber(value) == text)
    }
}

/// Prose: paragraphs for the browser to wrap, headings, equations and list items kept whole.
@Suite struct ProseLayoutTests {
    @Test(arguments: [
        ("LESSON 5 - EXPLODING AND VANISHING GRADIENTS", [ProseLayout.Element.heading("LESSON 5 - EXPLODING AND VANISHING GRADIENTS")]),
        ("one line\nand the next\n\nanother paragraph", [.paragraph("one line and the next"), .paragraph("another paragraph")]),
        ("Going back:\n\n    dh = (1 − h²) ⊙ dh·W_hhᵀ\n      (per step)\n\nSo.",
         [.paragraph("Going back:"), .preformatted("dh = (1 − h²) ⊙ dh·W_hhᵀ\n  (per step)"), .paragraph("So.")]),
        ("Try this:\n  * init whh=orthogonal, plot grad-norms\n    log=on: what factor?\n  * show hs stats",
         [.paragraph("Try this:"), .items(["* init whh=orthogonal, plot grad-norms log=on: what factor?", "* show hs stats"])]),
        ("  1. first\n  2. second", [.items(["1. first", "2. second"])]),
        ("OK", [.paragraph("OK")]),
        ("TRY THIS:", [.heading("TRY THIS:")]),
        ("QUESTION: what fraction\nreaches it?", [.paragraph("QUESTION: what fraction reaches it?")]),
        ("", []),
    ])
    func elements(prose: String, elements: [ProseLayout.Element]) {
        #expect(ProseLayout.elements(prose) == elements)
    }

    @Test func theFirstHeadingOfThePageIsItsTitle() {
        var used = false
        let first = ProseLayout.html("LESSON 1 - CHARACTERS\n\nText <here> & there.", headingUsed: &used)
        let second = ProseLayout.html("A RACE: THE SAME BUDGET", headingUsed: &used)
        #expect(first == "<h1>LESSON 1 - CHARACTERS</h1><p>Text &lt;here&gt; &amp; there.</p>")
        #expect(second == "<h2>A RACE: THE SAME BUDGET</h2>")
    }
}

/// Matrices, heatmaps and bars: the same entries and numbers as the terminal shows.
@Suite struct HTMLTableTests {
    static let square = LabeledMatrix(name: "W_hh", rows: 3, columns: 3, values: [0.01, 0, -0.5, 0, 0.01, 0.25, 1.5, -0.125, 0.01])
    static let big = LabeledMatrix(name: "W_xh", rows: 20, columns: 30, values: (0 ..< 600).map { Double($0) / 1000 })
    static let labelled = LabeledMatrix(name: "W_hy", rows: 2, columns: 3, values: [0.1, -0.2, 0.3, 0.0004, 0.5, -0.6],
                                        columnLabels: ["'\\n'", "'<'", "'&'"], note: "columns: characters")
    static let tiny = LabeledMatrix(name: "dW", rows: 1, columns: 3, values: [1e-7, -2e-8, 0])

    /// Every line of the terminal's Unicode table is a row of the HTML table (in the page's text).
    @Test(arguments: [(square, MatrixFormatOptions()), (big, MatrixFormatOptions(precision: 3, maxRows: 8, edgeItems: 2, width: 60)),
                      (big, MatrixFormatOptions()), (labelled, MatrixFormatOptions()), (tiny, MatrixFormatOptions())])
    func matrixTableShowsTheTerminalsEntries(matrix: LabeledMatrix, options: MatrixFormatOptions) throws {
        let html = matrixHTML(matrix, options: options)
        let text = try #require(pageText(html))
        for line in formatMatrix(matrix, options: options, style: .page).split(separator: "\n") {
            #expect(text.contains(normalisingSpaces(String(line))), "\(line)")
        }
        let shownRows = MatrixLayout(matrix, options: options, style: .page)!.shownRows
        #expect(html.components(separatedBy: "<tr").count - 2 == shownRows.count)  // the header row, then the rows
    }

    @Test func matrixCellsAreAlignedTableCells() {
        let html = matrixHTML(Self.square, options: MatrixFormatOptions())
        #expect(html.contains("<p class=\"head\">W_hh  3×3</p>"))
        #expect(html.contains("<tr><th>0</th> <td>0.0100</td> <td>0.0000</td> <td>-0.5000</td></tr>"))
        #expect(html.contains("<thead><tr><th></th> <th>0</th> <th>1</th> <th>2</th></tr></thead>"))
        #expect(matrixHTML(Self.labelled, options: MatrixFormatOptions()).contains("<th>&#39;&lt;&#39;</th> <th>&#39;&amp;&#39;</th>"))
        let elided = matrixHTML(Self.big, options: MatrixFormatOptions(precision: 3, maxRows: 8, edgeItems: 2, width: 60))
        #expect(elided.contains("<tr class=\"gap\"><th>⋮</th> <td>⋮</td>"))
        #expect(elided.contains("<td>…</td>"))
        #expect(matrixHTML(LabeledMatrix(name: "e", rows: 0, columns: 2, values: []), options: MatrixFormatOptions())
            .contains("<p class=\"empty\">(empty)</p>"))
    }

    @Test func heatmapCellsAreColouredBySignAndSize() throws {
        let html = heatmapHTML(Self.square, width: 100)
        #expect(pageText(html) != nil)
        #expect(html.contains("<figcaption>W_hh  3×3  heatmap</figcaption>"))
        #expect(html.contains("range [-0.5, 1.5]: "))
        // 1.5 is the darkest red, −0.5 a third of it in blue, 0 and 0.01 no colour at all.
        #expect(html.contains("<td style=\"background:rgba(190,30,45,1)\" title=\"2, 0: 1.5\"></td>"))
        #expect(html.contains("<td style=\"background:rgba(33,102,172,0.4)\" title=\"0, 2: -0.5\"></td>"))
        #expect(html.contains("<td title=\"0, 0: 0.01\"></td>"))
        let withNaN = LabeledMatrix(name: "m", rows: 1, columns: 2, values: [.nan, 1])
        #expect(heatmapHTML(withNaN, width: 100).contains("<td class=\"nan\" title=\"0, 0: no finite value\">?</td>"))
    }

    /// A large matrix gets the same cells as a colour terminal's heatmap at the same width.
    @Test(arguments: [(8, 8), (40, 120), (100, 300)])
    func heatmapGridMatchesTheTerminal(rows: Int, columns: Int) {
        let matrix = LabeledMatrix(name: "M", rows: rows, columns: columns, values: (0 ..< rows * columns).map { Double($0 % 17) - 8 })
        let html = heatmapHTML(matrix, width: 100)
        let terminal = formatHeatmap(matrix, width: 100, style: .terminal)
        let grid = HeatmapGrid(matrix, width: 100, maxRows: 40, cellWidth: 2)!
        #expect(html.components(separatedBy: "<tr><th>").count - 2 == grid.gridRows)  // the ruler, then the rows
        #expect(terminal.split(separator: "\n").count == 3 + grid.gridRows)
        #expect(html.contains(HTML.text(grid.header(style: .page))))
        #expect(html.components(separatedBy: "<td").count - 1 == grid.gridRows * grid.gridColumns)
    }

    @Test func barsHaveTheTerminalsLengthsAndValues() throws {
        let bars = [Bar(label: "'t'", value: 0.612), Bar(label: "'<'", value: 0.201), Bar(label: "nan", value: .nan)]
        let html = barChartHTML(bars, options: BarChartOptions(title: "next after \"the ca\"", precision: 3, scale: 1))
        let text = try #require(pageText(html))
        #expect(text.contains("next after \"the ca\""))
        #expect(html.contains("<tr><th>&#39;t&#39;</th> <td class=\"num\">0.612</td> <td class=\"bar\"><span class=\"fill c-blue\" style=\"width:61.2%\"></span></td></tr>"))
        #expect(html.contains("style=\"width:20.1%\""))
        #expect(html.contains("style=\"width:0%\""))
        #expect(text.contains("(a full bar would be 1)"))
        // Without a fixed scale the largest value is a full bar.
        #expect(barChartHTML([Bar(label: "a", value: 2), Bar(label: "b", value: 1)], options: BarChartOptions()).contains("width:50%"))
        #expect(barChartHTML([], options: BarChartOptions()).contains("(no values)"))
    }
}

/// Pages: cells, breaks, errors, collapsing, and a document that needs nothing from outside.
@Suite struct HTMLPageTests {
    static func page(_ build: (inout HTMLPage) -> Void) -> String {
        var page = HTMLPage()
        build(&page)
        return page.document(generator: "rnnrepl test")
    }

    @Test func commandsBecomeCellsWithTheirOutput() throws {
        let html = Self.page { page in
            page.beginSection("lesson.rnn")
            page.add(.prose("LESSON 1 - A TEST\n\nSome prose."), width: nil)
            page.add(.command("load builtin hello"), width: nil)
            page.add(.plain("loaded builtin hello: 12 characters\n"), width: nil)
            page.add(.command("expect step ≈ 0"), width: nil)
            page.add(.command("keep a"), width: nil)
            page.add(.plain("kept 'a'\n"), width: nil)
            page.add(.command("pause"), width: nil)
            page.add(.pause, width: nil)
            page.add(.command("show nosuch"), width: nil)
            page.addStandardError(.error { _ in "lesson.rnn:9:6: error: unknown name 'nosuch' <here>\n" })
            page.addStandardError(.plain("50 steps in 0.01 s\n"))
        }
        let text = try #require(pageText(html))
        #expect(html.contains("<title>LESSON 1 - A TEST</title>"))
        #expect(html.contains("<h1>LESSON 1 - A TEST</h1><p>Some prose.</p>"))
        #expect(html.contains("<div class=\"cell\" id=\"cell-1\"><pre class=\"code\"><code>load builtin hello</code></pre>\n"
            + "<div class=\"outputs\"><pre class=\"text\">loaded builtin hello: 12 characters</pre>\n</div></div>"))
        // Commands without output share the cell of the next one; a pause is a break, not a cell.
        #expect(html.contains("<div class=\"cell\" id=\"cell-2\"><pre class=\"code\"><code>expect step ≈ 0</code>\n<code>keep a</code></pre>"))
        #expect(!html.contains("<code>pause</code>"))
        #expect(html.contains("<hr class=\"pause\"/>"))
        #expect(html.contains("<pre class=\"error\">lesson.rnn:9:6: error: unknown name &#39;nosuch&#39; &lt;here&gt;</pre>"))
        #expect(html.contains("<pre class=\"note\">50 steps in 0.01 s</pre>"))
        #expect(text.contains("error: unknown name 'nosuch' <here>"))
        #expect(!html.contains("<h2 class=\"source-name\">"), "one source: no section heading")
    }

    @Test func aPageNeedsNothingFromOutside() {
        let html = Self.page { page in
            page.add(.command("plot loss"), width: nil)
            page.add(.plot([PlotSeries(name: "loss", values: [3, 2, 1])], PlotLayout(LinePlotOptions(title: "loss"))), width: nil)
        }
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"/>"))
        #expect(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"))
        #expect(html.contains("@media (prefers-color-scheme: dark)"))
        #expect(html.contains("@media print"))
        for forbidden in ["<script", "<link", "@import", "@font-face", "url(", "<img", "<iframe"] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
        // The only address is the SVG namespace, which names and fetches nothing.
        let addresses = html.components(separatedBy: "://").count - 1
        #expect(addresses == html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1)
        #expect(pageText(html) != nil)
        #expect(html.contains("<title>rnnrepl session</title>"))
    }

    @Test func sourcesGetHeadingsWhenThereAreSeveral() {
        let html = Self.page { page in
            page.beginSection("a.rnn")
            page.add(.command("load builtin hello"), width: nil)
            page.beginSection("-e")
            page.add(.command("init"), width: nil)
        }
        #expect(html.contains("<h2 class=\"source-name\">a.rnn</h2>"))
        #expect(html.contains("<h2 class=\"source-name\">-e</h2>"))
        #expect(html.contains("<h1>a.rnn, -e</h1>"))
        #expect(html.components(separatedBy: "<section class=\"source\">").count == 3)
        #expect(pageText(html) != nil)
    }

    /// Long outputs show their first lines; the rest opens on a click. Nothing is lost.
    @Test(arguments: [(10, 1, false), (60, 1, false), (61, 1, true), (500, 1, true), (3, 20_000, true), (1, 50_000, true)])
    func longOutputsCollapse(lines: Int, lineLength: Int, collapses: Bool) throws {
        let text = (0 ..< lines).map { "\($0) " + String(repeating: "x", count: lineLength) }.joined(separator: "\n") + "\n"
        let html = preformattedHTML(text, kind: "text")
        #expect(html.contains("<details class=\"more\">") == collapses)
        let content = try #require(pageText("<div>" + html + "</div>"))
        for line in text.split(separator: "\n") { #expect(content.contains(line)) }
        if collapses && lineLength == 1 {
            #expect(html.contains("<summary>show the other \(NumberFormat.grouped(lines - 20)) lines ("))
        }
        if lines == 1 { #expect(html.contains("<summary>show all 1 line (50 KB)</summary>")) }
    }

    @Test func controlCharactersInOutputAreShownNotActedOn() throws {
        let html = Self.page { page in
            page.add(.command("sample 20"), width: nil)
            page.add(.plain("ab\u{1B}[31mc\u{7}</pre><script>x</script>\u{202E}\n"), width: nil)
        }
        let text = try #require(pageText(html))
        #expect(text.contains("ab␛[31mc␇</pre><script>x</script>U+202E"))
        #expect(!html.contains("\u{1B}") && !html.contains("\u{7}") && !html.contains("\u{202E}"))
        #expect(!html.contains("<script"))
    }

    @Test func textBlocksUseThePagesStyleAndWidth() {
        var seen: [RenderContext] = []
        var page = HTMLPage()
        page.add(.text { seen.append($0); return "x\n" }, width: nil)
        page.add(.text { seen.append($0); return "y\n" }, width: 60)
        #expect(seen == [RenderContext(style: .page, width: 100), RenderContext(style: .page, width: 60)])
        #expect(TextStyle.page == TextStyle(unicode: true, color: false))
    }
}
