/// Text made safe for a web page: nothing in the output of a command is ever read as markup,
/// and no character is passed through that a browser would hide, act on or refuse.
///
///     HTML.text("a < b & \"c\"\u{1B}[31m")
///     // a &lt; b &amp; &quot;c&quot;<span class="ctl" title="U+001B">␛</span>[31m
///
/// - `&`, `<`, `>`, `"` and `'` become entities (the page is also well-formed XML, so only
///   `&amp;` `&lt;` `&gt;` `&quot;` and numeric references are used).
/// - Control characters other than tab and newline are shown by a visible stand-in: C0 controls
///   by their control pictures (␛ for ESC, ␇ for BEL, ␍ for a carriage return), DEL by ␡, C1
///   controls, format characters (bidirectional overrides, zero-width spaces, a byte-order
///   mark), line and paragraph separators and noncharacters by their code point ("U+202E").
///   The joiners U+200C and U+200D stay: emoji and some scripts need them.
public enum HTML {
    /// Escaped element content, stand-ins marked up as `<span class="ctl">` with the code
    /// point as a tooltip.
    public static func text(_ text: String) -> String {
        escape(text, markStandIns: true)
    }

    /// Escaped attribute content (in double quotes), stand-ins without markup.
    public static func attribute(_ text: String) -> String {
        escape(text, markStandIns: false)
    }

    /// The text as a page shows it: each character that gets a stand-in replaced by it (what
    /// the page's text content reads, for comparing a transcript with a page).
    public static func visible(_ text: String) -> String {
        guard needsWork(text) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let standIn = standIn(for: scalar) { result += standIn } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }

    /// The visible stand-in of a character a page must not pass through as it is; nil for
    /// characters shown as themselves.
    public static func standIn(for scalar: Unicode.Scalar) -> String? {
        let value = scalar.value
        switch value {
        case 0x09, 0x0A: return nil
        case 0x00 ..< 0x20: return String(Unicode.Scalar(0x2400 + value)!)
        case 0x7F: return "␡"
        case 0x20 ..< 0x7F: return nil
        case 0x80 ..< 0xA0: return codePoint(value)
        case 0x200C, 0x200D: return nil
        default: break
        }
        if scalar.properties.isNoncharacterCodePoint { return codePoint(value) }
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator: return codePoint(value)
        default: return nil
        }
    }

    /// "U+001B".
    static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Whether any byte could need escaping (ASCII punctuation of markup, controls, or any
    /// non-ASCII character): most output needs none, and is returned as it is.
    static func needsWork(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 || $0 >= 0x7F || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E
            || $0 == 0x22 || $0 == 0x27 }
    }

    private static func escape(_ text: String, markStandIns: Bool) -> String {
        guard needsWork(text) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default:
                if let standIn = standIn(for: scalar) {
                    result += markStandIns
                        ? "<span class=\"ctl\" title=\"\(codePoint(scalar.value))\">\(standIn)</span>" : standIn
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}

/// A coordinate of an SVG drawing: one decimal, no exponent, no "-0" ("12.5", "-3", "0").
/// Non-finite values (never drawn) read 0.
func svgNumber(_ value: Double) -> String {
    guard value.isFinite, abs(value) < 1e12 else { return "0" }
    let tenths = Int((value * 10).rounded())
    let magnitude = abs(tenths)
    let sign = tenths < 0 ? "-" : ""
    return magnitude % 10 == 0 ? sign + String(magnitude / 10) : sign + String(magnitude / 10) + "." + String(magnitude % 10)
}
