import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage
import RNNRendering

/// Issue 12: held-out text, training by the clock, the best checkpoint kept.
@Suite struct ValidationTests {
    static let setup = "load builtin story validation=0.2\ninit hidden=16 seq=10 lr=0.1 seed=2"

    @Test func loadHoldsOutTheLastFractionAndKeepsTheWholeVocabulary() {
        var session = Session()
        let result = run("load builtin story validation=0.2", &session)
        #expect(result.outcome == .completed)
        #expect(result.output.replacingOccurrences(of: "\n  ", with: " ").contains("held out for validation: the last 227 characters (19.9%, from character 911); training"
            + " reads the first 911 characters; the vocabulary is the whole text's"))
        let corpus = session.corpus!
        #expect(corpus.trainingCount == 911 && corpus.validationRange == 911 ..< 1138)
        #expect(corpus.vocabulary.count == 27)
        // Training never reads the held-out part: windows wrap before it.
        var trained = RNNLanguageTests.session(after: Self.setup + "\ntrain 200 print-every=1000")
        #expect(trained.trainer!.position <= 911)
        #expect(run("expect step ≈ 200", &trained).outcome == .completed)
    }

    /// evaluate reads the held-out text once from h = 0: the same as score on that text.
    @Test(arguments: CellKind.allCases)
    func evaluateIsScoreOnTheHeldOutText(cell: CellKind) {
        var session = session(after: Self.setup + " cell=\(cell.rawValue)\ntrain 100 print-every=1000")
        #expect(run("evaluate", &session).outcome == .completed)
        let corpus = session.corpus!
        let text = corpus.text(in: corpus.validationRange!)
        #expect(run("score \(quoted(text))", &session).outcome == .completed)
        #expect(session.trainer!.validationHistory.last!.loss == session.lastScore!.lossPerCharacter)
        #expect(session.trainer!.validationHistory.last!.step == 100)
    }

    @Test func trainingEvaluatesSavesTheBestAndRestoringItGivesTheBestLossBack() throws {
        let folder = try TemporaryFolder()
        var session = session(after: Self.setup)
        let result = run("train 300 eval-every=50 best=\(folder.path)/best.json checkpoint=\(folder.path)/last.json", &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        let output = result.output.replacingOccurrences(of: "\n  ", with: " ")
        let history = session.trainer!.validationHistory
        #expect(history.map(\.step) == [50, 100, 150, 200, 250, 300])
        let best = session.trainer!.bestValidation!
        #expect(output.contains("val " + NumberFormat.fixed(best.loss, decimals: 4) + " per char (best, saved to"))
        #expect(output.contains("best validation loss " + NumberFormat.fixed(best.loss, decimals: 4)
            + " per char at step \(best.step)"))

        var restored = Session()
        #expect(run("restore \(folder.path)/best.json", &restored).outcome == .completed)
        #expect(restored.trainer!.stepCount == best.step)
        #expect(restored.corpus!.validationRange == session.corpus!.validationRange)
        #expect(run("expect val-loss ≈ \(best.loss) tol=0", &restored).outcome == .completed)
        // The weights are those of the best step: evaluating them again gives the same loss.
        #expect(run("evaluate", &restored).outcome == .completed)
        #expect(restored.trainer!.validationHistory.last!.loss == best.loss)

        // The last checkpoint continues bit for bit.
        var resumed = Session()
        #expect(run("restore \(folder.path)/last.json", &resumed).outcome == .completed)
        run("train 100 print-every=1000", &session)
        run("train 100 print-every=1000", &resumed)
        #expect(resumed.trainer!.parameters == session.trainer!.parameters)
        #expect(resumed.trainer!.validationHistory == session.trainer!.validationHistory)
    }

    @Test func trainingByTheClockStopsBetweenTwoSteps() {
        // A fake clock: every reading advances one second.
        var session = session(after: Self.setup)
        let console = CapturingConsole()
        console.tick = 1
        let outcome = Runner.run("train 5s", fileName: nil, session: &session, console: console)
        #expect(outcome == .completed)
        // Readings at 1 (start), then 2, 3, 4, 5 before steps; at 6 the 5 s are up.
        #expect(session.trainer!.stepCount == 4, "\(console.output)")
        #expect(console.output.contains("trained 4 steps (1 to 4) in 6.00 s"), "\(console.output)")
        #expect(console.errors.contains("4 steps in 6.00 s"))
    }

    static let badInput: [(setup: String, command: String, message: String, column: Int)] = [
        ("", "load builtin story validation=0", "validation=0 is not allowed: validation must be a fraction strictly between 0 and 1", 31),
        ("", "load builtin story validation=1", "validation=1 is not allowed", 31),
        ("", "load builtin story validation=-0.2", "validation=-0.2 is not allowed", 31),
        ("", "load builtin story validation=0.999",
         "the training part of 'builtin story' would have 2 characters, fewer than one window needs (seq + 1 = 21)", 31),
        ("", "load builtin story validation=0.01",
         "the held-out part of 'builtin story' would have 11 characters, fewer than one window needs (seq + 1 = 21)", 31),
        ("load builtin story\ninit hidden=4 seq=8", "evaluate", "'evaluate' needs held-out text and none is set aside", 1),
        ("load builtin story\ninit hidden=4 seq=8", "train 10 eval-every=5", "needs held-out text", 1),
        (setup, "train 10 eval-every=0", "eval-every=0 is not allowed", 21),
        (setup, "train 0s", "'0s' is not a time to train for", 7),
        (setup, "train -5m", "'-5m' is not a time to train for", 7),
        (setup, "train 10x", "'10x' is not a time to train for", 7),
        (setup, "train 100 best=b.json", "best= saves at evaluations, and there are none without eval-every=", 16),
        (setup, "train 100 eval-every=10 best=/nonexistent/folder/b.json",
         "cannot save to '/nonexistent/folder/b.json': its folder '/nonexistent/folder': No such file or directory", 30),
        (setup, "train 100 eval-every=10 checkpoint=/dev/null",
         "cannot save to '/dev/null': it is a character device, not a regular file", 36),
        (setup, "show val-loss", "'val-loss' is the result of an evaluation and there has been none yet", 6),
        (setup, "score file=/no/such/file.txt", "cannot read '/no/such/file.txt': no such file", 12),
    ]

    @Test(arguments: 0 ..< badInput.count)
    func badInputIsRefusedBeforeAnythingChanges(index: Int) {
        let (setup, command, message, column) = Self.badInput[index]
        var session = setup.isEmpty ? Session() : RNNLanguageTests.session(after: setup)
        let before = Fingerprint(session)
        let result = run(command, &session, fileName: "v.rnn")
        #expect(result.outcome == .syntaxError || result.outcome == .runtimeError)
        #expect(result.errors.hasPrefix("v.rnn:1:\(column): error: "), "\(result.errors)")
        #expect(result.errors.replacingOccurrences(of: "\n  ", with: " ").contains(message), "\(result.errors)")
        #expect(Fingerprint(session) == before, "nothing changed, no step was taken")
    }

    @Test func aUnigramBaselineFromTheTrainingText() {
        let session = session(after: "load builtin story validation=0.2")
        let baseline = UnigramBaseline(corpus: session.corpus!)
        // Recomputed here: the entropy of the training text's character frequencies.
        let text = Array(BuiltinCorpus.text(named: "story")!.unicodeScalars.prefix(911))
        var counts: [Unicode.Scalar: Int] = [:]
        for scalar in text { counts[scalar, default: 0] += 1 }
        let entropy = counts.values.reduce(0.0) { $0 - Double($1) / 911 * log(Double($1) / 911) }
        #expect(abs(baseline.entropy - entropy) < 1e-12)
        #expect(baseline.validationLoss! > entropy - 0.5 && baseline.validationLoss! < entropy + 0.5)
    }

    /// Ctrl-C during `evaluate` of a long held-out text stops it and changes nothing, on the
    /// teaching cells and on the batched network.
    @Test(arguments: ["init cell=lstm hidden=8 seq=10", "init cell=gru hidden=8 seq=10 layers=2 batch=2"])
    func ctrlCStopsAnEvaluation(model: String) throws {
        let folder = try TemporaryFolder()
        let text = String(repeating: "the fox and the crow sat on a branch and talked of cheese. ", count: 200)
        let path = try folder.write("long.txt", text: text)
        var session = session(after: "load \(path) validation=0.5\n\(model)")
        let before = Fingerprint(session)
        let console = CapturingConsole()
        console.interruptAfterChecks = 1
        let outcome = Runner.run("evaluate", fileName: "test.rnn", session: &session, console: console)
        #expect(outcome == .interrupted, "\(console.output)")
        #expect(console.output == "interrupted: nothing was evaluated\n")
        #expect(Fingerprint(session) == before)
    }
}
