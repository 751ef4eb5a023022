/// How text is drawn: Unicode and colour on a terminal, plain ASCII everywhere else
/// (files, pipes, `--no-color`, golden transcripts).
public struct TextStyle: Equatable, Sendable {
    /// Unicode symbols (·, ×, ⋮, braille plots, shaded heatmaps) instead of ASCII stand-ins.
    public var unicode: Bool
    /// ANSI colour escapes.
    public var color: Bool

    public init(unicode: Bool, color: Bool) {
        self.unicode = unicode
        self.color = color
    }

    /// Files, pipes, tests.
    public static let plain = TextStyle(unicode: false, color: false)
    /// An interactive terminal.
    public static let terminal = TextStyle(unicode: true, color: true)

    // MARK: Glyphs

    public var ellipsis: String { unicode ? "…" : "..." }
    public var verticalEllipsis: String { unicode ? "⋮" : ":" }
    public var times: String { unicode ? "×" : "x" }
    /// A vector–matrix product (x·W); NumPy's `@` in ASCII.
    public var matmul: String { unicode ? "·" : "@" }
    /// An elementwise product (a ⊙ b); MATLAB's `.*` in ASCII.
    public var hadamard: String { unicode ? "⊙" : ".*" }
    /// A scalar product (lr⋅g): the dot operator U+22C5, `*` in ASCII.
    public var scalarTimes: String { unicode ? "⋅" : "*" }
    public var minus: String { unicode ? "−" : "-" }
    public var approximately: String { unicode ? "≈" : "~" }
    public var arrow: String { unicode ? "→" : "->" }
    public var transpose: String { unicode ? "ᵀ" : "^T" }
    public var check: String { unicode ? "✓" : "OK" }

    /// Free text (lesson prose, help) with its mathematical symbols spelt in ASCII when
    /// Unicode is off. Characters of the data itself must not go through this.
    ///
    /// `·` is a vector–matrix product (`@`), `⋅` a product of numbers (`*`), `⊙` elementwise
    /// (`.*`). Greek letters are symbols (σ, δ, Δθ) only in runs of one or two; longer runs are
    /// Greek words and stay as they are.
    public func text(_ text: String) -> String {
        guard !unicode, !text.utf8.allSatisfy({ $0 < 0x80 }) else { return text }  // ASCII needs no spelling
        let characters = Array(text)
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if isGreek(character) {
                var end = index
                while end < characters.count && isGreek(characters[end]) { end += 1 }
                for greek in characters[index ..< end] {
                    if end - index <= 2, let replacement = asciiReplacements[greek] {
                        result += replacement
                    } else {
                        result.append(greek)
                    }
                }
                index = end
                continue
            }
            // √n reads "sqrtn" letter by letter: the root of a bare name or number gets brackets.
            if character == "√", index + 1 < characters.count, characters[index + 1].isLetter || characters[index + 1].isNumber {
                var end = index + 1
                while end < characters.count && (characters[end].isLetter || characters[end].isNumber || characters[end] == ".") {
                    end += 1
                }
                result += "sqrt(" + self.text(String(characters[index + 1 ..< end])) + ")"
                index = end
                continue
            }
            if let replacement = asciiReplacements[character] {
                result += replacement
            } else {
                result.append(character)
            }
            index += 1
        }
        return result
    }

    private func isGreek(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        return (0x370 ... 0x3FF).contains(scalar.value) || (0x1F00 ... 0x1FFF).contains(scalar.value)
    }

    // MARK: Colour

    public enum Color: String, Sendable {
        case red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36", gray = "90"
        case bold = "1", dim = "2"
        /// From the 256-colour palette (as the heatmaps' backgrounds): dark enough for a white
        /// projector screen, light enough for a dark terminal.
        case orange = "38;5;208", teal = "38;5;30"
    }

    /// `text` wrapped in an ANSI colour escape when colour is on.
    public func paint(_ text: String, _ color: Color) -> String {
        self.color ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// A 256-colour background escape (heatmaps), or nothing when colour is off.
    public func background(_ code: Int, _ text: String) -> String {
        color ? "\u{1B}[48;5;\(code)m\(text)\u{1B}[0m" : text
    }
}

/// ASCII spellings of the symbols our prose and equations use.
private let asciiReplacements: [Character: String] = [
    "·": "@", "⋅": "*", "⊙": ".*", "±": "+/-", "×": "x", "−": "-", "–": "-", "—": "--", "≈": "~", "≤": "<=", "≥": ">=",
    "≠": "!=", "→": "->", "←": "<-", "⇒": "=>", "…": "...", "⋮": ":", "ᵀ": "^T", "²": "^2", "³": "^3",
    "⁻": "^-", "¹": "1", "ⁿ": "^n", "ᵗ": "^t", "₀": "0", "₁": "1", "₂": "2", "ₜ": "_t",
    "‖": "||", "∂": "d", "Σ": "sum", "∑": "sum", "∏": "prod", "√": "sqrt", "∞": "inf", "∈": " in ",
    "δ": "delta", "Δ": "delta_", "θ": "theta", "σ": "sigma", "τ": "tau", "ε": "eps", "η": "eta", "λ": "lambda",
    "α": "alpha", "β": "beta", "γ": "gamma", "μ": "mu", "π": "pi", "∇": "grad", "⊕": "(+)",
    "“": "\"", "”": "\"", "‘": "'", "’": "'", "•": "*", "✓": "OK", "✗": "X", "█": "#", "░": ".",
    "▒": ":", "▓": "%", "│": "|", "─": "-", "┼": "+", "└": "+", "┌": "+", "┐": "+", "┘": "+",
    "├": "+", "┤": "+", "┬": "+", "┴": "+", "╭": "+", "╮": "+", "╯": "+", "╰": "+",
]
