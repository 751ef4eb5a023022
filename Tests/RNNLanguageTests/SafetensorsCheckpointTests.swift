import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage

/// Issue 14: checkpoints in safetensors, the default form of `save`.
@Suite struct SafetensorsCheckpointTests {
    /// Every kind of model `init` makes: the teaching cells (one layer, one stream, float64),
    /// the batched network with layers and streams, dropout, float32, every optimizer, the
    /// article's bugs, a learning-rate schedule.
    static let models = [
        "cell=rnn", "cell=lstm", "cell=gru",
        "cell=rnn layers=2 batch=3", "cell=lstm layers=2 batch=3", "cell=gru layers=2 batch=3",
        "cell=lstm layers=2 batch=2 dropout=0.3", "cell=gru layers=3 batch=2 dropout=0.2",
        "cell=rnn layers=2 dtype=float32", "cell=lstm layers=2 batch=2 dtype=float32 dropout=0.2",
        "cell=gru dtype=float32 optimizer=adam",
        "cell=rnn optimizer=sgd", "cell=lstm optimizer=adam", "cell=gru layers=2 optimizer=rmsprop",
        "cell=rnn layers=2 optimizer=adagrad zero-grad=off carry=off clip-mode=norm",
        "cell=lstm layers=2 batch=2 optimizer=adam warmup=4 decay=cosine decay-steps=20 lr-min=0.0005",
    ]

    /// save after 12 steps, restore in a new session, 12 more: the same as 24 in one go, bit
    /// for bit (weights, gradients, optimizer, carried state, losses, evaluations, generators,
    /// kept runs, and the samples drawn after).
    @Test(arguments: models)
    func resumingFromSafetensorsIsBitIdenticalToNeverStopping(model: String) throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/run.safetensors"
        let setup = "load builtin story validation=0.15\ninit hidden=10 seq=7 lr=0.05 sigma=0.3 " + model
            + "\ntrain 12 eval-every=6 print-every=100\nkeep first"
        var straight = session(after: setup)
        var first = session(after: setup)
        let saved = run("save \(path)", &first)
        #expect(saved.output.replacingOccurrences(of: "\n  ", with: " ").hasPrefix("saved step 12 to \(path) (safetensors, "), "\(saved.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(9).last == UInt8(ascii: "{"))

        var resumed = Session()
        let restored = run("restore \(path)", &resumed)
        #expect(restored.outcome == .completed, "\(restored.errors)")
        #expect(restored.output.hasPrefix("restored at step 12: "), "\(restored.output)")
        let continuation = "train 12 eval-every=6 print-every=100\nsample 60"
        let a = run(continuation, &straight), b = run(continuation, &resumed)
        #expect(a.output == b.output)
        let x = straight.trainer!, y = resumed.trainer!
        #expect(x.parameters == y.parameters && x.gradients == y.gradients && x.optimizer == y.optimizer)
        #expect(x.hiddenState == y.hiddenState && x.position == y.position && x.smoothLoss.bitPattern == y.smoothLoss.bitPattern)
        #expect(x.lossHistory == y.lossHistory && x.validationHistory == y.validationHistory)
        #expect(x.samplingGenerator == y.samplingGenerator && x.dropoutGenerator.state == y.dropoutGenerator.state)
        #expect(x.config == y.config && x.lastReport == y.lastReport)
        #expect(straight.keptRuns == resumed.keptRuns && straight.display == resumed.display)
    }

    /// Every field comes back as it was written, every double to the last bit (no checks: the
    /// file is read as it is).
    @Test func everyFieldRoundTripsBitForBit() throws {
        let folder = try TemporaryFolder()
        let source = session(after: "load builtin story validation=0.15\ninit cell=lstm layers=2 batch=2 hidden=6 seq=7 "
            + "optimizer=adam dropout=0.1 warmup=2 decay=step decay-steps=5\ntrain 10 eval-every=5 print-every=100\n"
            + "keep a\nset seq=5\ntrain 4 print-every=100\nkeep b\nset precision=7 width=90")
        let trainer = source.trainer!
        var file = CheckpointFile(session: source, trainer: trainer, corpusPath: nil)
        let awkward: [Double] = [0.1, 1.0 / 3, -0.0, .leastNonzeroMagnitude, 2.2250738585072014e-308, 1.7976931348623157e308,
                                 1e-5, 123456789.123456789, -9.999999999999999e-301, 0x1.fffffffffffffp-1]
        file.lossHistory = awkward + Array(file.lossHistory.dropFirst(awkward.count))
        file.gradients["W_hy"]!.values.replaceSubrange(file.gradients["W_hy"]!.values.startIndex ..< file.gradients["W_hy"]!.values.startIndex + awkward.count,
                                                       with: awkward)
        let path = folder.path + "/all.safetensors"
        try writeSafetensorsCheckpoint(file, to: path)
        let read = try readSafetensorsCheckpoint(path)
        #expect(read == file)
        #expect(read.lossHistory.map(\.bitPattern) == file.lossHistory.map(\.bitPattern))
        #expect(read.gradients["W_hy"]!.values.map(\.bitPattern) == file.gradients["W_hy"]!.values.map(\.bitPattern))
        #expect(read.state.windowLengths == [[1, 7], [11, 5]] && read.keptRuns.map(\.name) == ["a", "b"])
        #expect(read.state.validationSteps == [5, 10] && read.settings.width == 90)
    }

    /// The file is the tensors' bytes and a small header: within 5% of the raw bytes (here the
    /// metadata of a tiny model is most of it; the benchmark measures a big one).
    @Test func theFileIsTheRawBytesAndAHeader() throws {
        let folder = try TemporaryFolder()
        var session = session(after: "load builtin story\ninit cell=gru layers=2 hidden=40 optimizer=adam\ntrain 3 print-every=100")
        let path = folder.path + "/run.safetensors"
        run("save \(path)", &session)
        let parts = try SafetensorsParts(path: path)
        let trainer = session.trainer!
        let raw = 8 * (4 * trainer.parameters.values.count + trainer.hiddenState.count + trainer.lossHistory.count)
        #expect(parts.data.count == raw + 8 * 2)  // and window_lengths, one [step, T] pair
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(Double(size) < 1.05 * Double(raw), "\(size) bytes for \(raw) of numbers")
        // Named as `show` names them, in the layout's order, every one float64.
        #expect(parts.names.prefix(3) == ["W_xr@1", "W_xu@1", "W_xn@1"])
        #expect(parts.names.contains("dW_hn@2") && parts.names.contains("mW_hy") && parts.names.contains("vb_hn@1"))
        #expect(parts.shape("W_xr@1") == [27, 40] && parts.shape("W_hr@2") == [40, 40] && parts.shape("h") == [2, 1, 40])
        #expect(parts.values("W_hn@2") == Array(trainer.parameters.matrix(named: "W_hn@2")!.storage))
        #expect(parts.values("loss_history") == trainer.lossHistory)
        #expect(parts.names.filter { parts.dtype($0) != "F64" } == ["state.window_lengths"])
        #expect(parts.metadata["format"] == "rnnrepl-checkpoint" && parts.metadata["settings.layers"] == "2"
                && parts.metadata["state.step"] == "3" && parts.metadata["corpus.builtin"] == "story")
    }

    /// The name decides what save writes (JSON for .json, else safetensors; format= to say it),
    /// the content what restore reads: a file whose name says the other form restores, with a note.
    @Test func theNameChoosesTheFormAndTheContentIsRead() throws {
        let folder = try TemporaryFolder()
        var session = session(after: "load builtin rhyme\ninit hidden=5 seq=6\ntrain 5 print-every=100")
        func first(_ name: String) throws -> UInt8 { try Data(contentsOf: URL(fileURLWithPath: folder.path + "/" + name)).first! }
        for (command, name, json) in [("save run.json", "run.json", true), ("save run", "run", false),
                                      ("save run.ckpt format=json", "run.ckpt", true), ("save x.safetensors", "x.safetensors", false),
                                      ("save run.JSON", "run.JSON", true)] {
            let result = run(command.replacingOccurrences(of: "save ", with: "save \(folder.path)/"), &session)
            #expect(result.output.contains(json ? "(JSON, " : "(safetensors, "), "\(command): \(result.output)")
            #expect(json == (try first(name) == UInt8(ascii: "{")), "\(command)")
        }
        // Renamed to say the other form: restored all the same, and restore says what it found.
        try FileManager.default.moveItem(atPath: folder.path + "/run.json", toPath: folder.path + "/was-json.safetensors")
        try FileManager.default.moveItem(atPath: folder.path + "/x.safetensors", toPath: folder.path + "/was-safetensors.json")
        for (name, found, says) in [("was-json.safetensors", "JSON", "safetensors"), ("was-safetensors.json", "safetensors", "JSON")] {
            var other = Session()
            let result = run("restore \(folder.path)/\(name)", &other)
            #expect(result.outcome == .completed, "\(result.errors)")
            #expect(result.output.replacingOccurrences(of: "\n  ", with: " ").contains(
                "note: \(folder.path)/\(name) holds a \(found) checkpoint although its name says \(says); restore reads either form"),
                "\(result.output)")
            #expect(other.trainer!.parameters == session.trainer!.parameters)
        }
    }

    /// Bad targets, bad formats, nothing to export: a clear error, and nothing on disk changes.
    static let badWrites: [(setup: String, command: String, message: String)] = [
        ("", "save /nonexistent/folder/run.safetensors",
         "cannot save to '/nonexistent/folder/run.safetensors': No such file or directory; any file that was there is unchanged"),
        ("", "save FOLDER", "cannot save to 'FOLDER': it is a directory, not a regular file"),
        ("", "save /dev/null", "cannot save to '/dev/null': it is a character device, not a regular file"),
        ("", "save FOLDER/readonly.safetensors",
         "cannot save to 'FOLDER/readonly.safetensors': it is read-only (mode 0444): make it writable (chmod u+w) or save under another name"),
        ("", "save FOLDER/fifo.safetensors", "cannot save to 'FOLDER/fifo.safetensors': it is a FIFO (named pipe), not a regular file"),
        ("", "export FOLDER format=pytorch", "cannot export to 'FOLDER': it is a directory, not a regular file"),
        ("", "export FOLDER/readonly.safetensors format=pytorch", "cannot export to 'FOLDER/readonly.safetensors': it is read-only"),
        ("", "export /nonexistent/m.safetensors format=pytorch", "cannot export to '/nonexistent/m.safetensors': No such file or directory"),
        ("", "export m.safetensors format=onnx", "format=onnx is not allowed: format must be one of pytorch"),
        ("", "export m.safetensors", "'export' needs format=pytorch, e.g. export model.safetensors format=pytorch"),
        ("", "export format=pytorch", "'export' needs a file name, e.g. export model.safetensors format=pytorch"),
        ("", "export m.json format=pytorch", "format=pytorch writes safetensors, but the name 'm.json' says JSON: name it m.safetensors"),
        ("", "save run.json format=safetensors",
         "format=safetensors writes safetensors, but the name 'run.json' says JSON: name it run.safetensors, or leave format= out"),
        ("", "save run.safetensors format=xml", "format=xml is not allowed: format must be one of safetensors, json"),
        ("reset\nload builtin rhyme", "export FOLDER/m.safetensors format=pytorch", "'export' needs a model: run 'init' first (after 'load')"),
        ("reset", "export FOLDER/m.safetensors format=pytorch", "'export' needs a text: run 'load PATH'"),
    ]

    @Test(arguments: 0 ..< badWrites.count)
    func aBadWriteIsRefusedAndChangesNothing(index: Int) throws {
        let folder = try TemporaryFolder()
        let readOnly = try folder.write("readonly.safetensors", text: "the old file")
        chmod(readOnly, 0o444)
        #expect(mkfifo(folder.path + "/fifo.safetensors", 0o600) == 0)
        let (setup, command, message) = Self.badWrites[index]
        var session = session(after: "load builtin rhyme\ninit hidden=4 seq=5\nstep 2" + (setup.isEmpty ? "" : "\n" + setup))
        let before = Fingerprint(session)
        let listing = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let result = run(command.replacingOccurrences(of: "FOLDER", with: folder.path), &session)
        #expect(result.outcome == .runtimeError || result.outcome == .syntaxError)
        #expect(result.errors.contains(message.replacingOccurrences(of: "FOLDER", with: folder.path)), "\(result.errors)")
        #expect(Fingerprint(session) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == listing)
        #expect(try String(contentsOfFile: readOnly, encoding: .utf8) == "the old file")
    }

    /// Ctrl-C during a save or an export: nothing is written, the old file stays.
    @Test(arguments: ["save FILE", "export FILE format=pytorch"])
    func anInterruptedWriteLeavesTheOldFile(command: String) throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("run.safetensors", text: "the old file")
        var session = session(after: "load builtin story\ninit cell=lstm hidden=200 optimizer=adam")
        let console = CapturingConsole()
        console.interruptAfterChecks = 0
        let outcome = Runner.run(command.replacingOccurrences(of: "FILE", with: path), fileName: nil, session: &session, console: console)
        #expect(outcome == .interrupted, "\(console.output) \(console.errors)")
        #expect(console.output.contains("interrupted: nothing was"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the old file")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["run.safetensors"])
    }
}
