/// Turns source text into tokens, each with its line and column.
///
/// A line ends at "\n" or "\r\n" (`SourceText.isLineBreak`); every other kind of whitespace
/// (tab, a lone "\r", form feed, vertical tab, U+0085, U+2028, …) separates words within a
/// line. Words run until whitespace or one of `; = [ ] " '`; inside brackets `,` and `:` also
/// end a word. `#` at the start of a word begins a comment that runs to the end of the line.
/// Strings are `"…"` or `'…'` with the escapes \n \t \r \0 \\ \" \' and \u{hex}.
public struct Lexer {
    private let characters: [Character]
    private var index = 0
    private var line: Int
    private var column = 1
    private var bracketDepth = 0
    private var tokens: [Token] = []

    public init(_ source: SourceText) {
        characters = source.characters
        line = source.firstLine
    }

    /// All tokens, ending with `.end`, or the first lexical error.
    public static func tokenize(_ source: String) throws(Diagnostic) -> [Token] {
        try tokenize(SourceText(source))
    }

    public static func tokenize(_ source: SourceText) throws(Diagnostic) -> [Token] {
        var lexer = Lexer(source)
        return try lexer.scanAll()
    }

    mutating func scanAll() throws(Diagnostic) -> [Token] {
        while index < characters.count {
            try scanToken()
        }
        tokens.append(Token(kind: .end, range: SourceRange(here, length: 1), lexeme: "", offset: index))
        return tokens
    }

    private var here: SourceLocation { SourceLocation(line: line, column: column) }

    private mutating func advance() -> Character {
        let character = characters[index]
        index += 1
        if SourceText.isLineBreak(character) {
            line += 1
            column = 1
        } else {
            column += 1
        }
        return character
    }

    private func peek(_ offset: Int = 0) -> Character? {
        index + offset < characters.count ? characters[index + offset] : nil
    }

    private mutating func add(_ kind: TokenKind, from start: SourceLocation, lexeme: String) {
        tokens.append(Token(kind: kind, range: SourceRange(start, length: lexeme.count), lexeme: lexeme,
                            offset: index - lexeme.count))
    }

    private mutating func scanToken() throws(Diagnostic) {
        let start = here
        let character = peek()!
        switch character {
        case "\n", "\r\n", ";":  // "\r\n" is one Character in Swift: Windows line ends
            _ = advance()
            bracketDepth = 0  // a bracket never spans two commands
            add(.separator, from: start, lexeme: String(character))
        case "#":
            while let next = peek(), !SourceText.isLineBreak(next) { _ = advance() }
        case let blank where blank.isWhitespace:
            _ = advance()
        case "=":
            _ = advance()
            add(.equals, from: start, lexeme: "=")
        case "[":
            _ = advance()
            bracketDepth += 1
            add(.leftBracket, from: start, lexeme: "[")
        case "]":
            _ = advance()
            bracketDepth = max(0, bracketDepth - 1)
            add(.rightBracket, from: start, lexeme: "]")
        case "," where bracketDepth > 0:
            _ = advance()
            add(.comma, from: start, lexeme: ",")
        case ":" where bracketDepth > 0:
            _ = advance()
            add(.colon, from: start, lexeme: ":")
        case "\"", "'":
            try scanString(quote: character)
        default:
            scanWord()
        }
    }

    private func endsWord(_ character: Character) -> Bool {
        switch character {
        case ";", "=", "[", "]", "\"", "'": true
        case ",", ":": bracketDepth > 0
        default: character.isWhitespace
        }
    }

    private mutating func scanWord() {
        let start = here
        var text = ""
        while let next = peek(), !endsWord(next) { text.append(advance()) }
        add(.word(text), from: start, lexeme: text)
    }

    private mutating func scanString(quote: Character) throws(Diagnostic) {
        let start = here
        var lexeme = String(advance())
        var value = ""
        while true {
            guard let next = peek(), !SourceText.isLineBreak(next) else {
                throw Diagnostic(.unterminatedString, at: SourceRange(start, length: 1))
            }
            if next == quote {
                lexeme.append(advance())
                break
            }
            if next == "\\" {
                let escapeStart = here
                lexeme.append(advance())
                guard let code = peek(), !SourceText.isLineBreak(code) else {
                    throw Diagnostic(.unterminatedString, at: SourceRange(start, length: 1))
                }
                lexeme.append(advance())
                switch code {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                case "0": value.append("\0")
                case "\\", "\"", "'": value.append(code)
                case "u":
                    value.append(try scanUnicodeEscape(startingAt: escapeStart, lexeme: &lexeme))
                default:
                    throw Diagnostic(.invalidEscape(String(code)), at: SourceRange(escapeStart, length: 2))
                }
                continue
            }
            value.append(advance())
            lexeme.append(next)
        }
        add(.string(value), from: start, lexeme: lexeme)
    }

    /// `\u{1F600}`: one to six hex digits naming a Unicode scalar.
    private mutating func scanUnicodeEscape(startingAt start: SourceLocation, lexeme: inout String) throws(Diagnostic) -> Character {
        var digits = ""
        if peek() == "{" {
            lexeme.append(advance())
            while let next = peek(), next.isHexDigit, digits.count < 6 {
                digits.append(advance())
                lexeme.append(next)
            }
            if peek() == "}" { lexeme.append(advance()) } else { digits = "" }
        }
        guard !digits.isEmpty, let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value) else {
            throw Diagnostic(.invalidEscape("u" + digits), at: SourceRange(start, length: lexeme.count))
        }
        return Character(scalar)
    }
}
