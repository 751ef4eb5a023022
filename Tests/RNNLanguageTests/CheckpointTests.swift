import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage

@Suite struct CheckpointTests {
    static let setup = "load builtin story\ninit hidden=16 seq=12 lr=0.1 seed=3"

    @Test(arguments: CellKind.allCases)
    func resumingIsBitIdenticalToNeverStopping(cell: CellKind) throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/run.json"
        let setup = Self.setup + " cell=\(cell.rawValue)"

        var straight = session(after: setup)
        run("train 400 print-every=1000", &straight)
        let straightSample = run("sample 100", &straight).output

        var first = session(after: setup)
        run("train 200 print-every=1000", &first)
        #expect(run("save \(path)", &first).outcome == .completed)

        var resumed = Session()  // a new session: nothing carried over but the file
        let restore = run("restore \(path)", &resumed)
        #expect(restore.outcome == .completed, "\(restore.errors)")
        #expect(restore.output == "restored at step 200: \(cell.rawValue), V=27 H=16 T=12, on builtin story, position 144\n")
        run("train 200 print-every=1000", &resumed)
        let resumedSample = run("sample 100", &resumed).output

        let a = straight.trainer!, b = resumed.trainer!
        #expect(a.parameters.values == b.parameters.values)
        #expect(a.lossHistory == b.lossHistory)
        #expect(a.optimizer == b.optimizer)
        #expect(a.hiddenState == b.hiddenState && a.position == b.position && a.smoothLoss == b.smoothLoss)
        #expect(straightSample == resumedSample)
    }

    @Test(arguments: OptimizerKind.allCases)
    func everyOptimizerAndTheArticleBugsRoundTrip(optimizer: OptimizerKind) throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/run.json"
        var original = session(after: "load builtin rhyme\ninit hidden=6 seq=5 optimizer=\(optimizer.rawValue) zero-grad=off carry=off clip-mode=norm seed=9\ntrain 30 print-every=100\nkeep first\nset precision=6 width=80")
        run("save \(path)", &original)
        var copy = Session()
        run("restore \(path)", &copy)
        #expect(Fingerprint(copy).parameters == Fingerprint(original).parameters)
        #expect(copy.trainer!.gradients == original.trainer!.gradients)
        #expect(copy.trainer!.optimizer == original.trainer!.optimizer)
        #expect(copy.trainer!.config == original.trainer!.config)
        #expect(copy.display == original.display)
        #expect(copy.keptRuns == original.keptRuns)
        #expect(copy.trainer!.samplingGenerator == original.trainer!.samplingGenerator)
        #expect(copy.trainer!.lastReport == original.trainer!.lastReport)
        run("step 3", &original)
        run("step 3", &copy)
        #expect(copy.trainer!.parameters == original.trainer!.parameters)
    }

    @Test func doublesComeBackBitForBit() throws {
        let awkward: [Double] = [0.1, 1.0 / 3, -0.0, .leastNonzeroMagnitude, 2.2250738585072014e-308, 1.7976931348623157e308, 1e-5,
                                 123456789.123456789, -9.999999999999999e-301, 0x1.fffffffffffffp-1]
        var file = CheckpointFile(session: session(after: "load builtin hello\ninit hidden=1 seq=2"),
                                  trainer: session(after: "load builtin hello\ninit hidden=1 seq=2").trainer!, corpusPath: nil)
        file.lossHistory = awkward
        file.state.step = awkward.count
        let parsed = try CheckpointFile.parse(Array(file.json().utf8))
        #expect(parsed.lossHistory.map(\.bitPattern) == awkward.map(\.bitPattern))
        #expect(parsed == file)
    }

    /// (what is done to the file, the message expected)
    static let corruptions: [(String, @Sendable (String) -> String, String)] = [
        ("truncated", { String($0.prefix($0.count / 2)) }, "it is not valid JSON (truncated or corrupt?)"),
        ("not JSON", { _ in "hello, world" }, "it is not valid JSON"),
        ("empty", { _ in "" }, "it is not valid JSON"),
        ("another format", { $0.replacingOccurrences(of: "\"rnnrepl-checkpoint\"", with: "\"keras\"") },
         "it is JSON but not an rnnrepl checkpoint"),
        ("a newer version", { $0.replacingOccurrences(of: "\"version\": 4", with: "\"version\": 5") },
         "it is version 5 of the format; this rnnrepl reads versions 1 to 4"),
        ("a missing field", { $0.replacingOccurrences(of: "\"smooth_loss\"", with: "\"smoothness\"") },
         "field 'state.smooth_loss': it is missing"),
        ("a wrong type", { $0.replacingOccurrences(of: "\"hidden\": 8", with: "\"hidden\": \"eight\"") },
         "field 'settings.hidden': expected a whole number"),
        ("a wrong shape", { $0.replacingOccurrences(of: "\"hidden\": 8", with: "\"hidden\": 9") },
         "'parameters.W_xh' is 24x8, but this model needs 24x9"),
        // The check is of the file's contents: settings for a model beyond memory are a wrong
        // shape here (restore checks the memory once the file is known to be whole).
        ("settings for a model beyond memory", { $0.replacingOccurrences(of: "\"hidden\": 8", with: "\"hidden\": 3000000") },
         "'parameters.W_xh' is 24x8, but this model needs 24x3000000"),
        ("an infinite value", { text in
            let marker = "\"W_hh\": [\n      ["
            let start = text.range(of: marker)!.upperBound
            let end = text[start...].firstIndex(of: ",")!
            return text.replacingCharacters(in: start ..< end, with: "1e999")
        }, "'parameters.W_hh' holds a value that is not a finite number"),
        ("a bad vocabulary", { $0.replacingOccurrences(of: "\"vocabulary\": \"", with: "\"vocabulary\": \"zz") },
         "its vocabulary is not valid"),
        ("an invalid setting", { $0.replacingOccurrences(of: "\"lr\": 0.1", with: "\"lr\": -1") },
         "its settings are not valid: lr=-1.0 is not allowed"),
        ("a wrong history", { $0.replacingOccurrences(of: "\"step\": 10", with: "\"step\": 11") },
         "its training state is not valid: loss_history has 10 losses for 11 steps"),
        ("a negative second moment", { text in
            let start = text.range(of: "\"second_moment\": {\n      \"W_xh\": [\n        [")!.upperBound
            return text.replacingCharacters(in: start ..< start, with: "-")
        }, "its training state is not valid: optimizer.second_moment.W_xh[0, 0] is -"),
        ("an empty norm profile", { $0.replacingOccurrences(of: "\"gradient_norms\": [", with: "\"gradient_norms\": [], \"x\": [") },
         "its training state is not valid: kept_runs[0].gradient_norms is empty, but 'keep' writes a profile of at least one step (kept run 'first')"),
        ("a negative kept loss", { $0.replacingOccurrences(of: "\"losses_per_char\": [", with: "\"losses_per_char\": [-1, ") },
         "its training state is not valid: kept_runs[0].losses_per_char[0] is -1.0, but a loss is never negative (kept run 'first')"),
        ("a ragged matrix", { text in
            let start = text.range(of: "\"W_hh\": [\n      [")!.upperBound
            let end = text[start...].firstIndex(of: ",")!
            return text.replacingCharacters(in: start ... end, with: "")
        }, "row 0 of 'parameters.W_hh' has 7 numbers, but every row of it needs 8"),
        ("a fraction for a count", { $0.replacingOccurrences(of: "\"hidden\": 8", with: "\"hidden\": 8.5") },
         "field 'settings.hidden': expected a whole number, found 8.5"),
        ("a huge count", { $0.replacingOccurrences(of: "\"pointer\": ", with: "\"pointer\": 1e30, \"was\": ") },
         "field 'state.pointer': expected a whole number, found 1e30"),
        ("no forget bias", { $0.replacingOccurrences(of: "\"forget-bias\": 1.0,", with: "") },
         "field 'settings.forget-bias': it is missing (version 2 writes it for every cell)"),
        ("no last step", { $0.replacingOccurrences(of: "\"last_step\"", with: "\"first_step\"") },
         "field 'state.last_step': it is missing after 10 steps"),
        ("two optimizers", { $0.replacingOccurrences(of: "\"kind\": \"adam\"", with: "\"kind\": \"adagrad\"") },
         "its settings are not valid: settings.optimizer is 'adam' but optimizer.kind is 'adagrad'"),
        ("a flat bias", { $0.replacingOccurrences(of: "\"b_h\": [\n      [", with: "\"b_h\": [0, [") },
         "field 'parameters.b_h[0]': expected a list"),
        ("a cell state for a vanilla RNN", { $0.replacingOccurrences(of: "\"pointer\":", with: "\"c\": [0.5],\n    \"pointer\":") },
         "field 'state.c': only an LSTM has a cell state (this checkpoint's cell is rnn)"),
        ("a zero generator", { text in
            let start = text.range(of: "\"sampling\": [")!.upperBound
            let end = text[start...].firstIndex(of: "]")!
            return text.replacingCharacters(in: start ..< end, with: "\"0x0\", \"0x0\", \"0x0\", \"0x0\"")
        }, "field 'random.sampling': expected four nonzero hex words"),
        // What the program can never write is refused too (issue 10): every check names its field.
        ("a key twice", { $0.replacingOccurrences(of: "\"version\": 4,", with: "\"version\": 4, \"version\": 1,") },
         "it is not valid JSON (truncated or corrupt?): the key \"version\" appears twice in the same object at line 3"),
        ("a negative smooth loss", { $0.replacingOccurrences(of: "\"smooth_loss\": ", with: "\"smooth_loss\": -1, \"was\": ") },
         "its training state is not valid: state.smooth_loss is negative"),
        // Each names the one field that is wrong (it said "state.last_step holds an impossible value").
        ("a negative last loss", { $0.replacingOccurrences(of: "\"loss\": ", with: "\"loss\": -2, \"was\": ") },
         "its training state is not valid: state.last_step.loss is -2.0, but a loss (a sum of -ln p) is never negative"),
        ("a negative last norm", { $0.replacingOccurrences(of: "\"gradient_norm\": ", with: "\"gradient_norm\": -1, \"was\": ") },
         "its training state is not valid: state.last_step.gradient_norm is -1.0, but a norm is never negative"),
        ("too many clipped entries", { $0.replacingOccurrences(of: "\"clipped_entries\": ", with: "\"clipped_entries\": 1000000, \"was\": ") },
         "its training state is not valid: state.last_step.clipped_entries is 1000000, but the model has 480 entries to clip"),
        ("a negative last position", { $0.replacingOccurrences(of: "\"position\": ", with: "\"position\": -3, \"was\": ") },
         "its training state is not valid: state.last_step.position is -3, but a position in the text is never negative"),
        // A byte-order mark was shown as 'ï' (its first byte read as Latin-1).
        ("a byte-order mark inside", { $0.replacingOccurrences(of: "\"version\": 4", with: "\"version\": \u{FEFF}3") },
         "it is not valid JSON (truncated or corrupt?): unexpected character U+FEFF (a byte-order mark) where a value was expected at line 3"),
        ("a character beyond ASCII (it showed as its first byte, Ã)", { $0.replacingOccurrences(of: "\"version\": 4", with: "\"version\": \u{00E9}3") },
         "it is not valid JSON (truncated or corrupt?): unexpected character 'é' where a value was expected at line 3"),
        ("a negative loss in the history", { $0.replacingOccurrences(of: "\"loss_history\": [", with: "\"loss_history\": [-1, ")
            .replacingOccurrences(of: "\"step\": 10", with: "\"step\": 11").replacingOccurrences(of: "\"updates\": 10", with: "\"updates\": 11") },
         "its training state is not valid: loss_history[0] is -1.0, but a loss (a sum of -ln p) is never negative"),
        ("an impossible h", { text in
            let start = text.range(of: "\"h\": [")!.upperBound
            let end = text[start...].firstIndex(of: ",")!
            return text.replacingCharacters(in: start ..< end, with: "1e308")
        }, "its training state is not valid: state.h[0] is 1e+308, but h is a tanh (or a mix of tanh values): from -1 to 1"),
        ("a signed random word", { text in
            let start = text.range(of: "\"sampling\": [\"")!.upperBound
            let end = text[start...].firstIndex(of: "\"")!
            return text.replacingCharacters(in: start ..< end, with: "0x+1")
        }, "field 'random.sampling': expected four nonzero hex words"),
        ("a signed seed", { $0.replacingOccurrences(of: "\"seed\": \"1\"", with: "\"seed\": \"+5\"") },
         "field 'settings.seed': expected decimal digits such as \"42\", found \"+5\""),
        ("more updates than steps", { $0.replacingOccurrences(of: "\"updates\": 10", with: "\"updates\": 12") },
         "its training state is not valid: optimizer.updates is 12, but there have been 10 steps"),
        ("a trailing comma", { $0.replacingOccurrences(of: "\"version\": 4,", with: "\"version\": 4,,") },
         "it is not valid JSON (truncated or corrupt?): expected a key in double quotes at line 3"),
    ]

    @Test(arguments: 0 ..< corruptions.count)
    func aBadFileIsRefusedAndTheSessionKept(index: Int) throws {
        let (_, corrupt, message) = Self.corruptions[index]
        let folder = try TemporaryFolder()
        var source = session(after: "load builtin rhyme\ninit hidden=8 seq=6 lr=0.1 optimizer=adam\ntrain 10 print-every=100\n"
                                     + "forward\nbackward last\nkeep first")
        run("save \(folder.path)/good.json", &source)
        let good = try String(contentsOfFile: folder.path + "/good.json", encoding: .utf8)
        let bad = try folder.write("bad.json", text: corrupt(good))

        var session = RNNLanguageTests.session(after: "load builtin hello\ninit hidden=3 seq=4\nstep 2")
        let before = Fingerprint(session)
        let result = run("restore \(bad)", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.errors.contains("'\(bad)' cannot be restored: \(message)"), "\(result.errors)")
        #expect(result.errors.contains("nothing was changed"))
        #expect(Fingerprint(session) == before)
    }

    /// The same for what only gated cells have (the source is an LSTM's checkpoint).
    static let gatedCorruptions: [(String, @Sendable (String) -> String, String)] = [
        ("no cell state", { $0.replacingOccurrences(of: "\"c\": [", with: "\"cc\": [") },
         "field 'state.c': it is missing (an LSTM carries h and c)"),
        ("a short cell state", { text in
            let start = text.range(of: "\"c\": [")!.upperBound
            let end = text[start...].firstIndex(of: ",")!
            return text.replacingCharacters(in: start ... end, with: "")
        }, "'state.c' is 7 values, but this model needs 1x8"),
        ("another cell", { $0.replacingOccurrences(of: "\"cell\": \"lstm\"", with: "\"cell\": \"gru\"") },
         "field 'parameters.W_xr': it is missing"),
        ("an unknown cell", { $0.replacingOccurrences(of: "\"cell\": \"lstm\"", with: "\"cell\": \"transformer\"") },
         "its settings are not valid: unknown cell 'transformer'"),
        ("a version 1 LSTM", { $0.replacingOccurrences(of: "\"version\": 4", with: "\"version\": 1") },
         "its settings are not valid: version 1 checkpoints hold only rnn models, not 'lstm'"),
        ("a missing gate", { $0.replacingOccurrences(of: "\"W_hf\"", with: "\"W_hh\"") },
         "field 'parameters.W_hf': it is missing"),
    ]

    @Test(arguments: 0 ..< gatedCorruptions.count)
    func aBadGatedFileIsRefusedAndTheSessionKept(index: Int) throws {
        let (_, corrupt, message) = Self.gatedCorruptions[index]
        let folder = try TemporaryFolder()
        var source = session(after: "load builtin rhyme\ninit cell=lstm hidden=8 seq=6 lr=0.1\ntrain 10 print-every=100")
        run("save \(folder.path)/good.json", &source)
        let good = try String(contentsOfFile: folder.path + "/good.json", encoding: .utf8)
        let bad = try folder.write("bad.json", text: corrupt(good))

        var session = RNNLanguageTests.session(after: "load builtin hello\ninit cell=gru hidden=3 seq=4\nstep 2")
        let before = Fingerprint(session)
        let result = run("restore \(bad)", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.errors.contains("'\(bad)' cannot be restored: \(message)"), "\(result.errors)")
        #expect(Fingerprint(session) == before)
    }

    /// A leading byte-order mark (as an editor may add) is skipped, as load and scripts skip it.
    @Test func aLeadingByteOrderMarkIsSkipped() throws {
        let folder = try TemporaryFolder()
        var original = session(after: "load builtin rhyme\ninit hidden=5 seq=6\ntrain 20 print-every=100")
        run("save \(folder.path)/run.json", &original)
        let text = try String(contentsOfFile: folder.path + "/run.json", encoding: .utf8)
        let marked = try folder.write("marked.json", bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        var session = Session()
        let result = run("restore \(marked)", &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        #expect(Fingerprint(session).parameters == Fingerprint(original).parameters)
    }

    /// A FIFO, a directory or a device is named for what it is (and a FIFO is not waited on).
    @Test func restoringWhatIsNotAFileSaysWhatItIs() throws {
        let folder = try TemporaryFolder()
        let fifo = folder.path + "/pipe.json"
        #expect(mkfifo(fifo, 0o600) == 0)
        var session = RNNLanguageTests.session(after: "load builtin hello\ninit hidden=3 seq=4")
        let before = Fingerprint(session)
        for (path, kind) in [(fifo, "a FIFO (named pipe)"), (folder.path, "a directory"), ("/dev/null", "a character device")] {
            let result = run("restore \(path)", &session)
            #expect(result.outcome == .runtimeError)
            #expect(result.errors.contains("cannot read the checkpoint '\(path)': it is \(kind), not a file\n"), "\(result.errors)")
        }
        #expect(Fingerprint(session) == before)
    }

    @Test func aVersionOneCheckpointStillRestores() throws {
        // Version 1 (before gated cells) had neither settings.forget-bias nor state.c.
        let folder = try TemporaryFolder()
        var original = session(after: "load builtin rhyme\ninit hidden=5 seq=6\ntrain 20 print-every=100")
        run("save \(folder.path)/new.json", &original)
        let text = try String(contentsOfFile: folder.path + "/new.json", encoding: .utf8)
        #expect(text.contains("\"forget-bias\": 1.0,\n"))
        let old = try folder.write("old.json", text: text.replacingOccurrences(of: "\"version\": 4", with: "\"version\": 1")
            .replacingOccurrences(of: "\"forget-bias\": 1.0,\n", with: ""))
        var session = Session()
        let result = run("restore \(old)", &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        #expect(Fingerprint(session).parameters == Fingerprint(original).parameters)
        #expect(session.trainer?.hiddenState == original.trainer?.hiddenState)
    }

    @Test func aChangedTextIsRefusedUnlessAnotherIsNamed() throws {
        let folder = try TemporaryFolder()
        let text = try folder.write("text.txt", text: String(repeating: "abcab cab\n", count: 20))
        var original = session(after: "load \(text)\ninit hidden=4 seq=5\nstep 3")
        run("save \(folder.path)/run.json", &original)

        // Same characters, different text: refused by default, allowed with corpus=.
        _ = try folder.write("text.txt", text: String(repeating: "cab abc ba\n", count: 20))
        var session = RNNLanguageTests.session(after: "load builtin hello")
        let before = Fingerprint(session)
        let refused = run("restore \(folder.path)/run.json", &session)
        #expect(refused.errors.contains("has changed since (its checksum differs)"))
        #expect(Fingerprint(session) == before)
        let allowed = run("restore \(folder.path)/run.json corpus=\(text)", &session)
        #expect(allowed.outcome == .completed, "\(allowed.errors)")

        // A text with other characters cannot carry the model.
        let other = try folder.write("other.txt", text: "xyz xyz xyz xyz xyz xyz\n")
        let mismatch = run("restore \(folder.path)/run.json corpus=\(other)", &session)
        #expect(mismatch.errors.contains("has a different vocabulary from the checkpoint's"))
        #expect(session.corpus?.source == text)
    }

    @Test func aMissingCheckpointOrTextSaysSo() throws {
        let folder = try TemporaryFolder()
        var session = Session()
        #expect(run("restore \(folder.path)/none.json", &session).errors.contains(
            "cannot read the checkpoint '\(folder.path)/none.json': no such file"))
        let text = try folder.write("gone.txt", text: "abcabcabcabcabc")
        var original = RNNLanguageTests.session(after: "load \(text)\ninit hidden=2 seq=3")
        run("save \(folder.path)/run.json", &original)
        try FileManager.default.removeItem(atPath: text)
        #expect(run("restore \(folder.path)/run.json", &session).errors.contains(
            "cannot read the checkpoint's text '\(text)' (cannot read '\(text)': no such file)"))
    }

    @Test func aFailedWriteLeavesTheOldCheckpointAndNoLitter() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("run.json", text: "the good old checkpoint")
        // The disk "fills up" after 10 bytes.
        var written = 0
        #expect(throws: WriteFailure.self) {
            try writeAtomically(Array(repeating: 65, count: 100), to: path, write: { descriptor, buffer in
                if written >= 10 {
                    errno = ENOSPC
                    return -1
                }
                written += min(buffer.count, 10)
                return Glibc.write(descriptor, buffer.baseAddress, min(buffer.count, 10))
            })
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the good old checkpoint")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["run.json"])
        // And a write that succeeds replaces it whole.
        try writeAtomically(Array("new".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
    }

    @Test func aCheckpointKeepsThePermissionsOfTheOneItReplaces() throws {
        let folder = try TemporaryFolder()
        var session = RNNLanguageTests.session(after: "load builtin hello\ninit hidden=2 seq=3")
        let path = folder.path + "/run.json"
        run("save \(path)", &session)
        let mask = umask(0)
        umask(mask)
        #expect(try permissions(path) == 0o666 & ~Int(mask), "a new checkpoint is made like any new file")
        chmod(path, 0o600)
        run("save \(path)", &session)
        #expect(try permissions(path) == 0o600, "saving again must not widen a private checkpoint")
    }

    private func permissions(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    /// Saving over a file with another name (a hard link) broke the link silently: the new
    /// file is renamed over this name (so a crash never leaves half a checkpoint), and save now
    /// says that the other name still holds the previous checkpoint.
    @Test func savingOverAHardLinkSaysTheLinkIsBroken() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/run.json", other = folder.path + "/copy.json"
        var session = RNNLanguageTests.session(after: "load builtin hello\ninit hidden=2 seq=3")
        run("save \(path)", &session)
        #expect(link(path, other) == 0)
        let old = try String(contentsOfFile: other, encoding: .utf8)
        run("step", &session)
        let output = run("save \(path)", &session).output.replacingOccurrences(of: "\n  ", with: " ")  // unwrapped
        #expect(output.contains("saved step 1 to \(path)"))
        #expect(output.contains("note: \(path) had another name (a hard link), which still holds the previous checkpoint"), "\(output)")
        #expect(try String(contentsOfFile: other, encoding: .utf8) == old)
        #expect(try String(contentsOfFile: path, encoding: .utf8) != old)
        #expect(!run("save \(path)", &session).output.contains("note:"), "the link is gone: no note the second time")
        // The writer reports the other names to its callers.
        #expect(link(path, other + "2") == 0 && link(path, other + "3") == 0)
        #expect(try writeAtomically(Array("x".utf8), to: path).otherLinks == 2)
    }

    @Test func savingIntoAMissingFolderFailsCleanly() {
        var session = RNNLanguageTests.session(after: "load builtin hello\ninit hidden=2 seq=3")
        let result = run("save /nonexistent/folder/run.json", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.errors.contains("cannot save to '/nonexistent/folder/run.json': No such file or directory"))
    }
}
