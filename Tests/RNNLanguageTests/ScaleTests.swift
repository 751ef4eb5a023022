import Foundation
import Testing
import TestSupport
@testable import RNNCore
@testable import RNNLanguage

/// Issue 13: batches, layers, dropout, float32 and threads, through the commands.
@Suite struct ScaleTests {
    static let cells = ["rnn", "lstm", "gru"]

    @Test(arguments: cells)
    func gradCheckPassesWithTwoLayersAndThreeStreamsInFloat64(cell: String) {
        var session = session(after: "load builtin story\ninit cell=\(cell) layers=2 batch=3 hidden=5 seq=4 lr=0.05\nstep 3")
        let result = run("grad-check", &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        #expect(result.output.hasPrefix("checked on the first of the 3 streams"), "\(result.output.prefix(200))")
        #expect(result.output.contains("W_xh@2") || result.output.contains("W_xi@2") || result.output.contains("W_xr@2"))
        #expect(!result.output.contains("FAIL"), "\(result.output)")
        #expect((session.lastGradientCheck?.parameters.map(\.worstRelativeError).max() ?? 1) < 1e-6)
        // Every parameter of both layers was checked (rows the window cannot change aside).
        #expect(session.lastGradientCheck?.parameters.count == session.trainer?.parameters.layout.entries.count)
    }

    @Test func dropoutIsOffForTheCheckAndTheReportSaysWhy() {
        var session = session(after: "load builtin story\ninit cell=lstm layers=2 hidden=5 seq=4 dropout=0.5\nstep 2")
        let result = run("grad-check", &session)
        #expect(result.output.contains("dropout off (p = 0.5 would make the loss a random function: no derivative to compare)"))
        #expect(!result.output.contains("FAIL"), "\(result.output)")
    }

    /// The same script with 1, 2 and 3 threads: the same numbers, bit for bit.
    @Test(arguments: ["lstm", "gru", "rnn"])
    func theThreadCountChangesNoNumber(cell: String) {
        func trained(_ threads: Int) -> Trainer {
            session(after: "load builtin story\ninit cell=\(cell) layers=2 batch=5 hidden=20 seq=9 dropout=0.2 dtype=float32 "
                + "optimizer=adam lr=0.01 threads=\(threads)\ntrain 15").trainer!
        }
        let one = trained(1)
        for threads in [2, 3] {
            let other = trained(threads)
            #expect(other.parameters == one.parameters && other.lossHistory == one.lossHistory
                    && other.hiddenState == one.hiddenState, "\(threads) threads")
        }
    }

    @Test(arguments: cells)
    func float32AndFloat64AgreeOnOneStep(cell: String) {
        func stepped(_ dtype: String) -> Trainer {
            session(after: "load builtin story\ninit cell=\(cell) layers=2 batch=4 hidden=16 seq=10 sigma=0.3 dtype=\(dtype)\nstep")
                .trainer!
        }
        let single = stepped("float32"), double = stepped("float64")
        // float32 keeps 24 bits: the loss (a sum of 10 terms per stream) to about 1e-6, each gradient
        // to about 1e-4 of the largest.
        let loss32 = single.lossHistory[0], loss64 = double.lossHistory[0]
        #expect(abs(loss32 - loss64) <= 1e-5 * loss64, "\(loss32) vs \(loss64)")
        let scale = double.gradients.values.map(abs).max()!
        let worst = zip(single.gradients.values, double.gradients.values).map { abs($0 - $1) }.max()! / scale
        #expect(worst < 1e-4, "worst gradient difference \(worst) of the largest")
    }

    @Test func oneStreamOneLayerInFloat64IsTheTeachingCell() {
        let trainer = session(after: "load builtin story\ninit cell=lstm hidden=8 seq=6 layers=1 batch=1 dtype=float64").trainer!
        #expect(trainer.network == nil)
        #expect(trainer.parameters.layout == ParameterLayout.lstm(vocabularySize: 27, hiddenSize: 8))
    }

    /// save after 12 steps, restore, 12 more: the same as 24 in one go, with every new setting on.
    @Test(arguments: ["lstm", "gru"])
    func saveAndRestoreResumeExactly(cell: String) throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/run.json"
        let setup = "load builtin story validation=0.1\ninit cell=\(cell) layers=2 batch=3 hidden=10 seq=7 dropout=0.25 "
            + "dtype=float32 optimizer=rmsprop lr=0.004 warmup=4 decay=cosine decay-steps=20 lr-min=0.0005"
        var first = session(after: setup + "\ntrain 12\nsave \(path)")
        _ = run("train 12", &first)
        var resumed = Session()
        let result = run("restore \(path)\ntrain 12", &resumed)
        #expect(result.outcome == .completed, "\(result.errors)")
        let a = first.trainer!, b = resumed.trainer!
        #expect(a.parameters == b.parameters && a.optimizer == b.optimizer && a.hiddenState == b.hiddenState
                && a.lossHistory == b.lossHistory && a.dropoutGenerator.state == b.dropoutGenerator.state)
        #expect(b.config.layers == 2 && b.config.batchSize == 3 && b.config.precision == .float32 && b.config.dropout == 0.25)
    }

    static let story = "load builtin story"

    /// Every layer's parameters, gradients and moments can be shown by their @l names.
    @Test(arguments: ["lstm", "gru", "rnn"])
    func everyLayersNamesCanBeShown(cell: String) throws {
        var session = session(after: "load builtin story\ninit cell=\(cell) layers=3 batch=2 hidden=4 seq=5 optimizer=adam\nstep")
        let trainer = try #require(session.trainer)
        for entry in trainer.parameters.layout.entries {
            for prefix in ["", "d", "m", "v"] {
                let result = run("show \(prefix)\(entry.name) stats", &session)
                #expect(result.outcome == .completed, "\(prefix)\(entry.name): \(result.errors)")
                #expect(result.output.hasPrefix("\(prefix)\(entry.name)"), "\(result.output)")
            }
        }
    }

    static let badInput: [(setup: String, command: String, message: String)] = [
        (story, "init batch=0", "batch=0 is not allowed: batch must be a whole number >= 1"),
        (story, "init layers=0", "layers=0 is not allowed: layers must be a whole number >= 1"),
        (story, "init dropout=1", "dropout=1 is not allowed: dropout must be a number from 0 up to (not including) 1"),
        (story, "init dropout=-0.1", "dropout=-0.1 is not allowed"),
        (story, "init threads=0", "threads=0 is not allowed: threads must be a whole number from 1 to 1024, or auto"),
        (story, "init dtype=float16", "dtype=float16 is not allowed: dtype must be one of float64, float32"),
        (story, "init batch=200 seq=10", "with 200 streams, each reads 5 characters of 'builtin story', fewer than one window needs (seq + 1 = 11)"),
        (story, "init layers=40 hidden=20000", "this model needs about"),
        (story, "init warmup=-1", "warmup=-1 is not allowed: warmup must be a whole number >= 0"),
        (story, "init decay=linear", "decay=linear is not allowed: decay must be one of constant, cosine, step"),
        (story, "init decay-factor=0", "decay-factor=0 is not allowed: decay-factor must be a number above 0 and at most 1"),
        (story + "\ninit", "set batch=200 seq=10", "with 200 streams, each reads 5 characters"),
        // An unknown name on a network model: the suggestions list its names (this used to trap).
        (story + "\ninit cell=lstm layers=2 batch=3 hidden=4\nstep", "show W_hi@3", "'W_hi@3': this model has 2 layers, @1 to @2 (layer 3 does not exist)"),
        (story + "\ninit cell=lstm hidden=4", "show dW_hy@1", "'dW_hy@1': this model has one layer, whose names have no @ (dW_hy)"),
        (story + "\ninit cell=lstm layers=2 hidden=4", "show c@2", "'c@2': 'c' holds every layer's state, a row per layer: layer 2 is row 1, 'c[1, :]'"),
        (story + "\ninit cell=gru layers=2 hidden=4\nstep", "show h@2", "'h@2': 'h' holds every layer's state, a row per layer: layer 2 is row 1, 'h[1, :]'"),
    ]

    @Test(arguments: 0 ..< badInput.count)
    func badInputIsRefusedAndChangesNothing(index: Int) {
        let (setup, command, message) = Self.badInput[index]
        var session = session(after: setup)
        let before = Fingerprint(session)
        let result = run(command, &session)
        #expect(result.outcome != .completed)
        #expect(result.errors.contains(message), "\(result.errors)")
        #expect(Fingerprint(session) == before, "the session changed")
    }
}
