import ArgumentParser
import RNNCore
import RNNLanguage
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The command line. Everything else happens in RNNLanguage; this only picks the inputs,
/// sets up the terminal and turns outcomes into exit codes.
@main
struct RNNRepl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rnnrepl",
        abstract: "A character-level RNN from scratch: an interactive notebook and script runner.",
        discussion: """
        With no arguments: an interactive REPL (or, when standard input is not a terminal, the commands \
        read from it, line by line). With scripts: runs them in order. Exit codes: 0 success, 1 a golden \
        transcript differs (--check), 64 usage error, 65 a script's syntax error, 70 a command failed at \
        run time, 74 the --html page could not be written (after a run that succeeded), 130 interrupted.
        """,
        version: rnnreplVersion)

    @Argument(help: "Scripts (.rnn) to run in order.")
    var scripts: [String] = []

    @Flag(name: .customShort("i"), help: "Stay interactive after the scripts and -e commands, with the same session.")
    var interactive = false

    @Option(name: .customShort("e"), help: ArgumentHelp("Commands to run (separated by ';'); may be repeated.", valueName: "commands"))
    var commands: [String] = []

    @Flag(name: .customLong("no-color"), help: "No colour on a terminal (Unicode symbols stay), as NO_COLOR does.")
    var noColor = false

    @Flag(help: "Plain ASCII without colour, even on a terminal (as on a pipe).")
    var ascii = false

    @Flag(name: .customLong("show-checks"), help: "Print a line for every 'expect' that passes (lessons check silently).")
    var showChecks = false

    @Option(help: ArgumentHelp("Characters per line (default: the terminal's width, or 100 on a pipe).", valueName: "N"))
    var width: Int?

    @Flag(help: "Compare each script's output with its golden transcript (expected/NAME.txt next to it).")
    var check = false

    @Flag(help: "With --check: rewrite the golden transcripts instead of comparing.")
    var update = false

    @Option(help: ArgumentHelp("""
        Also write the whole run as one self-contained web page: prose, each command in a code cell with its \
        output, plots as SVG (written when the run ends, also after an error, Ctrl-D or quit; with --check, \
        one page of all the checked scripts).
        """, valueName: "OUT.html"))
    var html: String?

    func validate() throws {
        if update && !check { throw ValidationError("--update only makes sense with --check") }
        if check && scripts.isEmpty { throw ValidationError("--check needs the scripts to check, e.g. --check lessons/*.rnn") }
        if check && (interactive || !commands.isEmpty) { throw ValidationError("--check runs scripts only (no -i, no -e)") }
        if let width, !(20 ... 1000).contains(width) { throw ValidationError("--width must be from 20 to 1000, not \(width)") }
        if let html, let problem = HTMLExport.problem(path: html, scripts: scripts,
                                                      goldenTranscripts: check ? scripts.map(Golden.expectedPath) : []) {
            throw ValidationError(problem.message)
        }
    }

    func run() throws {
        let export = html.map { HTMLExport(path: $0) }
        var status = check ? GoldenCheck(update: update, page: export?.recording).run(scripts: scripts)
            : runSession(recording: export?.recording)
        if let export, let problem = export.write() {
            writeAll(STDERR_FILENO, problem.message + "\n")
            if status == 0 { status = HTMLExport.writeFailedExitCode }
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Runs the scripts, the -e commands and the REPL (or standard input) as asked, recording
    /// a page too when `recording` is given; the exit code.
    func runSession(recording: PageRecording?) -> Int32 {
        let terminal = Terminal(ascii: ascii, noColor: noColor, width: width)
        let terminalConsole = TerminalConsole(terminal: terminal)
        let console: Console = recording.map { HTMLConsole(showingOn: terminalConsole, recordingOn: $0) } ?? terminalConsole
        installSignalHandlers()
        var session = Session()
        session.showsPassingChecks = showChecks

        // Scripts, then -e commands; with -i a failure skips the rest and goes interactive.
        var failed: Int32?
        for path in scripts where failed == nil {
            recording?.beginSection(path)
            let bytes: [UInt8]
            do {
                bytes = try readWholeFile(path, limit: ReadLimit.script, shouldStop: console.takeInterrupt)
            } catch .interrupted {
                return 130
            } catch {
                console.emitError(.error { _ in "rnnrepl: cannot read script '\(path)': \(error)\n" })
                return 64
            }
            if let offset = firstInvalidUTF8Offset(bytes) {
                console.emitError(.error { Diagnostic(.scriptNotUTF8(byteOffset: offset), at: nil)
                    .render(source: nil as SourceText?, fileName: path, style: $0.style, width: $0.width) })
                return 65
            }
            session.baseDirectory = directory(containing: path)
            // A leading byte-order mark is skipped, as load and restore skip it.
            let text = String(decoding: bytes[byteOrderMarkLength(bytes)...], as: UTF8.self)
            let outcome = Runner.run(text, fileName: path, session: &session, console: console)
            if outcome == .quit { return 0 }
            if outcome != .completed { failed = outcome.exitCode }
        }
        session.baseDirectory = nil
        if !commands.isEmpty && failed == nil { recording?.beginSection("-e commands") }
        for (number, source) in commands.enumerated() where failed == nil {
            let name = commands.count == 1 ? "-e" : "-e#\(number + 1)"
            let outcome = Runner.run(source, fileName: name, session: &session, console: console)
            if outcome == .quit { return 0 }
            if outcome != .completed { failed = outcome.exitCode }
        }
        if let failed, !interactive { return failed }
        guard interactive || (scripts.isEmpty && commands.isEmpty) else { return 0 }

        if terminal.inputIsTerminal {
            recording?.beginSection("interactive session")
            var repl = REPL(session: session, console: console, terminal: terminal)
            repl.run()
            return 0
        }
        // A pipe: each line runs as it arrives, with no prompt; the first failure ends it.
        recording?.beginSection("standard input")
        let lines = LineInput(descriptor: STDIN_FILENO, limit: ReadLimit.line)
        while true {
            let line: String?
            do {
                line = try lines.next(shouldStop: console.takeInterrupt)
            } catch .interrupted {
                return 130
            } catch {
                console.emitError(.error { _ in "rnnrepl: <stdin>:\(lines.lineNumber + 1): \(error)\n" })
                return 65
            }
            guard let line else { return 0 }
            let outcome = Runner.run(line, fileName: "<stdin>", firstLine: lines.lineNumber, session: &session, console: console)
            if outcome == .quit { return 0 }
            if outcome != .completed { return outcome.exitCode }
        }
    }
}

/// Lines of a file descriptor (standard input from a pipe), read as they arrive and each at
/// most `limit` bytes, so that `rnnrepl < /dev/zero` ends with a message instead of filling
/// memory.
final class LineInput {
    let descriptor: Int32
    let limit: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false
    /// The number of the last line returned.
    private(set) var lineNumber = 0

    init(descriptor: Int32, limit: Int) {
        self.descriptor = descriptor
        self.limit = limit
    }

    /// The next line without its "\n" (a final line without one counts too), nil at the end.
    /// A byte-order mark at the start of the input is skipped.
    func next(shouldStop: () -> Bool) throws(ReadFailure) -> String? {
        while true {
            if lineNumber == 0 && start == 0 && (buffer.count >= 3 || ended) {
                start = byteOrderMarkLength(buffer)
            }
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[start ..< newline], as: UTF8.self)
                start = newline + 1
                lineNumber += 1
                return line
            }
            if buffer.count - start > limit { throw .lineTooLong(limit: limit) }
            if ended {
                guard start < buffer.count else { return nil }
                let line = String(decoding: buffer[start...], as: UTF8.self)
                start = buffer.count
                lineNumber += 1
                return line
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let got = try readSome(descriptor, into: &chunk, waiting: true, shouldStop: shouldStop)
            if got == 0 { ended = true } else { buffer.append(contentsOf: chunk[0 ..< got]) }
        }
    }
}

/// A whole UTF-8 text file (at most `ReadLimit.script` bytes), or the reason it cannot be read.
func readTextFile(_ path: String) -> Result<String, ReadFailure> {
    do {
        let bytes = try readWholeFile(path, limit: ReadLimit.script)
        return .success(String(decoding: bytes[byteOrderMarkLength(bytes)...], as: UTF8.self))
    } catch {
        return .failure(error)
    }
}
