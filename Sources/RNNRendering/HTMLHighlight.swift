/// A shaded text (`highlight`, `find-neurons`, `saliency`) as coloured characters: each on the
/// background a colour terminal gives it (the same 256-colour shades, in black, or white on the
/// two darkest blues), its value in its tooltip; characters without a value unshaded, marked
/// characters underlined, a line break drawn as ↵ and then broken (as the terminal writes it).
/// The legend under it gives each shade's values and what the stand-ins and marks mean.
///
///     <figure class="highlight"><div class="shaded"><span class="ch" style="background:#ff8787;…"
///       title="0.62">t</span>…</div><p class="heat-legend">scale: ■ −1, … none near 0, … ■ 1</p></figure>
func highlightHTML(_ text: HighlightedText) -> String {
    var html = "<figure class=\"highlight\"><div class=\"shaded\">"
    var standIns: Set<String> = []
    for (index, scalar) in text.scalars.enumerated() {
        let glyph = visibleGlyph(scalar, style: .page)
        if glyph.standIn { standIns.insert(glyph.text) }
        let marked = text.marks?[index] == true
        guard text.values[index] != nil || marked else {
            html += HTML.text(glyph.text) + (scalar == "\n" ? "\n" : "")
            continue
        }
        var attributes = " class=\"ch" + (marked ? " mark" : "") + "\""
        if let value = text.values[index] {
            if let code = backgroundCode(value, scale: text.scale) {
                attributes += " style=\"background:" + xtermColor(code) + ";color:" + (code == 21 || code == 27 ? "#ffffff" : "#000000") + "\""
            }
            attributes += " title=\"" + HTML.attribute(NumberFormat.general(value, significant: 3)) + "\""
        }
        html += "<span" + attributes + ">" + HTML.text(glyph.text) + "</span>" + (scalar == "\n" ? "\n" : "")
    }
    return html + "</div>" + highlightLegendHTML(text, standIns: standIns) + "</figure>\n"
}

/// The legend of a shaded text: the colour terminal's legend, with swatches for its colours.
func highlightLegendHTML(_ text: HighlightedText, standIns: Set<String>) -> String {
    func number(_ x: Double) -> String { String(NumberFormat.general(x, significant: 2).map { $0 == "-" ? "−" : $0 }) }
    func swatch(_ code: Int) -> String { "<span class=\"swatch\" style=\"background:" + xtermColor(code) + "\"></span> " }
    var pieces: [String] = []
    switch text.scale {
    case .diverging(let bound):
        for level in (1 ... 5).reversed() { pieces.append(swatch(negativeBackgrounds[level - 1]) + number(-Double(level) / 5 * bound)) }
        pieces.append("none near 0")
        for level in 1 ... 5 { pieces.append(swatch(positiveBackgrounds[level - 1]) + number(Double(level) / 5 * bound)) }
    case .sequential(let upper):
        for (level, code) in sequentialBackgrounds.enumerated() {
            pieces.append(swatch(code) + "to " + number(upper * Double(level + 1) / Double(sequentialBackgrounds.count)))
        }
    }
    var html = "<p class=\"heat-legend\">scale: " + pieces.joined(separator: ", ") + "</p>"
    var notes: [String] = []
    for (glyph, meaning) in [("↵", "a line break"), ("→", "a tab"), ("?", "a character that does not show")] where standIns.contains(glyph) {
        notes.append(glyph + " is " + meaning)
    }
    if let meaning = text.marksMeaning, text.marks?.contains(true) == true { notes.append("underlined: " + meaning) }
    if let meaning = text.missingMeaning, text.values.contains(where: { $0 == nil }) { notes.append("no colour: " + meaning) }
    if !notes.isEmpty { html += "<p class=\"heat-legend\">" + HTML.text(notes.joined(separator: "; ")) + "</p>" }
    return html
}

/// "#rrggbb" of a colour of the xterm 256-colour palette (the terminal's backgrounds): the
/// 6×6×6 cube from 16, the greys from 232, the 16 system colours below.
func xtermColor(_ code: Int) -> String {
    func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        "#" + [r, g, b].map { let digits = String($0, radix: 16); return digits.count == 1 ? "0" + digits : digits }.joined()
    }
    switch code {
    case 16 ... 231:
        let levels = [0, 95, 135, 175, 215, 255], index = code - 16
        return hex(levels[index / 36], levels[index / 6 % 6], levels[index % 6])
    case 232 ... 255:
        let grey = 8 + 10 * (code - 232)
        return hex(grey, grey, grey)
    default:
        let system = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
                      (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
        let (r, g, b) = system[max(0, min(15, code))]
        return hex(r, g, b)
    }
}
