import RNNCore

/// Everything a session needs to continue exactly where it stopped, as the file formats hold
/// it. Two codecs turn it into bytes and back: safetensors (`SafetensorsWriter.swift`,
/// `SafetensorsReader.swift`; the default) and JSON (`CheckpointJSON.swift`), with the same
/// fields; `validated()` (`CheckpointValidation.swift`, `CheckpointMatrices.swift`) checks
/// every field of either before anything of a session changes,
/// and `save` runs the same check before it writes, so the program never writes a file its
/// own `restore` would refuse. The check is of the file's contents only: whether the model
/// fits in the memory available now is `restore`'s question (a model that fits when it is
/// saved takes memory away from the check itself).
///
/// Version 4 (the batched network: `settings.layers`, `batch`, `dropout`, `dtype`, `threads`,
/// the learning-rate schedule; per-layer parameter names "W_hh@2"; `state.h` and `state.c` of
/// every layer and stream; `random.dropout`; `state.last_step.learning_rate`); versions 3
/// (held-out text: `corpus.training_characters`, `corpus.validation`, `state.validation_history`;
/// `state.window_lengths`; kept runs per character), 2 (gated cells: `settings.forget-bias`,
/// `state.c`) and 1 (vanilla RNN only) are still read. The README documents every field.
struct CheckpointFile: Equatable {
    static let formatName = "rnnrepl-checkpoint"
    static let currentVersion = 4
    static let readableVersions = 1 ... 4

    var format = formatName
    var version = currentVersion
    var rnnrepl: String
    var cell: String
    /// Every character of the vocabulary, in index order.
    var vocabulary: String
    var corpus: CorpusRecord
    var settings: SettingsRecord
    /// Each parameter by its name (W_xh, …), row-major.
    var parameters: [String: CheckpointTensor]
    /// The gradients of the last step (they matter when zero-grad=off lets them accumulate).
    var gradients: [String: CheckpointTensor]
    var optimizer: OptimizerRecord
    var state: StateRecord
    var lossHistory: [Double]
    var random: RandomRecord
    var keptRuns: [KeptRunRecord]

    struct CorpusRecord: Equatable {
        /// The absolute path of the text, or nil for a built-in corpus.
        var path: String?
        var builtin: String?
        var characters: Int
        var bytes: Int
        /// FNV-1a 64 of the text's bytes, "0x…".
        var checksum: String
        /// Characters training reads (the rest is held out); absent: the whole text.
        var trainingCharacters: Int?
        /// The fraction held out with `load … validation=F` (applied to another text given with
        /// `restore … corpus=`).
        var validation: Double?
    }

    struct SettingsRecord: Equatable {
        var hidden: Int
        var seq: Int
        var lr: Double
        var clip: Double
        var clipMode: String
        var optimizer: String
        var seed: String
        var whh: String
        var scale: Double
        var sigma: Double
        /// The LSTM's initial b_f (version 2; absent in version 1, which had no LSTM).
        var forgetBias: Double?
        var update: Bool
        var zeroGrad: Bool
        var carry: Bool
        var precision: Int
        /// Characters per line when set with `set width=`; absent: the page's width.
        var width: Int?
        // Version 4 (absent before: one layer, one stream, float64, no dropout, constant lr).
        var layers: Int?
        var batch: Int?
        var dropout: Double?
        var dtype: String?
        /// Absent: one thread per processor.
        var threads: Int?
        var warmup: Int?
        var decay: String?
        var decaySteps: Int?
        var decayFactor: Double?
        var lrMin: Double?
    }

    struct OptimizerRecord: Equatable {
        var kind: String
        /// t: the number of updates so far (Adam's bias correction uses it).
        var updates: Int
        /// Adagrad's Σg² or Adam's first moment, by parameter name (empty for SGD).
        var memory: [String: CheckpointTensor]
        /// Adam's second moment (empty otherwise).
        var secondMoment: [String: CheckpointTensor]
    }

    struct StateRecord: Equatable {
        /// h carried into the next window: H values for each layer and stream (layer by layer,
        /// stream by stream).
        var h: [Double]
        /// The LSTM's cell state c carried into the next window, in the same order (nil for
        /// other cells).
        var c: [Double]?
        /// p, where the next window starts.
        var pointer: Int
        var step: Int
        var smoothLoss: Double
        /// The last step's report (nil before the first step).
        var lastStep: LastStepRecord?
        /// [step, T] where the window length changed; absent: T = settings.seq throughout.
        var windowLengths: [[Int]]?
        /// Every evaluation on the held-out text: after which step, and the loss per character.
        var validationSteps: [Int] = []
        var validationLosses: [Double] = []
    }

    struct LastStepRecord: Equatable {
        var loss: Double
        var position: Int
        var wrapped: Bool
        var gradientNorm: Double
        var clippedEntries: Int
        /// The rate the update used, when a schedule varies it (version 4).
        var learningRate: Double?
    }

    struct RandomRecord: Equatable {
        /// The sampling generator's four xoshiro256** words, "0x…".
        var sampling: [String]
        /// The dropout generator's (version 4).
        var dropout: [String]?
    }

    struct KeptRunRecord: Equatable {
        var name: String
        /// The loss of each step per character (files before per-character losses hold the
        /// window's sums under "losses": they are divided by settings.seq when read).
        var losses: [Double]
        var gradientNorms: [Double]?
        /// The key the losses were read from ("losses" in older files), for messages.
        var lossesKey = "losses_per_char"
    }
}

/// A matrix as a checkpoint holds it: its shape and its values, row by row. The values are a
/// slice, so that a checkpoint made from a session shares the session's arrays instead of
/// copying them (index it from `values.startIndex`).
struct CheckpointTensor: Equatable {
    var rows: Int
    var columns: Int
    var values: ArraySlice<Double>
}

/// What can be wrong with a checkpoint file.
public enum CheckpointProblem: Error, Equatable, Sendable {
    case notJSON(detail: String)
    case notACheckpoint
    case unsupportedVersion(found: Int, supported: Int)
    case missingOrWrong(field: String, detail: String)
    case badVocabulary(String)
    case wrongShape(name: String, expected: String, found: String)
    case raggedRow(name: String, row: Int, found: Int, expected: Int)
    case nonFinite(name: String)
    case badSetting(String)
    case badState(String)

    // The safetensors container (Safetensors.swift, SafetensorsReader.swift).
    /// Fewer than the 8 bytes of the header's length (and not JSON either).
    case safetensorsTooShort(fileBytes: Int)
    case safetensorsHeaderTooLarge(headerBytes: UInt64, limit: Int)
    /// The header's length goes beyond the end of the file.
    case safetensorsHeaderBeyondFile(headerBytes: Int, fileBytes: Int)
    case safetensorsHeaderNotJSON(detail: String)
    /// `key` nil: the `__metadata__` member itself is wrong.
    case safetensorsBadMetadata(key: String?, detail: String)
    /// A tensor's entry in the header: its dtype, shape or data_offsets.
    case safetensorsBadEntry(name: String, detail: String)
    /// The tensors' places in the data: gaps, overlaps, beyond the end, bytes left over (`name`
    /// nil: no one tensor is at fault).
    case safetensorsOffsets(name: String?, detail: String)
    /// A safetensors file whose metadata does not say "rnnrepl-checkpoint" (`format`: what it says).
    case safetensorsNotACheckpoint(format: String?)
    case unknownTensor(name: String, cell: String, layers: Int)
    case missingTensor(name: String)
    case wrongDType(name: String, expected: String, found: String)
}

/// How a checkpoint's messages name its matrices: by their path in the JSON form
/// ("parameters.W_hh", "gradients.W_hh", "state.h") or by their tensor's name in the
/// safetensors form ("W_hh", "dW_hh", "h").
enum CheckpointNaming {
    case json
    case safetensors

    /// A parameter-shaped matrix of `group` ("parameters", "gradients", "optimizer.memory",
    /// "optimizer.second_moment").
    func matrix(_ group: String, _ name: String) -> String {
        switch self {
        case .json: group + "." + name
        case .safetensors: Self.prefixes[group, default: ""] + name
        }
    }

    /// The carried state, "h" or "c".
    func state(_ name: String) -> String { self == .json ? "state." + name : name }

    /// A missing matrix or state.
    func missing(_ name: String, detail: String) -> CheckpointProblem {
        self == .json ? .missingOrWrong(field: name, detail: detail) : .missingTensor(name: name)
    }

    /// The prefixes `show` puts before a parameter's name for each group.
    static let prefixes = ["parameters": "", "gradients": "d", "optimizer.memory": "m", "optimizer.second_moment": "v"]
}

/// The largest step and update count a checkpoint may hold: far beyond any run (2⁶² steps at
/// a million a second is 146,000 years), and far enough from Int.max that counting on cannot
/// overflow.
let largestCount = 1 << 62

// MARK: - From a session

extension CheckpointFile {
    /// The checkpoint of a session with a model.
    init(session: Session, trainer: Trainer, corpusPath: String?) {
        let config = trainer.config
        let layout = trainer.parameters.layout
        func tensors(_ values: [Double]) -> [String: CheckpointTensor] {
            var result: [String: CheckpointTensor] = [:]
            for entry in layout.entries {
                result[entry.name] = CheckpointTensor(rows: entry.rows, columns: entry.columns, values: values[entry.range])
            }
            return result
        }
        rnnrepl = rnnreplVersion
        cell = config.cell.rawValue
        vocabulary = trainer.vocabulary.string
        let builtinPrefix = "builtin "
        let isBuiltin = trainer.corpus.source.hasPrefix(builtinPrefix)
        corpus = CorpusRecord(path: isBuiltin ? nil : corpusPath,
                              builtin: isBuiltin ? String(trainer.corpus.source.dropFirst(builtinPrefix.count)) : nil,
                              characters: trainer.corpus.count, bytes: trainer.corpus.byteCount,
                              checksum: hexWord(trainer.corpus.checksum),
                              trainingCharacters: trainer.corpus.validationRange == nil ? nil : trainer.corpus.trainingCount,
                              validation: session.validationFraction)
        settings = SettingsRecord(
            hidden: config.hiddenSize, seq: config.sequenceLength, lr: config.learningRate, clip: config.clip,
            clipMode: config.clipMode.rawValue, optimizer: config.optimizer.rawValue, seed: String(config.seed),
            whh: config.initialization.recurrent.rawValue, scale: config.initialization.recurrentScale,
            sigma: config.initialization.weightScale, forgetBias: config.initialization.forgetBias,
            update: config.applyUpdate, zeroGrad: config.zeroGradients,
            carry: config.carryHiddenState, precision: session.display.precision, width: session.display.width,
            layers: config.layers, batch: config.batchSize, dropout: config.dropout, dtype: config.precision.rawValue,
            threads: config.threads, warmup: config.schedule.warmup, decay: config.schedule.decay.rawValue,
            decaySteps: config.schedule.decaySteps, decayFactor: config.schedule.factor, lrMin: config.schedule.floor)
        parameters = tensors(trainer.parameters.values)
        gradients = tensors(trainer.gradients.values)
        optimizer = OptimizerRecord(
            kind: trainer.optimizer.kind.rawValue, updates: trainer.optimizer.updateCount,
            memory: trainer.optimizer.memory.isEmpty ? [:] : tensors(trainer.optimizer.memory),
            secondMoment: trainer.optimizer.secondMoment.isEmpty ? [:] : tensors(trainer.optimizer.secondMoment))
        // The trainer keeps (h, c) together for each layer and stream; the file keeps all h, then all c.
        let h = config.hiddenSize, size = trainer.stateSize, units = trainer.hiddenState.count / size
        let hs = (0 ..< units).flatMap { trainer.hiddenState[$0 * size ..< $0 * size + h] }
        let cs = size > h ? (0 ..< units).flatMap { trainer.hiddenState[$0 * size + h ..< ($0 + 1) * size] } : nil
        state = StateRecord(
            h: hs, c: cs,
            pointer: trainer.position, step: trainer.stepCount, smoothLoss: trainer.smoothLoss,
            lastStep: trainer.lastReport.map {
                LastStepRecord(loss: $0.loss, position: $0.position, wrapped: $0.wrapped,
                               gradientNorm: $0.clip.normBefore, clippedEntries: $0.clip.clippedEntries,
                               learningRate: $0.learningRate)
            },
            windowLengths: trainer.windowLengths.map { [$0.step, $0.length] },
            validationSteps: trainer.validationHistory.map(\.step), validationLosses: trainer.validationHistory.map(\.loss))
        lossHistory = trainer.lossHistory
        random = RandomRecord(sampling: trainer.samplingGenerator.state.map(hexWord),
                              dropout: trainer.dropoutGenerator.state.map(hexWord))
        keptRuns = session.keptRuns.map { KeptRunRecord(name: $0.name, losses: $0.losses, gradientNorms: $0.gradientNorms) }
    }
}

extension CheckpointFormat {
    /// The form of a file from its first bytes (up to 16) and its size, or nil when they look
    /// like neither. Safetensors: the 8-byte length of a header that fits in the file, then the
    /// header's "{". JSON: "{" after an optional byte-order mark and white space. A length that
    /// goes beyond the file, with "{" after it, is a damaged safetensors file. (A JSON text
    /// read as a length is beyond any file: its first bytes are printable characters.)
    static func sniff(_ start: [UInt8], fileSize: Int) -> CheckpointFormat? {
        let safetensorsBrace = start.count > 8 && start[8] == UInt8(ascii: "{")
        if safetensorsBrace, let length = SafetensorsHeader.headerLength(start), length <= UInt64(fileSize - 8) { return .safetensors }
        var index = byteOrderMarkLength(start)
        while index < start.count, [0x20, 0x09, 0x0A, 0x0D].contains(start[index]) { index += 1 }
        if index < start.count && start[index] == UInt8(ascii: "{") { return .json }
        return safetensorsBrace ? .safetensors : nil
    }
}

func hexWord(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// "0x" and 1 to 16 hex digits, nothing else (no sign, no spaces).
func parseHexWord(_ text: String) -> UInt64? {
    guard text.hasPrefix("0x") else { return nil }
    let digits = text.dropFirst(2)
    guard (1 ... 16).contains(digits.count), digits.allSatisfy(\.isHexDigit) else { return nil }
    return UInt64(digits, radix: 16)
}

/// A whole number in decimal digits only (no sign, no spaces), for seeds.
func parseDecimalWord(_ text: String) -> UInt64? {
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
    return UInt64(text)
}
