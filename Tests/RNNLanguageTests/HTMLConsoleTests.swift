import Foundation
import Testing
import TestSupport
@testable import RNNLanguage
import RNNRendering

/// A page is recorded from the same blocks the transcript renders, without changing them.
@Suite struct HTMLConsoleTests {
    static let script = """
    echo "A LESSON IN BRIEF"
    echo ""
    echo "Prose with <markup> & \\"quotes\\"."
    load builtin hello
    init hidden=3 seq=4 lr=0.1 seed=5
    show W_hh
    show W_hh heatmap
    step 2
    expect step ≈ 2
    plot loss
    plot probs prime="he" top=3
    pause
    show nosuch

    """

    /// The console shown on is called exactly as it would be without the page.
    @Test func theTranscriptIsTheSameWithAPage() {
        var plainSession = Session(), recordedSession = Session()
        let plain = CapturingConsole()
        let outcome = Runner.run(Self.script, fileName: "brief.rnn", session: &plainSession, console: plain)
        let shown = CapturingConsole()
        let recording = PageRecording()
        recording.beginSection("brief.rnn")
        let recordedOutcome = Runner.run(Self.script, fileName: "brief.rnn", session: &recordedSession,
                                         console: HTMLConsole(showingOn: shown, recordingOn: recording))
        #expect(outcome == .runtimeError && recordedOutcome == outcome)
        #expect(shown.output == plain.output)
        #expect(shown.errors == plain.errors)
        #expect(shown.blocks.count == plain.blocks.count)
    }

    /// Every line of the page-styled transcript of text, matrices and errors is in the page's
    /// text; plots are SVG with the transcript's title; the failed command's error is there.
    @Test func thePageHoldsTheTranscriptsNumbers() throws {
        var session = Session()
        let recording = PageRecording()
        recording.beginSection("brief.rnn")
        let transcript = CapturingConsole(context: .page(width: nil))
        _ = Runner.run(Self.script, fileName: "brief.rnn", session: &session,
                       console: HTMLConsole(showingOn: transcript, recordingOn: recording))
        let html = recording.document()
        let text = try #require(pageText(html))
        var checked = 0
        for block in transcript.blocks {
            switch block {
            case .prose, .text, .matrix, .error:
                for line in renderText(block, context: .page(width: nil)).split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
                    #expect(text.contains(normalisingSpaces(HTML.visible(String(line)))), "\(line)")
                    checked += 1
                }
            case .plot(_, let layout):
                #expect(text.contains(normalisingSpaces(try #require(layout.options.title))))
            default:
                break
            }
        }
        for line in transcript.errors.split(separator: "\n") {
            #expect(text.contains(normalisingSpaces(String(line))), "\(line)")
            checked += 1
        }
        #expect(checked > 15)
        #expect(text.contains("error: unknown name 'nosuch'"))
        #expect(text.contains("Prose with <markup> & \"quotes\"."))
        #expect(html.contains("<title>A LESSON IN BRIEF</title>"))
        #expect(html.components(separatedBy: "<svg class=\"plot\"").count == 2)
        #expect(html.contains("<table class=\"heatmap\">") && html.contains("<table class=\"matrix\">") && html.contains("<table class=\"bars\">"))
        #expect(html.contains("<hr class=\"pause\"/>"))
        #expect(html.contains("<pre class=\"error\">"))
        #expect(html.contains("<meta name=\"generator\" content=\"rnnrepl \(rnnreplVersion)\"/>"))
    }

    /// `--check` records its pages through `Golden.transcript`: the transcript is unchanged.
    @Test func goldenTranscriptsAreTheSameWithAPage() {
        let recording = PageRecording()
        let without = Golden.transcript(of: Self.script, fileName: "brief.rnn", baseDirectory: ".")
        let with = Golden.transcript(of: Self.script, fileName: "brief.rnn", baseDirectory: ".", recordingOn: recording)
        #expect(with.output == without.output && with.errors == without.errors && with.outcome == without.outcome)
        #expect(recording.page.sections == ["brief.rnn"])
        #expect(recording.document().contains("<code>show W_hh</code>"))
    }

    /// Everything but the blocks is passed through to the console shown on.
    @Test func progressPausesAndInterruptsGoToTheConsoleShownOn() {
        let shown = CapturingConsole(context: RenderContext(style: .plain, width: 60))
        shown.interactive = true
        shown.enterPressed = false
        shown.interruptAfterChecks = 0
        let console = HTMLConsole(showingOn: shown, recordingOn: PageRecording())
        #expect(console.isInteractive && !console.waitForEnter())
        #expect(console.takeInterrupt())
        #expect(console.pageWidth == 60 && console.showsProgress == shown.showsProgress)
        let before = shown.now()
        #expect(console.now() > before)
    }
}
