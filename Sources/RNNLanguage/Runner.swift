import RNNRendering

/// How running a source (a script, a line, `-e`) ended.
public enum RunOutcome: Equatable, Sendable {
    case completed
    case quit
    /// Found before running: nothing was run.
    case syntaxError
    /// A command failed: the commands before it ran, the rest did not.
    case runtimeError
    case interrupted

    /// The documented exit code: 0 success, 65 syntax error, 70 run-time error, 130 interrupted.
    public var exitCode: Int32 {
        switch self {
        case .completed, .quit: 0
        case .syntaxError: 65
        case .runtimeError: 70
        case .interrupted: 130
        }
    }
}

/// The one entry point shared by scripts, `-e`, piped input and the REPL: parse everything,
/// report every syntax error (running nothing), else run the commands in order until one fails.
public enum Runner {
    public static func run(_ source: String, fileName: String?, session: inout Session, console: Console) -> RunOutcome {
        let parsed = Parser.parse(source)
        if !parsed.errors.isEmpty {
            for error in parsed.errors {
                console.writeError(error.render(source: source, fileName: fileName, style: session.style))
            }
            return .syntaxError
        }
        for command in parsed.commands {
            do {
                switch try Interpreter.execute(command, session: &session, console: console) {
                case .completed: continue
                case .quit: return .quit
                case .interrupted: return .interrupted
                }
            } catch {
                console.writeError(error.render(source: source, fileName: fileName, style: session.style))
                return .runtimeError
            }
        }
        return .completed
    }

    /// True when `line` holds nothing but spaces and comments (the REPL repeats `step` then).
    public static func isBlank(_ line: String) -> Bool {
        line.trimmingCharacters(in: " \t\r\n").isEmpty
    }

    /// True when `line` is a `step` command (the one Enter on an empty line repeats).
    public static func isStep(_ line: String) -> Bool {
        let parsed = Parser.parse(line)
        guard parsed.errors.isEmpty, parsed.commands.count == 1, case .step = parsed.commands[0].kind else { return false }
        return true
    }
}

extension String {
    func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters)
        var start = startIndex, end = endIndex
        while start < end && set.contains(self[start]) { start = index(after: start) }
        while end > start && set.contains(self[index(before: end)]) { end = index(before: end) }
        return String(self[start ..< end])
    }
}
