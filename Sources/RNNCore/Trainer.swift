#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one training step did.
public struct StepReport: Equatable, Sendable {
    /// 1 for the first step.
    public let step: Int
    /// L = Σ_t −log p_t[y_t] over the window (with B streams, the mean over them of that sum).
    public let loss: Double
    public let smoothLoss: Double
    /// p, the index of the window's first input.
    public let position: Int
    /// true when the pointer wrapped to 0 (and h was reset) before this step.
    public let wrapped: Bool
    public let clip: ClipReport
    public let sequenceLength: Int
    /// The learning rate this step's update used (the schedule's, when there is one).
    public let learningRate: Double?

    public init(step: Int, loss: Double, smoothLoss: Double, position: Int, wrapped: Bool, clip: ClipReport,
                sequenceLength: Int, learningRate: Double? = nil) {
        self.step = step
        self.loss = loss
        self.smoothLoss = smoothLoss
        self.position = position
        self.wrapped = wrapped
        self.clip = clip
        self.sequenceLength = sequenceLength
        self.learningRate = learningRate
    }

    /// L / T, nats per character.
    public var lossPerCharacter: Double { loss / Double(sequenceLength) }
    /// exp(L / T).
    public var perplexity: Double { exp(lossPerCharacter) }
}

/// From `step` on (the 1-based number of a step), windows were `length` characters long.
public struct WindowLength: Equatable, Sendable {
    public var step: Int
    public var length: Int

    public init(step: Int, length: Int) {
        self.step = step
        self.length = length
    }
}

/// One evaluation on the held-out text.
public struct ValidationPoint: Equatable, Sendable {
    /// The number of training steps taken when it was measured.
    public var step: Int
    /// Mean −ln p(next character) over the held-out text, in nats.
    public var loss: Double

    public init(step: Int, loss: Double) {
        self.step = step
        self.loss = loss
    }
}

/// Which window the cell's record holds.
public struct RecordedWindow: Equatable, Sendable {
    /// Index of the first input character.
    public var start: Int
    /// The pointer wrapped to 0 for this window.
    public var wrapped: Bool
    /// The window started from h = 0 (wrap, or carry=off).
    public var stateWasReset: Bool
    /// The parameters are still those the forward pass used (false once a step updated them).
    public var matchesParameters: Bool
    /// Gradients and ‖∂L/∂h_t‖ of this window exist.
    public var backwardDone: Bool
    /// Which losses the last backward pass differentiated.
    public var backwardLosses = LossSelection.all
}

/// A model being trained on a corpus, with the classic min-char-rnn step semantics.
///
/// The model runs on the teaching cells (one stream, one layer, float64, no dropout: every
/// lesson) or on the batched network (`Network`); both share the parameters, gradients,
/// clipping and optimizer here, in Double.
///
/// B streams (char-rnn's scheme) read the training text side by side: with N training
/// characters, stream b reads [b·S, (b+1)·S), S = ⌊N/B⌋, from one shared pointer p; a window of
/// T steps takes characters p…p+T of each stream, and when p + T + 1 > S every stream starts
/// over at p = 0 from the zero state. B = 1 is the article's single stream.
///
/// A value type: copy it to keep a snapshot. Only the engine (forward record and scratch) is
/// shared between copies.
public struct Trainer {
    public private(set) var config: TrainingConfig
    public let corpus: Corpus
    public var parameters: Parameters
    /// ∂L/∂θ of the last step, after clipping (what the update used).
    public private(set) var gradients: Parameters
    public private(set) var optimizer: OptimizerState
    /// The state carried from the end of the last window: h_T (and c_T) of every layer and
    /// stream, layer by layer, stream by stream.
    public private(set) var hiddenState: [Double]
    /// p: where the next window starts (in every stream).
    public private(set) var position = 0
    public private(set) var stepCount = 0
    /// s ← 0.999·s + 0.001·L, starting at −ln(1/V)·T (the loss of a uniform guess).
    public private(set) var smoothLoss: Double
    /// L of every step so far: each the sum over its window of T characters.
    public private(set) var lossHistory: [Double] = []
    /// The window length T from each step on where it changed (`set seq=`): the first entry is
    /// step 1's. Per-character losses divide each step's L by the T it had.
    public private(set) var windowLengths: [WindowLength]
    /// Every evaluation on the held-out text: after which step, and the loss per character.
    public private(set) var validationHistory: [ValidationPoint] = []
    public private(set) var lastReport: StepReport?
    /// The window the engine's record holds (from the last `step` or `forwardOnly`), if any.
    public private(set) var recordedWindow: RecordedWindow?
    /// L of the recorded window (summed over its steps, averaged over the streams).
    public private(set) var recordedLoss = 0.0
    /// Sampling draws from this stream unless given a seed of its own.
    public var samplingGenerator: SeededGenerator
    /// Dropout masks are drawn from this stream (saved in checkpoints, for an exact resume).
    public var dropoutGenerator: SeededGenerator

    /// What runs the model.
    enum Engine {
        /// The teaching cells: a second cell is the step's workspace, swapped in only when the
        /// step succeeds, so a refused step leaves the record of the last good window in place.
        case cells(active: any RecurrentCell, spare: any RecurrentCell)
        /// The batched network (a refused step clears its record).
        case network(any TrainableNetwork)
    }
    private var engine: Engine
    /// The network's threads (nil for the teaching cells).
    public private(set) var pool: ThreadPool?
    private var scratchGradients: Parameters
    /// θ and the optimizer state after an update, before it is accepted (then they swap in).
    private var spareValues: [Double]
    private var spareOptimizer: OptimizerState
    private var windowInputs: [Int32]
    private var windowTargets: [Int32]

    /// A new model with freshly drawn weights. Checks the settings, the text's length and the
    /// memory first; `shouldStop` can interrupt the drawing of big matrices (`ModelError.interrupted`).
    public init(corpus: Corpus, config: TrainingConfig, shouldStop: () -> Bool = { false }) throws {
        try config.validate(vocabularySize: corpus.vocabulary.count)
        try corpus.validate(sequenceLength: config.sequenceLength, streams: config.batchSize)
        var generator = SeededGenerator(seed: config.seed)
        let layout = ParameterLayout.forModel(config.cell, vocabularySize: corpus.vocabulary.count, hiddenSize: config.hiddenSize,
                                              layers: config.layers)
        guard let parameters = config.initialization.parameters(for: layout, generator: &generator, shouldStop: shouldStop) else {
            throw ModelError.interrupted
        }
        self.init(corpus: corpus, config: config, parameters: parameters)
    }

    /// A model from given parameters (their layout must match the config and corpus).
    public init(corpus: Corpus, config: TrainingConfig, parameters: Parameters) {
        let v = corpus.vocabulary.count
        precondition(parameters.layout == ParameterLayout.forModel(config.cell, vocabularySize: v, hiddenSize: config.hiddenSize,
                                                                   layers: config.layers),
                     "parameters do not fit the configuration")
        self.config = config
        self.corpus = corpus
        self.parameters = parameters
        gradients = Parameters(layout: parameters.layout)
        scratchGradients = gradients
        optimizer = OptimizerState(kind: config.optimizer, count: parameters.layout.count)
        spareValues = parameters.values
        spareOptimizer = optimizer
        (engine, pool) = Self.makeEngine(config, vocabularySize: v)
        hiddenState = []
        smoothLoss = -log(1 / Double(v)) * Double(config.sequenceLength)
        samplingGenerator = SeededGenerator(seed: config.seed ^ 0x5EED_5A3D_1E5E_ED00)
        dropoutGenerator = SeededGenerator(seed: config.seed ^ 0xD809_0D70_0A5C_0000)
        windowInputs = [Int32](repeating: 0, count: config.sequenceLength * config.batchSize)
        windowTargets = windowInputs
        windowLengths = [WindowLength(step: 1, length: config.sequenceLength)]
        hiddenState = [Double](repeating: 0, count: stateCount)
    }

    /// The teaching cells, or a network (and its threads) for `config`.
    private static func makeEngine(_ config: TrainingConfig, vocabularySize v: Int) -> (Engine, ThreadPool?) {
        let t = config.sequenceLength
        guard config.usesNetwork else {
            return (.cells(active: makeCell(config.cell, vocabularySize: v, hiddenSize: config.hiddenSize, capacity: t),
                           spare: makeCell(config.cell, vocabularySize: v, hiddenSize: config.hiddenSize, capacity: t)), nil)
        }
        let pool = ThreadPool(threads: config.threadCount)
        let network = makeNetwork(config.precision, kind: config.cell, vocabularySize: v, hiddenSize: config.hiddenSize,
                                  layers: config.layers, batch: config.batchSize, capacity: t, dropout: config.dropout > 0, pool: pool)
        return (.network(network), pool)
    }

    public var vocabulary: Vocabulary { corpus.vocabulary }

    /// h (and c) of one stream in one layer.
    public var stateSize: Int { config.cell == .lstm ? 2 * config.hiddenSize : config.hiddenSize }
    /// The whole carried state: every layer of every stream.
    public var stateCount: Int { config.layers * config.batchSize * stateSize }

    /// S: the characters each stream reads (the whole training text with one stream).
    public var streamLength: Int { corpus.trainingCount / config.batchSize }

    /// The teaching cell that holds the record (only when the model runs on the teaching cells).
    public var cell: any RecurrentCell {
        guard case .cells(let active, _) = engine else { preconditionFailure("this model runs on the batched network") }
        return active
    }

    /// The batched network, when the model runs on it.
    public var network: (any TrainableNetwork)? {
        if case .network(let network) = engine { return network }
        return nil
    }

    /// The last window as commands read it: the teaching cell, or the network's first stream.
    public var record: any WindowRecord {
        switch engine {
        case .cells(let active, _): active
        case .network(let network): NetworkWindow(network)
        }
    }

    /// The model for sampling and scoring, with the current parameters.
    public func textModel() -> any TextModel {
        switch engine {
        case .cells(let active, _):
            return CellTextModel(cell: active, parameters: parameters)
        case .network:
            return NetworkTextModel(kind: config.cell, vocabularySize: vocabulary.count, hiddenSize: config.hiddenSize,
                                    layers: config.layers, precision: config.precision, parameters: parameters, pool: pool!)
        }
    }

    /// L / T of every step so far, nats per character: comparable across window lengths.
    public var lossesPerCharacter: [Double] {
        var result: [Double] = []
        result.reserveCapacity(lossHistory.count)
        var change = 0
        for (index, loss) in lossHistory.enumerated() {
            while change + 1 < windowLengths.count && windowLengths[change + 1].step <= index + 1 { change += 1 }
            result.append(loss / Double(windowLengths[change].length))
        }
        return result
    }

    /// The smooth loss per character (it is kept on the scale of the current window).
    public var smoothLossPerCharacter: Double { smoothLoss / Double(config.sequenceLength) }

    /// Where the next window will start and whether the pointer wraps first: p + T + 1 > S → p = 0.
    public var nextWindowStart: (position: Int, wraps: Bool) {
        let t = config.sequenceLength
        return position + t + 1 > streamLength ? (0, true) : (position, false)
    }

    /// The next window's characters (inputs x_t = stream[p + t], targets stream[p + t + 1], row
    /// t·B + b) and the state it starts from: zero when the pointer wraps or carry is off.
    private mutating func prepareNextWindow() -> (start: Int, wrapped: Bool, resetState: Bool, initialState: [Double]) {
        let t = config.sequenceLength, b = config.batchSize, s = streamLength
        let (start, wrapped) = nextWindowStart
        let resetState = wrapped || !config.carryHiddenState
        if b == 1 {
            windowInputs.withUnsafeMutableBufferPointer { corpus.indices.copy(from: start, count: t, into: $0.baseAddress!) }
            windowTargets.withUnsafeMutableBufferPointer { corpus.indices.copy(from: start + 1, count: t, into: $0.baseAddress!) }
        } else {
            for stream in 0 ..< b {
                for step in 0 ..< t {
                    let at = stream * s + start + step
                    windowInputs[step * b + stream] = Int32(corpus.indices[at])
                    windowTargets[step * b + stream] = Int32(corpus.indices[at + 1])
                }
            }
        }
        let initialState = resetState ? [Double](repeating: 0, count: stateCount) : hiddenState
        return (start, wrapped, resetState, initialState)
    }

    /// The next window through the engine's forward pass (dropout from `generator`), returning
    /// L: the window's loss summed over T, averaged over the B streams.
    private mutating func forwardOnNextWindow(cell: (any RecurrentCell)?, generator: inout SeededGenerator)
        -> (start: Int, wrapped: Bool, resetState: Bool, loss: Double) {
        let t = config.sequenceLength
        let (start, wrapped, resetState, initialState) = prepareNextWindow()
        let loss: Double
        if let cell {
            loss = parameters.values.withUnsafeBufferPointer { p in
                cell.forward(p.baseAddress!, inputs: windowInputs, targets: windowTargets, steps: t, initialState: initialState)
            }
        } else {
            let network = network!
            parameters.values.withUnsafeBufferPointer { network.load($0.baseAddress!) }
            loss = network.forward(inputs: windowInputs, targets: windowTargets, steps: t, initialState: initialState,
                                   dropout: config.dropout, generator: &generator) / Double(config.batchSize)
        }
        return (start, wrapped, resetState, loss)
    }

    /// Backpropagation through the engine's last forward pass, added into `gradients`.
    private func backward(cell: (any RecurrentCell)?, into gradients: inout [Double], recorder: BackwardRecorder?,
                          losses: LossSelection) {
        gradients.withUnsafeMutableBufferPointer { g in
            if let cell {
                parameters.values.withUnsafeBufferPointer { p in
                    cell.backward(p.baseAddress!, gradients: g.baseAddress!, recorder: recorder, losses: losses)
                }
            } else {
                network!.backward(gradients: g.baseAddress!, scale: 1 / Double(config.batchSize))
            }
        }
    }

    /// One step: window → forward → backward → clip → update → carry h_T → p += T.
    ///
    /// Atomic: when the loss or a gradient is not finite the step is refused with an error and
    /// parameters, gradients, optimiser memory, h, p and the counters are exactly as before (the
    /// teaching cells keep the last good window's record too; the network's is cleared).
    @discardableResult
    public mutating func step(recorder: BackwardRecorder? = nil) throws(ModelError) -> StepReport {
        let t = config.sequenceLength
        var spare: (any RecurrentCell)?
        if case .cells(_, let cell) = engine { spare = cell }
        var generator = dropoutGenerator
        let (start, wrapped, resetState, loss) = forwardOnNextWindow(cell: spare, generator: &generator)
        let refuse = { (self: inout Trainer) in if spare == nil { self.recordedWindow = nil } }
        guard loss.isFinite else {
            refuse(&self)
            throw .nonFiniteLoss(step: stepCount, loss: loss, learningRate: config.learningRate)
        }

        // Gradients go to a scratch buffer first, so a refused step leaves the shown ones intact.
        if config.zeroGradients {
            scratchGradients.zero()
        } else {
            scratchGradients.values = gradients.values  // the article's bug: keep accumulating
        }
        backward(cell: spare, into: &scratchGradients.values, recorder: recorder, losses: .all)
        let mode = config.clipMode, limit = config.clip
        let clipReport = scratchGradients.values.withUnsafeMutableBufferPointer { g in
            clip(g.baseAddress!, count: g.count, mode: mode, limit: limit)
        }
        if let bad = clipReport.firstNonFinite {
            refuse(&self)
            let name = parameters.layout.locate(bad)?.entry.name ?? "?"
            throw .nonFiniteGradient(step: stepCount, parameter: name, learningRate: config.learningRate)
        }

        // The update goes to spare buffers too: a step that would make a weight or the
        // optimizer's memory ±∞ or NaN is refused like a non-finite loss.
        let rate = config.learningRate(at: stepCount + 1)
        if config.applyUpdate {
            let finite = parameters.values.withUnsafeBufferPointer { theta in
                scratchGradients.values.withUnsafeBufferPointer { g in
                    spareValues.withUnsafeMutableBufferPointer { next in
                        optimizer.update(theta: theta.baseAddress!, gradients: g.baseAddress!, count: theta.count,
                                         learningRate: rate, into: next.baseAddress!, next: &spareOptimizer)
                    }
                }
            }
            if !finite {
                refuse(&self)
                throw .nonFiniteUpdate(step: stepCount, parameter: firstNonFiniteUpdate(), learningRate: rate)
            }
        }

        // From here on nothing can fail.
        swap(&gradients, &scratchGradients)
        if case .cells(let active, let spareCell) = engine { engine = .cells(active: spareCell, spare: active) }
        if config.applyUpdate {
            swap(&parameters.values, &spareValues)
            swap(&optimizer, &spareOptimizer)
        }
        dropoutGenerator = generator
        hiddenState.withUnsafeMutableBufferPointer { state in
            switch engine {
            case .cells(let active, _): active.copyFinalState(into: state.baseAddress!)
            case .network(let network): network.copyFinalStates(into: state.baseAddress!)
            }
        }
        recordedWindow = RecordedWindow(start: start, wrapped: wrapped, stateWasReset: resetState,
                                        matchesParameters: !config.applyUpdate, backwardDone: true)
        recordedLoss = loss
        position = start + t
        stepCount += 1
        smoothLoss = 0.999 * smoothLoss + 0.001 * loss
        lossHistory.append(loss)
        let report = StepReport(step: stepCount, loss: loss, smoothLoss: smoothLoss, position: start,
                                wrapped: wrapped, clip: clipReport, sequenceLength: t,
                                learningRate: config.schedule.isConstant ? nil : rate)
        lastReport = report
        return report
    }

    /// Runs up to `count` steps, calling `progress` after each; stops early (between two steps,
    /// the model consistent) when `shouldStop` returns true. Returns the number of steps done.
    @discardableResult
    public mutating func train(steps count: Int,
                               shouldStop: () -> Bool = { false },
                               progress: (StepReport) -> Void = { _ in }) throws(ModelError) -> Int {
        var done = 0
        while done < count && !shouldStop() {
            progress(try step())
            done += 1
        }
        return done
    }

    /// The name of the first parameter whose updated value (or optimizer memory) in the spare
    /// buffers is not finite, and the entry: "W_hh[3, 4]".
    private func firstNonFiniteUpdate() -> String {
        let layout = parameters.layout
        let memories = [spareValues, spareOptimizer.memory, spareOptimizer.secondMoment]
        for values in memories {
            if let index = values.firstIndex(where: { !$0.isFinite }), let (entry, row, column) = layout.locate(index) {
                return "\(entry.name)[\(row), \(column)]"
            }
        }
        return "?"
    }

    /// Records an evaluation of the current parameters (replacing one already made at this step).
    public mutating func recordValidation(loss: Double) {
        if validationHistory.last?.step == stepCount { validationHistory.removeLast() }
        validationHistory.append(ValidationPoint(step: stepCount, loss: loss))
    }

    /// The lowest validation loss so far.
    public var bestValidation: ValidationPoint? { validationHistory.min { $0.loss < $1.loss } }

    // MARK: One pass at a time (for teaching)

    /// The forward pass on the next window, without learning: records x, a, h, z, p and the
    /// losses; parameters, h, p, the counters and the dropout stream stay as they are.
    @discardableResult
    public mutating func forwardOnly() -> Double {
        var active: (any RecurrentCell)?
        if case .cells(let cell, _) = engine { active = cell }
        var generator = dropoutGenerator
        let (start, wrapped, resetState, loss) = forwardOnNextWindow(cell: active, generator: &generator)
        recordedWindow = RecordedWindow(start: start, wrapped: wrapped, stateWasReset: resetState,
                                        matchesParameters: true, backwardDone: false)
        recordedLoss = loss
        return loss
    }

    /// Backpropagation through the recorded window into `gradients` (zeroed first, not clipped),
    /// without updating anything. The record must come from `forwardOnly` with the current
    /// parameters (a `step` has changed them since its forward pass). The network always
    /// differentiates every loss term.
    public mutating func backwardOnly(recorder: BackwardRecorder? = nil, losses: LossSelection = .all) {
        precondition(recordedWindow?.matchesParameters == true, "backwardOnly needs a forwardOnly with the current parameters")
        var active: (any RecurrentCell)?
        if case .cells(let cell, _) = engine { active = cell }
        gradients.zero()
        backward(cell: active, into: &gradients.values, recorder: recorder, losses: losses)
        recordedWindow?.backwardDone = true
        recordedWindow?.backwardLosses = active == nil ? .all : losses
    }

    // MARK: Changing settings mid-run

    /// Settings that can change without new weights: lr, the schedule, clip, clip mode,
    /// optimiser (its memory restarts when the kind changes), seq (the record is resized),
    /// dropout and threads (the network is rebuilt), the bug switches. Throws, changing
    /// nothing, when the new settings are invalid.
    public mutating func reconfigure(_ change: (inout TrainingConfig) -> Void) throws {
        var updated = config
        change(&updated)
        precondition(updated.hiddenSize == config.hiddenSize && updated.cell == config.cell && updated.layers == config.layers
                     && updated.batchSize == config.batchSize && updated.precision == config.precision,
                     "the cell, its size, layers, batch and precision need new weights (init)")
        try updated.validateDomains()
        let rebuild = updated.sequenceLength != config.sequenceLength || updated.usesNetwork != config.usesNetwork
            || (updated.usesNetwork && ((updated.dropout > 0) != (config.dropout > 0) || updated.threadCount != config.threadCount))
        if rebuild || updated.optimizer != config.optimizer {
            try updated.validateMemory(vocabularySize: vocabulary.count)
        }
        if updated.sequenceLength != config.sequenceLength {
            try corpus.validate(sequenceLength: updated.sequenceLength, streams: updated.batchSize)
        }
        if updated.optimizer != config.optimizer {
            optimizer = OptimizerState(kind: updated.optimizer, count: parameters.layout.count)
            spareOptimizer = optimizer
        }
        if rebuild {
            if updated.usesNetwork != config.usesNetwork {
                // Dropout switched on (or off) for a one-stream float64 model: the state moves engines.
                precondition(updated.layers == 1 && updated.batchSize == 1)
            }
            (engine, pool) = Self.makeEngine(updated, vocabularySize: vocabulary.count)
            recordedWindow = nil
        }
        if updated.sequenceLength != config.sequenceLength {
            // The smooth loss is a sum over a window: keep it on the new window's scale.
            smoothLoss *= Double(updated.sequenceLength) / Double(config.sequenceLength)
            windowInputs = [Int32](repeating: 0, count: updated.sequenceLength * updated.batchSize)
            windowTargets = windowInputs
            if windowLengths.last?.step == stepCount + 1 { windowLengths.removeLast() }
            if windowLengths.last?.length != updated.sequenceLength {
                windowLengths.append(WindowLength(step: stepCount + 1, length: updated.sequenceLength))
            }
        }
        config = updated
    }

    /// Restores every piece of training state (checkpoints).
    public mutating func restoreState(gradients: Parameters, optimizer: OptimizerState, hiddenState: [Double],
                                      position: Int, stepCount: Int, smoothLoss: Double, lossHistory: [Double],
                                      windowLengths: [WindowLength]? = nil, validationHistory: [ValidationPoint] = [],
                                      samplingGenerator: SeededGenerator, dropoutGenerator: SeededGenerator? = nil,
                                      lastReport: StepReport? = nil) {
        precondition(gradients.layout == parameters.layout && hiddenState.count == stateCount)
        self.lastReport = lastReport
        self.gradients = gradients
        self.optimizer = optimizer
        spareOptimizer = optimizer
        self.hiddenState = hiddenState
        self.position = position
        self.stepCount = stepCount
        self.smoothLoss = smoothLoss
        self.lossHistory = lossHistory
        self.windowLengths = windowLengths ?? [WindowLength(step: 1, length: config.sequenceLength)]
        self.validationHistory = validationHistory
        self.samplingGenerator = samplingGenerator
        if let dropoutGenerator { self.dropoutGenerator = dropoutGenerator }
    }
}
