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
/// report every syntax error (running nothing), else run the commands in order until one fails
/// or Ctrl-C stops them.
public enum Runner {
    /// Runs `source`. `firstLine` numbers its first line (a pipe's lines keep their numbers).
    public static func run(_ source: String, fileName: String?, firstLine: Int = 1, session: inout Session,
                           console: Console) -> RunOutcome {
        let text = SourceText(source, firstLine: firstLine)
        let parsed = Parser.parse(text)
        if !parsed.errors.isEmpty {
            for error in parsed.errors {
                console.emitError(.error { error.render(source: text, fileName: fileName, style: $0.style, width: $0.width) })
            }
            return .syntaxError
        }
        var index = 0
        while index < parsed.commands.count {
            let command = parsed.commands[index]
            // Ctrl-C during a quick command (an echo, a show) still stops the script here.
            if index > 0 && console.takeInterrupt() {
                console.emit(.plain("interrupted: the commands after it do not run\n"), width: nil)
                return .interrupted
            }
            // Consecutive echo lines are one piece of prose: a paragraph that can be re-flowed
            // as a whole when the page is narrower than its lines.
            if case .echo = command.kind {
                var lines: [String] = []
                while index < parsed.commands.count, case .echo(let line) = parsed.commands[index].kind {
                    lines.append(line)
                    index += 1
                }
                console.emit(.prose(lines.joined(separator: "\n")), width: session.display.width)
                continue
            }
            index += 1
            console.emit(.command(text.text(command.span)), width: nil)
            do {
                switch try Interpreter.execute(command, session: &session, console: console) {
                case .completed: continue
                case .quit: return .quit
                case .interrupted:
                    if index < parsed.commands.count {
                        console.emit(.plain("the commands after it do not run\n"), width: nil)
                    }
                    return .interrupted
                }
            } catch {
                console.emitError(.error { error.render(source: text, fileName: fileName, style: $0.style, width: $0.width) })
                return .runtimeError
            }
        }
        return .completed
    }

    /// True when `line` holds nothing but spaces and comments (the REPL repeats `step` then).
    public static func isBlank(_ line: String) -> Bool {
        line.allSatisfy(\.isWhitespace)
    }

    /// True when `line` is a `step` command (the one Enter on an empty line repeats).
    public static func isStep(_ line: String) -> Bool {
        let parsed = Parser.parse(line)
        guard parsed.errors.isEmpty, parsed.commands.count == 1, case .step = parsed.commands[0].kind else { return false }
        return true
    }
}
