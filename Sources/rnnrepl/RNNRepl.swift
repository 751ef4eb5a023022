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
        run time, 130 interrupted.
        """,
        version: rnnreplVersion)

    @Argument(help: "Scripts (.rnn) to run in order.")
    var scripts: [String] = []

    @Flag(name: .customShort("i"), help: "Stay interactive after the scripts and -e commands, with the same session.")
    var interactive = false

    @Option(name: .customShort("e"), help: ArgumentHelp("Commands to run (separated by ';'); may be repeated.", valueName: "commands"))
    var commands: [String] = []

    @Flag(name: .customLong("no-color"), help: "Plain ASCII output without colour, even on a terminal.")
    var noColor = false

    @Flag(help: "Compare each script's output with its golden transcript (expected/NAME.txt next to it).")
    var check = false

    @Flag(help: "With --check: rewrite the golden transcripts instead of comparing.")
    var update = false

    func validate() throws {
        if update && !check { throw ValidationError("--update only makes sense with --check") }
        if check && scripts.isEmpty { throw ValidationError("--check needs the scripts to check, e.g. --check lessons/*.rnn") }
        if check && (interactive || !commands.isEmpty) { throw ValidationError("--check runs scripts only (no -i, no -e)") }
    }

    func run() throws {
        if check {
            throw ExitCode(GoldenCheck(update: update).run(scripts: scripts))
        }
        let terminal = Terminal(forceNoColor: noColor)
        let console = TerminalConsole(terminal: terminal)
        installInterruptHandler()
        var session = Session(style: terminal.style)

        // Scripts, then -e commands; with -i a failure skips the rest and goes interactive.
        var failed: Int32?
        for path in scripts where failed == nil {
            guard let bytes = readFileBytes(path) else {
                terminal.writeError("rnnrepl: cannot read script '\(path)': \(String(cString: strerror(errno)))\n")
                throw ExitCode(64)
            }
            if let offset = firstInvalidUTF8Offset(bytes) {
                console.writeError(Diagnostic(.scriptNotUTF8(byteOffset: offset), at: nil)
                    .render(source: nil, fileName: path, style: session.style))
                throw ExitCode(65)
            }
            session.baseDirectory = directory(of: path)
            let outcome = Runner.run(String(decoding: bytes, as: UTF8.self), fileName: path, session: &session, console: console)
            if outcome == .quit { throw ExitCode(0) }
            if outcome != .completed { failed = outcome.exitCode }
        }
        session.baseDirectory = nil
        for (number, source) in commands.enumerated() where failed == nil {
            let name = commands.count == 1 ? "-e" : "-e#\(number + 1)"
            let outcome = Runner.run(source, fileName: name, session: &session, console: console)
            if outcome == .quit { throw ExitCode(0) }
            if outcome != .completed { failed = outcome.exitCode }
        }
        if let failed, !interactive { throw ExitCode(failed) }
        guard interactive || (scripts.isEmpty && commands.isEmpty) else { return }

        if terminal.inputIsTerminal {
            var repl = REPL(session: session, console: console, terminal: terminal)
            repl.run()
        } else {
            // A pipe: each line runs as it arrives, with no prompt; the first failure ends it.
            var lineNumber = 0
            while let line = readLine(strippingNewline: true) {
                lineNumber += 1
                // Pad with empty lines so that messages name the line of the input.
                let source = String(repeating: "\n", count: lineNumber - 1) + line
                let outcome = Runner.run(source, fileName: "<stdin>", session: &session, console: console)
                if outcome == .quit { break }
                if outcome != .completed { throw ExitCode(outcome.exitCode) }
            }
        }
    }
}

/// The folder part of a path ("" for a bare file name).
func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// A whole UTF-8 text file, or nil (errno says why).
func readTextFile(_ path: String) -> String? {
    readFileBytes(path).map { String(decoding: $0, as: UTF8.self) }
}

/// A whole file's bytes, or nil (errno says why).
func readFileBytes(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count > 0 { bytes.append(contentsOf: buffer[0 ..< count]) }
        if count < buffer.count {
            if ferror(file) != 0 { return nil }
            break
        }
    }
    return bytes
}
