import RNNCore
import RNNRendering

/// Everything that can go wrong with a command, as data. The wording of every message is in
/// `message` below, in one switch.
public enum DiagnosticKind: Equatable, Sendable {
    // Syntax: found before anything runs (exit code 65).
    case unterminatedString
    case invalidEscape(String)
    case unknownCommand(String, suggestion: String?)
    case unknownOption(command: String, key: String, suggestion: String?)
    case duplicateOption(key: String)
    case missingValue(key: String)
    case badValue(key: String, text: String, requirement: String)
    case badChoice(key: String, text: String, choices: [String], suggestion: String?)
    case missingArgument(command: String, expected: String)
    case unexpectedArgument(command: String, text: String)
    case badCount(command: String, text: String)
    case badSubscript(text: String)
    case unclosedSubscript
    case badComparison(found: String)
    case badExpectedValue(text: String)

    // Run time: the command was understood but cannot be carried out (exit code 70).
    case noCorpus(command: String)
    case noModel(command: String)
    case nothingRecorded(name: String, command: String)
    case unknownName(String, suggestion: String?)
    case unknownBuiltin(String, available: [String], suggestion: String?)
    case subscriptOutOfRange(name: String, axis: String, index: Int, size: Int)
    case badRange(name: String, axis: String, start: Int, end: Int, size: Int)
    case tooManySubscripts(name: String, given: Int, allowed: Int)
    case notACharacterAxis(name: String, axis: String)
    case characterNotInVocabulary(name: String, character: String)
    case notAScalar(name: String, rows: Int, columns: Int)
    case expectationFailed(name: String, actual: Double, comparison: Comparison, expected: Double, tolerance: Double)
    case unknownHelpTopic(String, suggestion: String?)
    case stepOutOfWindow(step: Int, steps: Int)
    case corpus(CorpusError)
    case model(ModelError)
}

extension DiagnosticKind: Error {}

/// A diagnostic and the source range it points at (nil when it concerns no particular text).
public struct Diagnostic: Error, Equatable, Sendable {
    public var kind: DiagnosticKind
    public var range: SourceRange?

    public init(_ kind: DiagnosticKind, at range: SourceRange?) {
        self.kind = kind
        self.range = range
    }

    /// Syntax errors are found before a script runs; the others while it runs.
    public var isSyntaxError: Bool {
        switch kind {
        case .unterminatedString, .invalidEscape, .unknownCommand, .unknownOption, .duplicateOption, .missingValue,
             .badValue, .badChoice, .missingArgument, .unexpectedArgument, .badCount, .badSubscript,
             .unclosedSubscript, .badComparison, .badExpectedValue:
            true
        default:
            false
        }
    }

    public var message: String { kind.message }

    /// The full report:
    ///
    ///     lessons/02.rnn:14:8: error: unknown name 'W_h'; did you mean 'W_hh'?
    ///        14 | show W_h
    ///           |      ^~~
    ///
    /// Without a file name (the REPL) the first line is just `error: …`.
    public func render(source: String?, fileName: String?, style: TextStyle = .plain) -> String {
        var head = ""
        if let fileName {
            head = fileName + (range.map { ":\($0.start.line):\($0.start.column)" } ?? "") + ": "
        }
        var output = head + style.paint("error:", .red) + " " + style.text(message) + "\n"
        if let range, let source {
            let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
            if range.start.line - 1 < lines.count {
                let text = lines[range.start.line - 1].replacingTabs()
                let number = String(range.start.line)
                let gutter = String(repeating: " ", count: number.count)
                let available = max(1, text.count - range.start.column + 1)
                let underline = "^" + String(repeating: "~", count: min(range.length, available) - 1)
                output += " \(number) | \(text)\n"
                output += " \(gutter) | " + String(repeating: " ", count: range.start.column - 1)
                    + style.paint(underline, .red) + "\n"
            }
        }
        return output
    }
}

extension Substring {
    /// Tabs as single spaces so the caret lines up with the column count.
    func replacingTabs() -> String { String(self.map { $0 == "\t" ? " " : $0 }) }
}

extension DiagnosticKind {
    /// " did you mean 'x'?" or nothing.
    private static func hint(_ suggestion: String?) -> String {
        suggestion.map { "; did you mean '\($0)'?" } ?? ""
    }

    public var message: String {
        switch self {
        case .unterminatedString:
            return "unterminated string: add the closing quote before the end of the line"
        case .invalidEscape(let code):
            return "unknown escape '\\\(code)' in a string (use \\n \\t \\r \\0 \\\\ \\\" \\' or \\u{hex})"
        case .unknownCommand(let name, let suggestion):
            return "unknown command '\(name)'" + Self.hint(suggestion) + (suggestion == nil ? " (type 'help' for the list)" : "")
        case .unknownOption(let command, let key, let suggestion):
            return "'\(command)' has no option '\(key)'" + Self.hint(suggestion)
                + (suggestion == nil ? " (see 'help \(command)')" : "")
        case .duplicateOption(let key):
            return "option '\(key)' is given twice"
        case .missingValue(let key):
            return "option '\(key)' needs a value: write \(key)=VALUE"
        case .badValue(let key, let text, let requirement):
            return "\(key)=\(text) is not allowed: \(key) must be \(requirement)"
        case .badChoice(let key, let text, let choices, let suggestion):
            return "\(key)=\(text) is not allowed: \(key) must be one of " + choices.joined(separator: ", ")
                + Self.hint(suggestion.map { "\(key)=\($0)" })
        case .missingArgument(let command, let expected):
            return "'\(command)' needs \(expected)"
        case .unexpectedArgument(let command, let text):
            return "'\(command)' does not take '\(text)' here (see 'help \(command)')"
        case .badCount(let command, let text):
            return "'\(command)' expects a whole number ≥ 1, not '\(text)'"
        case .badSubscript(let text):
            return "'\(text)' is not a subscript: use an index (3), a character ('e'), or a range (0:5, :, 2:)"
        case .unclosedSubscript:
            return "subscript is not closed: add ']'"
        case .badComparison(let found):
            return "expected a comparison (≈, ~, <, >, <=, >=) after the name, found '\(found)'"
        case .badExpectedValue(let text):
            return "'\(text)' is not a number to compare with"

        case .noCorpus(let command):
            return "'\(command)' needs a text: run 'load PATH' (or 'load builtin rhyme') first"
        case .noModel(let command):
            return "'\(command)' needs a model: run 'init' first (after 'load')"
        case .nothingRecorded(let name, let command):
            return "'\(name)' is recorded by a forward pass and there has been none yet: run '\(command)' first"
        case .unknownName(let name, let suggestion):
            return "unknown name '\(name)'" + Self.hint(suggestion) + (suggestion == nil ? " (type 'help names')" : "")
        case .unknownBuiltin(let name, let available, let suggestion):
            return "no built-in corpus '\(name)'" + Self.hint(suggestion) + "; available: " + available.joined(separator: ", ")
        case .subscriptOutOfRange(let name, let axis, let index, let size):
            return "index \(index) is out of range for the \(axis) of \(name) (valid: 0 to \(size - 1), or −\(size) to −1)"
        case .badRange(let name, let axis, let start, let end, let size):
            return "range \(start):\(end) selects nothing of the \(size) \(axis) of \(name)"
        case .tooManySubscripts(let name, let given, let allowed):
            return "\(name) takes at most \(allowed) subscript\(allowed == 1 ? "" : "s"), not \(given)"
        case .notACharacterAxis(let name, let axis):
            return "the \(axis) of \(name) are not characters: index them by number"
        case .characterNotInVocabulary(let name, let character):
            return "'\(character)' is not in the vocabulary, so \(name) has no entry for it"
        case .notAScalar(let name, let rows, let columns):
            return "'\(name)' is \(rows)×\(columns), not a single number: add a subscript such as \(name)[0, 0]"
        case .expectationFailed(let name, let actual, let comparison, let expected, let tolerance):
            let formattedActual = NumberFormat.general(actual, significant: 10)
            let formattedExpected = NumberFormat.general(expected, significant: 10)
            let wanted = comparison == .approximately
                ? "≈ \(formattedExpected) (±\(NumberFormat.general(tolerance, significant: 3)))"
                : "\(comparison.rawValue) \(formattedExpected)"
            return "expectation failed: \(name) is \(formattedActual), expected \(wanted)"
        case .unknownHelpTopic(let topic, let suggestion):
            return "no help on '\(topic)'" + Self.hint(suggestion) + " (type 'help' for the list)"
        case .stepOutOfWindow(let step, let steps):
            return "t=\(step) is outside the last window (t = 0 to \(steps - 1))"
        case .corpus(let error):
            return error.description
        case .model(let error):
            return error.description
        }
    }
}
