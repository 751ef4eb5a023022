import Foundation
import Testing
import TestSupport
@testable import RNNCore
@testable import RNNLanguage
@testable import RNNRendering

/// Issue 10: no lost work, and errors that point at the right place.
@Suite struct LostWorkTests {
    @Test func aDivergedUpdateIsRefusedAndTheModelStaysAsItWas() throws {
        var session = session(after: "load builtin story\ninit hidden=4 seq=16 lr=1e308 optimizer=sgd")
        let before = Fingerprint(session)
        let result = run("step", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.errors.contains("step 1 refused: the update would make "), "\(result.errors)")
        #expect(result.errors.contains("infinite or NaN (the weights diverged); parameters are unchanged: lower the learning rate"))
        #expect(Fingerprint(session) == before)
        // And the session can still be saved and restored.
        let folder = try TemporaryFolder()
        #expect(run("save \(folder.path)/run.json", &session).outcome == .completed)
        var copy = Session()
        #expect(run("restore \(folder.path)/run.json", &copy).outcome == .completed)
    }

    @Test func everyOptimizerRefusesADivergingUpdate() {
        for optimizer in OptimizerKind.allCases {
            var state = OptimizerState(kind: optimizer, count: 2)
            var theta = [1.0, 2.0]
            #expect(!state.apply(to: &theta, gradients: [1e300, 1], learningRate: optimizer == .sgd ? 1e300 : 1e308),
                    "\(optimizer): the update overflows and says so")
        }
    }

    @Test func saveNeverWritesAFileThatRestoreWouldRefuse() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("run.json", text: "the good old checkpoint")
        var session = session(after: "load builtin hello\ninit hidden=2 seq=3\nstep 2")
        let trainer = session.trainer!
        // A state the program cannot produce (a negative smooth loss), forced in.
        session.trainer!.restoreState(gradients: trainer.gradients, optimizer: trainer.optimizer, hiddenState: trainer.hiddenState,
                                      position: trainer.position, stepCount: trainer.stepCount, smoothLoss: -1,
                                      lossHistory: trainer.lossHistory, samplingGenerator: trainer.samplingGenerator,
                                      lastReport: trainer.lastReport)
        let result = run("save \(path)", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.errors.contains("cannot save to '\(path)': this session could not be restored from it "
            + "(its training state is not valid: state.smooth_loss is negative"), "\(result.errors)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the good old checkpoint")
    }

    @Test func aHugeUpdateCountIsRefusedByName() throws {
        let folder = try TemporaryFolder()
        var source = session(after: "load builtin hello\ninit hidden=2 seq=3 optimizer=adam\nstep 2")
        run("save \(folder.path)/run.json", &source)
        let text = try String(contentsOfFile: folder.path + "/run.json", encoding: .utf8)
        let bad = try folder.write("bad.json", text: text.replacingOccurrences(of: "\"updates\": 2", with: "\"updates\": 9007199254740992"))
        var session = Session()
        let result = run("restore \(bad)", &session)
        #expect(result.errors.contains("optimizer.updates is 9007199254740992, but there have been 2 steps"), "\(result.errors)")
    }

    /// Extreme values the program can produce are plotted, never crash a renderer.
    @Test func extremeButPossibleValuesPlot() throws {
        let folder = try TemporaryFolder()
        var source = session(after: "load builtin hello\ninit hidden=2 seq=3\nstep 2\nkeep tiny")
        run("save \(folder.path)/run.json", &source)
        var text = try String(contentsOfFile: folder.path + "/run.json", encoding: .utf8)
        let history = text.range(of: "\"loss_history\": [")!.upperBound
        let end = text[history...].firstIndex(of: "]")!
        text.replaceSubrange(history ..< end, with: "1e308, 0")
        let losses = text.range(of: "\"losses_per_char\": [")!.upperBound
        let lossesEnd = text[losses...].firstIndex(of: "]")!
        text.replaceSubrange(losses ..< lossesEnd, with: "5e-324, 1.7976931348623157e308")
        let extreme = try folder.write("extreme.json", text: text)
        var session = Session()
        #expect(run("restore \(extreme)", &session).outcome == .completed)
        for command in ["plot loss", "plot loss log=on", "plot runs", "plot runs log=on", "show loss"] {
            let result = run(command, &session)
            #expect(result.outcome == .completed, "\(command): \(result.errors)")
        }
    }
}

/// Issue 10: `save` replaces a plain, writable file and nothing else.
@Suite struct SaveTargetTests {
    static let setup = "load builtin hello\ninit hidden=2 seq=3"

    func entries(_ folder: TemporaryFolder) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test func aSymbolicLinkIsFollowedAndStaysALink() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.path + "/real", withIntermediateDirectories: true)
        let target = try folder.write("real/run.json", text: "old")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link.json", withDestinationPath: "real/run.json")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/chain.json", withDestinationPath: "link.json")
        var session = session(after: Self.setup)
        #expect(run("save \(folder.path)/chain.json", &session).outcome == .completed)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder.path + "/link.json") == "real/run.json")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder.path + "/chain.json") == "link.json")
        #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("{\n  \"format\": \"rnnrepl-checkpoint\""))
        #expect(try entries(folder) == ["chain.json", "link.json", "real"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/real") == ["run.json"])
        // A dangling link names the file to create.
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/new.json", withDestinationPath: "real/new.json")
        #expect(run("save \(folder.path)/new.json", &session).outcome == .completed)
        #expect(FileManager.default.fileExists(atPath: folder.path + "/real/new.json"))
    }

    @Test func aReadOnlyFileIsNotOverwritten() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("run.json", text: "keep me")
        chmod(path, 0o444)
        var session = session(after: Self.setup)
        let result = run("save \(path)", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.errors.contains("cannot save to '\(path)': it is read-only (mode 0444): make it writable (chmod u+w) "
            + "or save under another name; any file that was there is unchanged"), "\(result.errors)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
        #expect(try entries(folder) == ["run.json"])
    }

    @Test(arguments: [("a directory", "folder"), ("a FIFO (named pipe)", "fifo"), ("a character device", "/dev/null")])
    func whatIsNotARegularFileIsRefused(kind: String, name: String) throws {
        let folder = try TemporaryFolder()
        var path = folder.path + "/" + name
        switch name {
        case "folder": try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        case "fifo": #expect(mkfifo(path, 0o600) == 0)
        default: path = name
        }
        var session = session(after: Self.setup)
        let result = run("save \(path)", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.errors.contains("cannot save to '\(path)': it is \(kind), not a regular file"), "\(result.errors)")
        var status = stat()
        #expect(lstat(path, &status) == 0 && status.st_mode & S_IFMT != S_IFREG, "\(path) is still what it was")
        #expect(!(try entries(folder)).contains { $0.hasPrefix(".rnnrepl-save-") })
    }

    @Test func setIDBitsAreNeverCopied() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("run.json", text: "old")
        chmod(path, 0o6754)
        var session = session(after: Self.setup)
        #expect(run("save \(path)", &session).outcome == .completed)
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & 0o7777 == 0o754, "mode \(String(status.st_mode & 0o7777, radix: 8))")
    }
}

/// Issue 10: the caret points at what is wrong, on the line the lexer counted.
@Suite struct DiagnosticPlacementTests {
    static let cases: [(source: String, line: Int, column: Int, message: String, excerpt: String)] = [
        // Only "\n" and "\r\n" end a line: U+2028, NEL, form feed, vertical tab and a lone CR are
        // spaces within it, and the excerpt shows them as spaces.
        ("step\u{2028}frob", 1, 6, "'step' expects a whole number", " 1 | step frob"),
        ("init\u{0C}hiden=3", 1, 6, "'init' has no option 'hiden'", " 1 | init hiden=3"),
        ("init\u{0B}hiden=3", 1, 6, "'init' has no option 'hiden'", " 1 | init hiden=3"),
        ("echo x\u{85}\nfrob", 2, 1, "unknown command 'frob'", " 2 | frob"),
        ("init\rhiden=3\nstep", 1, 6, "'init' has no option 'hiden'", " 1 | init hiden=3"),
        ("# a comment\u{2028}frob\nfrob", 2, 1, "unknown command 'frob'", " 2 | frob"),
        ("echo a\r\nfrob", 2, 1, "unknown command 'frob'", " 2 | frob"),
        // A setting typed without `set`, and an '=' without a key.
        ("lr=abc", 1, 1, "'lr=abc' is a setting, not a command: write 'set lr=abc' (or 'init lr=abc')", " 1 | lr=abc"),
        ("hiden=3", 1, 1, "unknown command 'hiden'; to change the setting 'hidden', write 'set hidden=3'", " 1 | hiden=3"),
        ("init =3", 1, 6, "'=' needs a key before it, as in key=value", " 1 | init =3"),
    ]

    @Test(arguments: 0 ..< cases.count)
    func theExcerptIsTheLineTheLexerCounted(index: Int) {
        let (source, line, column, message, excerpt) = Self.cases[index]
        var session = Session()
        let result = run(source, &session, fileName: "s.rnn")
        #expect(result.outcome == .syntaxError, "\(result.output)")
        #expect(result.errors.hasPrefix("s.rnn:\(line):\(column): error: \(message)"), "\(result.errors)")
        #expect(result.errors.contains("\n" + excerpt + "\n"), "\(result.errors)")
        #expect(result.output.isEmpty, "a comment that ends at U+2028 would have run the rest")
    }

    /// Renders `source`'s first syntax error at `width` (the raw report, not re-joined).
    static func report(_ source: String, width: Int) -> String {
        let console = CapturingConsole(context: RenderContext(style: .plain, width: width))
        var session = Session()
        _ = Runner.run(source, fileName: "s.rnn", session: &session, console: console)
        return console.errors
    }

    /// The columns of `line` before its first '^'.
    static func caretColumn(_ report: String) -> Int? {
        let lines = report.split(separator: "\n")
        guard let caret = lines.last, let index = caret.firstIndex(of: "^") else { return nil }
        return caret.distance(from: caret.startIndex, to: index)
    }

    @Test(arguments: [40, 80, 100])
    func anErrorOnAHugeLineShowsTheCaretsNeighbourhoodWithinThePage(width: Int) {
        // 60,000 characters of arguments, the mistake in the middle of them.
        let filler = String(repeating: "x ", count: 15_000)
        let source = "echo " + filler + "\"a\\qb\" " + filler
        let report = Self.report(source, width: width)
        let lines = report.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= width }, "\(report)")
        #expect(report.count < 12 * width, "a few lines, not the line: \(report.count) characters")
        #expect(lines[0].hasPrefix("s.rnn:1:30008: error: unknown escape"), "\(lines[0])")
        // The excerpt is cut on both sides, and the caret stands under the backslash.
        let excerpt = lines[lines.count - 2]
        #expect(excerpt.hasPrefix(" 1 | ...") && excerpt.hasSuffix("..."), "\(excerpt)")
        let caret = Self.caretColumn(report)!
        let shown = Array(excerpt)
        #expect(caret < shown.count && shown[caret] == "\\", "\(excerpt)\n\(lines.last!)")
    }

    @Test func aLineThatFitsIsShownWholeAndTheCaretStaysPut() {
        let report = Self.report("init hiden=3", width: 40)
        #expect(report.contains("\n 1 | init hiden=3\n   |      ^~~~~\n"), "\(report)")
    }

    @Test func aLongMessageWrapsAtThePageWidthWithIndentedContinuations() {
        let report = Self.report("load builtin hello\ninit hidden=4 seq=1000000000", width: 40)
        let lines = report.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 40 }, "\(report)")
        let message = lines.prefix { !$0.hasPrefix(" 2 |") }
        #expect(message.count > 3 && message.dropFirst().allSatisfy { $0.hasPrefix("    ") }, "\(report)")
    }

    @Test func aHugeWordInAMessageIsCutToItsEndsAndItsLength() {
        let word = String(repeating: "q", count: 5000)
        let report = joiningWrappedErrorLines(Self.report(word, width: 100))
        #expect(report.contains("error: unknown command '" + String(repeating: "q", count: 60) + "... (5,000 characters) ..."),
                "\(report.prefix(300))")
        #expect(report.count < 600)
    }

    @Test func aHugeWindowBlamesSeqAndSaysWhy() {
        var session = session(after: "load builtin hello")
        let result = run("init hidden=4 seq=1000000000", &session, fileName: "s.rnn")
        #expect(result.errors.hasPrefix("s.rnn:1:15: error: this model needs about"), "\(result.errors)")
        #expect(result.errors.contains("to record a window), and a model may use at most half of the"))
        #expect(result.errors.contains("choose a smaller seq (or hidden)"))
        #expect(result.errors.contains("          ^~~~~~~~~~~~~~"))
    }

    @Test func setChecksOnlyWhatItChanges() {
        // The default seq (20) does not fit 'hello' (12 characters), but display settings and lr
        // have nothing to do with it.
        var session = session(after: "load builtin hello")
        for command in ["set width=60", "set precision=2", "set lr=0.1", "set width=page"] {
            let result = run(command, &session)
            #expect(result.outcome == .completed, "\(command): \(result.errors)")
        }
        #expect(session.display.width == nil && session.display.precision == 2)
        let seq = run("set seq=50", &session, fileName: "s.rnn")
        #expect(seq.errors.hasPrefix("s.rnn:1:5: error: 'builtin hello' has 12 characters; one training window needs 51"))
    }

    @Test func gradCheckSaysWhenAWindowCannotChangeAParameter() {
        var session = session(after: "load builtin hello\ninit hidden=3 seq=1")
        let output = run("grad-check", &session).output
        #expect(output.contains("W_hh  3x3: 0 of 9 entries (9 left out: rows of units whose h is 0 at every step of the"),
                "\(output)")
        #expect(output.contains("  nothing to compare: this window cannot change W_hh"))
        #expect(output.hasSuffix("all 4 compared parameters pass (1 had nothing to compare)\n"))
        let alone = run("grad-check W_hh", &session).output
        #expect(alone.hasSuffix("nothing was compared\n"), "\(alone)")
    }

    @Test func gradCheckSaysWhatItLeftOut() {
        var session = session(after: "load builtin rhyme\ninit hidden=3 seq=4")
        let output = run("grad-check W_xh", &session).output
        #expect(output.contains("W_xh  24x3: 12 of 72 entries (60 left out: rows of characters not in the window, zero by\n  construction)"),
                "\(output)")
        #expect(!output.contains(" 0.00000000e+00   0.00000000e+00"))
    }
}

/// Issue 10: any finite input to every renderer.
@Suite struct ExtremeRenderingTests {
    static let values: [[Double]] = [[-1e308, 1e308], [Double.leastNonzeroMagnitude], [0, -Double.greatestFiniteMagnitude],
                                     [1e-300, -1e300, 0.5, Double.leastNonzeroMagnitude]]

    @Test(arguments: values)
    func everyRendererAcceptsAnyFiniteValues(values: [Double]) {
        let matrix = LabeledMatrix(name: "M", rows: 1, columns: values.count, values: values)
        for style in [TextStyle.plain, .terminal] {
            #expect(!formatMatrix(matrix, style: style).isEmpty)
            #expect(!formatHeatmap(matrix, style: style).isEmpty)
            let stats = formatStatistics(name: "M", rows: 1, columns: values.count, values: values, style: style)
            #expect(!stats.contains("inf") && !stats.contains("nan"), "\(stats)")
            #expect(!formatBarChart(values.map { Bar(label: "x", value: abs($0)) }, style: style).isEmpty)
            #expect(!formatBarChart(values.map { Bar(label: "x", value: abs($0)) }, scale: 1, style: style).isEmpty)
        }
    }
}

/// Issue 10 (item 9's family): every command whose work grows with its input stops at Ctrl-C,
/// says so, and changes nothing it would not have changed.
@Suite struct LongInputInterruptTests {
    /// A prime or text of 5,000 characters: five checks of Ctrl-C along the way.
    static let long = String(repeating: "the cat sat. ", count: 400)

    static let cases: [(command: String, message: String)] = [
        ("score \"\(long)\"", "interrupted: nothing was scored"),
        ("sample 10 prime=\"\(long)\"", "interrupted: the sample stops there"),
        ("plot probs prime=\"\(long)\"", "interrupted: nothing was plotted"),
    ]

    @Test(arguments: 0 ..< cases.count)
    func ctrlCStopsWorkOnALongInput(index: Int) {
        var session = session(after: "load builtin story\ninit hidden=8 seq=6")
        let before = Fingerprint(session)
        let console = CapturingConsole()
        console.interruptAfterChecks = 2
        let outcome = Runner.run(Self.cases[index].command + "\necho \"not reached\"", fileName: nil, session: &session,
                                 console: console)
        #expect(outcome == .interrupted)
        #expect(console.output.contains(Self.cases[index].message), "\(console.output.suffix(300))")
        #expect(!console.output.contains("not reached"))
        #expect(Fingerprint(session) == before)
    }
}
