/// A notebook page of a session: one self-contained HTML file with the lesson's prose, each
/// command as a code cell with its output under it, plots as inline SVG, matrices and heatmaps
/// as tables.
///
/// It is made from the same blocks the terminal renders, each one rendered when it arrives
/// (as the terminal does), so the page's numbers are the transcript's. Text blocks are laid
/// out for `RenderContext.page` (Unicode, 100 characters a line) in monospace blocks; prose is
/// left to the browser to wrap. The page needs nothing from outside: no network, no fonts, no
/// script (a Content-Security-Policy forbids them all), and it is well-formed XML as well as
/// HTML.
///
///     var page = HTMLPage()
///     page.beginSection("lessons/05-exploding-vanishing.rnn")
///     page.add(.command("plot loss"), width: nil)
///     page.add(.plot(series, layout), width: nil)
///     let html = page.document(generator: "rnnrepl 1.0")
public struct HTMLPage {
    private var parts: [PagePart] = []

    public init() {}

    /// A new source starts: a script, the -e commands, an interactive session. A page of more
    /// than one source gives each a heading with its name.
    public mutating func beginSection(_ name: String) {
        parts.append(.section(name))
    }

    /// A block the terminal shows on standard output (at `width` when `set width=` is on).
    public mutating func add(_ block: Block, width: Int?) {
        append(pagePart(block, width: width, fromStandardError: false))
    }

    /// A block the terminal shows on standard error: errors (styled as errors), warnings and
    /// timing notes.
    public mutating func addStandardError(_ block: Block) {
        append(pagePart(block, width: nil, fromStandardError: true))
    }

    private mutating func append(_ part: PagePart) {
        if case .output(let html) = part, html.isEmpty { return }
        parts.append(part)
    }

    /// The sources of the page, in order.
    public var sections: [String] {
        parts.compactMap { if case .section(let name) = $0 { name } else { nil } }
    }

    /// The page's title: the first heading of its prose, else the names of its sources.
    public var title: String {
        for part in parts {
            if case .prose(let text) = part, let heading = ProseLayout.firstHeading(text) { return heading }
        }
        let names = sections
        return names.isEmpty ? "rnnrepl session" : names.joined(separator: ", ")
    }

    /// The whole page. `generator` names the program (and version) in the page's header.
    public func document(generator: String) -> String {
        let hasHeading = parts.contains { if case .prose(let text) = $0 { ProseLayout.firstHeading(text) != nil } else { false } }
        let names = sections
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/>
        <meta name="generator" content="\(HTML.attribute(generator))"/>
        <title>\(HTML.text(title))</title>
        <style>
        \(pageStyleSheet)</style>
        </head>
        <body>
        <header class="page-head">
        """
        html += "\n<p class=\"meta\">" + HTML.text((names.isEmpty ? "" : names.joined(separator: ", ") + " · ") + generator) + "</p>\n"
        if !hasHeading { html += "<h1>" + HTML.text(title) + "</h1>\n" }
        html += "</header>\n<main>\n"

        // A cell: the commands that ran one after the other without output (checks, a keep),
        // then the command whose output follows; then that output.
        var code: [String] = [], outputs = ""
        var inSection = false, headingUsed = false, cells = 0
        func closeCell() {
            guard !code.isEmpty else { return }
            cells += 1  // cells are numbered for links to them: page.html#cell-12
            html += "<div class=\"cell\" id=\"cell-\(cells)\"><pre class=\"code\">" + code.map { "<code>" + HTML.text($0) + "</code>" }.joined(separator: "\n")
                + "</pre>\n" + (outputs.isEmpty ? "" : "<div class=\"outputs\">" + outputs + "</div>") + "</div>\n"
            code = []
            outputs = ""
        }
        for part in parts {
            switch part {
            case .section(let name):
                closeCell()
                if inSection { html += "</section>\n" }
                html += "<section class=\"source\">\n"
                if names.count > 1 { html += "<h2 class=\"source-name\">" + HTML.text(name) + "</h2>\n" }
                inSection = true
            case .prose(let text):
                closeCell()
                html += "<div class=\"prose\">" + ProseLayout.html(text, headingUsed: &headingUsed) + "</div>\n"
            case .command(let source):
                if !outputs.isEmpty { closeCell() }
                code.append(source)
            case .output(let output):
                if code.isEmpty {
                    html += "<div class=\"output\"><div class=\"outputs\">" + output + "</div></div>\n"
                } else {
                    outputs += output
                }
            case .pause:
                // The break stands for the `pause` command itself (its block follows its source).
                if outputs.isEmpty && !code.isEmpty { code.removeLast() }
                closeCell()
                html += "<hr class=\"pause\"/>\n"
            }
        }
        closeCell()
        if inSection { html += "</section>\n" }
        return html + "</main>\n</body>\n</html>\n"
    }
}

/// Lesson prose laid out as HTML: paragraphs (the lines between empty lines, joined so that the
/// browser wraps them to the screen), a line in capitals on its own as a heading (the page's
/// first one is its `<h1>`), indented lines kept as they are (equations), or as list items when
/// they start with a marker (`*`, `-`, `•`, `1.`), with their indented continuation lines. Every
/// character of the prose is kept: the markers too.
///
///     LESSON 5 - EXPLODING AND VANISHING GRADIENTS    →  <h1>…</h1>
///     Going back one step, BPTT multiplies …           →  <p>…</p>
///         dh_{t−1} = ((1 − h_t²) ⊙ dh_t)·W_hhᵀ         →  <pre class="math">…</pre>
///       * init whh=orthogonal scale=0.9 …              →  <ul class="items"><li>* init …</li></ul>
enum ProseLayout {
    /// The pieces of a piece of prose.
    enum Element: Equatable {
        case heading(String)
        case paragraph(String)
        case items([String])
        case preformatted(String)
    }

    static func elements(_ text: String) -> [Element] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func isBlank(_ line: Substring) -> Bool { line.allSatisfy { $0 == " " } }
        func indent(_ line: Substring) -> Int { line.prefix { $0 == " " }.count }
        var elements: [Element] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if isBlank(line) {
                index += 1
                continue
            }
            var end = index + 1
            if line.first == " " {
                // Indented lines: list items, or lines kept as written (equations).
                while end < lines.count && !isBlank(lines[end]) && lines[end].first == " " { end += 1 }
                let run = lines[index ..< end]
                if isItem(line) {
                    let itemIndent = indent(line)
                    var items: [String] = []
                    for entry in run {
                        let words = String(entry.drop { $0 == " " }).trimmingTrailingSpaces()
                        if items.isEmpty || (isItem(entry) && indent(entry) <= itemIndent) {
                            items.append(words)
                        } else {
                            items[items.count - 1] += " " + words
                        }
                    }
                    elements.append(.items(items))
                } else {
                    let common = run.map(indent).min() ?? 0
                    elements.append(.preformatted(run.map { String($0.dropFirst(common)).trimmingTrailingSpaces() }.joined(separator: "\n")))
                }
            } else {
                while end < lines.count && !isBlank(lines[end]) && lines[end].first != " " { end += 1 }
                let paragraph = lines[index ..< end]
                if paragraph.count == 1 && isHeading(line) {
                    elements.append(.heading(String(line).trimmingTrailingSpaces()))
                } else {
                    elements.append(.paragraph(paragraph.map { String($0).trimmingTrailingSpaces() }.joined(separator: " ")))
                }
            }
            index = end
        }
        return elements
    }

    /// The prose as HTML; the first heading of the page (when `headingUsed` is still false) is
    /// an `<h1>`, later ones `<h2>`.
    static func html(_ text: String, headingUsed: inout Bool) -> String {
        var html = ""
        for element in elements(text) {
            switch element {
            case .heading(let line):
                let tag = headingUsed ? "h2" : "h1"
                headingUsed = true
                html += "<\(tag)>" + HTML.text(line) + "</\(tag)>"
            case .paragraph(let text):
                html += "<p>" + HTML.text(text) + "</p>"
            case .items(let items):
                html += "<ul class=\"items\">" + items.map { "<li>" + HTML.text($0) + "</li>" }.joined() + "</ul>"
            case .preformatted(let text):
                html += "<pre class=\"math\">" + HTML.text(text) + "</pre>"
            }
        }
        return html
    }

    /// The first heading of a piece of prose, if it has one.
    static func firstHeading(_ text: String) -> String? {
        for element in elements(text) {
            if case .heading(let line) = element { return line }
        }
        return nil
    }

    /// A line in capitals ("LESSON 5 - EXPLODING AND VANISHING GRADIENTS"): at least four
    /// letters, none in lower case, and short enough for a heading.
    static func isHeading(_ line: Substring) -> Bool {
        let letters = line.filter(\.isLetter)
        return letters.count >= 4 && line.count <= 100 && letters.allSatisfy { !$0.isLowercase }
    }

    /// An indented line that starts a list item: "* …", "- …", "• …" or "1. …".
    static func isItem(_ line: Substring) -> Bool {
        let words = line.drop { $0 == " " }
        guard let marker = words.split(separator: " ", maxSplits: 1).first, words.count > marker.count else { return false }
        return marker == "*" || marker == "-" || marker == "•"
            || (marker.count >= 2 && marker.last == "." && marker.dropLast().allSatisfy(\.isNumber))
    }
}
