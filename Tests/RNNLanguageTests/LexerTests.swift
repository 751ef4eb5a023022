import Testing
@testable import RNNLanguage

@Suite struct LexerTests {
    func kinds(_ source: String) throws -> [TokenKind] {
        try Lexer.tokenize(source).map(\.kind)
    }

    @Test func wordsOptionsAndSeparators() throws {
        #expect(try kinds("init hidden=32 lr=1e-3; step") == [
            .word("init"), .word("hidden"), .equals, .word("32"), .word("lr"), .equals, .word("1e-3"), .separator,
            .word("step"), .end,
        ])
    }

    @Test func pathsAndDashesAreWords() throws {
        #expect(try kinds("load ../data/tiny-shakespeare.txt\ngrad-check") == [
            .word("load"), .word("../data/tiny-shakespeare.txt"), .separator, .word("grad-check"), .end,
        ])
    }

    @Test func commentsRunToTheEndOfTheLine() throws {
        #expect(try kinds("step 3 # three steps; not a separator\n# whole line\nshow h") == [
            .word("step"), .word("3"), .separator, .separator, .word("show"), .word("h"), .end,
        ])
    }

    @Test func subscriptsSplitOnCommaAndColonOnlyInsideBrackets() throws {
        #expect(try kinds("show W_hh[0:5, 2] a:b,c") == [
            .word("show"), .word("W_hh"), .leftBracket, .word("0"), .colon, .word("5"), .comma, .word("2"),
            .rightBracket, .word("a:b,c"), .end,
        ])
    }

    @Test func stringsDecodeEscapes() throws {
        #expect(try kinds(#"echo "a\tb\n\"q\" \u{1F600} \\" 'it\'s'"#) == [
            .word("echo"), .string("a\tb\n\"q\" 😀 \\"), .string("it's"), .end,
        ])
    }

    @Test func windowsLineEndsSeparateCommands() throws {
        #expect(try kinds("load builtin hello\r\ninit hidden=3\r\n") == [
            .word("load"), .word("builtin"), .word("hello"), .separator, .word("init"), .word("hidden"), .equals,
            .word("3"), .separator, .end,
        ])
        let tokens = try Lexer.tokenize("step\r\nshow W_hh # note\r\necho \"a\"")
        #expect(tokens[1].kind == .separator && tokens[2].location == SourceLocation(line: 2, column: 1))
        #expect(tokens.map(\.kind).contains(.string("a")))
    }

    @Test func locationsAreLineAndColumn() throws {
        let tokens = try Lexer.tokenize("step\n  show  W_hh")
        #expect(tokens.map(\.location) == [
            SourceLocation(line: 1, column: 1), SourceLocation(line: 1, column: 5), SourceLocation(line: 2, column: 3),
            SourceLocation(line: 2, column: 9), SourceLocation(line: 2, column: 13),
        ])
    }

    static let errors: [(String, DiagnosticKind, Int, Int)] = [
        ("echo \"abc", .unterminatedString, 1, 6),
        ("step\necho 'abc\nstep", .unterminatedString, 2, 6),
        (#"echo "a\qb""#, .invalidEscape("q"), 1, 8),
        (#"echo "\u{110000}""#, .invalidEscape("u110000"), 1, 7),
    ]

    @Test(arguments: errors)
    func lexicalErrorsPointAtTheProblem(source: String, kind: DiagnosticKind, line: Int, column: Int) {
        do {
            _ = try Lexer.tokenize(source)
            Issue.record("no error for \(source)")
        } catch {
            #expect(error.kind == kind)
            #expect(error.range?.start == SourceLocation(line: line, column: column))
        }
    }
}
