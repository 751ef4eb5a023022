/// What a sink renders output for: its style (ASCII, Unicode, colour) and its page width.
public struct RenderContext: Equatable, Sendable {
    public var style: TextStyle
    /// Characters per line.
    public var width: Int

    public init(style: TextStyle, width: Int) {
        self.style = style
        self.width = width
    }

    /// Golden transcripts, pipes and files: plain ASCII, 100 characters a line.
    public static let transcript = RenderContext(style: .plain, width: 100)
}

/// One piece of a command's output, kept as data until a sink renders it.
///
/// The interpreter emits blocks; the terminal renders each one at once as text for its own
/// style and width (so output follows the terminal's width when it is resized), and a notebook
/// page renders the same blocks as HTML and SVG. One source of output, two renderings: the
/// structured cases carry their values (a plot's series, a matrix), and `.text` carries a
/// function that formats for any context.
public enum Block {
    /// Lesson prose (`echo`): wrapped at word boundaries to the page width.
    case prose(String)
    /// The source text of a command about to run. Pages show it as a code cell; the terminal
    /// and transcripts print nothing for it.
    case command(String)
    /// Preformatted output (a table, a trace, a result line), formatted for the context.
    case text((RenderContext) -> String)
    /// A line plot. A nil `options.width` takes the page's width.
    case plot([PlotSeries], PlotLayout)
    /// Horizontal bars.
    case bars([Bar], BarChartOptions)
    /// A matrix as an aligned table.
    case matrix(LabeledMatrix, MatrixFormatOptions)
    /// A matrix as a picture.
    case heatmap(LabeledMatrix)
    /// A text shaded character by character by a value per character (`highlight`,
    /// `find-neurons`, `saliency`).
    case highlight(HighlightedText)
    /// Points drawn as characters on two axes (`plot states`).
    case scatter([ScatterPoint], ScatterLayout)
    /// A `pause` of a lesson: a section break on a page.
    case pause
    /// An error report (standard error on a terminal).
    case error((RenderContext) -> String)

    /// Plain text that needs no context (already in ASCII, or data to show as it is).
    public static func plain(_ text: String) -> Block { .text { _ in text } }

    /// Prose-like text whose symbols become ASCII when Unicode is off.
    public static func styled(_ text: String) -> Block { .text { $0.style.text(text) } }
}

/// A plot's options, with the width left to the page when nil.
public struct PlotLayout: Equatable, Sendable {
    public var options: LinePlotOptions
    /// Columns of the plotting area; nil: fitted to the page (`pageWidth − 12`, from 20 to 72).
    public var width: Int?

    public init(_ options: LinePlotOptions, width: Int? = nil) {
        self.options = options
        self.width = width
    }

    /// The plotting width for a page of `pageWidth` characters.
    public func resolvedWidth(pageWidth: Int) -> Int {
        width ?? Self.defaultWidth(pageWidth: pageWidth)
    }

    public static func defaultWidth(pageWidth: Int) -> Int { max(20, min(pageWidth - 12, 72)) }
}

/// A scatter plot's options, with the width left to the page when nil.
public struct ScatterLayout: Equatable, Sendable {
    /// Columns of the plotting area; nil: fitted to the page (as a line plot's).
    public var width: Int?
    /// Rows of the plotting area.
    public var height: Int
    public var xLabel: String?
    public var yLabel: String?

    public init(width: Int? = nil, height: Int, xLabel: String? = nil, yLabel: String? = nil) {
        self.width = width
        self.height = height
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// The options of the scatter plot on a page `pageWidth` characters wide.
    public func options(pageWidth: Int) -> ScatterOptions {
        ScatterOptions(width: width ?? PlotLayout.defaultWidth(pageWidth: pageWidth), height: height, xLabel: xLabel,
                       yLabel: yLabel, pageWidth: pageWidth)
    }
}

/// Options of a bar chart.
public struct BarChartOptions: Equatable, Sendable {
    public var title: String?
    /// Length of the longest possible bar; nil: fitted to the page.
    public var width: Int?
    public var precision: Int
    /// Bars on a fixed scale from 0 to this value (probabilities: 1); nil: scaled to the largest.
    public var scale: Double?
    /// Each value written with this many significant digits instead of `precision` decimals.
    public var significant: Int?

    public init(title: String? = nil, width: Int? = nil, precision: Int = 3, scale: Double? = nil, significant: Int? = nil) {
        self.title = title
        self.width = width
        self.precision = precision
        self.scale = scale
        self.significant = significant
    }
}

/// The terminal's (and the transcripts') rendering of a block.
public func renderText(_ block: Block, context: RenderContext) -> String {
    let style = context.style
    switch block {
    case .prose(let text):
        return wrapProse(style.text(text), width: context.width) + "\n"
    case .command, .pause:
        return ""
    case .text(let format), .error(let format):
        return format(context)
    case .plot(let series, let layout):
        var options = layout.options
        options.width = layout.resolvedWidth(pageWidth: context.width)
        options.pageWidth = context.width
        let title = options.title.map { wrapLines(style.text($0), width: context.width) + "\n" } ?? ""
        options.title = nil
        return title + formatLinePlot(series, options: options, style: style)
    case .bars(let bars, let options):
        let width = options.width ?? max(10, PlotLayout.defaultWidth(pageWidth: context.width) - 20)
        let title = options.title.map { wrapLines(style.text($0), width: context.width) + "\n" } ?? ""
        return title + formatBarChart(bars, title: nil, width: width, precision: options.precision, scale: options.scale,
                                      significant: options.significant, style: style)
    case .matrix(let matrix, var options):
        options.width = min(options.width, context.width)
        return formatMatrix(matrix, options: options, style: style)
    case .heatmap(let matrix):
        return formatHeatmap(matrix, width: context.width, style: style)
    case .highlight(let text):
        return formatHighlight(text, width: context.width, style: style)
    case .scatter(let points, let layout):
        return formatScatter(points, options: layout.options(pageWidth: context.width), style: style)
    }
}

/// Output lines longer than `width` broken at spaces, each continuation indented `hanging`
/// spaces more than its line, so that a long result sentence fits the page:
///
///     score of "the boat went out on the sea.": loss 34.3035 over 28 predictions, 1.2251 per
///       character, perplexity 3.4046, 1.7675 bits per character
///
/// A word longer than the line stays whole; lines that fit are left exactly as they are.
public func wrapLines(_ text: String, width: Int, hanging: Int = 2) -> String {
    guard text.split(separator: "\n").contains(where: { displayColumns($0) > width }) else { return text }
    var output: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        guard displayColumns(line) > width else {
            output.append(String(line))
            continue
        }
        let indent = String(line.prefix { $0 == " " })
        output += flow(gluedWords(line.dropFirst(indent.count)), width: width, indent: indent,
                       hanging: indent + String(repeating: " ", count: hanging))
    }
    return output.joined(separator: "\n")
}

/// The words of a line, an "=" kept with the words on either side of it ("‖g‖ = 0.98" is never
/// broken: a number belongs on the line of its name).
func gluedWords(_ line: Substring) -> [String] {
    var words: [String] = []
    var glueNext = false
    for word in line.split(separator: " ", omittingEmptySubsequences: false) {
        if (word == "=" || glueNext) && !words.isEmpty {
            words[words.count - 1] += " " + word
            glueNext = word == "="
        } else {
            words.append(String(word))
            glueNext = false
        }
    }
    return words
}

/// Prose laid out for a page `width` characters wide.
///
/// Lines that fit are kept exactly as written (so a lesson keeps its own line breaks, and a
/// transcript at 100 columns does not change). When a line does not fit, the run of plain
/// lines around it (a paragraph: lines that start at the margin, up to an empty or indented
/// line) is re-flowed as a whole, so no word is left alone on a line. Indented lines
/// (equations, list items) are never joined: one that does not fit wraps under its text.
public func wrapProse(_ text: String, width: Int) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    var output: [String] = []
    var index = 0
    while index < lines.count {
        let line = lines[index]
        if line.isEmpty || line.first == " " {
            output.append(line.isEmpty ? "" : wrapIndented(line, width: width))
            index += 1
            continue
        }
        // A paragraph: this line and the plain lines after it.
        var end = index + 1
        while end < lines.count && !lines[end].isEmpty && lines[end].first != " " { end += 1 }
        let paragraph = lines[index ..< end]
        if paragraph.allSatisfy({ displayColumns($0) <= width }) {
            output += paragraph.map(String.init)
        } else {
            output += flow(paragraph.flatMap { $0.split(separator: " ") }, width: width, indent: "")
        }
        index = end
    }
    return output.joined(separator: "\n")
}

/// Words joined into lines of at most `width` columns (a longer word stands alone).
func flow<S: StringProtocol>(_ words: [S], width: Int, indent: String, hanging: String? = nil) -> [String] {
    var lines: [String] = []
    var current = indent, currentWidth = indent.count, atStart = true
    let continuation = hanging ?? indent
    for word in words {
        let wordWidth = displayColumns(word)
        // Never break where the line would hold only its indent (after a run of spaces).
        if !atStart && currentWidth + 1 + wordWidth > width && current.trimmingTrailingSpaces().count > continuation.count {
            lines.append(current)
            current = continuation + word
            currentWidth = continuation.count + wordWidth
            continue
        }
        if !atStart {
            current += " "
            currentWidth += 1
        }
        current += word
        currentWidth += wordWidth
        atStart = false
    }
    lines.append(current)
    return lines
}

/// An indented prose line that does not fit: wrapped under its text (a list item "  * …" or
/// "  1. …" continues under the text after its marker).
func wrapIndented(_ line: Substring, width: Int) -> String {
    guard displayColumns(line) > width else { return String(line) }
    let indent = String(line.prefix { $0 == " " })
    var hanging = indent
    let rest = line.dropFirst(indent.count)
    if let marker = rest.split(separator: " ", maxSplits: 1).first,
       marker == "-" || marker == "*" || marker == "•" || (marker.last == "." && marker.dropLast().allSatisfy(\.isNumber) && !marker.dropLast().isEmpty) {
        hanging += String(repeating: " ", count: marker.count + 1)
    }
    return flow(rest.split(separator: " "), width: width, indent: indent, hanging: hanging).joined(separator: "\n")
}

/// Terminal columns a text takes: East Asian wide and full-width characters (CJK, Hangul,
/// most emoji) take two, combining marks and zero-width characters none.
public func displayColumns<S: StringProtocol>(_ text: S) -> Int {
    var width = 0
    for scalar in text.unicodeScalars { width += columns(of: scalar) }
    return width
}

/// The columns one scalar takes on a terminal (0, 1 or 2).
public func columns(of scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    if value < 0x300 { return value < 0x20 || (0x7F ..< 0xA0).contains(value) ? 0 : 1 }
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    let wide = (0x1100 ... 0x115F).contains(value) || (0x2E80 ... 0xA4CF).contains(value)
        || (0xAC00 ... 0xD7A3).contains(value) || (0xF900 ... 0xFAFF).contains(value)
        || (0xFE30 ... 0xFE4F).contains(value) || (0xFF00 ... 0xFF60).contains(value)
        || (0xFFE0 ... 0xFFE6).contains(value) || (0x1F300 ... 0x1F64F).contains(value)
        || (0x1F900 ... 0x1F9FF).contains(value) || (0x20000 ... 0x3FFFD).contains(value)
    return wide ? 2 : 1
}
