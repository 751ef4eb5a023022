import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage

/// Every way a safetensors checkpoint can be wrong: each is refused with a message that names
/// the tensor or the metadata key, and the session restore was given is left as it was.
@Suite struct SafetensorsCorruptionTests {
    /// The file every case starts from: a 2-layer LSTM of 2 streams with Adam, held-out text
    /// and a kept run (V = 26, H = 8; 10 steps).
    static let setup = "load builtin rhyme validation=0.2\ninit cell=lstm layers=2 batch=2 hidden=8 seq=6 lr=0.1 optimizer=adam\n"
        + "train 10 eval-every=5 print-every=100\nkeep first"

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// The bad file made from the good one.
        let corrupt: @Sendable (SafetensorsParts) throws -> [UInt8]
        /// What the error says (each a part of it).
        let messages: [String]
        var testDescription: String { name }
    }

    /// The good file with `change` made to its parts.
    static func edit(_ change: @escaping @Sendable (inout SafetensorsParts) -> Void) -> @Sendable (SafetensorsParts) throws -> [UInt8] {
        { parts in
            var parts = parts
            change(&parts)
            return try parts.bytes()
        }
    }

    /// The good file with one metadata value changed (nil: removed).
    static func metadata(_ key: String, _ value: String?) -> @Sendable (SafetensorsParts) throws -> [UInt8] {
        edit { $0.metadata[key] = value }
    }

    /// The good file's bytes changed as bytes.
    static func bytes(_ change: @escaping @Sendable ([UInt8]) -> [UInt8]) -> @Sendable (SafetensorsParts) throws -> [UInt8] {
        { try change($0.bytes()) }
    }

    static func lengthPrefix(_ length: UInt64) -> [UInt8] { (0 ..< 8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } }

    static let cases: [Case] = [
        // The container: sizes and offsets, checked before any value is read.
        Case(name: "truncated in the data", corrupt: bytes { Array($0.dropLast(100)) },
             messages: ["tensor 'kept_runs[0].losses_per_char': its data_offsets", "reach beyond the", "bytes of data in the file (truncated?)"]),
        Case(name: "truncated in the header", corrupt: bytes { Array($0.prefix(40)) },
             messages: ["its safetensors header claims", "bytes, but the file has only 32 after the header's length (truncated?)"]),
        Case(name: "shorter than the header's length", corrupt: bytes { _ in [1, 2, 3] },
             messages: ["it is 3 bytes long: neither JSON nor safetensors (whose first 8 bytes give its header's length)"]),
        Case(name: "empty", corrupt: bytes { _ in [] }, messages: ["it is 0 bytes long: neither JSON nor safetensors"]),
        Case(name: "a 1 GB header", corrupt: bytes { lengthPrefix(1 << 30) + $0.dropFirst(8) },
             messages: ["its safetensors header claims 1073741824 bytes, more than the 100000000 a safetensors header may have "
                + "(corrupt, or not a safetensors file); nothing was read beyond its first 8 bytes"]),
        Case(name: "a header's length beyond the file", corrupt: bytes { lengthPrefix(UInt64($0.count + 1001)) + $0.dropFirst(8) },
             messages: ["bytes, but the file has only", "after the header's length (truncated?)"]),
        Case(name: "a header that is not JSON", corrupt: { try $0.bytes(editingHeader: { $0.replacingOccurrences(of: "\"dtype\"", with: "\"dtype") }) },
             messages: ["its safetensors header is not valid JSON (corrupt?): "]),
        Case(name: "a header that is not an object", corrupt: { _ in lengthPrefix(6) + Array("[1, 2]".utf8) },
             messages: ["its safetensors header is not valid JSON (corrupt?): it is a list, not an object"]),
        Case(name: "a tensor twice", corrupt: { try $0.bytes(editingHeader: { $0.replacingOccurrences(of: "\"dW_hy\":", with: "\"W_hy\":") }) },
             messages: ["its safetensors header is not valid JSON (corrupt?): the key \"W_hy\" appears twice in the same object"]),
        Case(name: "offsets beyond the data", corrupt: edit { parts in
            let (begin, end) = parts.offsets("kept_runs[0].gradient_norms")
            parts.setField("kept_runs[0].gradient_norms", "data_offsets", [begin + 8, end + 8])
        }, messages: ["tensor 'kept_runs[0].gradient_norms': its data_offsets [", "reach beyond the", "bytes of data in the file (truncated?)"]),
        Case(name: "two tensors in the same place", corrupt: edit { parts in
            let (begin, end) = parts.offsets("W_hi@1")
            parts.setField("W_hf@1", "data_offsets", [begin, end])
        }, messages: ["tensor 'W_hi@1': its data starts at", "but 'W_hf@1' ends at", "the two overlap"]),
        Case(name: "a gap between tensors", corrupt: edit { $0.header["b_y"] = nil },
             messages: ["tensor 'dW_xi@1': its data starts at", "but 'b_o@2' ends at", "there is a gap between them"]),
        Case(name: "bytes that belong to no tensor", corrupt: edit { $0.data += [UInt8](repeating: 0, count: 8) },
             messages: ["its tensors do not cover its data: the tensors end at byte", "8 bytes belong to no tensor"]),
        Case(name: "a field too many", corrupt: edit { $0.setField("W_hy", "scale", 2) },
             messages: ["tensor 'W_hy': it has a field 'scale'; a tensor has only dtype, shape and data_offsets"]),
        Case(name: "an unknown dtype", corrupt: edit { $0.setField("W_hy", "dtype", "F16") },
             messages: ["tensor 'W_hy': its dtype is F16; rnnrepl reads F64, F32, I64"]),
        Case(name: "a shape its bytes do not hold", corrupt: edit { $0.setField("W_hy", "shape", [8, 3]) },
             messages: ["tensor 'W_hy': its shape [8, 3] of F64 takes 192 bytes, but its data_offsets [", "hold 1536"]),
        Case(name: "a negative dimension", corrupt: edit { $0.setField("W_hy", "shape", [-8, -208]) },
             messages: ["tensor 'W_hy': its shape [-8.0, -208.0] holds a value that is not a whole number from 0 to 2^53"]),
        // The checkpoint: every tensor where the model has it, in its dtype and shape.
        Case(name: "another dtype of the same size", corrupt: edit { $0.setField("W_hy", "dtype", "I64") },
             messages: ["tensor 'W_hy' is I64, but a checkpoint stores it as F64"]),
        Case(name: "float32 weights", corrupt: edit { $0.setField("W_hi@1", "dtype", "F32"); $0.setField("W_hi@1", "shape", [8, 16]) },
             messages: ["tensor 'W_hi@1' is F32, but a checkpoint stores it as F64 (a float32 model computes in float32 but keeps "
                + "float64 weights, and resuming needs every bit)"]),
        Case(name: "float window lengths", corrupt: edit { $0.setField("state.window_lengths", "dtype", "F64") },
             messages: ["tensor 'state.window_lengths' is F64, but a checkpoint stores it as I64"]),
        Case(name: "a wrong shape", corrupt: edit { $0.setField("W_hi@1", "shape", [4, 16]) },
             messages: ["'W_hi@1' is 4x16, but this model needs 8x8"]),
        Case(name: "a wrong rank", corrupt: edit { $0.setField("W_hi@1", "shape", [64]) },
             messages: ["'W_hi@1' is [64], but this model needs 2 dimensions, [rows, columns]"]),
        Case(name: "a carried state of another shape", corrupt: edit { $0.setField("h", "shape", [2, 8, 2]) },
             messages: ["'h' is [2, 8, 2], but this model needs [2, 2, 8] (layers, streams, hidden)"]),
        Case(name: "settings that do not match the tensors", corrupt: metadata("settings.hidden", "9"),
             messages: ["'h' is [2, 2, 8], but this model needs [2, 2, 9] (layers, streams, hidden)"]),
        Case(name: "NaN in a weight", corrupt: edit { $0.setValue("W_hi@2", 5, .nan) },
             messages: ["'W_hi@2' holds a value that is not a finite number"]),
        Case(name: "infinity in a gradient", corrupt: edit { $0.setValue("dW_hy", 3, -.infinity) },
             messages: ["'dW_hy' holds a value that is not a finite number"]),
        Case(name: "NaN in the loss history", corrupt: edit { $0.setValue("loss_history", 9, .nan) },
             messages: ["'loss_history' holds a value that is not a finite number"]),
        Case(name: "a negative second moment", corrupt: edit { $0.setValue("vb_f@1", 2, -1) },
             messages: ["its training state is not valid: vb_f@1[0, 2] is -1.0, but Adam's second moment (an average of squares) is never negative"]),
        Case(name: "an h beyond tanh", corrupt: edit { $0.setValue("h", 0, 2) },
             messages: ["its training state is not valid: h[0] is 2.0, but h is a tanh (or a mix of tanh values): from -1 to 1"]),
        Case(name: "a missing gradient", corrupt: edit { $0.remove("dW_hg@2") }, messages: ["the tensor 'dW_hg@2' is missing"]),
        Case(name: "a missing cell state", corrupt: edit { $0.remove("c") }, messages: ["the tensor 'c' is missing"]),
        Case(name: "a missing loss history", corrupt: edit { $0.remove("loss_history") }, messages: ["the tensor 'loss_history' is missing"]),
        Case(name: "a missing kept run", corrupt: edit { $0.remove("kept_runs[0].losses_per_char") },
             messages: ["the tensor 'kept_runs[0].losses_per_char' is missing"]),
        Case(name: "an unknown tensor", corrupt: edit { $0.append("W_zz", shape: [1], values: [0.5]) },
             messages: ["it holds a tensor 'W_zz', which no checkpoint of a 2-layer lstm model has"]),
        Case(name: "another cell's tensor", corrupt: edit { $0.append("W_hr@1", shape: [8, 8], values: Array(repeating: 0, count: 64)) },
             messages: ["it holds a tensor 'W_hr@1', which no checkpoint of a 2-layer lstm model has"]),
        Case(name: "a tensor of a third layer", corrupt: edit { $0.append("b_i@3", shape: [1, 8], values: Array(repeating: 0, count: 8)) },
             messages: ["it holds a tensor 'b_i@3', which no checkpoint of a 2-layer lstm model has"]),
        // The metadata: strings only, each key as save writes it.
        Case(name: "metadata that is not strings", corrupt: edit { parts in
            var fields = parts.header["__metadata__"] as! [String: Any]
            fields["settings.hidden"] = 8
            parts.header["__metadata__"] = fields
        }, messages: ["__metadata__ 'settings.hidden': its value is a number, but metadata values are strings"]),
        Case(name: "metadata that is not an object", corrupt: edit { $0.header["__metadata__"] = ["format"] },
             messages: ["its safetensors __metadata__ is not valid: it is a list, not an object of strings"]),
        Case(name: "no metadata", corrupt: edit { $0.header["__metadata__"] = nil },
             messages: ["it is a safetensors file but not an rnnrepl checkpoint (its __metadata__ has no \"format\", not \"rnnrepl-checkpoint\")"]),
        Case(name: "PyTorch weights", corrupt: metadata("format", "pt"),
             messages: ["it is a safetensors file but not an rnnrepl checkpoint (its __metadata__ has \"format\": \"pt\", not "
                + "\"rnnrepl-checkpoint\"): PyTorch weights, such as 'export' writes, hold no training state to continue from"]),
        Case(name: "a newer version", corrupt: metadata("version", "5"), messages: ["it is version 5 of the format; this rnnrepl reads versions 1 to 4"]),
        Case(name: "an older version", corrupt: metadata("version", "3"),
             messages: ["field 'version': safetensors checkpoints start at version 4, found 3"]),
        Case(name: "a missing key", corrupt: metadata("state.step", nil), messages: ["field 'state.step': it is missing from the __metadata__"]),
        Case(name: "a word for a number", corrupt: metadata("settings.lr", "fast"), messages: ["field 'settings.lr': expected a number, found \"fast\""]),
        Case(name: "nan for a number", corrupt: metadata("state.smooth_loss", "nan"),
             messages: ["field 'state.smooth_loss': expected a number, found \"nan\""]),
        Case(name: "an infinite number", corrupt: metadata("state.smooth_loss", "1e999"),
             messages: ["'state.smooth_loss' holds a value that is not a finite number"]),
        Case(name: "a fraction for a count", corrupt: metadata("state.pointer", "1.5"),
             messages: ["field 'state.pointer': expected a whole number, found \"1.5\""]),
        Case(name: "a word for a switch", corrupt: metadata("settings.carry", "yes"),
             messages: ["field 'settings.carry': expected true or false, found \"yes\""]),
        Case(name: "an unknown cell", corrupt: metadata("cell", "transformer"), messages: ["its settings are not valid: unknown cell 'transformer'"]),
        Case(name: "another cell", corrupt: metadata("cell", "gru"),
             messages: ["it holds a tensor 'W_xi@1', which no checkpoint of a 2-layer gru model has"]),
        Case(name: "a huge number of layers", corrupt: metadata("settings.layers", "100000"),
             messages: ["field 'settings.layers': expected 1 to", "found 100000"]),
        // A pool of this many threads was started as the model was made (32,000 of them, until
        // the system ran out of processes): the same bounds as `init threads=`.
        Case(name: "a huge number of threads", corrupt: metadata("settings.threads", "9223372036854775807"),
             messages: ["threads=9223372036854775807 is not allowed: threads must be a whole number from 1 to 1024"]),
        Case(name: "a kept run without its name", corrupt: metadata("kept_runs", "2"),
             messages: ["field 'kept_runs[1].name': it is missing from the __metadata__"]),
        Case(name: "more updates than steps", corrupt: metadata("optimizer.updates", "12"),
             messages: ["its training state is not valid: optimizer.updates is 12, but there have been 10 steps"]),
        Case(name: "a history of another length", corrupt: edit { $0.metadata["state.step"] = "11"; $0.metadata["optimizer.updates"] = "11" },
             messages: ["its training state is not valid: loss_history has 10 losses for 11 steps"]),
        Case(name: "a zero generator", corrupt: metadata("random.sampling", "0x0,0x0,0x0,0x0"),
             messages: ["field 'random.sampling': expected four nonzero hex words"]),
        Case(name: "a bad vocabulary", corrupt: edit { $0.metadata["vocabulary"] = "zz" + ($0.metadata["vocabulary"] ?? "") },
             messages: ["its vocabulary is not valid"]),
        Case(name: "two optimizers", corrupt: metadata("optimizer.kind", "adagrad"),
             messages: ["its settings are not valid: settings.optimizer is 'adam' but optimizer.kind is 'adagrad'"]),
    ]

    @Test(arguments: cases)
    func aBadFileIsRefusedAndTheSessionKept(_ badCase: Case) throws {
        let folder = try TemporaryFolder()
        var source = session(after: Self.setup)
        #expect(run("save \(folder.path)/good.safetensors", &source).outcome == .completed)
        let bad = try folder.write("bad.safetensors", bytes: try badCase.corrupt(try SafetensorsParts(path: folder.path + "/good.safetensors")))

        var session = RNNLanguageTests.session(after: "load builtin hello\ninit cell=gru hidden=3 seq=4\nstep 2")
        let before = Fingerprint(session)
        let result = run("restore \(bad)", &session)
        #expect(result.outcome == .runtimeError)
        #expect(result.errors.contains("'\(bad)' cannot be restored: "), "\(result.errors)")
        for message in badCase.messages {
            #expect(result.errors.contains(message), "\(result.errors)")
        }
        #expect(result.errors.contains("nothing was changed"))
        #expect(Fingerprint(session) == before)
    }

    /// The harness itself: the good file taken apart and put together again (another key
    /// order, no padding) restores, so each refusal above is the corruption's doing.
    @Test func theGoodFileReassembledRestores() throws {
        let folder = try TemporaryFolder()
        var source = session(after: Self.setup)
        run("save \(folder.path)/good.safetensors", &source)
        let again = try folder.write("again.safetensors", bytes: try SafetensorsParts(path: folder.path + "/good.safetensors").bytes())
        var session = Session()
        let result = run("restore \(again)", &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        #expect(session.trainer!.parameters == source.trainer!.parameters && session.keptRuns == source.keptRuns)
    }

    /// A JSON checkpoint's damage is told in JSON's terms, whatever the name says.
    @Test func aDamagedJSONCheckpointNamedSafetensorsIsReadAsJSON() throws {
        let folder = try TemporaryFolder()
        var source = session(after: "load builtin rhyme\ninit hidden=4 seq=5\nstep 2")
        run("save \(folder.path)/run.json", &source)
        let text = try String(contentsOfFile: folder.path + "/run.json", encoding: .utf8)
        let bad = try folder.write("run.safetensors", text: String(text.prefix(text.count / 2)))
        var session = Session()
        let result = run("restore \(bad)", &session)
        #expect(result.errors.contains("'\(bad)' cannot be restored: it is not valid JSON (truncated or corrupt?)"), "\(result.errors)")
        #expect(session.trainer == nil)
    }

    /// A damaged safetensors file is told in safetensors' terms, even named .json.
    @Test func aTruncatedSafetensorsCheckpointNamedJSONIsReadAsSafetensors() throws {
        let folder = try TemporaryFolder()
        var source = session(after: "load builtin rhyme\ninit hidden=4 seq=5\nstep 2")
        run("save \(folder.path)/run.safetensors", &source)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: folder.path + "/run.safetensors")))
        let bad = try folder.write("run.json", bytes: Array(bytes.prefix(100)))
        var session = Session()
        let result = run("restore \(bad)", &session)
        #expect(result.errors.contains("'\(bad)' cannot be restored: its safetensors header claims"), "\(result.errors)")
    }
}
