import RNNLanguage
import RNNRendering
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the process is connected to, and the style that follows from it.
struct Terminal {
    let inputIsTerminal = isatty(STDIN_FILENO) == 1
    let outputIsTerminal = isatty(STDOUT_FILENO) == 1
    let errorIsTerminal = isatty(STDERR_FILENO) == 1
    let style: TextStyle

    /// Unicode and colour only when standard output is a terminal whose TERM is not "dumb" and
    /// --no-color was not given (then plain ASCII); NO_COLOR turns off the colour only.
    init(forceNoColor: Bool) {
        let noColor = getenv("NO_COLOR").map { String(cString: $0) }.map { !$0.isEmpty } ?? false
        let dumb = getenv("TERM").map { String(cString: $0) } == "dumb"
        let unicode = isatty(STDOUT_FILENO) == 1 && !dumb && !forceNoColor
        style = TextStyle(unicode: unicode, color: unicode && !noColor)
    }

    func write(_ text: String) { writeAll(STDOUT_FILENO, text) }

    func writeError(_ text: String) { writeAll(STDERR_FILENO, text) }
}

/// Writes all of `text` to a file descriptor (unbuffered, so stdout and stderr interleave in order).
func writeAll(_ descriptor: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { buffer in
            Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        }
        if written < 0 {
            if errno == EINTR { continue }
            return  // a closed pipe: nothing more to say
        }
        offset += written
    }
}

/// `text` without ANSI escape sequences (ESC [ … letter).
func withoutEscapes(_ text: String) -> String {
    var result = String.UnicodeScalarView()
    var inEscape = false
    for scalar in text.unicodeScalars {
        if inEscape {
            if (0x40 ... 0x7E).contains(scalar.value) && scalar != "[" { inEscape = false }
        } else if scalar == "\u{1B}" {
            inEscape = true
        } else {
            result.append(scalar)
        }
    }
    return String(result)
}

/// Set by SIGINT (Ctrl-C), cleared by whoever acts on it.
let interruptFlag = Atomic<Int>(0)

/// Ctrl-C only raises a flag: a long command stops between two steps, the prompt clears its
/// line. A second Ctrl-C before the first was acted on ends the program (exit code 130).
func installInterruptHandler() {
    var action = sigaction()
    #if canImport(Glibc)
    action.__sigaction_handler.sa_handler = { _ in
        if interruptFlag.exchange(1, ordering: .relaxed) == 1 { _exit(130) }
    }
    #else
    action.__sigaction_u.__sa_handler = { _ in
        if interruptFlag.exchange(1, ordering: .relaxed) == 1 { _exit(130) }
    }
    #endif
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0  // no SA_RESTART: a blocked read returns so readline can look at the flag
    sigaction(SIGINT, &action, nil)
    // A parent may have started us with SIGINT blocked; Ctrl-C must still reach the handler.
    var mask = sigset_t()
    sigemptyset(&mask)
    sigaddset(&mask, SIGINT)
    sigprocmask(SIG_UNBLOCK, &mask, nil)
}

/// The interpreter's output on the real terminal: results on stdout, errors and timing on
/// stderr, a tqdm-style bar redrawn in place when both are terminals.
final class TerminalConsole: Console {
    let terminal: Terminal
    private var lastDraw = -1.0
    private var drawnWidth = 0

    init(terminal: Terminal) {
        self.terminal = terminal
    }

    func write(_ text: String) {
        clearProgressLine()
        terminal.write(text)
    }

    func writeError(_ text: String) {
        clearProgressLine()
        // Colour is chosen for standard output; keep its escapes out of a redirected stderr.
        terminal.writeError(terminal.errorIsTerminal ? text : withoutEscapes(text))
    }

    var showsProgress: Bool { terminal.outputIsTerminal && terminal.errorIsTerminal }
    /// Someone is watching and can press Enter: both ends are terminals.
    var isInteractive: Bool { terminal.inputIsTerminal && terminal.outputIsTerminal }

    func progress(_ state: ProgressState) {
        let time = now()
        guard time - lastDraw >= 0.1 || state.done == state.total else { return }
        lastDraw = time
        let line = formatProgress(state, style: terminal.style)
        drawnWidth = line.count
        writeAll(STDERR_FILENO, "\r" + line + "\u{1B}[K")
    }

    func finishProgress() {
        if drawnWidth > 0 { writeAll(STDERR_FILENO, "\n") }
        drawnWidth = 0
        lastDraw = -1
    }

    /// Text written while a bar is showing starts on a clean line (the bar is redrawn later).
    private func clearProgressLine() {
        if drawnWidth > 0 {
            writeAll(STDERR_FILENO, "\r\u{1B}[K")
            drawnWidth = 0
            lastDraw = -1
        }
    }

    func waitForEnter() {
        terminal.write(terminal.style.paint("[press Enter to continue]", .dim))
        _ = readLine()
    }

    func takeInterrupt() -> Bool {
        interruptFlag.exchange(0, ordering: .relaxed) == 1
    }

    func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
