import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage
import RNNRendering

@Suite struct InterpreterTests {
    static let setup = "load builtin rhyme\ninit hidden=8 seq=6 lr=0.1\nstep 2\n"

    @Test func loadPrintsSizeAndVocabulary() {
        var session = Session()
        let result = run("load builtin hello", &session)
        #expect(result.outcome == .completed)
        #expect(result.output == """
        loaded builtin hello: 12 characters (12 bytes of UTF-8), 1 byte each in memory
        vocabulary: 9 characters, sorted by code point (index character)
           0 '\\n'     1 ' '      2 'd'      3 'e'      4 'h'      5 'l'      6 'o'      7 'r'
           8 'w'

        """)
        #expect(session.corpus?.count == 12)
    }

    @Test func initDescribesTheModel() {
        var session = session(after: "load builtin rhyme")
        let result = run("init hidden=8 seq=6 whh=orthogonal scale=0.5 carry=off", &session)
        #expect(result.output == """
        model: rnn, V=24 H=8 T=6, 480 parameters
          W_xh 24x8 randn*0.01, W_hh 8x8 orthogonal*0.5, W_hy 8x24 randn*0.01, b_h 1x8 zeros, b_y 1x24 zeros
          adagrad, lr 0.01, clip value 5, seed 1; smooth loss starts at ln 24 = 3.1781 per char
          article bug on: carry=off: every window starts from h = 0

        """)
        #expect(session.trainer?.config.initialization.recurrent == .orthogonal)
    }

    @Test func stepsPrintLossAndPosition() {
        var session = session(after: "load builtin rhyme\ninit hidden=8 seq=6 lr=0.1")
        let result = run("step 3", &session)
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("step      1  loss 19.0") && lines[0].hasSuffix("p 0"))
        #expect(lines[2].hasSuffix("p 12"))
        #expect(session.trainer?.stepCount == 3)
    }

    @Test func setChangesTrainingAtOnceAndShapeAtTheNextInit() {
        var session = session(after: Self.setup)
        let result = run("set lr=0.5 hidden=4 precision=2", &session)
        #expect(result.output == "lr = 0.5\nhidden = 4  (takes effect at the next init)\nprecision = 2\n")
        #expect(session.trainer?.config.learningRate == 0.5)
        #expect(session.trainer?.config.hiddenSize == 8)
        run("init", &session)
        #expect(session.trainer?.config.hiddenSize == 4)
    }

    @Test func configListsEverySetting() {
        var session = session(after: Self.setup)
        run("set hidden=4", &session)
        let output = run("config", &session).output
        for key in SettingKey.allCases { #expect(output.contains("\n" + key.rawValue + " ")) }
        #expect(output.contains("8 (next init: 4)"))
    }

    @Test func showSlicesAndLabelsCharacters() {
        var session = session(after: Self.setup)
        let whh = run("show W_hh[0:2, 0:3]", &session).output
        let p = session.trainer!.parameters.matrix(named: "W_hh")!
        #expect(whh.hasPrefix("W_hh[0:2, 0:3]  2x3\n"))
        #expect(whh.contains(NumberFormat_fixed(p[1, 2])))
        let row = run("show W_xh['t']", &session).output
        #expect(row.hasPrefix("W_xh['t']  1x8  (rows: characters)\n"))
        let index = session.trainer!.vocabulary.index(of: "t")!
        #expect(row.contains(NumberFormat_fixed(session.trainer!.parameters.matrix(named: "W_xh")![index, 7])))
        #expect(run("show h[-1]", &session).output.hasPrefix("h[-1]  1x1"))
    }

    @Test func showStatsAndHeatmap() {
        var session = session(after: Self.setup)
        #expect(run("show dW_hh stats", &session).output.contains("  norm    "))
        #expect(run("show W_hh heatmap", &session).output.contains("heatmap"))
        #expect(run("show mW_hy stats", &session).outcome == .completed)
    }

    @Test func showTheRecordedWindow() {
        var session = session(after: Self.setup)
        let x = run("show x", &session).output
        #expect(x.hasPrefix("x  6x24  (one-hot inputs x_t)\n"))
        #expect(run("show p", &session).output.contains("probabilities p_t"))
        #expect(run("show a stats", &session).outcome == .completed)
        #expect(run("show dhnorm", &session).output.hasPrefix("dhnorm  1x6"))
        #expect(run("show data", &session).output.hasPrefix("next window: characters 12 to 17 (p = 12)\n"))
        #expect(run("show vocab", &session).output.hasPrefix("vocabulary: 24 characters"))
        #expect(run("show loss", &session).output.contains("smooth loss"))
    }

    @Test func scalarsForExpect() {
        var session = session(after: Self.setup)
        let trainer = session.trainer!
        let loss = trainer.lastReport!.loss
        // A check that passes is silent, unless the session shows them (--show-checks, the REPL).
        #expect(run("expect step ≈ 2", &session).output == "")
        session.showsPassingChecks = true
        #expect(run("expect step ≈ 2", &session).output == "check: step = 2 ~ 2 (tol 1e-06)  OK\n")
        session.showsPassingChecks = false
        #expect(run("expect loss-per-char ≈ \(loss / 6) tol=1e-12; expect smooth-loss-per-char < 4", &session).outcome == .completed)
        #expect(run("expect recent-loss-per-char ≈ \(trainer.lossesPerCharacter.suffix(100).reduce(0, +) / Double(min(100, trainer.stepCount))) tol=1e-12",
                    &session).outcome == .completed)
        #expect(run("expect loss ≈ \(loss) tol=1e-12", &session).outcome == .completed)
        #expect(run("expect smooth-loss < 20; expect pointer ≈ 12; expect params ≈ 480", &session).outcome == .completed)
        #expect(run("expect W_hh[0, 0] ≈ \(trainer.parameters.matrix(named: "W_hh")![0, 0]) tol=0", &session).outcome == .completed)
    }

    @Test func aFailedExpectationStopsTheScript() {
        var session = session(after: Self.setup)
        let result = run("expect step ≈ 3\necho \"not reached\"", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.output.isEmpty)
        #expect(result.errors.hasPrefix("test.rnn:1:8: error: expectation failed: step is 2, expected ~ 3 (+/-1e-06)"))
    }

    @Test func sampleIsDeterministicAndAdvancesItsStream() {
        var a = session(after: Self.setup), b = session(after: Self.setup)
        let first = run("sample 40", &a).output
        #expect(first == run("sample 40", &b).output)
        #expect(run("sample 40", &a).output != first)  // the stream moved on
        #expect(run("sample 40 seed=5", &a).output == run("sample 40 seed=5", &b).output)
        let primed = run("sample 10 prime=\"the c\" temperature=0", &a).output
        #expect(primed.hasPrefix("--- sample: 10 characters, temperature 0, from \"the c\" ---\nthe c"))
    }

    @Test func scoreReportsPerplexity() {
        var session = session(after: Self.setup)
        let output = run("score \"the cat sat\"", &session).output
        #expect(output.hasPrefix("score of \"the cat sat\": loss "))
        #expect(output.contains("over 10 predictions"))
        let expected = RNNCore.score(cell: session.trainer!.cell, parameters: session.trainer!.parameters,
                                     text: try! session.trainer!.vocabulary.encode("the cat sat").get())
        #expect(abs(session.lastScore!.loss - expected.loss) == 0)
    }

    @Test func gradCheckPassesOnEveryParameter() {
        var session = session(after: "load builtin rhyme\ninit hidden=5 seq=4 sigma=0.3 whh=random scale=0.5")
        let output = run("grad-check", &session).output
        #expect(output.contains("all 5 parameters pass"))
        #expect(session.lastGradientCheck!.passed)
        #expect(run("expect grad-check < 1e-6", &session).outcome == .completed)
    }

    /// "9 of 9 entries" listed 8 and "… 1 more": one line either way, so the entry is shown.
    @Test(arguments: [(3, "W_hh", 9, 9), (4, "W_hh", 16, 8)])
    func gradCheckElidesOnlyTwoOrMoreEntries(hidden: Int, name: String, entries: Int, listed: Int) {
        var session = session(after: "load builtin rhyme\ninit hidden=\(hidden) seq=4")
        let output = run("grad-check \(name)", &session).output
        #expect(output.contains("\(name)  \(hidden)x\(hidden): \(entries) of \(entries) entries"), "\(output)")
        let rows = output.split(separator: "\n").filter { $0.hasPrefix("  [") }
        #expect(rows.count == listed, "\(output)")
        #expect(output.contains("more") == (listed < entries), "\(output)")
        if listed < entries { #expect(output.contains("  ... \(entries - listed) more\n")) }
    }

    @Test func trainLogsAndSamples() {
        var session = session(after: "load builtin rhyme\ninit hidden=8 seq=6 lr=0.1")
        let console = CapturingConsole()
        let outcome = Runner.run("train 20 sample-every=10 sample-length=5", fileName: nil, session: &session, console: console)
        #expect(outcome == .completed)
        #expect(console.output.split(separator: "\n").filter { $0.hasPrefix("step ") }.count == 10)
        #expect(console.output.contains("--- sample at step 10 ---"))
        #expect(console.output.contains("trained 20 steps (1 to 20): loss "))
        #expect(console.errors.hasPrefix("20 steps in "))
        #expect(session.trainer?.stepCount == 20)
    }

    @Test func ctrlCStopsTrainingBetweenStepsAndKeepsProgress() {
        var session = session(after: "load builtin rhyme\ninit hidden=8 seq=6 lr=0.1")
        let console = CapturingConsole()
        console.interruptAfterChecks = 7
        let outcome = Runner.run("train 1000\necho \"not reached\"", fileName: nil, session: &session, console: console)
        #expect(outcome == .interrupted)
        #expect(session.trainer?.stepCount == 7)
        #expect(session.trainer?.lossHistory.count == 7)
        #expect(console.output.contains("interrupted after 7 of 1000 steps (step 7)"))
        #expect(!console.output.contains("not reached"))
    }

    @Test func plots() {
        var session = session(after: "load builtin rhyme\ninit hidden=8 seq=6 lr=0.1\ntrain 30 print-every=100")
        #expect(run("plot loss width=40 height=6", &session).output.hasPrefix("loss per character at each step (the window's loss / T)\n"))
        #expect(run("plot grad-norms", &session).output.contains("t=5 "))
        let bars = run("plot probs top=3", &session).output.split(separator: "\n")
        #expect(bars.count == 5)
        #expect(bars.last!.hasSuffix("(a bar of 52 # would be 1)"), "probabilities are drawn on a fixed scale from 0 to 1")
    }

    @Test func tracesShowEveryEquation() {
        var session = session(after: "load builtin hello\ninit hidden=3 seq=4 lr=0.1")
        let trace = run("step trace", &session).output
        for piece in ["=== step 1 ===", "x_0 = 'h' (index 4): one-hot, so x_0@W_xh is row 4 of W_xh, a lookup",
                      "h_-1@W_hh", "a_0 (their sum)", "h_0 = tanh(a_0)", "p_0 = softmax(z_0)", "loss_0 = -log",
                      "dy_3 = p_3 - onehot('o')", "dh_raw = (1 - h_3^2) .* dh_3", "dh_next = dh_raw@W_hh^T",
                      "clip each entry to [-5, 5]", "update (adagrad, lr 0.1)", "smooth loss"] {
            #expect(trace.contains(piece), "missing: \(piece)")
        }
        #expect(run("forward trace", &session).output.contains("forward over characters 4 to 7"))
        #expect(run("backward trace", &session).output.contains("gradients of the window (not clipped, not applied)"))
    }

    @Test func helpForEveryCommand() {
        var session = Session()
        let overview = run("help", &session).output
        for spec in Help.commands {
            #expect(overview.contains("  " + spec.name + " "))
            // Lines longer than the page wrap at spaces, continuing two spaces further in.
            let text = run("help \(spec.name)", &session).output.replacingOccurrences(of: "\n  [", with: " [")
            #expect(text.hasPrefix(TextStyle.plain.text(spec.usage)), "\(text)")
            #expect(text.contains("Example: " + TextStyle.plain.text(spec.example)))
            // Every example parses.
            #expect(Parser.parse(spec.example).errors.isEmpty, "\(spec.example)")
        }
        #expect(run("help grammar", &session).output.contains("subscript"))
        #expect(run("help trian", &session).errors.contains("no help on 'trian'; did you mean 'train'?"))
    }

    @Test func quitEndsTheScript() {
        var session = Session()
        let result = run("echo a; quit; echo b", &session)
        #expect(result.outcome == .quit && result.output == "a\n")
    }

    @Test func loadingTheSameVocabularyKeepsTheModel() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("again.txt", text: BuiltinCorpus.text(named: "rhyme")!)
        var session = session(after: Self.setup)
        let before = session.trainer!.parameters
        let output = run("load \(path)", &session).output
        #expect(output.contains("the model is kept"))
        #expect(session.trainer!.parameters == before && session.trainer!.position == 0)
        #expect(run("load builtin hello", &session).output.contains("the model was dropped"))
        #expect(session.trainer == nil)
    }

    @Test func relativePathsFollowTheScript() throws {
        let folder = try TemporaryFolder()
        _ = try folder.write("tiny.txt", text: "abcabcabc")
        var session = Session()
        session.baseDirectory = folder.path
        #expect(run("load tiny.txt", &session).outcome == .completed)
        #expect(session.corpus?.source == folder.path + "/tiny.txt")
    }
}

/// The interpreter's fixed-point format for a value at the default precision.
func NumberFormat_fixed(_ x: Double) -> String {
    String(format: "%.4f", x == 0 ? 0 : x)
}

@Suite struct ReviewFindingsTests {
    @Test func aByteOrderMarkIsMentioned() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("bom.txt", bytes: [0xEF, 0xBB, 0xBF] + Array("abcabc".utf8))
        var session = Session()
        #expect(run("load \(path)", &session).output.replacingOccurrences(of: "\n  ", with: " ").hasPrefix(
            "loaded \(path): 6 characters (6 bytes of UTF-8, after a byte-order mark that was skipped)"))
    }

    @Test func aTextTooShortForTheModelSaysSo() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("short.txt", text: "helowrd \n")  // hello's 9 characters, once each
        var session = session(after: "load builtin hello\ninit hidden=3 seq=11")
        #expect(run("load \(path)", &session).output.contains(
            "the model was dropped: the text has 9 characters, fewer than one window needs (seq + 1 = 12)"))
    }

    @Test func ctrlCStopsALongSampleAndAGradientCheck() {
        var session = session(after: "load builtin rhyme\ninit hidden=8 seq=6")
        let console = CapturingConsole()
        console.interruptAfterChecks = 2
        #expect(Runner.run("sample 1000000", fileName: nil, session: &session, console: console) == .interrupted)
        #expect(console.output.contains("interrupted: the sample stops there"))
        let check = CapturingConsole()
        check.interruptAfterChecks = 3
        #expect(Runner.run("grad-check", fileName: nil, session: &session, console: check) == .interrupted)
        #expect(check.output.contains("interrupted: the entries above were checked"))
        #expect(session.lastGradientCheck?.complete == false)
    }

    @Test func backwardLastSaysWhichLossesAreLeftOut() {
        var session = session(after: "load builtin hello\ninit hidden=3 seq=4\nforward")
        let trace = run("backward last trace", &session).output
        #expect(trace.contains("dy_2 = 0"))
        #expect(trace.contains("loss_2 is left out ('backward last')"))
        #expect(trace.contains("dy_3 = p_3 - onehot('o')"))
    }

    @Test func changingSeqKeepsTheSmoothLossOnTheWindowsScale() {
        var session = session(after: "load builtin rhyme\ninit hidden=4 seq=10\nstep")
        let before = session.trainer!.smoothLoss
        run("set seq=5", &session)
        #expect(abs(session.trainer!.smoothLoss - before / 2) < 1e-12)
    }

    @Test func theHelpListFitsEightyColumns() {
        var session = Session()
        #expect(run("help", &session).output.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }

    @Test func divergedNumbersStayReadable() {
        var session = session(after: "load builtin rhyme\ninit optimizer=sgd lr=1e200 clip-mode=off hidden=8 seq=8")
        let output = run("step 4", &session).output
        #expect(output.split(separator: "\n").allSatisfy { $0.count < 120 }, "\(output)")
    }

    @Test func traceLinesWrapToTheWidth() {
        var session = session(after: "load builtin hello\ninit hidden=3 seq=4\nset width=60")
        #expect(run("forward trace", &session).output.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }
}
