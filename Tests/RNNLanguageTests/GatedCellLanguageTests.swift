import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage

/// LSTM and GRU through the command language: every command works for every cell.
@Suite struct GatedCellLanguageTests {
    @Test func initDescribesEveryMatrixAndTheState() {
        var session = Session()
        let result = run("load builtin hello\ninit cell=lstm hidden=4 seq=3 forget-bias=2", &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        #expect(result.output.hasSuffix("""
            model: lstm, V=9 H=4 T=3, 269 parameters
              W_xi W_xf W_xg W_xo 9x4 randn*0.01, W_hi W_hf W_hg W_ho 4x4 identity*0.01, W_hy 4x9 randn*0.01,
              b_i 1x4 zeros, b_f 1x4 all 2, b_g b_o 1x4 zeros, b_y 1x9 zeros
              state carried between windows: h and the cell state c (1x4 each)
              adagrad, lr 0.01, clip value 5, seed 1; smooth loss starts at ln 9 = 2.1972 per char

            """), "\(result.output)")
        // Four gates of W_x (9×4), W_h (4×4), b (1×4), then W_hy (4×9) and b_y (1×9): 224 + 36 + 9.
        #expect(session.trainer!.parameters.layout.count == 4 * (9 * 4 + 4 * 4 + 4) + 4 * 9 + 9)
        #expect(session.trainer!.parameters.matrix(named: "b_f")!.storage == [2, 2, 2, 2])
        #expect(session.trainer!.hiddenState.count == 8)
    }

    @Test func theForgetBiasMayBeNegative() {
        var session = Session()
        let result = run("load builtin hello\ninit cell=lstm hidden=3 seq=3 forget-bias=-1.5", &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        #expect(session.trainer!.parameters.matrix(named: "b_f")!.storage == [-1.5, -1.5, -1.5])
        #expect(result.output.contains("b_f 1x3 all -1.5"))
    }

    @Test(arguments: CellKind.allCases)
    func aGradientCheckOfNaNsFails(cell: CellKind) {
        // lr = 1e300 without clipping: the weights are huge, the loss is still finite, but the
        // numeric derivatives overflow to NaN. NaN must not pass as "below the tolerance".
        var session = RNNLanguageTests.session(after: "load builtin rhyme\ninit cell=\(cell.rawValue) optimizer=sgd lr=1e300 "
                                               + "clip-mode=off hidden=3 seq=5\nstep 5")
        let result = run("grad-check W_hy checks=2", &session)
        #expect(result.output.contains("worst relative error nan: FAIL"), "\(result.output)")
        #expect(result.output.hasSuffix("FAIL: W_hy\n"), "\(result.output)")
        #expect(session.lastGradientCheck?.passed == false)
    }

    @Test func settingTheForgetBiasForAnotherCellSaysItWaitsForAnLSTM() {
        var session = RNNLanguageTests.session(after: "load builtin hello\ninit cell=gru hidden=2 seq=2")
        #expect(run("set forget-bias=2", &session).output == "forget-bias = 2  (takes effect at the next init)  (used only by cell=lstm)\n")
        #expect(run("init cell=lstm", &session).output.contains("b_f 1x2 all 2"))
    }

    @Test(arguments: [(CellKind.lstm, 14), (.gru, 12)])
    func gradCheckPassesThroughTheInterpreter(cell: CellKind, parameters: Int) {
        var session = RNNLanguageTests.session(after: "load builtin rhyme\ninit cell=\(cell.rawValue) hidden=5 seq=6 sigma=0.3 lr=0.1\nstep 3")
        let result = run("grad-check", &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        #expect(result.output.hasSuffix("all \(parameters) parameters pass\n"), "\(result.output)")
        #expect(session.lastGradientCheck!.parameters.allSatisfy { $0.worstRelativeError < 1e-6 })
    }

    @Test func everyGateCanBeShown() {
        var lstm = RNNLanguageTests.session(after: "load builtin rhyme\ninit cell=lstm hidden=5 seq=6\nstep")
        for name in ["i", "f", "g", "o", "cs", "hs"] {
            let shown = run("show \(name)", &lstm)
            #expect(shown.outcome == .completed && shown.output.hasPrefix("\(name)  6x5"), "\(name): \(shown.output)\(shown.errors)")
        }
        #expect(run("show h", &lstm).output.hasPrefix("h  1x5"))
        #expect(run("show c", &lstm).output.hasPrefix("c  1x5"))
        // c carried = the last row of cs; h = o ⊙ tanh(c).
        let trainer = lstm.trainer!
        #expect(Array(trainer.hiddenState[5...]) == trainer.cell.recorded("cs", at: 5))
        var gru = RNNLanguageTests.session(after: "load builtin rhyme\ninit cell=gru hidden=5 seq=6\nstep")
        for name in ["r", "u", "n", "hn"] {
            #expect(run("show \(name)", &gru).output.hasPrefix("\(name)  6x5"))
        }
        #expect(run("show W_hn", &gru).output.hasPrefix("W_hn  5x5"))
        #expect(run("show W_xu['t']", &gru).outcome == .completed)
    }

    @Test(arguments: [CellKind.lstm, .gru])
    func aTraceShowsEveryGate(cell: CellKind) {
        var session = RNNLanguageTests.session(after: "load builtin hello\ninit cell=\(cell.rawValue) hidden=3 seq=2")
        let trace = run("step trace", &session).output
        let lines = cell == .lstm
            ? ["i_0 = sigma(x_0@W_xi + h_-1@W_hi + b_i)", "f_1 = sigma(x_1@W_xf + h_0@W_hf + b_f)", "g_0 = tanh(x_0@W_xg",
               "c_1 = f_1 .* c_0 + i_1 .* g_1", "h_1 = o_1 .* tanh(c_1)", "dc_1 = dc_next + dh_1 .* o_1 .* (1 - tanh^2(c_1))",
               "da_f = dc_0 .* c_-1 .* f_0(1 - f_0)", "dc_next = dc_0 .* f_0", "dh_next = sum_k da_k@W_hk^T",
               "e.g. W_h"]
            : ["r_0 = sigma(x_0@W_xr + h_-1@W_hr + b_r)", "hn_1 = h_0@W_hn + b_hn", "n_1 = tanh(x_1@W_xn + b_n + r_1 .* hn_1)",
               "h_1 = (1 - u_1) .* n_1 + u_1 .* h_0", "da_u = dh_1 .* (h_0 - n_1) .* u_1(1 - u_1)", "dhn = da_n .* r_1",
               "dW_hn += h_0^T@dhn", "e.g. W_h"]
        for line in lines { #expect(trace.contains(line), "missing \(line)") }
        // The trace's numbers are the recorded ones: h_1 as printed is the record's h_1.
        let h1 = session.trainer!.cell.hiddenState(at: 1)
        #expect(trace.contains(h1.map { (($0 < 0 ? "" : " ") + NumberFormatForTests.fixed4($0)) }.joined(separator: " ")))
    }

    @Test func theGradientProfileOfEveryCellCanBeKeptAndPlotted() {
        var session = Session()
        let script = ["rnn", "lstm", "gru"].map { cell in
            "init cell=\(cell) hidden=8 seq=30\nforward\nbackward last\nkeep \(cell)"
        }.joined(separator: "\n")
        let result = run("load builtin story\n" + script + "\nplot run-norms", &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        #expect(session.keptRuns.map(\.name) == ["rnn", "lstm", "gru"])
        #expect(session.keptRuns.allSatisfy { $0.gradientNorms?.count == 30 })
        // At the article's start (W_h* = 0.01·I) the vanilla gradient dies fastest going back.
        let first = session.keptRuns.map { $0.gradientNorms!.first! / $0.gradientNorms!.last! }
        #expect(first[0] < first[1] && first[0] < first[2], "\(first)")
    }

    @Test func forgetDropsKeptRuns() {
        var session = RNNLanguageTests.session(after: "load builtin rhyme\ninit hidden=4 seq=4\nstep 3\nkeep a\nkeep b\nkeep c")
        #expect(run("forget b", &session).output == "forgot 'b' (2 kept)\n")
        #expect(session.keptRuns.map(\.name) == ["a", "c"])
        #expect(completions(line: "forget ", cursor: 7, session: session) == .words(["a", "c"]))
        #expect(run("forget", &session).output == "forgot 2 kept runs\n")
        #expect(session.keptRuns.isEmpty)
    }

    @Test(arguments: [CellKind.lstm, .gru])
    func samplingAndScoringAreRepeatable(cell: CellKind) {
        let setup = "load builtin rhyme\ninit cell=\(cell.rawValue) hidden=8 seq=8 lr=0.05\ntrain 50 print-every=100"
        var a = RNNLanguageTests.session(after: setup), b = RNNLanguageTests.session(after: setup)
        #expect(run("sample 60 seed=3", &a).output == run("sample 60 seed=3", &b).output)
        #expect(run("score \"the cat sat\"", &a).output == run("score \"the cat sat\"", &b).output)
        #expect(a.trainer!.parameters == b.trainer!.parameters)
    }

    @Test func completionOffersTheGatesNames() {
        let session = RNNLanguageTests.session(after: "load builtin rhyme\ninit cell=lstm hidden=3 seq=3")
        #expect(completions(line: "show W_h", cursor: 8, session: session) == .words(["W_hf", "W_hg", "W_hi", "W_ho", "W_hy"]))
        #expect(completions(line: "init forget", cursor: 11, session: session) == .words(["forget-bias="]))
        #expect(completions(line: "init cell=", cursor: 10, session: session) == .words(["cell=gru", "cell=lstm", "cell=rnn"]))
    }
}

enum NumberFormatForTests {
    /// A value as the trace prints it at precision 4.
    static func fixed4(_ x: Double) -> String { String(format: "%.4f", x) }
}
