import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage

/// Every bad input: the message, where it points, and that the session was left as it was.
@Suite struct ErrorCatalogueTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let setup: String
        let command: String
        let message: String
        let column: Int
        let syntax: Bool
        var testDescription: String { command }
    }

    static let trained = "load builtin rhyme\ninit hidden=8 seq=6 lr=0.1\nstep 2"

    static let cases: [Case] = [
        Case(setup: trained, command: "stpe 3", message: "unknown command 'stpe'; did you mean 'step'?", column: 1, syntax: true),
        Case(setup: trained, command: "init hiden=3", message: "'init' has no option 'hiden'; did you mean 'hidden'?", column: 6, syntax: true),
        Case(setup: trained, command: "init lr=", message: "option 'lr' needs a value: write lr=VALUE", column: 8, syntax: true),
        Case(setup: trained, command: "init lr=abc", message: "lr=abc is not allowed: lr must be a finite number > 0", column: 9, syntax: true),
        Case(setup: trained, command: "set lr=1e999", message: "lr=1e999 is not allowed: lr must be a finite number > 0", column: 8, syntax: true),
        Case(setup: trained, command: "init hidden=-3", message: "hidden=-3 is not allowed: hidden must be a whole number >= 1", column: 13, syntax: true),
        Case(setup: trained, command: "init hidden=0", message: "hidden=0 is not allowed: hidden must be a whole number >= 1", column: 13, syntax: true),
        Case(setup: trained, command: "init seq=0", message: "seq=0 is not allowed: seq must be a whole number >= 1", column: 10, syntax: true),
        Case(setup: trained, command: "echo \"abc", message: "unterminated string: add the closing quote before the end of the line", column: 6, syntax: true),
        Case(setup: trained, command: "init hidden=100000000",
             message: "this model needs about 426.3 PB of memory (426.3 PB for its weights", column: 6, syntax: false),
        Case(setup: "load builtin rhyme", command: "init seq=5000",
             message: "'builtin rhyme' has 613 characters; one training window needs 5001 (seq + 1): lower seq or use a longer text",
             column: 6, syntax: false),
        Case(setup: trained, command: "set seq=5000",
             message: "'builtin rhyme' has 613 characters; one training window needs 5001 (seq + 1)", column: 5, syntax: false),
        Case(setup: "", command: "init", message: "'init' needs a text: run 'load PATH' (or 'load builtin rhyme') first", column: 1, syntax: false),
        Case(setup: "", command: "step", message: "'step' needs a text: run 'load PATH' (or 'load builtin rhyme') first", column: 1, syntax: false),
        Case(setup: "load builtin rhyme", command: "step 3", message: "'step' needs a model: run 'init' first (after 'load')", column: 1, syntax: false),
        Case(setup: "load builtin rhyme", command: "sample", message: "'sample' needs a model: run 'init' first (after 'load')", column: 1, syntax: false),
        Case(setup: "load builtin rhyme", command: "show W_hh", message: "'show' needs a model: run 'init' first (after 'load')", column: 6, syntax: false),
        Case(setup: "load builtin rhyme\ninit", command: "show p",
             message: "'p' comes from the recorded window and there is none (none yet, or cleared when seq changed): run 'step' or 'forward' first", column: 6, syntax: false),
        Case(setup: trained, command: "show W_h", message: "unknown name 'W_h'; did you mean 'W_hh'?", column: 6, syntax: false),
        Case(setup: trained, command: "show W_hh[0:100]", message: "index 100 is out of range for the rows of W_hh (valid: 0 to 7, or -8 to -1)", column: 11, syntax: false),
        Case(setup: trained, command: "show W_hh[2, 8]", message: "index 8 is out of range for the columns of W_hh (valid: 0 to 7, or -8 to -1)", column: 14, syntax: false),
        Case(setup: trained, command: "show h[1, 2]", message: "h takes at most 1 subscript, not 2", column: 11, syntax: false),
        Case(setup: trained, command: "show W_hh['a']", message: "the rows of W_hh are not characters: index them by number", column: 11, syntax: false),
        Case(setup: trained, command: "show W_xh['z']", message: "'z' is not in the vocabulary, so W_xh has no entry for it", column: 11, syntax: false),
        Case(setup: trained, command: "expect W_hh ≈ 1", message: "'W_hh' is 8x8, not a single number: select one entry, e.g. W_hh[0, 0]", column: 8, syntax: false),
        Case(setup: trained, command: "sample prime=\"xyz\"", message: "the prime has 'x' at position 0, which is not in the vocabulary", column: 14, syntax: false),
        Case(setup: trained, command: "score \"a\"", message: "the text has 1 character; at least 2 are needed", column: 7, syntax: false),
        Case(setup: trained, command: "load builtin rhyms", message: "no built-in corpus 'rhyms' (did you mean 'rhyme'?); the built-in corpora are hello, abc, counting, rhyme, story", column: 14, syntax: false),
        Case(setup: trained, command: "load /nonexistent/file.txt", message: "cannot read '/nonexistent/file.txt': no such file", column: 6, syntax: false),
        Case(setup: trained, command: "load /tmp", message: "cannot read '/tmp': it is a directory, not a file", column: 6, syntax: false),
        Case(setup: trained, command: "grad-check W_hx", message: "unknown name 'W_hx'; did you mean 'W_xh'?", column: 12, syntax: false),
        Case(setup: trained, command: "plot probs t=99", message: "t=99 is outside the last window (t = 0 to 5)", column: 1, syntax: false),
        Case(setup: trained, command: "backward",
             message: "backward needs a forward pass made with the current weights, and the last 'step' changed them after its forward pass: run 'forward' first",
             column: 1, syntax: false),
        Case(setup: trained, command: "plot runs", message: "no loss curves have been kept yet: train, then 'keep NAME'", column: 1, syntax: false),
        // A limit at or below 0 on a log scale was silently ignored.
        Case(setup: trained, command: "plot loss log=on ymin=0",
             message: "ymin=0 cannot be drawn on a log scale, which shows values above 0 only: give ymin a value above 0, or leave out log=on",
             column: 23, syntax: true),
        Case(setup: trained, command: "plot run-norms ymax=-1",
             message: "ymax=-1 cannot be drawn on a log scale, which shows values above 0 only ('plot run-norms' is always on a log scale): give ymax a value above 0",
             column: 21, syntax: true),
        Case(setup: trained, command: "show grad-check", message: "there has been no gradient check yet: run 'grad-check' first", column: 6, syntax: false),
        Case(setup: "load builtin rhyme\ninit optimizer=sgd", command: "show mW_hh",
             message: "sgd keeps no memory, so there is no 'mW_hh'", column: 6, syntax: false),
        Case(setup: trained, command: "show vW_hh", message: "adagrad keeps no memory, so there is no 'vW_hh'", column: 6, syntax: false),
        Case(setup: trained, command: "expect vocab ≈ 9", message: "'vocab' is a block of text, not a number; did you mean 'vocab-size'?", column: 8, syntax: false),
        Case(setup: trained, command: "expect W_hh[0] ≈ 1", message: "'W_hh[0]' is 1x8, not a single number: select one entry, e.g. W_hh[0]", column: 8, syntax: false),
        Case(setup: trained, command: "show vocab stats", message: "'vocab' is shown as text: it has no stats (show vocab alone)", column: 6, syntax: false),
        Case(setup: trained, command: "grad-check W_hh[0, 0]", message: "'grad-check' takes a parameter's name without a subscript", column: 17, syntax: true),
        Case(setup: "load builtin rhyme\ninit optimizer=sgd lr=1e307 clip-mode=off hidden=8 seq=8\nstep 2", command: "grad-check W_hh checks=2",
             message: "cannot check gradients: the loss of the window is", column: 1, syntax: false),
        Case(setup: trained, command: "load /dev/zero", message: "cannot read '/dev/zero': it is a character device, not a file", column: 6, syntax: false),
        Case(setup: trained, command: "forget adam", message: "no kept run is named 'adam' (none are kept)", column: 8, syntax: false),
        Case(setup: trained + "\nkeep adagrad", command: "forget adagrd",
             message: "no kept run is named 'adagrd'; did you mean 'adagrad'? (kept: adagrad)", column: 8, syntax: false),
        // Gated cells.
        Case(setup: trained, command: "init cell=gru forget-bias=2",
             message: "forget-bias applies only to cell=lstm, and this init makes a gru: leave forget-bias out, or add cell=lstm",
             column: 15, syntax: false),
        Case(setup: trained, command: "init cell=lstn", message: "cell=lstn is not allowed: cell must be one of rnn, lstm, gru; did you mean 'cell=lstm'?",
             column: 11, syntax: true),
        Case(setup: trained, command: "init forget-bias=nan", message: "forget-bias=nan is not allowed: forget-bias must be a finite number",
             column: 18, syntax: true),
        Case(setup: gatedLSTM, command: "show W_hh",
             message: "'W_hh' belongs to cell=rnn, and this model is an lstm (help show lists each cell's names)", column: 6, syntax: false),
        Case(setup: gatedGRU, command: "show c", message: "'c' belongs to cell=lstm, and this model is a gru", column: 6, syntax: false),
        Case(setup: trained, command: "show dW_hn", message: "'dW_hn' belongs to cell=gru, and this model is an rnn", column: 6, syntax: false),
        Case(setup: trained, command: "expect r > 0", message: "'r' belongs to cell=gru, and this model is an rnn", column: 8, syntax: false),
        Case(setup: gatedGRU, command: "show W_xz", message: "unknown name 'W_xz'; did you mean 'W_xu'?", column: 6, syntax: false),
        Case(setup: gatedLSTM, command: "show dW_hc", message: "unknown name 'dW_hc'; did you mean 'dW_hg'?", column: 6, syntax: false),
        Case(setup: "load builtin rhyme\ninit cell=lstm", command: "show f",
             message: "'f' comes from the recorded window and there is none", column: 6, syntax: false),
        Case(setup: "load builtin rhyme\nset cell=lstm", command: "show f", message: "'show' needs a model", column: 6, syntax: false),
    ]

    static let gatedLSTM = "load builtin rhyme\ninit cell=lstm hidden=6 seq=6 lr=0.1\nstep 2"
    static let gatedGRU = "load builtin rhyme\ninit cell=gru hidden=6 seq=6 lr=0.1\nstep 2"

    @Test(arguments: cases)
    func badInputIsReportedAndChangesNothing(testCase: Case) {
        var session = Session()
        if !testCase.setup.isEmpty { session = RNNLanguageTests.session(after: testCase.setup) }
        let before = Fingerprint(session)
        let result = run(testCase.command, &session, fileName: "lesson.rnn")
        #expect(result.outcome == (testCase.syntax ? .syntaxError : .runtimeError))
        #expect(result.errors.hasPrefix("lesson.rnn:1:\(testCase.column): error: "), "\(result.errors)")
        #expect(result.errors.contains(testCase.message), "\(result.errors)")
        #expect(result.errors.contains("\n 1 | \(testCase.command)\n"))
        #expect(Fingerprint(session) == before)
    }

    @Test func fileErrorsFromTheCore() throws {
        let folder = try TemporaryFolder()
        let empty = try folder.write("empty.txt", bytes: [])
        let bad = try folder.write("bad.txt", bytes: [0x61, 0x62, 0xFF, 0x63])
        let single = try folder.write("aaa.txt", text: "aaaa")
        let expectations = [
            (empty, "'\(empty)' is empty: a corpus needs some text"),
            (bad, "'\(bad)' is not valid UTF-8: byte 0xFF at byte offset 2 does not start a valid character"),
            (single, "'\(single)' has 1 distinct character; a model needs at least 2 to predict anything"),
        ]
        for (path, message) in expectations {
            var session = RNNLanguageTests.session(after: Self.trained)
            let before = Fingerprint(session)
            let result = run("load \(path)", &session)
            #expect(result.outcome == .runtimeError)
            #expect(result.errors.contains(message), "\(result.errors)")
            #expect(Fingerprint(session) == before)
        }
    }

    /// A failed read was worded in three places, three ways ("'/tmp' is a directory, not a text
    /// file", "it is a directory"): load, score file= and restore now say the same.
    @Test(arguments: [("/nonexistent/x.txt", "no such file"), ("/tmp", "it is a directory, not a file"),
                      ("/dev/zero", "it is a character device, not a file")])
    func aFailedReadIsWordedTheSameEverywhere(path: String, reason: String) {
        var session = RNNLanguageTests.session(after: Self.trained)
        #expect(run("load \(path)", &session).errors.contains("cannot read '\(path)': \(reason)\n"))
        #expect(run("score file=\(path)", &session).errors.contains("cannot read '\(path)': \(reason)\n"))
        #expect(run("restore \(path)", &session).errors.contains("cannot read the checkpoint '\(path)': \(reason)\n"))
    }

    @Test func aDivergingStepIsRefusedAndTheModelKept() {
        // lr = 1e308: Adagrad's first update moves every weight by about 1e308, so the logits of
        // the second forward pass overflow to ±∞ and the loss is NaN.
        var session = RNNLanguageTests.session(after: "load builtin rhyme\ninit hidden=8 seq=6 lr=1e308\nstep")
        let before = Fingerprint(session)
        let result = run("step 3", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.errors.contains("step 2 refused: the loss is NaN (the weights diverged); parameters are unchanged: "
            + "lower the learning rate (now 1e+308) or clip harder"), "\(result.errors)")
        #expect(Fingerprint(session) == before)
    }

    @Test func aSyntaxErrorAnywhereRunsNothing() {
        var session = Session()
        let result = run("load builtin rhyme\ninit\nstep 2\nshow W_hh[0:2\n", &session)
        #expect(result.outcome == .syntaxError)
        #expect(result.output.isEmpty)
        #expect(session.corpus == nil)
    }

    @Test func aRuntimeErrorKeepsWhatRanBefore() {
        var session = Session()
        let result = run("load builtin rhyme\ninit hidden=4 seq=4\nstep 2\nshow nothing\nstep", &session)
        #expect(result.outcome == .runtimeError)
        #expect(session.trainer?.stepCount == 2)
        #expect(result.errors.hasPrefix("test.rnn:4:6: error: unknown name 'nothing'"))
    }
}

@Suite struct RefusalKeepsTheRecordTests {
    @Test func aRefusedStepLeavesTheRecordedWindowAsItWas() {
        // lr = 1e307 with SGD and no clipping: the weights blow up and step 3's loss is not finite.
        var session = RNNLanguageTests.session(after: "load builtin rhyme\ninit optimizer=sgd lr=1e307 clip-mode=off hidden=8 seq=8\nstep 2")
        let before = Fingerprint(session)
        let beforeShow = run("show x; show loss", &session).output
        let result = run("step", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.errors.contains("step 3 refused"))
        #expect(Fingerprint(session) == before)
        #expect(run("show x; show loss", &session).output == beforeShow)
    }
}
