#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every setting of a training run. Defaults follow the article: hidden 75, seq 20, lr 0.01,
/// elementwise clip at 5, Adagrad, W_hh = identity·0.01, other weights randn·0.01.
public struct TrainingConfig: Equatable, Sendable {
    public var cell: CellKind = .rnn
    /// H, the size of h_t.
    public var hiddenSize = 75
    /// T, characters per window (the BPTT horizon).
    public var sequenceLength = 20
    public var learningRate = 0.01
    /// c: the clip limit (an element's bound, or the global norm's).
    public var clip = 5.0
    public var clipMode = ClipMode.value
    public var optimizer = OptimizerKind.adagrad
    public var initialization = Initialization()
    /// Seeds the initial weights; sampling uses its own stream derived from it.
    public var seed: UInt64 = 1

    // The article's three bugs, as switches a lesson can flip (true is correct behaviour).
    /// false: compute gradients but never apply them (the article never calls its update).
    public var applyUpdate = true
    /// false: gradients accumulate from step to step (the article never zeroes them).
    public var zeroGradients = true
    /// false: every window starts from h = 0 (the article never carries the hidden state).
    public var carryHiddenState = true

    public init() {}

    /// Checks each setting's domain, and that the model fits in memory (see `validateMemory`).
    public func validate(vocabularySize: Int, bytesAvailable: Double = availableMemoryBytes()) throws(ModelError) {
        try validateDomains()
        try validateMemory(vocabularySize: vocabularySize, bytesAvailable: bytesAvailable)
    }

    /// Each setting within its domain (hidden ≥ 1, lr > 0, …).
    public func validateDomains() throws(ModelError) {
        func require(_ ok: Bool, _ name: String, _ value: String, _ requirement: String) throws(ModelError) {
            if !ok { throw .invalidSetting(name: name, value: value, requirement: requirement) }
        }
        try require(hiddenSize >= 1, "hidden", "\(hiddenSize)", "a whole number ≥ 1")
        try require(sequenceLength >= 1, "seq", "\(sequenceLength)", "a whole number ≥ 1")
        try require(learningRate.isFinite && learningRate > 0, "lr", "\(learningRate)", "a finite number > 0")
        try require(clip.isFinite && clip > 0, "clip", "\(clip)", "a finite number > 0")
        let scale = initialization.weightScale, recurrentScale = initialization.recurrentScale
        try require(scale.isFinite && scale >= 0, "sigma", "\(scale)", "a finite number ≥ 0")
        try require(recurrentScale.isFinite && recurrentScale >= 0, "scale", "\(recurrentScale)", "a finite number ≥ 0")
        try require(initialization.forgetBias.isFinite, "forget-bias", "\(initialization.forgetBias)", "a finite number")
    }

    /// A model may take at most this share of the memory still available, so that the rest of
    /// the system (and a second model, a checkpoint being written) keep room.
    public static let memoryShare = 0.5

    /// Refuses, before anything is allocated, a model whose weights and window record need more
    /// than `memoryShare` of `bytesAvailable`.
    public func validateMemory(vocabularySize: Int, bytesAvailable: Double = availableMemoryBytes()) throws(ModelError) {
        let need = estimatedBytes(vocabularySize: vocabularySize)
        if need.weights + need.record > bytesAvailable * Self.memoryShare {
            throw .modelTooLarge(weightBytes: need.weights, recordBytes: need.record, bytesAvailable: bytesAvailable)
        }
    }

    /// Memory for the parameters and gradients (two buffers each: the step works in spares),
    /// the optimiser memory (two copies), and the record of a window (two cells). Computed in Double so absurd sizes cannot overflow.
    public func estimatedBytes(vocabularySize: Int) -> (weights: Double, record: Double) {
        let v = Double(vocabularySize), h = Double(hiddenSize), t = Double(sequenceLength)
        // Gates: 1 for the vanilla RNN (its a_t), 4 for the LSTM, 3 (and hn) for the GRU.
        let gates: Double = cell == .lstm ? 4 : (cell == .gru ? 3 : 1)
        let parameterCount = gates * (v * h + h * h + h) + h * v + v + (cell == .gru ? h : 0)
        let optimizerCopies: Double = optimizer == .adam ? 2 : (optimizer == .adagrad ? 1 : 0)
        // Per step: h (and c), each gate and its gradient, z, p, dy; two cells (one spare).
        let record = 2 * ((t + 1) * h * 2 + t * h * (2 * gates + 2) + t * v * 3 + h * 8 + v)
        return (8 * parameterCount * (4 + 2 * optimizerCopies), 8 * record)
    }
}

/// What one training step did.
public struct StepReport: Equatable, Sendable {
    /// 1 for the first step.
    public let step: Int
    /// L = Σ_t −log p_t[y_t] over the window.
    public let loss: Double
    public let smoothLoss: Double
    /// p, the index of the window's first input.
    public let position: Int
    /// true when the pointer wrapped to 0 (and h was reset) before this step.
    public let wrapped: Bool
    public let clip: ClipReport
    public let sequenceLength: Int

    public init(step: Int, loss: Double, smoothLoss: Double, position: Int, wrapped: Bool, clip: ClipReport,
                sequenceLength: Int) {
        self.step = step
        self.loss = loss
        self.smoothLoss = smoothLoss
        self.position = position
        self.wrapped = wrapped
        self.clip = clip
        self.sequenceLength = sequenceLength
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
/// A value type: copy it to keep a snapshot. Only the cells (forward record and scratch) are
/// shared between copies.
public struct Trainer {
    public private(set) var config: TrainingConfig
    public let corpus: Corpus
    public var parameters: Parameters
    /// ∂L/∂θ of the last step, after clipping (what the update used).
    public private(set) var gradients: Parameters
    public private(set) var optimizer: OptimizerState
    /// The state carried from the end of the last window (h_T).
    public private(set) var hiddenState: [Double]
    /// p: where the next window starts.
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
    /// The window the cell's record holds (from the last `step` or `forwardOnly`), if any.
    public private(set) var recordedWindow: RecordedWindow?
    /// Sampling draws from this stream unless given a seed of its own.
    public var samplingGenerator: SeededGenerator

    /// Forward record and scratch, sized for `config.sequenceLength`.
    public private(set) var cell: any RecurrentCell
    /// A second cell: `step` works in it and swaps it in only when the step succeeds, so a refused
    /// step leaves the record of the last good window in place.
    private var spareCell: any RecurrentCell
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
        try corpus.validate(sequenceLength: config.sequenceLength)
        var generator = SeededGenerator(seed: config.seed)
        let layout = ParameterLayout.forCell(config.cell, vocabularySize: corpus.vocabulary.count, hiddenSize: config.hiddenSize)
        guard let parameters = config.initialization.parameters(for: layout, generator: &generator, shouldStop: shouldStop) else {
            throw ModelError.interrupted
        }
        self.init(corpus: corpus, config: config, parameters: parameters)
    }

    /// A model from given parameters (their layout must match the config and corpus).
    public init(corpus: Corpus, config: TrainingConfig, parameters: Parameters) {
        let v = corpus.vocabulary.count
        precondition(parameters.layout == ParameterLayout.forCell(config.cell, vocabularySize: v, hiddenSize: config.hiddenSize),
                     "parameters do not fit the configuration")
        self.config = config
        self.corpus = corpus
        self.parameters = parameters
        gradients = Parameters(layout: parameters.layout)
        scratchGradients = gradients
        optimizer = OptimizerState(kind: config.optimizer, count: parameters.layout.count)
        spareValues = parameters.values
        spareOptimizer = optimizer
        cell = makeCell(config.cell, vocabularySize: v, hiddenSize: config.hiddenSize, capacity: config.sequenceLength)
        spareCell = makeCell(config.cell, vocabularySize: v, hiddenSize: config.hiddenSize, capacity: config.sequenceLength)
        hiddenState = [Double](repeating: 0, count: cell.stateSize)
        smoothLoss = -log(1 / Double(v)) * Double(config.sequenceLength)
        samplingGenerator = SeededGenerator(seed: config.seed ^ 0x5EED_5A3D_1E5E_ED00)
        windowInputs = [Int32](repeating: 0, count: config.sequenceLength)
        windowTargets = windowInputs
        windowLengths = [WindowLength(step: 1, length: config.sequenceLength)]
    }

    public var vocabulary: Vocabulary { corpus.vocabulary }

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

    /// Where the next window will start and whether the pointer wraps first: p + T + 1 > count → p = 0.
    public var nextWindowStart: (position: Int, wraps: Bool) {
        let t = config.sequenceLength
        return position + t + 1 > corpus.trainingCount ? (0, true) : (position, false)
    }

    /// The next window (inputs = data[p ..< p+T], targets = data[p+1 ... p+T]) through `cell`'s
    /// forward pass, from the carried state or from zero when the pointer wraps or carry is off.
    /// Changes only the window buffers and the cell's record.
    private mutating func forwardOnNextWindow(in cell: any RecurrentCell)
        -> (start: Int, wrapped: Bool, resetState: Bool, loss: Double) {
        let t = config.sequenceLength
        let (start, wrapped) = nextWindowStart
        let resetState = wrapped || !config.carryHiddenState
        let initialState = resetState ? [Double](repeating: 0, count: cell.stateSize) : hiddenState
        windowInputs.withUnsafeMutableBufferPointer { corpus.indices.copy(from: start, count: t, into: $0.baseAddress!) }
        windowTargets.withUnsafeMutableBufferPointer { corpus.indices.copy(from: start + 1, count: t, into: $0.baseAddress!) }
        let loss = parameters.values.withUnsafeBufferPointer { p in
            windowInputs.withUnsafeBufferPointer { xs in
                windowTargets.withUnsafeBufferPointer { ys in
                    initialState.withUnsafeBufferPointer { h0 in
                        cell.forward(p.baseAddress!, inputs: xs.baseAddress!, targets: ys.baseAddress!, steps: t,
                                     initialState: h0.baseAddress!)
                    }
                }
            }
        }
        return (start, wrapped, resetState, loss)
    }

    /// One step: window → forward → backward → clip → update → carry h_T → p += T.
    ///
    /// Atomic: when the loss or a gradient is not finite the step is refused with an error and
    /// parameters, gradients, optimiser memory, h, p and the counters are exactly as before.
    @discardableResult
    public mutating func step(recorder: BackwardRecorder? = nil) throws(ModelError) -> StepReport {
        let t = config.sequenceLength
        let cell = spareCell
        let (start, wrapped, resetState, loss) = forwardOnNextWindow(in: cell)
        guard loss.isFinite else {
            throw .nonFiniteLoss(step: stepCount, loss: loss, learningRate: config.learningRate)
        }

        // Gradients go to a scratch buffer first, so a refused step leaves the shown ones intact.
        if config.zeroGradients {
            scratchGradients.zero()
        } else {
            scratchGradients.values = gradients.values  // the article's bug: keep accumulating
        }
        let mode = config.clipMode, limit = config.clip
        let clipReport = parameters.values.withUnsafeBufferPointer { p in
            scratchGradients.values.withUnsafeMutableBufferPointer { g in
                cell.backward(p.baseAddress!, gradients: g.baseAddress!, recorder: recorder)
                return clip(g.baseAddress!, count: g.count, mode: mode, limit: limit)
            }
        }
        if let bad = clipReport.firstNonFinite {
            let name = parameters.layout.locate(bad)?.entry.name ?? "?"
            throw .nonFiniteGradient(step: stepCount, parameter: name, learningRate: config.learningRate)
        }

        // The update goes to spare buffers too: a step that would make a weight or the
        // optimizer's memory ±∞ or NaN is refused like a non-finite loss.
        if config.applyUpdate {
            let rate = config.learningRate
            let finite = parameters.values.withUnsafeBufferPointer { theta in
                scratchGradients.values.withUnsafeBufferPointer { g in
                    spareValues.withUnsafeMutableBufferPointer { next in
                        optimizer.update(theta: theta.baseAddress!, gradients: g.baseAddress!, count: theta.count,
                                         learningRate: rate, into: next.baseAddress!, next: &spareOptimizer)
                    }
                }
            }
            if !finite {
                throw .nonFiniteUpdate(step: stepCount, parameter: firstNonFiniteUpdate(), learningRate: rate)
            }
        }

        // From here on nothing can fail.
        swap(&gradients, &scratchGradients)
        swap(&self.cell, &spareCell)
        if config.applyUpdate {
            swap(&parameters.values, &spareValues)
            swap(&optimizer, &spareOptimizer)
        }
        hiddenState.withUnsafeMutableBufferPointer { cell.copyFinalState(into: $0.baseAddress!) }
        recordedWindow = RecordedWindow(start: start, wrapped: wrapped, stateWasReset: resetState,
                                        matchesParameters: !config.applyUpdate, backwardDone: true)
        position = start + t
        stepCount += 1
        smoothLoss = 0.999 * smoothLoss + 0.001 * loss
        lossHistory.append(loss)
        let report = StepReport(step: stepCount, loss: loss, smoothLoss: smoothLoss, position: start,
                                wrapped: wrapped, clip: clipReport, sequenceLength: t)
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
    /// losses in the cell; parameters, h, p and the counters stay as they are.
    @discardableResult
    public mutating func forwardOnly() -> Double {
        let (start, wrapped, resetState, loss) = forwardOnNextWindow(in: cell)
        recordedWindow = RecordedWindow(start: start, wrapped: wrapped, stateWasReset: resetState,
                                        matchesParameters: true, backwardDone: false)
        return loss
    }

    /// Backpropagation through the recorded window into `gradients` (zeroed first, not clipped),
    /// without updating anything. The record must come from `forwardOnly` with the current
    /// parameters (a `step` has changed them since its forward pass).
    public mutating func backwardOnly(recorder: BackwardRecorder? = nil, losses: LossSelection = .all) {
        precondition(recordedWindow?.matchesParameters == true, "backwardOnly needs a forwardOnly with the current parameters")
        let cell = self.cell
        gradients.zero()
        parameters.values.withUnsafeBufferPointer { p in
            gradients.values.withUnsafeMutableBufferPointer { g in
                cell.backward(p.baseAddress!, gradients: g.baseAddress!, recorder: recorder, losses: losses)
            }
        }
        recordedWindow?.backwardDone = true
        recordedWindow?.backwardLosses = losses
    }

    // MARK: Changing settings mid-run

    /// Settings that can change without new weights: lr, clip, clip mode, optimiser (its memory
    /// restarts when the kind changes), seq (the record is resized), the bug switches.
    /// Throws, changing nothing, when the new settings are invalid.
    public mutating func reconfigure(_ change: (inout TrainingConfig) -> Void) throws {
        var updated = config
        change(&updated)
        precondition(updated.hiddenSize == config.hiddenSize && updated.cell == config.cell,
                     "hidden size and cell need new weights (init)")
        try updated.validateDomains()
        if updated.sequenceLength != config.sequenceLength || updated.optimizer != config.optimizer {
            try updated.validateMemory(vocabularySize: vocabulary.count)
        }
        if updated.sequenceLength != config.sequenceLength { try corpus.validate(sequenceLength: updated.sequenceLength) }
        if updated.optimizer != config.optimizer {
            optimizer = OptimizerState(kind: updated.optimizer, count: parameters.layout.count)
            spareOptimizer = optimizer
        }
        if updated.sequenceLength != config.sequenceLength {
            cell = makeCell(updated.cell, vocabularySize: vocabulary.count, hiddenSize: updated.hiddenSize,
                            capacity: updated.sequenceLength)
            spareCell = makeCell(updated.cell, vocabularySize: vocabulary.count, hiddenSize: updated.hiddenSize,
                                 capacity: updated.sequenceLength)
            // The smooth loss is a sum over a window: keep it on the new window's scale.
            smoothLoss *= Double(updated.sequenceLength) / Double(config.sequenceLength)
            windowInputs = [Int32](repeating: 0, count: updated.sequenceLength)
            windowTargets = windowInputs
            recordedWindow = nil
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
                                      samplingGenerator: SeededGenerator, lastReport: StepReport? = nil) {
        precondition(gradients.layout == parameters.layout && hiddenState.count == cell.stateSize)
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
    }
}
