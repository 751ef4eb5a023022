import RNNRendering

/// A console that shows everything on another console (the terminal, or a transcript being
/// checked) and records the same blocks on a notebook page as they come: one source of
/// output, two renderings. The console it forwards to sees exactly the calls it would see
/// without the page, so the terminal's output, the transcripts and the exit codes do not
/// change.
///
///     let page = PageRecording()
///     let console = HTMLConsole(showingOn: terminalConsole, recordingOn: page)
///     page.beginSection("lessons/05-exploding-vanishing.rnn")
///     Runner.run(source, fileName: …, session: &session, console: console)
///     let html = page.page.document(generator: "rnnrepl " + rnnreplVersion)
public final class HTMLConsole: Console {
    /// Where everything is shown.
    public let inner: Console
    /// Where the page is recorded (shared by the consoles of several scripts of one page).
    public let recording: PageRecording

    public init(showingOn inner: Console, recordingOn recording: PageRecording) {
        self.inner = inner
        self.recording = recording
    }

    public func emit(_ block: Block, width: Int?) {
        recording.page.add(block, width: width)
        inner.emit(block, width: width)
    }

    public func emitError(_ block: Block) {
        recording.page.addStandardError(block)
        inner.emitError(block)
    }

    public func progress(_ state: ProgressState) { inner.progress(state) }
    public func finishProgress() { inner.finishProgress() }
    public var showsProgress: Bool { inner.showsProgress }
    public var isInteractive: Bool { inner.isInteractive }
    public func waitForEnter() -> Bool { inner.waitForEnter() }
    public func takeInterrupt() -> Bool { inner.takeInterrupt() }
    public func now() -> Double { inner.now() }
    public var pageWidth: Int { inner.pageWidth }
}

/// A page being recorded (a class, so that the consoles of the scripts of one run write to
/// the same page).
public final class PageRecording {
    public var page = HTMLPage()

    public init() {}

    /// A new source starts (a script's path, "-e", "interactive session").
    public func beginSection(_ name: String) { page.beginSection(name) }

    /// The page, with the program's name and version in its header.
    public func document() -> String { page.document(generator: "rnnrepl " + rnnreplVersion) }
}
