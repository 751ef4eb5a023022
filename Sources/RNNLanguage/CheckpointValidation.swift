import RNNCore

// The validator of checkpoints: what `restore` accepts and `save` checks before it writes,
// for every format a codec reads into a `CheckpointFile`.

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
    var dropoutGenerator: SeededGenerator?
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
        if version >= 4 {
            // Written for every model from version 4 on; before, each had its one value.
            for (key, present) in [("layers", settings.layers != nil), ("batch", settings.batch != nil),
                                   ("dropout", settings.dropout != nil), ("dtype", settings.dtype != nil),
                                   ("warmup", settings.warmup != nil), ("decay", settings.decay != nil),
                                   ("decay-steps", settings.decaySteps != nil), ("decay-factor", settings.decayFactor != nil),
                                   ("lr-min", settings.lrMin != nil)] where !present {
                throw .missingOrWrong(field: "settings." + key, detail: "it is missing (version 4 writes it for every model)")
            }
        }
        config.layers = settings.layers ?? 1
        config.batchSize = settings.batch ?? 1
        config.dropout = settings.dropout ?? 0
        if let dtype = settings.dtype {
            guard let precision = Precision(rawValue: dtype) else {
                throw .missingOrWrong(field: "settings.dtype", detail: "expected float32 or float64, found \"\(dtype)\"")
            }
            config.precision = precision
        }
        config.threads = settings.threads
        if let decay = settings.decay {
            guard let kind = LearningRateSchedule.Decay(rawValue: decay) else {
                throw .missingOrWrong(field: "settings.decay", detail: "expected constant, cosine or step, found \"\(decay)\"")
            }
            config.schedule.decay = kind
        }
        config.schedule.warmup = settings.warmup ?? 0
        config.schedule.decaySteps = settings.decaySteps ?? 0
        config.schedule.factor = settings.decayFactor ?? LearningRateSchedule().factor
        config.schedule.floor = settings.lrMin ?? 0
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

    /// Checks shapes, domains and finiteness of everything, without touching any session: only
    /// what the program itself could have written is accepted. The matrices move out into the
    /// result (this file's are left empty), so a big model is not held twice.
    ///
    /// `naming` says how messages name the matrices: as the JSON form's fields or as the
    /// safetensors form's tensors.
    mutating func validated(naming: CheckpointNaming = .json) throws(CheckpointProblem) -> RestoredCheckpoint {
        try validate(naming: naming, building: true)!
    }

    /// The same checks, without making anything of a session (`save` asks them before it writes,
    /// and the matrices stay where they are).
    func check(naming: CheckpointNaming = .json) throws(CheckpointProblem) {
        var copy = self
        _ = try copy.validate(naming: naming, building: false)
    }

    /// `validated`, or with `building` off only its checks (then nil).
    private mutating func validate(naming: CheckpointNaming, building: Bool) throws(CheckpointProblem) -> RestoredCheckpoint? {
        let vocabulary = try checkedVocabulary()
        guard let checksum = parseHexWord(corpus.checksum) else {
            throw .missingOrWrong(field: "corpus.checksum", detail: "expected a hex string such as \"0x1f2e…\"")
        }
        guard corpus.characters >= 0, corpus.bytes >= corpus.characters else {
            throw .missingOrWrong(field: "corpus.characters", detail: "the text's size is impossible (\(corpus.characters) characters in \(corpus.bytes) bytes)")
        }
        let (config, display) = try configuration()
        let layout = ParameterLayout.forModel(config.cell, vocabularySize: vocabulary.count, hiddenSize: config.hiddenSize,
                                              layers: config.layers)
        let parameterValues = try Self.flatten(&self.parameters, layout: layout, field: "parameters", naming: naming,
                                               building: building)!
        let gradientValues = try Self.flatten(&self.gradients, layout: layout, field: "gradients", naming: naming,
                                              building: building)!

        let needsMemory = config.optimizer != .sgd, needsSecond = config.optimizer == .adam
        let memoryRequirement: String? = switch config.optimizer {
        case .adagrad: "Adagrad's memory (a sum of squares) is never negative"
        case .rmsprop: "RMSprop's memory (an average of squares) is never negative"
        default: nil
        }
        let memory = try Self.flatten(&optimizer.memory, layout: layout, field: "optimizer.memory", optional: !needsMemory,
                                      naming: naming, building: building, nonNegative: memoryRequirement,
                                      zero: optimizer.updates == 0)
        let second = try Self.flatten(&optimizer.secondMoment, layout: layout, field: "optimizer.second_moment",
                                      optional: !needsSecond, naming: naming, building: building,
                                      nonNegative: "Adam's second moment (an average of squares) is never negative",
                                      zero: optimizer.updates == 0)
        if !needsMemory && memory != nil {
            throw .badState((naming == .json ? "optimizer.memory holds matrices" : "the file holds mW_… tensors")
                + ", but \(config.optimizer.rawValue) keeps no memory")
        }
        if !needsSecond && second != nil {
            throw .badState((naming == .json ? "optimizer.second_moment holds matrices" : "the file holds vW_… tensors")
                + ", but only adam keeps a second moment")
        }
        guard (0 ... largestCount).contains(state.step) else {
            throw .badState("state.step is \(state.step); it must be from 0 to 2^62")
        }
        guard (0 ... state.step).contains(optimizer.updates) else {
            throw .badState("optimizer.updates is \(optimizer.updates), but there have been \(state.step) steps")
        }

        // The carried state: every cell's h is a tanh or a mix of tanh values, within [−1, 1];
        // H values for each layer and stream.
        let h = config.hiddenSize, units = config.layers * config.batchSize
        let shape = units == 1 ? "1×\(h)" : "\(units)×\(h) (\(config.layers) layers × \(config.batchSize) streams, 1×\(h) each)"
        guard state.h.count == units * h else {
            throw .wrongShape(name: naming.state("h"), expected: shape, found: "\(state.h.count) values")
        }
        guard state.h.allSatisfy(\.isFinite) else { throw .nonFinite(name: naming.state("h")) }
        if let index = state.h.firstIndex(where: { abs($0) > 1 }) {
            throw .badState("\(naming.state("h"))[\(index)] is \(state.h[index]), but h is a tanh (or a mix of tanh values): from −1 to 1")
        }
        var carried = state.h
        if config.cell == .lstm {
            guard let c = state.c else {
                throw naming.missing(naming.state("c"), detail: "it is missing (an LSTM carries h and c)")
            }
            guard c.count == units * h else { throw .wrongShape(name: naming.state("c"), expected: shape, found: "\(c.count) values") }
            guard c.allSatisfy(\.isFinite) else { throw .nonFinite(name: naming.state("c")) }
            // The trainer keeps each layer's and stream's h and c together.
            carried = []
            carried.reserveCapacity(2 * units * h)
            for unit in 0 ..< units {
                carried += state.h[unit * h ..< (unit + 1) * h]
                carried += c[unit * h ..< (unit + 1) * h]
            }
        } else if state.c != nil {
            throw .missingOrWrong(field: naming.state("c"),
                                  detail: "only an LSTM has a cell state (this checkpoint's cell is \(config.cell.rawValue))")
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
        func generator(_ texts: [String], _ field: String) throws(CheckpointProblem) -> SeededGenerator {
            let words = texts.compactMap(parseHexWord)
            guard words.count == 4 && texts.count == 4, let generator = SeededGenerator(state: words) else {
                throw .missingOrWrong(field: field, detail: "expected four nonzero hex words such as \"0x1f2e\"")
            }
            return generator
        }
        let sampling = try generator(random.sampling, "random.sampling")
        if version >= 4 && random.dropout == nil {
            throw .missingOrWrong(field: "random.dropout", detail: "it is missing (version 4 writes it for every model)")
        }
        let dropoutGenerator = try random.dropout.map { (words) throws(CheckpointProblem) in try generator(words, "random.dropout") }
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
            if let rate = last.learningRate, !(rate > 0) {
                throw .badState("state.last_step.learning_rate is \(rate), but a learning rate is above 0")
            }
            lastReport = StepReport(step: state.step, loss: last.loss, smoothLoss: state.smoothLoss, position: last.position,
                                    wrapped: last.wrapped,
                                    clip: ClipReport(normBefore: last.gradientNorm, clippedEntries: last.clippedEntries),
                                    sequenceLength: config.sequenceLength, learningRate: last.learningRate)
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
        guard building else { return nil }
        let optimizerState = OptimizerState(kind: config.optimizer, memory: memory ?? [], secondMoment: second ?? [],
                                            updateCount: optimizer.updates)
        return RestoredCheckpoint(vocabulary: vocabulary, checksum: checksum, config: config, display: display,
                                  parameters: Parameters(layout: layout, values: parameterValues),
                                  gradients: Parameters(layout: layout, values: gradientValues), optimizer: optimizerState,
                                  hiddenState: carried, position: state.pointer, stepCount: state.step,
                                  smoothLoss: state.smoothLoss, lossHistory: lossHistory, windowLengths: lengths,
                                  validationHistory: validation, trainingCharacters: corpus.trainingCharacters,
                                  validationFraction: corpus.validation, samplingGenerator: sampling,
                                  dropoutGenerator: dropoutGenerator,
                                  lastReport: lastReport, keptRuns: kept)
    }
}
