import RNNCore
import RNNLanguage
import RNNRendering
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the process is connected to, and the style and width that follow from it.
struct Terminal {
    let inputIsTerminal = isatty(STDIN_FILENO) == 1
    let outputIsTerminal = isatty(STDOUT_FILENO) == 1
    let errorIsTerminal = isatty(STDERR_FILENO) == 1
    let style: TextStyle
    /// `--width N`: fixed, whatever the terminal's size.
    let fixedWidth: Int?

    /// Unicode and colour when standard output is a terminal whose TERM is not "dumb"; plain
    /// ASCII elsewhere (pipes, files) and with --ascii. NO_COLOR (no-color.org) and --no-color
    /// turn the colour off and keep the Unicode symbols.
    init(ascii: Bool, noColor forceNoColor: Bool, width: Int?) {
        let noColor = forceNoColor || (getenv("NO_COLOR").map { String(cString: $0) }.map { !$0.isEmpty } ?? false)
        let dumb = getenv("TERM").map { String(cString: $0) } == "dumb"
        let unicode = isatty(STDOUT_FILENO) == 1 && !dumb && !ascii
        style = TextStyle(unicode: unicode, color: unicode && !noColor)
        fixedWidth = width
    }

    /// Characters per line now: `--width`, else the terminal's columns (asked each time, so a
    /// resized window is followed), else COLUMNS, else 80; a pipe or file keeps 100, the width
    /// of the golden transcripts.
    var width: Int {
        if let fixedWidth { return fixedWidth }
        guard outputIsTerminal else { return DisplaySettings.transcriptWidth }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 { return max(20, Int(size.ws_col)) }
        if let columns = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), columns > 0 { return max(20, columns) }
        return 80
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

/// Set by SIGINT (Ctrl-C), cleared by whoever acts on it.
let interruptFlag = Atomic<Int>(0)

/// Ctrl-C only raises a flag: a long command stops at its next safe point, the prompt clears
/// its line, a pause returns. A second Ctrl-C before the first was acted on ends the program
/// (exit code 130), removing a checkpoint's temporary file if one is being written. SIGTERM
/// and SIGHUP remove it too, then end the program as the signal would.
func installSignalHandlers() {
    prepareTemporaryFileCleanup()
    var action = sigaction()
    #if canImport(Glibc)
    action.__sigaction_handler.sa_handler = { _ in
        if interruptFlag.exchange(1, ordering: .relaxed) == 1 {
            removePendingTemporaryFile()
            _exit(130)
        }
    }
    #else
    action.__sigaction_u.__sa_handler = { _ in
        if interruptFlag.exchange(1, ordering: .relaxed) == 1 {
            removePendingTemporaryFile()
            _exit(130)
        }
    }
    #endif
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0  // no SA_RESTART: a blocked read returns so readline can look at the flag
    sigaction(SIGINT, &action, nil)

    var ending = sigaction()
    #if canImport(Glibc)
    ending.__sigaction_handler.sa_handler = { signal in
        removePendingTemporaryFile()
        Glibc.signal(signal, SIG_DFL)
        raise(signal)
    }
    #else
    ending.__sigaction_u.__sa_handler = { signal in
        removePendingTemporaryFile()
        Darwin.signal(signal, SIG_DFL)
        raise(signal)
    }
    #endif
    sigemptyset(&ending.sa_mask)
    ending.sa_flags = 0
    sigaction(SIGTERM, &ending, nil)
    sigaction(SIGHUP, &ending, nil)
    // A parent may have started us with these blocked; they must still reach their handlers.
    var mask = sigset_t()
    sigemptyset(&mask)
    sigaddset(&mask, SIGINT)
    sigaddset(&mask, SIGTERM)
    sigaddset(&mask, SIGHUP)
    sigprocmask(SIG_UNBLOCK, &mask, nil)
}

/// The interpreter's output on the real terminal: results on stdout, errors and timing on
/// stderr, a tqdm-style bar redrawn in place when both are terminals. Every block is rendered
/// when it arrives, for the terminal's style and its width at that moment.
final class TerminalConsole: Console {
    let terminal: Terminal
    private var lastDraw = -1.0
    private var barShowing = false

    init(terminal: Terminal) {
        self.terminal = terminal
    }

    var pageWidth: Int { terminal.width }

    func emit(_ block: Block, width: Int?) {
        let text = renderText(block, context: RenderContext(style: terminal.style, width: width ?? pageWidth))
        guard !text.isEmpty else { return }
        clearProgressLine()
        terminal.write(text)
    }

    func emitError(_ block: Block) {
        // Colour only when standard error is a terminal too (it may be redirected on its own).
        var style = terminal.style
        style.color = style.color && terminal.errorIsTerminal
        let text = renderText(block, context: RenderContext(style: style, width: pageWidth))
        clearProgressLine()
        terminal.writeError(text)
    }

    var showsProgress: Bool { terminal.outputIsTerminal && terminal.errorIsTerminal }
    /// Someone is watching and can press Enter: both ends are terminals.
    var isInteractive: Bool { terminal.inputIsTerminal && terminal.outputIsTerminal }

    func progress(_ state: ProgressState) {
        let time = now()
        guard time - lastDraw >= 0.1 || state.done == state.total else { return }
        lastDraw = time
        // The line leaves the last columns free (see formatProgress): it never wraps, not even
        // with the "^C" the terminal echoes after it.
        let line = formatProgress(state, width: pageWidth, style: terminal.style)
        barShowing = true
        writeAll(STDERR_FILENO, "\r" + line + "\u{1B}[K")
    }

    /// The bar is done: its line is cleared, so what follows (the summary, a sample) starts
    /// there and no stale bar is left above it.
    func finishProgress() {
        clearProgressLine()
    }

    /// Text written while a bar is showing starts on a clean line (the bar is redrawn later).
    private func clearProgressLine() {
        if barShowing {
            writeAll(STDERR_FILENO, "\r\u{1B}[K")
            barShowing = false
            lastDraw = -1
        }
    }

    /// Waits for Enter (or the end of the input). Ctrl-C interrupts the read (no SA_RESTART):
    /// then the pause answers false and the script stops, as Ctrl-C stops `train`.
    func waitForEnter() -> Bool {
        terminal.write(terminal.style.paint("[press Enter to continue]", .dim))
        var byte = [UInt8](repeating: 0, count: 1)
        while true {
            do {
                let got = try readSome(STDIN_FILENO, into: &byte, waiting: true, shouldStop: takeInterrupt)
                if got == 0 || byte[0] == UInt8(ascii: "\n") { return true }
            } catch {
                terminal.write("\n")
                return false
            }
        }
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
