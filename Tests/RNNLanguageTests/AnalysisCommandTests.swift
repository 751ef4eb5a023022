import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage
@testable import RNNRendering

/// `highlight`, `find-neurons`, `saliency` and `plot states` through the interpreter.
@Suite struct AnalysisCommandTests {
    static let lstm = "load builtin rhyme\ninit cell=lstm hidden=8 seq=8 lr=0.1\nstep 3"
    static let gru = "load builtin rhyme\ninit cell=gru hidden=8 seq=8 lr=0.1\nstep 3"
    static let twoLayers = "load builtin rhyme\ninit cell=lstm hidden=8 seq=8 layers=2 lr=0.1\nstep 3"

    /// Every bad input: the message, where it points, whether it is found before anything runs,
    /// and that the session is as it was.
    static let badInput: [ErrorCatalogueTests.Case] = [
        .init(setup: lstm, command: "highlight h[8] \"the cat\"",
              message: "index 8 is out of range for the units of h (valid: 0 to 7, or -8 to -1)", column: 13, syntax: false),
        .init(setup: lstm, command: "highlight c[-9] \"the cat\"",
              message: "index -9 is out of range for the units of c (valid: 0 to 7, or -8 to -1)", column: 13, syntax: false),
        .init(setup: lstm, command: "highlight r[0] \"the cat\"", message: "'r' belongs to cell=gru, and this model is an lstm",
              column: 11, syntax: false),
        .init(setup: gru, command: "highlight c[0] \"the cat\"", message: "'c' belongs to cell=lstm, and this model is a gru",
              column: 11, syntax: false),
        .init(setup: ErrorCatalogueTests.trained, command: "highlight f[0] \"the cat\"",
              message: "'f' belongs to cell=lstm, and this model is an rnn", column: 11, syntax: false),
        .init(setup: lstm, command: "highlight W_hh[0] \"the cat\"",
              message: "'W_hh' is not a state or gate with units: highlight takes h, c, i, f, g, o (with @L for layer L of several), or p",
              column: 11, syntax: false),
        .init(setup: gru, command: "highlight hh[0] \"the cat\"",
              message: "'hh' is not a state or gate with units: highlight takes h, r, u, n (with @L for layer L of several), or p; did you mean 'h'?",
              column: 11, syntax: false),
        .init(setup: lstm, command: "highlight h@2[0] \"the cat\"", message: "'h@2' names layer 2, and this model has one layer: write h",
              column: 11, syntax: false),
        .init(setup: twoLayers, command: "highlight c@3[0] \"the cat\"",
              message: "'c@3' names layer 3, and this model has 2 layers: c@1 to c@2", column: 11, syntax: false),
        .init(setup: twoLayers, command: "highlight h@0[0] \"the cat\"", message: "'h@0': layers are numbered from 1 (the bottom), as in h@1",
              column: 11, syntax: false),
        .init(setup: lstm, command: "highlight h \"the cat\"",
              message: "'highlight' shades one unit: write h[3] for unit 3 (or p alone for each character's probability)",
              column: 11, syntax: true),
        .init(setup: lstm, command: "highlight h[0:2] \"the cat\"", message: "'highlight' shades one unit: write h[3]", column: 13, syntax: true),
        .init(setup: lstm, command: "highlight p[3] \"the cat\"",
              message: "p is the probability the model gave each character: it takes no unit", column: 13, syntax: true),
        .init(setup: lstm, command: "highlight h[0]",
              message: "'highlight' needs a text or file=PATH, e.g. highlight h[3] \"the cat sat\"", column: 1, syntax: true),
        .init(setup: lstm, command: "highlight h[0] \"abc\" file=x.txt", message: "'highlight' reads a quoted text or file=PATH, not both",
              column: 16, syntax: true),
        .init(setup: lstm, command: "highlight h[0] \"the cXt\"", message: "the text has 'X' at position 5, which is not in the vocabulary",
              column: 16, syntax: false),
        .init(setup: lstm, command: "highlight h[0] \"the cat\" from=2 length=3 top=1", message: "'highlight' has no option 'top'",
              column: 42, syntax: true),
        .init(setup: lstm, command: "highlight h[0] \"\"", message: "the text is empty: 'highlight' needs characters to read",
              column: 16, syntax: false),
        .init(setup: lstm, command: "highlight p \"t\"", message: "the text has 1 character; at least 2 are needed", column: 13, syntax: false),
        .init(setup: lstm, command: "highlight h[0] \"the cat\" from=7",
              message: "from=7 is beyond the end of the text (7 characters: from=0 to 6)", column: 31, syntax: false),
        .init(setup: lstm, command: "highlight h[0] \"the cat\" from=2 length=9",
              message: "from=2 length=9 runs past the end of the text (7 characters): at most length=5 from there", column: 40, syntax: false),
        // from + length overflowed (a trap) before it was compared with the text's length.
        .init(setup: lstm, command: "saliency \"the cat\" from=1 length=9223372036854775807",
              message: "from=1 length=9223372036854775807 runs past the end of the text (7 characters): at most length=6 from there",
              column: 34, syntax: false),
        .init(setup: lstm, command: "highlight h[0] \"the cat\" length=0", message: "length=0 is not allowed: length must be a whole number >= 1",
              column: 33, syntax: true),
        .init(setup: lstm, command: "highlight h[0] file=/nonexistent/x.txt", message: "cannot read '/nonexistent/x.txt': no such file",
              column: 21, syntax: false),
        .init(setup: "load builtin rhyme", command: "highlight h[0] \"the cat\"",
              message: "'highlight' needs a model: run 'init' first (after 'load')", column: 1, syntax: false),
        .init(setup: "", command: "saliency \"the cat\"", message: "'saliency' needs a text: run 'load PATH'", column: 1, syntax: false),
        .init(setup: lstm, command: "saliency \"the cat\" t=6",
              message: "t=6 is beyond the text: its 7 characters make predictions at t = 0 to 5 (the prediction at t is of character t+1)",
              column: 22, syntax: false),
        .init(setup: lstm, command: "saliency \"the cat\" t=-1", message: "t=-1 is not allowed: t must be a whole number >= 0",
              column: 22, syntax: true),
        .init(setup: lstm, command: "saliency \"t\"", message: "the text has 1 character; at least 2 are needed", column: 10, syntax: false),
        .init(setup: lstm, command: "find-neurons \"the cat\"",
              message: "'find-neurons' needs pattern=REGEX (or pattern=line-position) and a text", column: 1, syntax: true),
        .init(setup: lstm, command: "find-neurons pattern=\"\" \"the cat\"",
              message: "pattern=\"\" is not allowed: pattern must be a regular expression of at least one character, or line-position",
              column: 22, syntax: true),
        // The caret is under the place the regex parser names: the end, or the bad quantifier.
        .init(setup: lstm, command: "find-neurons pattern=\"a(b\" \"the cat\"",
              message: "not a valid regular expression: expected ')' (Swift's Regex syntax", column: 26, syntax: true),
        .init(setup: lstm, command: "find-neurons pattern=\"ab{2,1}c\" \"the cat\"",
              message: "not a valid regular expression: range lower bound '2' must be less than or equal to upper bound '1'",
              column: 24, syntax: true),
        // An escape (\\ for one backslash) takes two columns of the script and one of the pattern.
        .init(setup: lstm, command: "find-neurons pattern=\"\\\\d+a{2,1}\" \"the cat\"",
              message: "range lower bound '2' must be less than or equal to upper bound '1'", column: 27, syntax: true),
        .init(setup: lstm, command: "find-neurons pattern=\"z\" \"the cat\"",
              message: "the pattern \"z\" matches none of the 7 characters: a correlation needs characters inside a match and outside one",
              column: 22, syntax: false),
        .init(setup: lstm, command: "find-neurons pattern=. \"the cat\"", message: "the pattern \".\" covers every one of the 7 characters",
              column: 22, syntax: false),
        .init(setup: lstm, command: "find-neurons pattern=line-position \"\\n\\n\"",
              message: "all 2 characters are at the same position in their lines", column: 22, syntax: false),
        .init(setup: lstm, command: "find-neurons pattern=a \"the cat\" top=0", message: "top=0 is not allowed", column: 38, syntax: true),
        .init(setup: lstm, command: "find-neurons pattern=a \"the cat\" top=101", message: "top=101 is too large: at most 100",
              column: 38, syntax: true),
        .init(setup: lstm, command: "plot states", message: "'plot states' needs a text or file=PATH", column: 1, syntax: true),
        .init(setup: lstm, command: "plot loss \"abc\"", message: "'plot' does not take '\"abc\"' here", column: 11, syntax: true),
        .init(setup: lstm, command: "plot loss file=x.txt", message: "'plot loss' does not use file=", column: 11, syntax: true),
        .init(setup: lstm, command: "plot states \"a\"", message: "the text has 1 character; at least 2 are needed", column: 13, syntax: false),
        .init(setup: lstm, command: "expect neuron-r > 0", message: "'neuron-r' is the r of the strongest unit of 'find-neurons' and there has been none yet",
              column: 8, syntax: false),
    ]

    @Test(arguments: badInput)
    func badInputIsReportedAndChangesNothing(testCase: ErrorCatalogueTests.Case) {
        ErrorCatalogueTests().badInputIsReportedAndChangesNothing(testCase: testCase)
    }

    /// Texts longer than a command reads are refused before the model reads a character.
    @Test func hugeTextsAreRefused() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("long.txt", text: String(repeating: "the cat sat on the mat.\n", count: 300))
        var session = RNNLanguageTests.session(after: Self.lstm)
        let cases = [("highlight h[0] file=\(path)", "the text has 7,200 characters, and 'highlight' reads at most 5,000: choose a part with from= and length="),
                     ("saliency file=\(path)", "'saliency' reads at most 1,000"),
                     ("plot states file=\(path) from=100", "the text has 7,100 characters, and 'plot states' reads at most 2,000")]
        for (command, message) in cases {
            let result = run(command, &session)
            #expect(result.outcome == .runtimeError)
            #expect(result.errors.contains(message), "\(result.errors)")
        }
        // A part of it is fine.
        #expect(run("highlight h[0] file=\(path) from=24 length=24", &session).outcome == .completed)
    }

    /// `highlight`'s values are `forward`'s: after `init` the first window starts at 0 from h = 0,
    /// so the recorded h_t (and c_t) of `forward` are what highlight reads over the same text,
    /// on the teaching cells and on the network (layers, batch, float32).
    @Test(arguments: ["cell=rnn", "cell=lstm", "cell=gru", "cell=lstm layers=2", "cell=gru batch=2 dtype=float32", "cell=rnn layers=2 batch=2"])
    func highlightShowsWhatForwardComputed(settings: String) {
        var session = RNNLanguageTests.session(after: "load builtin rhyme\ninit hidden=6 seq=12 sigma=0.5 \(settings)\nforward")
        let trainer = session.trainer!
        let window = (0 ..< 12).map { trainer.corpus.indices[$0] }
        let text = trainer.vocabulary.decode(window)
        let record = trainer.record
        for (name, quantity) in [("h", StateQuantity.hidden)] + (trainer.config.cell == .lstm ? [("c", StateQuantity.cell)] : []) {
            let probe = UnitProbe(layer: trainer.config.layers - 1, quantity: quantity, unit: 3)
            let values = trainer.stateReader().series(of: probe, text: window)!
            let forward = (0 ..< 12).map { quantity == .cell ? record.recorded("cs", at: $0)![3] : record.hiddenState(at: $0)[3] }
            #expect(values == forward)
            // And the command shows exactly these values.
            let label = ParameterLayout.name(name, layer: probe.layer, of: trainer.config.layers) + "[3]"
            let command = "highlight \(label) \"" + text.replacingOccurrences(of: "\n", with: "\\n") + "\""
            let output = run(command, &session).output
            let scale: ShadeScale = quantity == .cell ? .diverging(bound: values.map(abs).max()!) : .diverging(bound: 1)
            let expected = formatHighlight(HighlightedText(scalars: Array(text.unicodeScalars), values: values, scale: scale), width: 100)
            #expect(output.hasSuffix(expected), "\(output)")
            #expect(output.hasPrefix(label + ": "))
        }
    }

    /// The commands work for every cell, with layers, batches and float32, and leave the
    /// training state alone.
    @Test(arguments: ["cell=rnn", "cell=lstm", "cell=gru", "cell=lstm layers=2 batch=2", "cell=gru layers=2 dtype=float32",
                      "cell=rnn dtype=float32 batch=3"])
    func everyCommandWorksOnEveryModel(settings: String) {
        var session = RNNLanguageTests.session(after: "load builtin rhyme\ninit hidden=6 seq=8 \(settings)\nstep 2")
        let before = Fingerprint(session)
        let layers = session.trainer!.config.layers
        let unit = layers > 1 ? "h@2[5]" : "h[5]"
        let text = "\"the cat sat on the mat.\\nthe dog sat on the log.\""
        let result = run("""
            highlight \(unit) \(text)
            highlight p \(text)
            find-neurons pattern="[aeiou]" \(text) top=3
            find-neurons pattern=line-position \(text)
            saliency \(text) t=20
            plot states \(text) width=40 height=8
            """, &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        #expect(result.output.contains(unit + ": h_t, the hidden state, of unit 5 after each character"))
        #expect(result.output.contains("rank  unit"))
        #expect(result.output.contains("saliency of the prediction at t=20: after reading \"the cat sat on the ma\""))
        #expect(result.output.contains("projected on its first two principal components"))
        let after = Fingerprint(session)
        #expect(after.parameters == before.parameters && after.hidden == before.hidden && after.steps == before.steps)
        #expect(after.recordedProbabilities == before.recordedProbabilities)
    }

    /// A model whose unit 2 copies an "inside brackets" flag (planted weights): find-neurons
    /// ranks it first, with r above 0.9, and neuron-r says so.
    @Test func aPlantedUnitIsFoundFirst() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("brackets.txt", text: "ab(aab)ba(bab)a(bbba)aab(ab)ba(aaba)bba(b)aab(abba)bb(a)ab\n")
        var session = RNNLanguageTests.session(after: "load \(path)\ninit cell=lstm hidden=4 seq=8 sigma=0.05 scale=0.05")
        var parameters = session.trainer!.parameters
        let vocabulary = session.trainer!.vocabulary
        func set(_ name: String, _ row: Int, _ value: Double) {
            let entry = parameters.layout.entry(named: name)!
            parameters.values[entry.range.lowerBound + row * entry.columns + 2] = value
        }
        let open = vocabulary.index(of: "(")!, close = vocabulary.index(of: ")")!
        for name in ["W_hi", "W_hf", "W_hg", "W_ho"] { for row in 0 ..< 4 { set(name, row, 0) } }
        for name in ["W_xi", "W_xf", "W_xg", "W_xo"] { for row in 0 ..< vocabulary.count { set(name, row, 0) } }
        set("b_i", 0, -10); set("b_f", 0, 10); set("b_g", 0, 0); set("b_o", 0, 10)
        for bracket in [open, close] { set("W_xi", bracket, 20); set("W_xf", bracket, -20) }
        set("W_xg", open, 10); set("W_xg", close, -10)
        session.trainer!.parameters = parameters
        // The state after a character knows that '(' was read, and that ')' was: the pattern marks
        // the '(' and what follows it, up to the ')'.
        let result = run("find-neurons pattern=\"[(][^)]*\" file=\(path) top=3\nexpect neuron-r > 0.9", &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        let rows = result.output.split(separator: "\n").filter { $0.hasPrefix("     1  ") }
        #expect(rows.count == 1 && (rows[0].contains("c[2]") || rows[0].contains("h[2]")), "\(result.output)")
        #expect(result.output.contains("follows it closely"))
    }

    @Test func nothingThatCorrelatesIsSaidSo() {
        // An untrained model with tiny weights: no unit tracks vowels.
        var session = RNNLanguageTests.session(after: "load builtin rhyme\ninit cell=rnn hidden=4 seq=8")
        let result = run("find-neurons pattern=\"[aeiou]\" \"the cat sat on the mat.\"", &session)
        #expect(result.outcome == .completed)
        if session.lastNeuronCorrelation.map({ abs($0) < 0.3 }) == true {
            #expect(result.output.contains("No unit follows this signal: the largest |r| is"))
            #expect(result.output.contains("The nearest, "))
        } else {
            #expect(result.output.contains(" follows it "))
        }
    }

    /// Ctrl-C stops a long analysis at the next thousand characters; the session is unchanged.
    @Test func longAnalysesCanBeInterrupted() {
        let long = "\"" + String(repeating: "the cat sat on the mat.\\n", count: 200) + "\""
        for command in ["find-neurons pattern=cat \(long)", "highlight c[0] \(long) length=4000", "highlight p \(long) length=4000"] {
            var session = RNNLanguageTests.session(after: Self.lstm)
            let before = Fingerprint(session)
            let console = CapturingConsole()
            console.interruptAfterChecks = 0
            let outcome = Runner.run(command, fileName: "test.rnn", session: &session, console: console)
            #expect(outcome == .interrupted, "\(command): \(console.output)")
            #expect(console.output.hasPrefix("interrupted: nothing was"))
            #expect(Fingerprint(session) == before)
        }
    }

    /// A pattern that backtracks for an exponential time (2^n steps on n letters without an x)
    /// is matched on a thread of its own, so Ctrl-C is heard while it runs.
    @Test func aPatternThatBacktracksCanBeInterrupted() {
        var session = RNNLanguageTests.session(after: Self.lstm)
        let before = Fingerprint(session)
        let console = CapturingConsole()
        console.interruptAfterChecks = 3
        let command = "find-neurons pattern=\"([a-z ]*)*x\" \"the cat sat on the mat the\""
        let outcome = Runner.run(command, fileName: "test.rnn", session: &session, console: console)
        #expect(outcome == .interrupted, "\(console.output)")
        #expect(console.output.hasPrefix("interrupted: nothing was correlated; the pattern was still being matched"))
        #expect(Fingerprint(session) == before)
    }

    /// A new model (init, restore, a load that drops it) takes the old one's results with it:
    /// `expect` never reads a number another model produced.
    @Test(arguments: ["neuron-r", "score", "grad-check"])
    func resultsOfTheOldModelGoWithIt(name: String) {
        var session = RNNLanguageTests.session(after: Self.lstm + "\nfind-neurons pattern=a \"the cat sat on a mat\"\n"
                                                + "score \"the cat\"\ngrad-check checks=3")
        #expect(run("show \(name)", &session).outcome == .completed)
        #expect(run("init", &session).outcome == .completed)
        let after = run("show \(name)", &session)
        #expect(after.outcome != .completed, "\(name) survived a new model: \(after.output)")
    }

    /// Output fits a projector's page: every line at 60 columns.
    @Test func outputFitsNarrowPages() {
        var session = RNNLanguageTests.session(after: Self.twoLayers)
        let text = "\"the cat sat on the mat, and the dog sat on the log, and that is the end of the cat and the dog.\""
        let console = CapturingConsole(context: RenderContext(style: .plain, width: 60))
        let outcome = Runner.run("highlight c@2[1] \(text)\nfind-neurons pattern=\"[aeiou]\" \(text)\nsaliency \(text)\nplot states \(text)",
                                 fileName: "test.rnn", session: &session, console: console)
        #expect(outcome == .completed, "\(console.errors)")
        let long = console.output.split(separator: "\n").filter { displayColumns($0) > 60 }
        #expect(long.isEmpty, "\(long)")
    }

    @Test func completionOffersUnitsAndPatterns() {
        let lstm = RNNLanguageTests.session(after: Self.lstm)
        #expect(completions(line: "highlight ", cursor: 10, session: lstm) == .words(["c", "f", "g", "h", "i", "o", "p"]))
        let deep = RNNLanguageTests.session(after: Self.twoLayers)
        #expect(completions(line: "highlight h", cursor: 11, session: deep) == .words(["h@1", "h@2"]))
        #expect(completions(line: "find-neurons pattern=l", cursor: 22, session: lstm) == .words(["pattern=line-position"]))
        #expect(completions(line: "find-neu", cursor: 8, session: lstm) == .words(["find-neurons"]))
        #expect(completions(line: "plot st", cursor: 7, session: lstm) == .words(["states"]))
    }

    @Test func matchesAreFoundScalarByScalarAndAnchorsMatchAtLineBreaks() {
        let text = Array("ab\nab (x)\n".unicodeScalars)
        let marks = matchMarks(try! compilePattern("^a").get(), in: text)
        #expect(marks == [true, false, false, true, false, false, false, false, false, false])
        #expect(matchMarks(try! compilePattern("[(][^)]*[)]").get(), in: text) == [false, false, false, false, false, false, true, true, true, false])
        #expect(matchMarks(try! compilePattern("x*").get(), in: text).filter { $0 }.count == 1)
    }
}
