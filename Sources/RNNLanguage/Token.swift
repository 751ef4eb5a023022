/// A place in the source: 1-based line and column (columns count characters).
public struct SourceLocation: Equatable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// A stretch of source text: where it starts and how many characters it covers (for carets).
public struct SourceRange: Equatable, Hashable, Sendable {
    public var start: SourceLocation
    public var length: Int

    public init(_ start: SourceLocation, length: Int) {
        self.start = start
        self.length = max(length, 1)
    }
}

/// The lexical pieces of the command language.
public enum TokenKind: Equatable, Sendable {
    /// A bare word: a command, a name, a number, a key, a path (`lessons/data/a.txt`).
    case word(String)
    /// A quoted string with its escapes already decoded.
    case string(String)
    /// `=` between an option's key and its value.
    case equals
    /// `[`, `]`, and inside brackets `,` and `:` (slices such as `W_hh[0:5, 2]`).
    case leftBracket, rightBracket, comma, colon
    /// A newline or `;`: the end of a command.
    case separator
    case end
}

public struct Token: Equatable, Sendable {
    public var kind: TokenKind
    public var range: SourceRange
    /// The characters as written (quotes and escapes included).
    public var lexeme: String
    /// Where the token starts, in characters from the start of the source.
    public var offset = 0

    public var location: SourceLocation { range.start }

    /// The token's text when it is a word or a string.
    public var text: String? {
        switch kind {
        case .word(let text), .string(let text): text
        default: nil
        }
    }
}

/// A source text split into lines once, by the same rule the lexer follows: a line ends at
/// "\n" or "\r\n", nothing else. Vertical tab, form feed, NEL (U+0085), U+2028 and U+2029 and
/// a lone "\r" are whitespace inside a line, so the excerpt under an error always shows the
/// line the lexer counted.
public struct SourceText: Sendable {
    public let characters: [Character]
    /// Offsets (in characters) where each line starts; line `firstLine` starts at 0.
    public let lineStarts: [Int]
    /// The number of the first line (commands piped in line by line keep their line numbers).
    public let firstLine: Int

    public init(_ text: String, firstLine: Int = 1) {
        characters = Array(text)
        var starts = [0]
        for (offset, character) in characters.enumerated() where Self.isLineBreak(character) {
            starts.append(offset + 1)
        }
        lineStarts = starts
        self.firstLine = firstLine
    }

    /// The one definition of a line break.
    public static func isLineBreak(_ character: Character) -> Bool {
        character == "\n" || character == "\r\n"
    }

    /// The text of line `number` without its line break, or nil when there is no such line.
    public func line(_ number: Int) -> String? {
        let index = number - firstLine
        guard index >= 0 && index < lineStarts.count else { return nil }
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] : characters.count
        if end > lineStarts[index] && Self.isLineBreak(characters[end - 1]) { end -= 1 }
        return String(characters[lineStarts[index] ..< end])
    }

    /// The characters at `span` (offsets), e.g. one command's source.
    public func text(_ span: Range<Int>) -> String {
        String(characters[max(0, span.lowerBound) ..< min(characters.count, span.upperBound)])
    }
}
