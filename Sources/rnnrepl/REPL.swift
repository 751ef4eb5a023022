@preconcurrency import CReadline
import RNNLanguage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The interactive loop: read a line with readline, run it, report, repeat.
struct REPL {
    var session: Session
    let console: Console
    let terminal: Terminal

    mutating func run() {
        let reader = LineReader()
        console.emit(.prose("rnnrepl \(rnnreplVersion): a character-level RNN from scratch.\n"
            + "Type 'help' for commands; 'load builtin rhyme' then 'init' to begin."))
        var lastStep: String?
        while true {
            completionSession = session
            _ = console.takeInterrupt()
            guard let line = reader.readLine(prompt: "rnn> ") else {
                terminal.write("\n")
                return
            }
            if reader.lineWasCancelled { continue }
            var source = line
            if Runner.isBlank(line) {
                guard let step = lastStep else { continue }
                source = step  // Enter repeats the last step, as in gdb
            } else {
                reader.remember(line)
                lastStep = Runner.isStep(line) ? line : nil
            }
            session.baseDirectory = nil
            // A check typed at the prompt answers, passing or not.
            let quiet = session.showsPassingChecks
            session.showsPassingChecks = true
            let outcome = Runner.run(source, fileName: nil, session: &session, console: console)
            session.showsPassingChecks = quiet
            if outcome == .quit { return }
        }
    }
}

/// The session completion looks at (readline calls back into plain C functions).
nonisolated(unsafe) var completionSession = Session()
nonisolated(unsafe) private var completionMatches: [String] = []
nonisolated(unsafe) private var completionIndex = 0
nonisolated(unsafe) private var cancelledLine = false

/// GNU readline with history in ~/.rnnrepl_history (the last 1000 lines) and tab completion.
final class LineReader {
    static let historyLimit: Int32 = 1000
    let historyPath: String?

    init() {
        historyPath = getenv("HOME").map { String(cString: $0) + "/.rnnrepl_history" }
        rl_readline_name = strdup("rnnrepl").map { UnsafePointer($0) }
        rl_catch_signals = 0          // our SIGINT handler raises a flag; the event hook acts on it
        rl_event_hook = { () -> Int32 in
            if interruptFlag.exchange(0, ordering: .relaxed) == 1 {
                cancelledLine = true
                rl_replace_line("", 0)
                rl_done = 1
            }
            return 0
        }
        rl_completer_word_break_characters = strdup(" \t\n;").map { UnsafePointer($0) }
        rl_variable_bind("show-all-if-ambiguous", "on")  // list the choices at the first Tab
        rl_attempted_completion_function = { text, start, end in
            let line = rl_line_buffer.map { String(cString: $0) } ?? ""
            switch completions(line: line, cursor: Int(end), session: completionSession) {
            case .files:
                return nil  // readline's own file-name completion
            case .words(let words):
                rl_attempted_completion_over = 1
                if words.isEmpty { return nil }
                // After "key=" the value follows directly: no space.
                if words.count == 1 && words[0].hasSuffix("=") { rl_completion_append_character = 0 }
                completionMatches = words
                return rl_completion_matches(text) { _, state in
                    if state == 0 { completionIndex = 0 }
                    guard completionIndex < completionMatches.count else { return nil }
                    completionIndex += 1
                    return strdup(completionMatches[completionIndex - 1])
                }
            }
        }
        using_history()
        stifle_history(Self.historyLimit)
        if let historyPath { read_history(historyPath) }
    }

    /// True when the last `readLine` was ended by Ctrl-C.
    var lineWasCancelled: Bool { cancelledLine }

    func readLine(prompt: String) -> String? {
        cancelledLine = false
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        if cancelledLine { writeAll(STDOUT_FILENO, "\n") }
        return String(cString: raw)
    }

    /// Adds a line to the history (not a repeat of the previous one) and saves it.
    func remember(_ line: String) {
        let previous = history_length > 0 ? history_get(history_base + history_length - 1).map { String(cString: $0.pointee.line) } : nil
        guard previous != line else { return }
        add_history(line)
        if let historyPath {
            write_history(historyPath)
        }
    }
}
