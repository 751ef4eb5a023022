/// How values become shades.
public enum ShadeScale: Equatable, Sendable {
    /// From −bound (blue) through 0 (no shade) to +bound (red): tanh-valued units (bound 1), an
    /// LSTM's c (its largest |value| over the text).
    case diverging(bound: Double)
    /// From 0 to `upper`: gates and probabilities (1), saliency (its largest value).
    case sequential(upper: Double)
}

/// A text with one value per character, for `formatHighlight`.
public struct HighlightedText: Equatable, Sendable {
    public var scalars: [Unicode.Scalar]
    /// One per character; nil where there is nothing to show (the first character has no
    /// prediction; characters after the one a saliency explains).
    public var values: [Double?]
    public var scale: ShadeScale
    /// Characters marked with '^' on a line of their own (a pattern's matches, the predicted
    /// character), and what the marks mean (for the legend).
    public var marks: [Bool]?
    public var marksMeaning: String?
    /// What an unshaded character means, for the legend (shown when there is one).
    public var missingMeaning: String?

    public init(scalars: [Unicode.Scalar], values: [Double?], scale: ShadeScale, marks: [Bool]? = nil,
                marksMeaning: String? = nil, missingMeaning: String? = nil) {
        precondition(values.count == scalars.count && (marks?.count ?? scalars.count) == scalars.count,
                     "one value (and mark) per character")
        self.scalars = scalars
        self.values = values
        self.scale = scale
        self.marks = marks
        self.marksMeaning = marksMeaning
        self.missingMeaning = missingMeaning
    }
}

/// The ASCII shades of a diverging scale, from −bound to +bound in seven equal steps: a dot
/// below the line for small negatives and a tick above it for small positives.
let divergingGlyphs: [Character] = ["=", "-", ".", " ", "'", "+", "#"]
/// The ASCII shades of a sequential scale, in nine equal steps from 0 (every value visible: a
/// blank is a character with no value).
let sequentialGlyphs: [Character] = [".", ":", "-", "=", "+", "*", "#", "%", "@"]
/// The same on a terminal without colour.
let sequentialBlocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
/// 256-colour backgrounds: blues for negatives and reds for positives (weak to strong, as the
/// heatmaps), yellow to orange for a sequential scale.
let negativeBackgrounds = [153, 111, 69, 27, 21]
let positiveBackgrounds = [224, 217, 210, 203, 196]
let sequentialBackgrounds = [230, 222, 215, 209, 202]

/// A text shaded character by character, line by line as it is written (a long line wraps at
/// the page's width):
///
///     he said "go (now)" and left.$
///     ..... .'++######++' ...   ..
///
///     scale: = below -0.71, - to -0.43, . to -0.14, blank to 0.14, ' to 0.43, + to 0.71, # above
///
/// Without colour each line of text has a line of shades under it, one per character (two for a
/// wide one), then a line of '^' marks when it has marked characters; an empty line separates
/// the groups.
/// With colour each character's background is its shade and the shade lines are left out.
/// Characters that do not show are drawn as stand-ins, one column each, and the legend says so:
/// a line break as '$' (↵ on a terminal), a tab as '>' (→), other invisible ones as '?'.
public func formatHighlight(_ text: HighlightedText, width: Int = 100, style: TextStyle = .plain) -> String {
    let columns = max(10, width - 2)
    // Lines as written (each line break ends its line), then wrapped at the page's width.
    var lines: [Range<Int>] = []
    var start = 0, used = 0
    for (i, scalar) in text.scalars.enumerated() {
        let glyph = visibleGlyph(scalar, style: style)
        if used + glyph.columns > columns && i > start {
            lines.append(start ..< i)
            start = i
            used = 0
        }
        used += glyph.columns
        if scalar == "\n" {
            lines.append(start ..< i + 1)
            start = i + 1
            used = 0
        }
    }
    if start < text.scalars.count || lines.isEmpty { lines.append(start ..< text.scalars.count) }

    var output = ""
    var standIns: Set<String> = []
    for (number, line) in lines.enumerated() {
        var shown = "  ", shades = "  ", marks = "  "
        for i in line {
            let glyph = visibleGlyph(text.scalars[i], style: style)
            if glyph.standIn { standIns.insert(glyph.text) }
            let repeatCount = glyph.columns
            if style.color {
                shown += paintBackground(glyph.text, value: text.values[i], scale: text.scale, style: style)
            } else {
                shown += glyph.text
                shades += String(repeating: shade(text.values[i], scale: text.scale, style: style), count: repeatCount)
            }
            marks += String(repeating: text.marks?[i] == true ? "^" : " ", count: repeatCount)
        }
        if number > 0 && !style.color { output += "\n" }
        output += (style.color ? shown : shown.trimmingTrailingSpaces()) + "\n"
        if !style.color { output += shades.trimmingTrailingSpaces() + "\n" }
        if line.contains(where: { text.marks?[$0] == true }) { output += marks.trimmingTrailingSpaces() + "\n" }
    }
    output += "\n" + highlightLegend(text, standIns: standIns, width: width, style: style) + "\n"
    return output
}

/// How one character of the text is drawn: itself, or a one-column stand-in for one that does
/// not show (and then `standIn`).
func visibleGlyph(_ scalar: Unicode.Scalar, style: TextStyle) -> (text: String, columns: Int, standIn: Bool) {
    switch scalar {
    case "\n": return (style.unicode ? "↵" : "$", 1, true)
    case "\t": return (style.unicode ? "→" : ">", 1, true)
    default:
        let width = columns(of: scalar)
        if width == 0 || scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
            return ("?", 1, true)
        }
        return (String(Character(scalar)), width, false)
    }
}

/// Where a value falls on the scale, from 0 to 1 (diverging: −bound → 0, 0 → 0.5, +bound → 1).
func scalePosition(_ value: Double, _ scale: ShadeScale) -> Double {
    switch scale {
    case .diverging(let bound):
        guard bound > 0 else { return 0.5 }
        return (min(1, max(-1, value / bound)) + 1) / 2
    case .sequential(let upper):
        guard upper > 0 else { return 0 }
        return min(1, max(0, value / upper))
    }
}

/// The shade glyph of a value (a blank for none).
func shade(_ value: Double?, scale: ShadeScale, style: TextStyle) -> String {
    guard let value, value.isFinite else { return value == nil ? " " : "?" }
    let position = scalePosition(value, scale)
    switch scale {
    case .diverging:
        return String(divergingGlyphs[min(divergingGlyphs.count - 1, Int(position * Double(divergingGlyphs.count)))])
    case .sequential:
        let ramp = style.unicode ? sequentialBlocks : sequentialGlyphs
        return String(ramp[min(ramp.count - 1, Int(position * Double(ramp.count)))])
    }
}

/// The 256-colour background of a value (nil: none).
func backgroundCode(_ value: Double, scale: ShadeScale) -> Int? {
    guard value.isFinite else { return nil }
    switch scale {
    case .diverging:
        // |x| in fifths, rounded: under a tenth of the bound, no background.
        let x = scalePosition(value, scale) * 2 - 1
        let level = Int((abs(x) * 5).rounded())
        guard level > 0 else { return nil }
        return x < 0 ? negativeBackgrounds[level - 1] : positiveBackgrounds[level - 1]
    case .sequential:
        let level = min(4, Int(scalePosition(value, scale) * 5))
        return sequentialBackgrounds[level]
    }
}

/// A glyph on its value's background, in black (white on the two darkest blues).
func paintBackground(_ glyph: String, value: Double?, scale: ShadeScale, style: TextStyle) -> String {
    guard let value, let code = backgroundCode(value, scale: scale) else { return glyph }
    let foreground = code == 21 || code == 27 ? 15 : 16
    return "\u{1B}[38;5;\(foreground);48;5;\(code)m\(glyph)\u{1B}[0m"
}

/// The legend: every shade with the values it stands for, then the stand-ins, the marks and
/// what a blank means; wrapped at the page between its pieces.
func highlightLegend(_ text: HighlightedText, standIns: Set<String>, width: Int, style: TextStyle) -> String {
    func number(_ x: Double) -> String { style.text(String(NumberFormat.general(x, significant: 2).map { $0 == "-" ? "−" : $0 })) }
    var pieces = [LegendPiece("scale:")]
    switch text.scale {
    case .diverging(let bound):
        let count = divergingGlyphs.count
        let edges = (1 ..< count).map { -bound + 2 * bound * Double($0) / Double(count) }
        if style.color {
            for level in (1 ... 5).reversed() {
                let x = -Double(level) / 5
                pieces.append(LegendPiece(style.background(negativeBackgrounds[level - 1], "  ") + " " + number(x * bound) + ",",
                                          columns: 3 + displayColumns(number(x * bound)) + 1))
            }
            pieces.append(LegendPiece("none near 0,"))
            for level in 1 ... 5 {
                let x = Double(level) / 5
                let last = level == 5
                pieces.append(LegendPiece(style.background(positiveBackgrounds[level - 1], "  ") + " " + number(x * bound) + (last ? "" : ","),
                                          columns: 3 + displayColumns(number(x * bound)) + (last ? 0 : 1)))
            }
        } else {
            for (k, glyph) in divergingGlyphs.enumerated() {
                let name = glyph == " " ? "blank" : String(glyph)
                let range = k == 0 ? "below " + number(edges[0]) : (k == count - 1 ? "above" : "to " + number(edges[k]))
                pieces.append(LegendPiece(name + " " + range + (k == count - 1 ? "" : ",")))
            }
        }
    case .sequential(let upper):
        if style.color {
            for (level, code) in sequentialBackgrounds.enumerated() {
                let edge = number(upper * Double(level + 1) / Double(sequentialBackgrounds.count))
                let last = level == sequentialBackgrounds.count - 1
                pieces.append(LegendPiece(style.background(code, "  ") + " to " + edge + (last ? "" : ","),
                                          columns: 6 + displayColumns(edge) + (last ? 0 : 1)))
            }
        } else {
            let ramp = style.unicode ? sequentialBlocks : sequentialGlyphs
            for (k, glyph) in ramp.enumerated() {
                let edge = number(upper * Double(k + 1) / Double(ramp.count))
                let range = k == 0 ? "below " + edge : "to " + edge
                pieces.append(LegendPiece(String(glyph) + " " + range + (k == ramp.count - 1 ? "" : ",")))
            }
        }
    }
    var lines = [flowLegend(pieces, width: width, indent: 2, hanging: 4)]
    var notes: [String] = []
    let order: [(String, String)] = [("$", "a line break"), ("↵", "a line break"), (">", "a tab"), ("→", "a tab"),
                                     ("?", "a character that does not show")]
    for (glyph, meaning) in order where standIns.contains(glyph) { notes.append(glyph + " is " + meaning) }
    if let meaning = text.marksMeaning, text.marks?.contains(true) == true { notes.append("^ marks " + meaning) }
    if let meaning = text.missingMeaning, text.values.contains(where: { $0 == nil }) {
        notes.append((style.color ? "no colour" : "no shade") + ": " + meaning)
    }
    if !notes.isEmpty {
        lines.append(flowLegend(notes.enumerated().map { index, note in
            LegendPiece(style.text(note) + (index == notes.count - 1 ? "" : ";"))
        }.flatMap { piece -> [LegendPiece] in
            // Notes wrap between words, not only between notes.
            piece.text.split(separator: " ").map { LegendPiece(String($0)) }
        }, width: width, indent: 2, hanging: 4))
    }
    return lines.joined(separator: "\n")
}
