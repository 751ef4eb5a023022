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

    public var location: SourceLocation { range.start }

    /// The token's text when it is a word or a string.
    public var text: String? {
        switch kind {
        case .word(let text), .string(let text): text
        default: nil
        }
    }
}
