import Testing
@testable import RNNCore
@testable import RNNLanguage

@Suite struct ParserTests {
    func kinds(_ source: String) -> [CommandKind] {
        let result = Parser.parse(source)
        #expect(result.errors.isEmpty, "\(result.errors.map(\.message))")
        return result.commands.map(\.kind)
    }

    /// Ranges do not matter here; compare commands by their printed form.
    func single(_ source: String) -> String {
        let commands = kinds(source)
        #expect(commands.count == 1)
        return commands.first.map { String(describing: $0) } ?? ""
    }

    @Test func emptyLinesAndCommentsParseToNothing() {
        #expect(kinds("").isEmpty)
        #expect(kinds("\n\n   # only a comment\n;;\n").isEmpty)
    }

    @Test func commandsSplitOnNewlinesAndSemicolons() {
        #expect(kinds("config; reset\nquit").count == 3)
    }

    static let valid: [(String, @Sendable (CommandKind) -> Bool)] = [
        ("load data/a.txt", { if case .load(let s, nil) = $0 { s.value == .file("data/a.txt") } else { false } }),
        ("load \"my file.txt\"", { if case .load(let s, nil) = $0 { s.value == .file("my file.txt") } else { false } }),
        ("load builtin rhyme", { if case .load(let s, nil) = $0 { s.value == .builtin("rhyme") } else { false } }),
        ("load data/a.txt validation=0.1", { if case .load(let s, let v) = $0 { s.value == .file("data/a.txt") && v?.value == 0.1 } else { false } }),
        ("load builtin story validation=.25", { if case .load(_, let v) = $0 { v?.value == 0.25 } else { false } }),
        ("init", { if case .initialize(let s) = $0 { s.isEmpty } else { false } }),
        ("init hidden=32 seq=16 lr=1e-3 clip=1 seed=7 whh=orthogonal scale=1 sigma=0.1 optimizer=adam clip-mode=norm",
         { if case .initialize(let s) = $0 {
             s.map(\.value) == [.hidden(32), .seq(16), .lr(0.001), .clip(1), .seed(7), .whh(.orthogonal), .scale(1), .sigma(0.1),
                                .optimizer(.adam), .clipMode(.norm)]
         } else { false } }),
        ("set update=off zero-grad=no carry=on precision=2", { if case .set(let s) = $0 {
            s.map(\.value) == [.update(false), .zeroGrad(false), .carry(true), .precision(2)] } else { false } }),
        ("step", { $0 == .step(count: 1, trace: false) }),
        ("step 25", { $0 == .step(count: 25, trace: false) }),
        ("step trace", { $0 == .step(count: 1, trace: true) }),
        ("step 2 trace", { $0 == .step(count: 2, trace: true) }),
        ("forward trace", { $0 == .forward(trace: true) }),
        ("train 500 sample-every=100", { $0 == .train(TrainOptions(limit: .steps(500), sampleEvery: 100)) }),
        ("train 90s", { $0 == .train(TrainOptions(limit: .duration(90))) }),
        ("train 10m eval-every=500", { $0 == .train(TrainOptions(limit: .duration(600), evalEvery: 500)) }),
        ("train 1.5h", { $0 == .train(TrainOptions(limit: .duration(5400))) }),
        ("train 2d", { $0 == .train(TrainOptions(limit: .duration(172_800))) }),
        ("train 100 eval-every=10 best=b.json checkpoint=c.json", { if case .train(let o) = $0 {
            o.evalEvery == 10 && o.best?.value == "b.json" && o.checkpoint?.value == "c.json" } else { false } }),
        ("evaluate", { $0 == .evaluate }),
        ("score file=notes.txt", { if case .score(let t) = $0 { t.value == .file("notes.txt") } else { false } }),
        ("show W_hh", { if case .show(let r, nil) = $0 { r.name == "W_hh" && r.subscripts.isEmpty } else { false } }),
        ("show W_hh[0:5, 0:5] heatmap", { if case .show(let r, .heatmap) = $0 {
            r.subscripts.map(\.value) == [.range(0, 5), .range(0, 5)] } else { false } }),
        ("show h[3] stats", { if case .show(let r, .stats) = $0 { r.subscripts.map(\.value) == [.index(3)] } else { false } }),
        ("show W_xh['e', :]", { if case .show(let r, _) = $0 {
            r.subscripts.map(\.value) == [.character("e"), .range(nil, nil)] } else { false } }),
        ("show p[-1, 2:]", { if case .show(let r, _) = $0 { r.subscripts.map(\.value) == [.index(-1), .range(2, nil)] } else { false } }),
        ("grad-check", { $0 == .gradCheck(name: nil, checks: nil, delta: 1e-5, method: .precise, clipped: false) }),
        ("grad-check W_hh checks=3 delta=1e-4 method=plain", { if case .gradCheck(let n, 3, 1e-4, .plain, false) = $0 { n?.name == "W_hh" } else { false } }),
        ("sample", { if case .sample(200, 1, nil, nil) = $0 { true } else { false } }),
        ("sample 50 temperature=0.5 prime=\"the \" seed=9", { if case .sample(50, 0.5, let p, 9) = $0 { p?.value == "the " } else { false } }),
        ("score \"the cat\"", { if case .score(let t) = $0 { t.value == .text("the cat") } else { false } }),
        ("plot loss height=8 log=on", { $0 == .plot(.loss, PlotOptions(height: 8, logScale: true)) }),
        ("plot probs t=3 top=5", { $0 == .plot(.probs, PlotOptions(step: 3, top: 5)) }),
        ("echo hello   world", { $0 == .echo("hello world") }),
        ("echo \"  spaced  \" a=b", { $0 == .echo("  spaced   a=b") }),
        ("expect loss ≈ 32.5 tol=0.01", { if case .expect(let r, .approximately, 32.5, 0.01) = $0 { r.name == "loss" } else { false } }),
        ("expect W_hh[0, 0] ~ 0.01", { if case .expect(_, .approximately, 0.01, 1e-6) = $0 { true } else { false } }),
        ("expect smooth-loss < 50", { if case .expect(_, .less, 50, _) = $0 { true } else { false } }),
        ("help", { $0 == .help(topic: nil) }),
        ("help train", { if case .help(let t) = $0 { t?.value == "train" } else { false } }),
        ("exit", { $0 == .quit }),
    ]

    @Test(arguments: 0 ..< valid.count)
    func validCommands(index: Int) {
        let (source, check) = Self.valid[index]
        let commands = kinds(source)
        #expect(commands.count == 1 && check(commands[0]), "\(source) → \(commands)")
    }

    /// (source, the expected error, its line, its column)
    static let invalid: [(String, DiagnosticKind, Int, Int)] = [
        ("stpe 3", .unknownCommand("stpe", suggestion: "step"), 1, 1),
        ("step\nxyzzy", .unknownCommand("xyzzy", suggestion: nil), 2, 1),
        ("init hiden=3", .unknownOption(command: "init", key: "hiden", suggestion: "hidden"), 1, 6),
        ("sample 10 temprature=2", .unknownOption(command: "sample", key: "temprature", suggestion: "temperature"), 1, 11),
        ("init lr=", .missingValue(key: "lr"), 1, 8),
        ("init lr=abc", .badValue(key: "lr", text: "abc", requirement: "a finite number > 0"), 1, 9),
        ("init lr=1e999", .badValue(key: "lr", text: "1e999", requirement: "a finite number > 0"), 1, 9),
        ("init lr=-0.1", .badValue(key: "lr", text: "-0.1", requirement: "a finite number > 0"), 1, 9),
        ("init lr=nan", .badValue(key: "lr", text: "nan", requirement: "a finite number > 0"), 1, 9),
        ("init hidden=-3", .badValue(key: "hidden", text: "-3", requirement: "a whole number ≥ 1"), 1, 13),
        ("init hidden=0", .badValue(key: "hidden", text: "0", requirement: "a whole number ≥ 1"), 1, 13),
        ("init hidden=2.5", .badValue(key: "hidden", text: "2.5", requirement: "a whole number ≥ 1"), 1, 13),
        ("init seq=0", .badValue(key: "seq", text: "0", requirement: "a whole number ≥ 1"), 1, 10),
        ("init whh=identiy", .badChoice(key: "whh", text: "identiy", choices: ["identity", "random", "orthogonal"], suggestion: "identity"), 1, 10),
        ("init hidden=3 hidden=4", .duplicateOption(key: "hidden"), 1, 15),
        ("set", .missingArgument(command: "set", expected: "at least one key=value (see 'config')"), 1, 1),
        ("step 0", .badCount(command: "step", text: "0"), 1, 6),
        ("step many", .badCount(command: "step", text: "many"), 1, 6),
        ("step 3 fast", .unexpectedArgument(command: "step", text: "fast"), 1, 8),
        ("train", .missingArgument(command: "train", expected: "a number of steps or a time, e.g. train 1000 or train 10m"), 1, 1),
        ("show", .missingArgument(command: "show", expected: "a name, e.g. show W_hh (help names)"), 1, 1),
        ("show W_hh[0:5", .unclosedSubscript, 1, 10),
        ("show W_hh[a]", .badSubscript(text: "a"), 1, 11),
        ("show W_hh colour", .badKeyword(command: "show", what: "a way to show", text: "colour", choices: ["values", "stats", "heatmap"], suggestion: nil), 1, 11),
        ("expect loss 3", .missingArgument(command: "expect", expected: "NAME ≈ VALUE, e.g. expect loss ≈ 32.96 tol=0.01"), 1, 1),
        ("expect loss is 3", .badComparison(found: "is"), 1, 13),
        ("expect loss ≈ lots", .badExpectedValue(text: "lots"), 1, 15),
        ("sample prime=\"\"", .badValue(key: "prime", text: "\"\"", requirement: "at least one character"), 1, 14),
        ("plot losses", .badKeyword(command: "plot", what: "something to plot", text: "losses", choices: ["loss", "grad-norms", "probs", "runs", "run-norms", "states"], suggestion: "loss"), 1, 6),
        ("plot loss t=3", .optionNotForKind(command: "plot", kind: "loss", key: "t", allowed: ["width", "height", "log", "ymin", "ymax"]), 1, 11),
        ("sample 99999999999", .valueTooLarge(key: "sample", text: "99999999999", maximum: 1_000_000), 1, 8),
        ("plot loss width=100000", .valueTooLarge(key: "width", text: "100000", maximum: 1000), 1, 17),
        ("grad-check delta=1e300", .badValue(key: "delta", text: "1e300", requirement: "a number > 0 and ≤ 1"), 1, 18),
        ("expect loss = 8", .badComparison(found: "="), 1, 13),
        ("load", .missingArgument(command: "load", expected: "a path (or builtin NAME)"), 1, 1),
        ("echo \"unterminated", .unterminatedString, 1, 6),
    ]

    @Test(arguments: invalid)
    func syntaxErrorsSayWhatAndWhere(source: String, kind: DiagnosticKind, line: Int, column: Int) {
        let result = Parser.parse(source)
        #expect(result.errors.count == 1)
        guard let error = result.errors.first else { return }
        #expect(error.kind == kind)
        #expect(error.range?.start == SourceLocation(line: line, column: column))
        #expect(error.isSyntaxError)
    }

    @Test func oneErrorPerFaultyCommandAndTheRestIsStillChecked() {
        let result = Parser.parse("init hiden=3 lr=abc\nstep\nsample temprature=2\nshow W_hh")
        #expect(result.errors.map { $0.range!.start.line } == [1, 3])
        #expect(result.commands.count == 2)
    }

    @Test func theReportHasFileLineColumnAndACaret() {
        let source = "load builtin rhyme\nshow W_hh[0:5\n"
        let error = Parser.parse(source).errors[0]
        #expect(error.render(source: source, fileName: "lessons/02.rnn") == """
        lessons/02.rnn:2:10: error: subscript is not closed: add ']'
         2 | show W_hh[0:5
           |          ^

        """)
        #expect(error.render(source: source, fileName: nil).hasPrefix("error: subscript is not closed"))
    }
}

@Suite struct SuggestionTests {
    @Test(arguments: [("kitten", "sitting", 3), ("", "abc", 3), ("step", "step", 0), ("stpe", "step", 1),
                      ("W_h", "W_hh", 1), ("flaw", "lawn", 2)])
    func editDistances(a: String, b: String, distance: Int) {
        #expect(editDistance(a, b) == distance)
        #expect(editDistance(b, a) == distance)
    }

    @Test func suggestionsPreferAPrefixAndRejectFarWords() {
        #expect(closestMatch(to: "W_h", in: ["W_xh", "W_hh", "W_hy"]) == "W_hh")
        #expect(closestMatch(to: "lod", in: Help.commandNames) == "load")
        #expect(closestMatch(to: "x", in: ["lr", "h"]) == "h")
        #expect(closestMatch(to: "banana", in: Help.commandNames) == nil)
        #expect(closestMatch(to: "W_HH", in: ["W_hh"]) == "W_hh")
    }
}
