#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every setting of a training run. Defaults follow the article: hidden 75, seq 20, lr 0.01,
/// elementwise clip at 5, Adagrad, W_hh = identity·0.01, other weights randn·0.01; one stream,
/// one layer, float64, no dropout (the teaching cells, whose every number the lessons trace).
public struct TrainingConfig: Equatable, Sendable {
    public var cell: CellKind = .rnn
    /// H, the size of h_t (in every layer).
    public var hiddenSize = 75
    /// T, characters per window (the BPTT horizon).
    public var sequenceLength = 20
    public var learningRate = 0.01
    /// c: the clip limit (an element's bound, or the global norm's).
    public var clip = 5.0
    public var clipMode = ClipMode.value
    public var optimizer = OptimizerKind.adagrad
    public var initialization = Initialization()
    /// Seeds the initial weights; sampling and dropout use their own streams derived from it.
    public var seed: UInt64 = 1

    // The article's three bugs, as switches a lesson can flip (true is correct behaviour).
    /// false: compute gradients but never apply them (the article never calls its update).
    public var applyUpdate = true
    /// false: gradients accumulate from step to step (the article never zeroes them).
    public var zeroGradients = true
    /// false: every window starts from h = 0 (the article never carries the hidden state).
    public var carryHiddenState = true

    // Scaling up (issue 13): the batched network.
    /// L, stacked layers: layer l + 1 reads layer l's h_t.
    public var layers = 1
    /// B, streams read side by side (char-rnn's minibatch). The loss of a step is the sum over
    /// the window, averaged over the streams: L = (1/B) Σ_b Σ_t −ln p, so B = 1 is the article's.
    public var batchSize = 1
    /// p of dropout on the non-recurrent connections (between layers, before the output layer);
    /// off at evaluation and sampling.
    public var dropout = 0.0
    public var precision = Precision.float64
    /// Threads of the batched network (nil: one per processor). The numbers do not depend on it.
    public var threads: Int?
    /// How the learning rate changes with the step (warm-up, decay).
    public var schedule = LearningRateSchedule()

    public init() {}

    /// The batched network runs the model; otherwise the teaching cells do (one stream, one
    /// layer, float64, no dropout: bit for bit the numbers every lesson shows).
    public var usesNetwork: Bool { batchSize > 1 || layers > 1 || precision == .float32 || dropout > 0 }

    /// The threads the network uses.
    public var threadCount: Int { threads ?? ThreadPool.processorCount }

    /// The rate for step s (1-based).
    public func learningRate(at step: Int) -> Double { schedule.rate(at: step, base: learningRate) }

    /// Checks each setting's domain, and that the model fits in memory (see `validateMemory`).
    public func validate(vocabularySize: Int, bytesAvailable: Double = availableMemoryBytes()) throws(ModelError) {
        try validateDomains()
        try validateMemory(vocabularySize: vocabularySize, bytesAvailable: bytesAvailable)
    }

    /// Each setting within its domain (hidden ≥ 1, lr > 0, …).
    /// The most threads a model may ask for (a thread pool starts them all at once).
    public static let maximumThreads = 1024

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
        try require(layers >= 1, "layers", "\(layers)", "a whole number ≥ 1")
        try require(batchSize >= 1, "batch", "\(batchSize)", "a whole number ≥ 1")
        try require(dropout.isFinite && dropout >= 0 && dropout < 1, "dropout", "\(dropout)", "a number from 0 up to (not including) 1")
        try require((1 ... Self.maximumThreads).contains(threads ?? 1), "threads", "\(threads ?? 1)",
                    "a whole number from 1 to \(Self.maximumThreads)")
        try require(schedule.warmup >= 0, "warmup", "\(schedule.warmup)", "a whole number ≥ 0")
        try require(schedule.decaySteps >= 0, "decay-steps", "\(schedule.decaySteps)", "a whole number ≥ 0")
        try require(schedule.factor.isFinite && schedule.factor > 0 && schedule.factor <= 1, "decay-factor", "\(schedule.factor)",
                    "a number above 0 and at most 1")
        try require(schedule.floor.isFinite && schedule.floor >= 0, "lr-min", "\(schedule.floor)", "a finite number ≥ 0")
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
    /// the optimiser memory (two copies), and the record of a window: two teaching cells, or the
    /// network's record (every layer's gates, states and their gradients for B·T rows, the
    /// packed weights twice and their gradients, in its precision). Computed in Double so
    /// absurd sizes cannot overflow.
    public func estimatedBytes(vocabularySize: Int) -> (weights: Double, record: Double) {
        let v = Double(vocabularySize), h = Double(hiddenSize), t = Double(sequenceLength)
        let l = Double(layers), b = Double(batchSize)
        // Gates: 1 for the vanilla RNN (its a_t), 4 for the LSTM, 3 (and hn) for the GRU.
        let gates = Double(cell.gateCount)
        let parameterCount = gates * (v * h + h * h + h) + (l - 1) * gates * (2 * h * h + h) + h * v + v
            + (cell == .gru ? l * h : 0)
        let optimizerCopies: Double = optimizer == .adam ? 2 : (optimizer == .sgd ? 0 : 1)
        let weights = 8 * parameterCount * (4 + 2 * optimizerCopies)
        guard usesNetwork else {
            // Per step: h (and c), each gate and its gradient, z, p, dy; two cells (one spare).
            let record = 2 * ((t + 1) * h * 2 + t * h * (2 * gates + 2) + t * v * 3 + h * 8 + v)
            return (weights, 8 * record)
        }
        let size: Double = precision == .float32 ? 4 : 8
        let rows = t * b
        // pre, gates, dPre (and the GRU's dhp) per row; h, c, tanh c, hn, masks, dropped, ∂h per row.
        let perLayer = rows * gates * h * (cell == .gru ? 4 : 3) + rows * h * 7 + b * (gates + 4) * h
        let output = rows * v * 3 + rows * 2
        let packed = parameterCount * 3
        return (weights, size * (l * perLayer + output + packed))
    }
}

