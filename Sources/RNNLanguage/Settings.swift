import RNNCore

/// The keys `init`, `set` and `config` know, with their kinds of value.
public enum SettingKey: String, CaseIterable, Sendable {
    case cell, hidden, seq, lr, clip
    case clipMode = "clip-mode"
    case optimizer, seed, whh, scale, sigma
    case forgetBias = "forget-bias"
    case update
    case zeroGrad = "zero-grad"
    case carry
    case layers, batch, dropout, dtype, threads
    case warmup, decay
    case decaySteps = "decay-steps"
    case decayFactor = "decay-factor"
    case lrMin = "lr-min"
    case precision, width

    /// What a value must look like.
    enum ValueKind {
        case positiveInteger
        case integer(ClosedRange<Int>)
        case positiveNumber
        case nonNegativeNumber
        case finiteNumber
        case seed
        case choice([String])
        case onOff
        /// 0 ≤ x < 1.
        case fraction
        /// 0 < x ≤ 1.
        case factor
        /// A whole number ≥ 0.
        case count
        /// A whole number ≥ 1, or auto.
        case threads
    }

    var valueKind: ValueKind {
        switch self {
        case .cell: .choice(CellKind.allCases.map(\.rawValue))
        case .hidden, .seq: .positiveInteger
        case .lr, .clip: .positiveNumber
        case .clipMode: .choice(ClipMode.allCases.map(\.rawValue))
        case .optimizer: .choice(OptimizerKind.allCases.map(\.rawValue))
        case .seed: .seed
        case .whh: .choice(RecurrentInitializer.allCases.map(\.rawValue))
        case .scale, .sigma: .nonNegativeNumber
        case .forgetBias: .finiteNumber
        case .update, .zeroGrad, .carry: .onOff
        case .precision: .integer(0 ... 12)
        case .width: .integer(20 ... 1000)
        case .layers, .batch: .positiveInteger
        case .dropout: .fraction
        case .dtype: .choice(Precision.allCases.map(\.rawValue))
        case .threads: .threads
        case .warmup, .decaySteps: .count
        case .decay: .choice(LearningRateSchedule.Decay.allCases.map(\.rawValue))
        case .decayFactor: .factor
        case .lrMin: .nonNegativeNumber
        }
    }

    /// Keys that shape the weights: changing them needs a new `init`.
    public var needsInit: Bool {
        switch self {
        case .cell, .hidden, .seed, .whh, .scale, .sigma, .forgetBias, .layers, .batch, .dtype: true
        default: false
        }
    }

    /// Keys that change how much memory a model needs.
    static let sizeKeys: Set<SettingKey> = [.cell, .hidden, .seq, .optimizer, .layers, .batch, .dtype, .dropout]

    /// Keys that only change how things are shown.
    public var isDisplay: Bool { self == .precision || self == .width }

    /// The values a completion can offer after `key=`.
    public var choices: [String] {
        switch valueKind {
        case .choice(let values): values
        case .onOff: ["on", "off"]
        default: []
        }
    }

    /// What the value must be, for messages: "a whole number ≥ 1".
    var requirement: String {
        switch valueKind {
        case .positiveInteger: "a whole number ≥ 1"
        case .integer(let range):
            "a whole number from \(range.lowerBound) to \(range.upperBound)" + (self == .width ? ", or page (the page's width)" : "")
        case .positiveNumber: "a finite number > 0"
        case .nonNegativeNumber: "a finite number ≥ 0"
        case .finiteNumber: "a finite number"
        case .seed: "a whole number from 0 to \(UInt64.max)"
        case .choice(let values): "one of " + values.joined(separator: ", ")
        case .onOff: "on or off"
        case .fraction: "a number from 0 up to (not including) 1"
        case .factor: "a number above 0 and at most 1"
        case .count: "a whole number ≥ 0"
        case .threads: "a whole number from 1 to \(TrainingConfig.maximumThreads), or auto (one per processor)"
        }
    }
}

/// One `key=value` with its value checked and converted.
public enum Setting: Equatable, Sendable {
    case cell(CellKind)
    case hidden(Int)
    case seq(Int)
    case lr(Double)
    case clip(Double)
    case clipMode(ClipMode)
    case optimizer(OptimizerKind)
    case seed(UInt64)
    case whh(RecurrentInitializer)
    case scale(Double)
    case sigma(Double)
    case forgetBias(Double)
    case update(Bool)
    case zeroGrad(Bool)
    case carry(Bool)
    case layers(Int)
    case batch(Int)
    case dropout(Double)
    case dtype(Precision)
    /// nil: one thread per processor (`threads=auto`).
    case threads(Int?)
    case warmup(Int)
    case decay(LearningRateSchedule.Decay)
    case decaySteps(Int)
    case decayFactor(Double)
    case lrMin(Double)
    case precision(Int)
    /// nil: follow the page's width (`width=page`).
    case width(Int?)

    public var key: SettingKey {
        switch self {
        case .cell: .cell
        case .hidden: .hidden
        case .seq: .seq
        case .lr: .lr
        case .clip: .clip
        case .clipMode: .clipMode
        case .optimizer: .optimizer
        case .seed: .seed
        case .whh: .whh
        case .scale: .scale
        case .sigma: .sigma
        case .forgetBias: .forgetBias
        case .update: .update
        case .zeroGrad: .zeroGrad
        case .carry: .carry
        case .layers: .layers
        case .batch: .batch
        case .dropout: .dropout
        case .dtype: .dtype
        case .threads: .threads
        case .warmup: .warmup
        case .decay: .decay
        case .decaySteps: .decaySteps
        case .decayFactor: .decayFactor
        case .lrMin: .lrMin
        case .precision: .precision
        case .width: .width
        }
    }

    /// Parses `text` as the value of `key`, or says what is wrong with it.
    static func parse(key: SettingKey, text: String) -> Result<Setting, DiagnosticKind> {
        func bad() -> DiagnosticKind { .badValue(key: key.rawValue, text: text, requirement: key.requirement) }
        switch key.valueKind {
        case .positiveInteger:
            guard let n = Int(text), n >= 1 else { return .failure(bad()) }
            switch key {
            case .hidden: return .success(.hidden(n))
            case .layers: return .success(.layers(n))
            case .batch: return .success(.batch(n))
            default: return .success(.seq(n))
            }
        case .count:
            guard let n = Int(text), n >= 0 else { return .failure(bad()) }
            return .success(key == .warmup ? .warmup(n) : .decaySteps(n))
        case .threads:
            if text == "auto" { return .success(.threads(nil)) }
            guard let n = Int(text), (1 ... TrainingConfig.maximumThreads).contains(n) else { return .failure(bad()) }
            return .success(.threads(n))
        case .fraction:
            guard let x = parseNumber(text), x.isFinite, x >= 0, x < 1 else { return .failure(bad()) }
            return .success(.dropout(x))
        case .factor:
            guard let x = parseNumber(text), x.isFinite, x > 0, x <= 1 else { return .failure(bad()) }
            return .success(.decayFactor(x))
        case .integer(let range):
            if key == .width && text == "page" { return .success(.width(nil)) }
            guard let n = Int(text), range.contains(n) else { return .failure(bad()) }
            return .success(key == .precision ? .precision(n) : .width(n))
        case .positiveNumber, .nonNegativeNumber, .finiteNumber:
            guard let x = parseNumber(text), x.isFinite else { return .failure(bad()) }
            if case .positiveNumber = key.valueKind, x <= 0 { return .failure(bad()) }
            if case .nonNegativeNumber = key.valueKind, x < 0 { return .failure(bad()) }
            switch key {
            case .lr: return .success(.lr(x))
            case .clip: return .success(.clip(x))
            case .scale: return .success(.scale(x))
            case .forgetBias: return .success(.forgetBias(x))
            case .lrMin: return .success(.lrMin(x))
            default: return .success(.sigma(x))
            }
        case .seed:
            guard let n = UInt64(text) else { return .failure(bad()) }
            return .success(.seed(n))
        case .choice(let values):
            guard values.contains(text) else {
                return .failure(.badChoice(key: key.rawValue, text: text, choices: values,
                                           suggestion: closestMatch(to: text, in: values)))
            }
            switch key {
            case .cell: return .success(.cell(CellKind(rawValue: text)!))
            case .clipMode: return .success(.clipMode(ClipMode(rawValue: text)!))
            case .optimizer: return .success(.optimizer(OptimizerKind(rawValue: text)!))
            case .dtype: return .success(.dtype(Precision(rawValue: text)!))
            case .decay: return .success(.decay(LearningRateSchedule.Decay(rawValue: text)!))
            default: return .success(.whh(RecurrentInitializer(rawValue: text)!))
            }
        case .onOff:
            let value: Bool
            switch text {
            case "on", "true", "yes": value = true
            case "off", "false", "no": value = false
            default: return .failure(bad())
            }
            switch key {
            case .update: return .success(.update(value))
            case .zeroGrad: return .success(.zeroGrad(value))
            default: return .success(.carry(value))
            }
        }
    }

    /// Writes this setting into a training configuration and display settings.
    func apply(to config: inout TrainingConfig, display: inout DisplaySettings) {
        switch self {
        case .cell(let kind): config.cell = kind
        case .hidden(let n): config.hiddenSize = n
        case .seq(let n): config.sequenceLength = n
        case .lr(let x): config.learningRate = x
        case .clip(let x): config.clip = x
        case .clipMode(let mode): config.clipMode = mode
        case .optimizer(let kind): config.optimizer = kind
        case .seed(let n): config.seed = n
        case .whh(let kind): config.initialization.recurrent = kind
        case .scale(let x): config.initialization.recurrentScale = x
        case .sigma(let x): config.initialization.weightScale = x
        case .forgetBias(let x): config.initialization.forgetBias = x
        case .update(let on): config.applyUpdate = on
        case .zeroGrad(let on): config.zeroGradients = on
        case .carry(let on): config.carryHiddenState = on
        case .layers(let n): config.layers = n
        case .batch(let n): config.batchSize = n
        case .dropout(let p): config.dropout = p
        case .dtype(let precision): config.precision = precision
        case .threads(let n): config.threads = n
        case .warmup(let n): config.schedule.warmup = n
        case .decay(let decay): config.schedule.decay = decay
        case .decaySteps(let n): config.schedule.decaySteps = n
        case .decayFactor(let x): config.schedule.factor = x
        case .lrMin(let x): config.schedule.floor = x
        case .precision(let n): display.precision = n
        case .width(let n): display.width = n
        }
    }
}

/// A number as users type it: 0.1, 1e-3, -2, .5 (no hex, no underscores, no "inf" or "nan").
func parseNumber(_ text: String) -> Double? {
    guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == "." else { return nil }
    guard !text.lowercased().contains("x") else { return nil }
    return Double(text)
}

/// How values are shown.
public struct DisplaySettings: Equatable, Sendable {
    /// Digits after the decimal point.
    public var precision = 4
    /// Characters per line for prose, matrices, heatmaps and plots; nil follows the page (the
    /// terminal's width, `--width`, or 100 on a pipe).
    public var width: Int?

    /// The width of pipes and transcripts (and the fixed default before width followed the page).
    public static let transcriptWidth = 100

    public init(precision: Int = 4, width: Int? = nil) {
        self.precision = precision
        self.width = width
    }
}

/// The current value of a setting as text (for `config`).
func settingValue(_ key: SettingKey, config: TrainingConfig, display: DisplaySettings) -> String {
    func onOff(_ value: Bool) -> String { value ? "on" : "off" }
    switch key {
    case .cell: return config.cell.rawValue
    case .hidden: return String(config.hiddenSize)
    case .seq: return String(config.sequenceLength)
    case .lr: return formatSettingNumber(config.learningRate)
    case .clip: return formatSettingNumber(config.clip)
    case .clipMode: return config.clipMode.rawValue
    case .optimizer: return config.optimizer.rawValue
    case .seed: return String(config.seed)
    case .whh: return config.initialization.recurrent.rawValue
    case .scale: return formatSettingNumber(config.initialization.recurrentScale)
    case .sigma: return formatSettingNumber(config.initialization.weightScale)
    case .forgetBias: return formatSettingNumber(config.initialization.forgetBias)
    case .update: return onOff(config.applyUpdate)
    case .zeroGrad: return onOff(config.zeroGradients)
    case .carry: return onOff(config.carryHiddenState)
    case .layers: return String(config.layers)
    case .batch: return String(config.batchSize)
    case .dropout: return formatSettingNumber(config.dropout)
    case .dtype: return config.precision.rawValue
    case .threads: return config.threads.map(String.init) ?? "auto (\(ThreadPool.processorCount))"
    case .warmup: return String(config.schedule.warmup)
    case .decay: return config.schedule.decay.rawValue
    case .decaySteps: return String(config.schedule.decaySteps)
    case .decayFactor: return formatSettingNumber(config.schedule.factor)
    case .lrMin: return formatSettingNumber(config.schedule.floor)
    case .precision: return String(display.precision)
    case .width: return display.width.map(String.init) ?? "page"
    }
}

/// Shortest round-tripping decimal for a setting (0.01, 5, 1e-05).
func formatSettingNumber(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
}
