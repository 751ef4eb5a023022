import RNNCore

/// Everything a session needs to continue exactly where it stopped, as the file formats hold
/// it. A codec turns it into bytes and back (`CheckpointJSON.swift`); `validated()` checks every
/// field before anything of a session changes, and `save` runs the same check before it writes,
/// so the program never writes a file its own `restore` would refuse. The check is of the
/// file's contents only: whether the model fits in the memory available now is `restore`'s
/// question (a model that fits when it is saved takes memory away from the check itself).
///
/// Version 3 (held-out text: `corpus.training_characters`, `corpus.validation`,
/// `state.validation_history`; `state.window_lengths`; kept runs per character); versions 2
/// (gated cells: `settings.forget-bias`, `state.c`) and 1 (vanilla RNN only) are still read. The
/// README documents every field.
struct CheckpointFile: Equatable {
    static let formatName = "rnnrepl-checkpoint"
    static let currentVersion = 3
    static let readableVersions = 1 ... 3

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
        /// h carried into the next window.
        var h: [Double]
        /// The LSTM's cell state c carried into the next window (nil for other cells).
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
    }

    struct RandomRecord: Equatable {
        /// The sampling generator's four xoshiro256** words, "0x…".
        var sampling: [String]
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

/// A matrix as a checkpoint holds it: its shape and its values, row by row.
struct CheckpointTensor: Equatable {
    var rows: Int
    var columns: Int
    var values: [Double]
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
                result[entry.name] = CheckpointTensor(rows: entry.rows, columns: entry.columns, values: Array(values[entry.range]))
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
            carry: config.carryHiddenState, precision: session.display.precision, width: session.display.width)
        parameters = tensors(trainer.parameters.values)
        gradients = tensors(trainer.gradients.values)
        optimizer = OptimizerRecord(
            kind: trainer.optimizer.kind.rawValue, updates: trainer.optimizer.updateCount,
            memory: trainer.optimizer.memory.isEmpty ? [:] : tensors(trainer.optimizer.memory),
            secondMoment: trainer.optimizer.secondMoment.isEmpty ? [:] : tensors(trainer.optimizer.secondMoment))
        let h = config.hiddenSize
        state = StateRecord(
            h: Array(trainer.hiddenState[..<h]), c: trainer.hiddenState.count > h ? Array(trainer.hiddenState[h...]) : nil,
            pointer: trainer.position, step: trainer.stepCount, smoothLoss: trainer.smoothLoss,
            lastStep: trainer.lastReport.map {
                LastStepRecord(loss: $0.loss, position: $0.position, wrapped: $0.wrapped,
                               gradientNorm: $0.clip.normBefore, clippedEntries: $0.clip.clippedEntries)
            },
            windowLengths: trainer.windowLengths.map { [$0.step, $0.length] },
            validationSteps: trainer.validationHistory.map(\.step), validationLosses: trainer.validationHistory.map(\.loss))
        lossHistory = trainer.lossHistory
        random = RandomRecord(sampling: trainer.samplingGenerator.state.map(hexWord))
        keptRuns = session.keptRuns.map { KeptRunRecord(name: $0.name, losses: $0.losses, gradientNorms: $0.gradientNorms) }
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

// MARK: - Validating

/// A checkpoint turned into the values a session is made of, every one of them checked.
struct RestoredCheckpoint {
    var vocabulary: Vocabulary
    var checksum: UInt64
    var config: TrainingConfig
    var display: DisplaySettings
    var parameters: Parameters
    var gradients: Parameters
    var optimizer: OptimizerState
    var hiddenState: [Double]
    var position: Int
    var stepCount: Int
    var smoothLoss: Double
    var lossHistory: [Double]
    var windowLengths: [WindowLength]
    var validationHistory: [ValidationPoint]
    /// Characters training reads, when some are held out; and the fraction held out.
    var trainingCharacters: Int?
    var validationFraction: Double?
    var samplingGenerator: SeededGenerator
    var lastReport: StepReport?
    var keptRuns: [KeptRun]
}

extension CheckpointFile {
    /// The training configuration the settings describe, checked as `init` checks it.
    func configuration() throws(CheckpointProblem) -> (TrainingConfig, DisplaySettings) {
        var config = TrainingConfig()
        guard let cellKind = CellKind(rawValue: cell) else { throw .badSetting("unknown cell '\(cell)'") }
        config.cell = cellKind
        config.hiddenSize = settings.hidden
        config.sequenceLength = settings.seq
        config.learningRate = settings.lr
        config.clip = settings.clip
        guard let mode = ClipMode(rawValue: settings.clipMode) else { throw .badSetting("unknown clip-mode '\(settings.clipMode)'") }
        config.clipMode = mode
        guard let kind = OptimizerKind(rawValue: settings.optimizer) else {
            throw .badSetting("unknown optimizer '\(settings.optimizer)'")
        }
        guard kind.rawValue == optimizer.kind else {
            throw .badSetting("settings.optimizer is '\(settings.optimizer)' but optimizer.kind is '\(optimizer.kind)'")
        }
        config.optimizer = kind
        guard let seed = parseDecimalWord(settings.seed) else {
            throw .missingOrWrong(field: "settings.seed", detail: "expected decimal digits such as \"42\", found \"\(settings.seed)\"")
        }
        config.seed = seed
        guard let recurrent = RecurrentInitializer(rawValue: settings.whh) else { throw .badSetting("unknown whh '\(settings.whh)'") }
        if version >= 2 && settings.forgetBias == nil {
            throw .missingOrWrong(field: "settings.forget-bias", detail: "it is missing (version 2 writes it for every cell)")
        }
        config.initialization = Initialization(weightScale: settings.sigma, recurrent: recurrent, recurrentScale: settings.scale,
                                               forgetBias: settings.forgetBias ?? Initialization().forgetBias)
        if version == 1 && cellKind != .rnn { throw .badSetting("version 1 checkpoints hold only rnn models, not '\(cell)'") }
        config.applyUpdate = settings.update
        config.zeroGradients = settings.zeroGrad
        config.carryHiddenState = settings.carry
        do {
            try config.validateDomains()
        } catch {
            throw .badSetting(error.description)
        }
        guard (0 ... 12).contains(settings.precision) else {
            throw .missingOrWrong(field: "settings.precision", detail: "expected 0 to 12, found \(settings.precision)")
        }
        if let width = settings.width, !(20 ... 1000).contains(width) {
            throw .missingOrWrong(field: "settings.width", detail: "expected 20 to 1000, found \(width)")
        }
        // Files written before the width followed the page hold the old fixed default, 100: that
        // means "the page's width" now.
        let width = settings.width == DisplaySettings.transcriptWidth && version <= 2 ? nil : settings.width
        return (config, DisplaySettings(precision: settings.precision, width: width))
    }

    /// The vocabulary, checked: distinct characters in increasing order, at least two.
    func checkedVocabulary() throws(CheckpointProblem) -> Vocabulary {
        let scalars = Array(vocabulary.unicodeScalars)
        guard scalars.count >= 2 else { throw .badVocabulary("it has fewer than 2 characters") }
        for i in 1 ..< scalars.count where scalars[i - 1].value >= scalars[i].value {
            throw .badVocabulary("it is not sorted by code point without repeats (at position \(i))")
        }
        return Vocabulary(scalars: scalars)
    }

    /// A flat buffer from tensors by name, each checked against the layout; nil when `tensors`
    /// is empty and `optional`. `check` says what values the program can write there.
    ///
    /// Every shape is checked before the buffer is allocated (so the buffer is never larger
    /// than what the file already holds, whatever its settings claim), and each tensor is
    /// removed from `tensors` once copied, so a big model is not held twice.
    static func flatten(_ tensors: inout [String: CheckpointTensor], layout: ParameterLayout, field: String, optional: Bool = false,
                        check: (Double) -> Bool = { _ in true }, requirement: String = "") throws(CheckpointProblem) -> [Double]? {
        if tensors.isEmpty && optional { return nil }
        for entry in layout.entries {
            guard let tensor = tensors[entry.name] else {
                throw .missingOrWrong(field: "\(field).\(entry.name)", detail: "it is missing")
            }
            guard tensor.rows == entry.rows && tensor.columns == entry.columns else {
                throw .wrongShape(name: "\(field).\(entry.name)", expected: "\(entry.rows)×\(entry.columns)",
                                  found: "\(tensor.rows)×\(tensor.columns)")
            }
        }
        if let extra = tensors.keys.sorted().first(where: { layout.entry(named: $0) == nil }) {
            throw .missingOrWrong(field: "\(field).\(extra)", detail: "the \(layout.names.joined(separator: ", ")) model has no such parameter")
        }
        var values = [Double](repeating: 0, count: layout.count)
        for entry in layout.entries {
            let tensor = tensors.removeValue(forKey: entry.name)!
            for (offset, value) in tensor.values.enumerated() {
                guard value.isFinite else { throw .nonFinite(name: "\(field).\(entry.name)") }
                guard check(value) else {
                    throw .badState("\(field).\(entry.name)[\(offset / entry.columns), \(offset % entry.columns)] is "
                        + "\(value), but \(requirement)")
                }
                values[entry.offset + offset] = value
            }
        }
        return values
    }

    /// Checks shapes, domains and finiteness of everything, without touching any session: only
    /// what the program itself could have written is accepted. The matrices move out into the
    /// result (this file's are left empty), so a big model is not held twice.
    mutating func validated() throws(CheckpointProblem) -> RestoredCheckpoint {
        let vocabulary = try checkedVocabulary()
        guard let checksum = parseHexWord(corpus.checksum) else {
            throw .missingOrWrong(field: "corpus.checksum", detail: "expected a hex string such as \"0x1f2e…\"")
        }
        guard corpus.characters >= 0, corpus.bytes >= corpus.characters else {
            throw .missingOrWrong(field: "corpus.characters", detail: "the text's size is impossible (\(corpus.characters) characters in \(corpus.bytes) bytes)")
        }
        let (config, display) = try configuration()
        let layout = ParameterLayout.forCell(config.cell, vocabularySize: vocabulary.count, hiddenSize: config.hiddenSize)
        let parameters = Parameters(layout: layout, values: try Self.flatten(&self.parameters, layout: layout, field: "parameters")!)
        let gradients = Parameters(layout: layout, values: try Self.flatten(&self.gradients, layout: layout, field: "gradients")!)

        let needsMemory = config.optimizer != .sgd, needsSecond = config.optimizer == .adam
        let nonNegative: (Double) -> Bool = { $0 >= 0 }
        let memory = config.optimizer == .adagrad
            ? try Self.flatten(&optimizer.memory, layout: layout, field: "optimizer.memory", optional: !needsMemory,
                               check: nonNegative, requirement: "Adagrad's memory (a sum of squares) is never negative")
            : try Self.flatten(&optimizer.memory, layout: layout, field: "optimizer.memory", optional: !needsMemory)
        let second = try Self.flatten(&optimizer.secondMoment, layout: layout, field: "optimizer.second_moment",
                                      optional: !needsSecond, check: nonNegative,
                                      requirement: "Adam's second moment (an average of squares) is never negative")
        if !needsMemory && memory != nil {
            throw .badState("optimizer.memory holds matrices, but \(config.optimizer.rawValue) keeps no memory")
        }
        if !needsSecond && second != nil {
            throw .badState("optimizer.second_moment holds matrices, but only adam keeps a second moment")
        }
        guard (0 ... largestCount).contains(state.step) else {
            throw .badState("state.step is \(state.step); it must be from 0 to 2^62")
        }
        guard (0 ... state.step).contains(optimizer.updates) else {
            throw .badState("optimizer.updates is \(optimizer.updates), but there have been \(state.step) steps")
        }
        if optimizer.updates == 0 {
            for (field, values) in [("optimizer.memory", memory), ("optimizer.second_moment", second)] {
                if let values, let index = values.firstIndex(where: { $0 != 0 }), let (entry, row, column) = layout.locate(index) {
                    throw .badState("\(field).\(entry.name)[\(row), \(column)] is \(values[index]), but optimizer.updates "
                        + "is 0: the memory is zero before the first update")
                }
            }
        }
        let optimizerState = OptimizerState(kind: config.optimizer, memory: memory ?? [], secondMoment: second ?? [],
                                            updateCount: optimizer.updates)

        // The carried state: every cell's h is a tanh or a mix of tanh values, within [−1, 1].
        let h = config.hiddenSize
        guard state.h.count == h else { throw .wrongShape(name: "state.h", expected: "1×\(h)", found: "1×\(state.h.count)") }
        guard state.h.allSatisfy(\.isFinite) else { throw .nonFinite(name: "state.h") }
        if let index = state.h.firstIndex(where: { abs($0) > 1 }) {
            throw .badState("state.h[\(index)] is \(state.h[index]), but h is a tanh (or a mix of tanh values): from −1 to 1")
        }
        var carried = state.h
        if config.cell == .lstm {
            guard let c = state.c else { throw .missingOrWrong(field: "state.c", detail: "it is missing (an LSTM carries h and c)") }
            guard c.count == h else { throw .wrongShape(name: "state.c", expected: "1×\(h)", found: "1×\(c.count)") }
            guard c.allSatisfy(\.isFinite) else { throw .nonFinite(name: "state.c") }
            carried += c
        } else if state.c != nil {
            throw .missingOrWrong(field: "state.c", detail: "only an LSTM has a cell state (this checkpoint's cell is \(config.cell.rawValue))")
        }
        guard state.pointer >= 0 else { throw .badState("state.pointer is negative") }
        guard lossHistory.count == state.step else {
            throw .badState("loss_history has \(lossHistory.count) losses for \(state.step) steps")
        }
        guard lossHistory.allSatisfy(\.isFinite) else { throw .nonFinite(name: "loss_history") }
        if let index = lossHistory.firstIndex(where: { $0 < 0 }) {
            throw .badState("loss_history[\(index)] is \(lossHistory[index]), but a loss (a sum of −ln p) is never negative")
        }
        guard state.smoothLoss.isFinite else { throw .nonFinite(name: "state.smooth_loss") }
        guard state.smoothLoss >= 0 else { throw .badState("state.smooth_loss is negative, but it averages losses, which never are") }
        let words = random.sampling.compactMap(parseHexWord)
        guard words.count == 4 && random.sampling.count == 4, let generator = SeededGenerator(state: words) else {
            throw .missingOrWrong(field: "random.sampling", detail: "expected four nonzero hex words such as \"0x1f2e\"")
        }
        var lastReport: StepReport?
        if state.step > 0 && state.lastStep == nil {
            throw .missingOrWrong(field: "state.last_step", detail: "it is missing after \(state.step) steps")
        }
        if let last = state.lastStep {
            // (Infinite numbers were refused as they were read.)
            guard last.loss >= 0 else {
                throw .badState("state.last_step.loss is \(last.loss), but a loss (a sum of −ln p) is never negative")
            }
            guard last.gradientNorm >= 0 else {
                throw .badState("state.last_step.gradient_norm is \(last.gradientNorm), but a norm is never negative")
            }
            guard (0 ... layout.count).contains(last.clippedEntries) else {
                throw .badState("state.last_step.clipped_entries is \(last.clippedEntries), but the model has "
                    + "\(layout.count) entries to clip")
            }
            guard last.position >= 0 else {
                throw .badState("state.last_step.position is \(last.position), but a position in the text is never negative")
            }
            lastReport = StepReport(step: state.step, loss: last.loss, smoothLoss: state.smoothLoss, position: last.position,
                                    wrapped: last.wrapped,
                                    clip: ClipReport(normBefore: last.gradientNorm, clippedEntries: last.clippedEntries),
                                    sequenceLength: config.sequenceLength)
        }
        // Window lengths: from step 1, at increasing steps, each a length the settings allow.
        var lengths = [WindowLength(step: 1, length: config.sequenceLength)]
        if let pairs = state.windowLengths {
            lengths = []
            for (index, pair) in pairs.enumerated() {
                guard pair.count == 2, pair[1] >= 1, pair[0] >= (lengths.last.map { $0.step + 1 } ?? 1),
                      lengths.isEmpty ? pair[0] == 1 : pair[0] <= state.step + 1 else {
                    throw .badState("state.window_lengths[\(index)] is \(pair), but the lengths must be [step, T] pairs "
                        + "from step 1 on, in increasing steps up to the next step, with T >= 1")
                }
                lengths.append(WindowLength(step: pair[0], length: pair[1]))
            }
            guard lengths.last?.length == config.sequenceLength else {
                throw .badState("state.window_lengths must end with the current seq (\(config.sequenceLength))")
            }
        }
        // The held-out text and its evaluations.
        if let training = corpus.trainingCharacters {
            guard (1 ..< corpus.characters).contains(training) else {
                throw .missingOrWrong(field: "corpus.training_characters",
                                      detail: "expected a split inside the text (1 to \(corpus.characters - 1)), found \(training)")
            }
            guard let fraction = corpus.validation else {
                throw .missingOrWrong(field: "corpus.validation", detail: "it is missing (corpus.training_characters needs it)")
            }
            guard fraction > 0 && fraction < 1 else {
                throw .missingOrWrong(field: "corpus.validation", detail: "expected a fraction between 0 and 1, found \(fraction)")
            }
        } else if corpus.validation != nil {
            throw .missingOrWrong(field: "corpus.validation", detail: "it needs corpus.training_characters")
        }
        guard state.validationSteps.count == state.validationLosses.count else {
            throw .badState("state.validation_history has \(state.validationSteps.count) steps for \(state.validationLosses.count) losses")
        }
        var validation: [ValidationPoint] = []
        for (index, (step, loss)) in zip(state.validationSteps, state.validationLosses).enumerated() {
            guard loss.isFinite else { throw .nonFinite(name: "state.validation_history.losses") }
            guard loss >= 0 else {
                throw .badState("state.validation_history.losses[\(index)] is \(loss), but a loss is never negative")
            }
            guard (0 ... state.step).contains(step), step >= (validation.last?.step ?? 0) else {
                throw .badState("state.validation_history.steps[\(index)] is \(step), but evaluations come after steps 0 to "
                    + "\(state.step), in order")
            }
            validation.append(ValidationPoint(step: step, loss: loss))
        }
        if !validation.isEmpty && corpus.trainingCharacters == nil {
            throw .badState("state.validation_history has evaluations but the corpus holds nothing out")
        }
        var kept: [KeptRun] = []
        for (number, run) in keptRuns.enumerated() {
            // What `keep` writes: a loss curve (≥ 0), a profile of norms (≥ 0), or both; never nothing.
            let field = "kept_runs[\(number)]"
            for (key, values) in [(run.lossesKey, run.losses), ("gradient_norms", run.gradientNorms ?? [])] {
                guard values.allSatisfy(\.isFinite) else { throw .nonFinite(name: "\(field).\(key)") }
                if let index = values.firstIndex(where: { $0 < 0 }) {
                    throw .badState("\(field).\(key)[\(index)] is \(values[index]), but "
                        + (key == "gradient_norms" ? "a norm" : "a loss") + " is never negative (kept run '\(run.name)')")
                }
            }
            if let norms = run.gradientNorms, norms.isEmpty {
                throw .badState("\(field).gradient_norms is empty, but 'keep' writes a profile of at least one step "
                    + "(kept run '\(run.name)')")
            }
            guard !run.losses.isEmpty || run.gradientNorms != nil else {
                throw .badState("\(field).\(run.lossesKey) is empty and there are no gradient_norms, but 'keep' keeps "
                    + "one or both (kept run '\(run.name)')")
            }
            kept.append(KeptRun(name: run.name, losses: run.losses, gradientNorms: run.gradientNorms))
        }
        return RestoredCheckpoint(vocabulary: vocabulary, checksum: checksum, config: config, display: display,
                                  parameters: parameters, gradients: gradients, optimizer: optimizerState,
                                  hiddenState: carried, position: state.pointer, stepCount: state.step,
                                  smoothLoss: state.smoothLoss, lossHistory: lossHistory, windowLengths: lengths,
                                  validationHistory: validation, trainingCharacters: corpus.trainingCharacters,
                                  validationFraction: corpus.validation, samplingGenerator: generator,
                                  lastReport: lastReport, keptRuns: kept)
    }
}
