/// The relative error used by `grad-check` and the tests:
///
///     |a − n| / max(|a| + |n|, 1e-12)
///
/// 0 when both are 0; at most 1. The floor keeps it finite when both are tiny.
public func relativeError(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(a) + abs(b), 1e-12)
}

/// How the numeric derivative is computed.
public enum NumericDerivative: String, CaseIterable, Sendable {
    /// D(δ) = (L(θ+δ) − L(θ−δ)) / 2δ with L in double precision: what most tutorials do.
    /// Error ≈ δ²·|L‴|/6 (truncation) + ε·|L|/δ (rounding): about 1e-10 at δ = 1e-5, so tiny
    /// gradients show relative errors of 1e-6…1e-4 even when backprop is exact.
    case plain
    /// (4·D(δ) − D(2δ)) / 3 (Richardson extrapolation: the δ² error terms cancel, leaving δ⁴)
    /// with L recomputed in double-double arithmetic (rounding ≈ 1e-32·|L|/δ). The numeric value
    /// is then exact to double precision and the relative error measures backprop alone.
    case precise
}

/// Settings of a gradient check.
public struct GradientCheckOptions: Equatable, Sendable {
    /// δ of the central differences.
    public var delta = 1e-5
    public var method = NumericDerivative.precise
    /// nil: every entry; k: k entries per parameter drawn at random (without repeats).
    public var entriesPerParameter: Int?
    /// An entry passes when its relative error is below this. With `precise` the numeric side
    /// is exact to double precision, so a correct backprop stays far below 1e-6 (typically
    /// 1e-12) while a real bug gives 1e-3 or worse. With `plain` use about 1e-4 (see above).
    public var tolerance = 1e-6
    /// The pass mark of a float32 model's check (its backprop rounds to 24 bits): see `grad-check`.
    public static let float32Tolerance = 1e-3
    /// Seeds the choice of entries when `entriesPerParameter` is set.
    public var seed: UInt64 = 7
    /// Compare the gradient as the update would use it, clipped this way, instead of backprop's
    /// own: a lesson uses it to show that a clipped gradient is no longer ∂L/∂θ.
    public var clipping: (mode: ClipMode, limit: Double)?

    public static func == (a: Self, b: Self) -> Bool {
        a.delta == b.delta && a.method == b.method && a.entriesPerParameter == b.entriesPerParameter
            && a.tolerance == b.tolerance && a.seed == b.seed && a.clipping?.mode == b.clipping?.mode
            && a.clipping?.limit == b.clipping?.limit
    }

    public init(delta: Double = 1e-5, method: NumericDerivative = .precise, entriesPerParameter: Int? = nil,
                tolerance: Double? = nil, seed: UInt64 = 7, clipping: (mode: ClipMode, limit: Double)? = nil) {
        self.clipping = clipping
        self.delta = delta
        self.method = method
        self.entriesPerParameter = entriesPerParameter
        self.tolerance = tolerance ?? (method == .precise ? 1e-6 : 1e-4)
        self.seed = seed
    }
}

/// One checked entry.
public struct EntryCheck: Equatable, Sendable {
    public let row: Int
    public let column: Int
    public let analytic: Double
    public let numeric: Double
    public var relativeError: Double { RNNCore.relativeError(analytic, numeric) }
}

/// Rows of a matrix that the window cannot change. A matrix W used as u·W gets the gradient
/// ∂L/∂W = Σ_t u_tᵀ δ_t, so its row i is zero whenever u_t[i] = 0 at every step t:
public enum StructuralZeros: Equatable, Sendable {
    /// W_x· (u = the one-hot x_t): rows of characters that are not in the window.
    case charactersNotInWindow
    /// W_h· (u = h_{t−1}) or W_hy (u = h_t): rows of units whose h is 0 at every step, e.g. all
    /// of them when h_{−1} = 0 and T = 1.
    case unitsAtZero
}

/// The check of one named parameter.
public struct ParameterCheck: Equatable, Sendable {
    public let name: String
    public let rows: Int
    public let columns: Int
    /// The checked entries, in the order checked.
    public let entries: [EntryCheck]
    public let tolerance: Double
    /// Entries left out because the window cannot change them: zero in both gradients by
    /// construction (see `StructuralZeros`).
    public var structuralZeros = 0
    /// Why they are zero (nil when none were left out).
    public var structuralZeroRows: StructuralZeros?

    public init(name: String, rows: Int, columns: Int, entries: [EntryCheck], tolerance: Double, structuralZeros: Int = 0,
                structuralZeroRows: StructuralZeros? = nil) {
        self.name = name
        self.rows = rows
        self.columns = columns
        self.entries = entries
        self.tolerance = tolerance
        self.structuralZeros = structuralZeros
        self.structuralZeroRows = structuralZeros > 0 ? structuralZeroRows : nil
    }

    /// The entry with the largest relative error.
    /// The entry with the largest relative error; an entry whose error is NaN (a derivative that
    /// is not a number) counts as the worst of all.
    public var worst: EntryCheck? {
        entries.first { $0.relativeError.isNaN } ?? entries.max { $0.relativeError < $1.relativeError }
    }
    public var worstRelativeError: Double { worst?.relativeError ?? 0 }
    /// Entries that do not pass; NaN never passes.
    public var failures: Int { entries.filter { !($0.relativeError < tolerance) }.count }
    public var passed: Bool { failures == 0 }
}

/// The whole report.
public struct GradientCheckResult: Equatable, Sendable {
    public let parameters: [ParameterCheck]
    public let options: GradientCheckOptions
    /// The loss of the window at the unperturbed parameters.
    public let loss: Double
    /// false when the check was stopped early: `parameters` then holds what was checked so far.
    public let complete: Bool
    public var passed: Bool { parameters.allSatisfy(\.passed) }
}

/// Compares backpropagation with central differences on one window, with clipping off.
///
/// The analytic gradient comes from the fast `forward`/`backward` on a fresh engine (the
/// trainer's record is left alone): a teaching cell for one layer in float64, else a
/// one-stream `Network` in the model's precision (dropout off). Each numeric entry perturbs
/// one parameter by ±δ (and ±2δ for `precise`), recomputes the loss and restores the exact
/// original value. A float32 model is checked on its weights rounded to float32, with the loss
/// computed in float64 (`plain`) or double-double (`precise`): the difference measures the
/// float32 backprop's rounding along with any error.
///
/// `initialState` holds every layer's state (h, then c for the LSTM), layer by layer.
/// Throws when the loss itself is not finite (nothing can be compared then). `shouldStop` is
/// asked before each entry; when it says yes the result holds the entries checked so far.
public func checkGradients(cell kind: CellKind, parameters: Parameters, vocabularySize: Int, hiddenSize: Int,
                           layers: Int = 1, precision: Precision = .float64, pool: ThreadPool? = nil,
                           inputs: [Int], targets: [Int], initialState: [Double]? = nil,
                           only names: [String]? = nil, options: GradientCheckOptions = .init(),
                           shouldStop: () -> Bool = { false }) throws(ModelError) -> GradientCheckResult {
    precondition(inputs.count == targets.count && !inputs.isEmpty, "inputs and targets must be equally long")
    let steps = inputs.count
    let xs = inputs.map(Int32.init), ys = targets.map(Int32.init)
    let stateSize = kind == .lstm ? 2 * hiddenSize : hiddenSize
    let h0 = initialState ?? [Double](repeating: 0, count: layers * stateSize)
    precondition(h0.count == layers * stateSize, "initial state has the wrong size")

    // θ as the model computes with it (float32 models: rounded to float32), and the engines.
    var theta = precision == .float32 ? parameters.values.map { Double(Float($0)) } : parameters.values
    let useNetwork = layers > 1 || precision == .float32
    let cell = useNetwork ? nil : makeCell(kind, vocabularySize: vocabularySize, hiddenSize: hiddenSize, capacity: steps)
    let workers = pool ?? ThreadPool(threads: 1)
    func network(_ precision: Precision) -> any TrainableNetwork {
        makeNetwork(precision, kind: kind, vocabularySize: vocabularySize, hiddenSize: hiddenSize, layers: layers, batch: 1,
                    capacity: steps, dropout: false, pool: workers)
    }
    let model = useNetwork ? network(precision) : nil
    let double = useNetwork ? (precision == .float64 ? model! : network(.float64)) : nil
    /// L(θ) in double precision, through the fast forward pass (the model's own engine in float64).
    func loss() -> Double {
        theta.withUnsafeBufferPointer { p in
            guard let double else {
                return cell!.forward(p.baseAddress!, inputs: xs, targets: ys, steps: steps, initialState: h0)
            }
            var generator = SeededGenerator(seed: 0)
            double.load(p.baseAddress!)
            return double.forward(inputs: xs, targets: ys, steps: steps, initialState: h0, dropout: 0, generator: &generator)
        }
    }

    // Analytic: one forward, one backward, no clipping.
    var analytic = [Double](repeating: 0, count: theta.count)
    let baseLoss: Double
    if let model {
        var generator = SeededGenerator(seed: 0)
        baseLoss = theta.withUnsafeBufferPointer { p in
            model.load(p.baseAddress!)
            return model.forward(inputs: xs, targets: ys, steps: steps, initialState: h0, dropout: 0, generator: &generator)
        }
        guard baseLoss.isFinite else { throw .gradientCheckOnNonFiniteLoss(loss: baseLoss) }
        analytic.withUnsafeMutableBufferPointer { model.backward(gradients: $0.baseAddress!, scale: 1) }
    } else {
        baseLoss = loss()
        guard baseLoss.isFinite else { throw .gradientCheckOnNonFiniteLoss(loss: baseLoss) }
        theta.withUnsafeBufferPointer { p in
            analytic.withUnsafeMutableBufferPointer { g in cell!.backward(p.baseAddress!, gradients: g.baseAddress!) }
        }
    }
    if let (mode, limit) = options.clipping { _ = clip(&analytic, mode: mode, limit: limit) }

    var exactTheta = theta.map(DoubleDouble.init)
    let streams = [ReferenceStream(inputs: inputs, targets: targets, initialState: h0)]
    /// The numeric ∂L/∂θ_index by the chosen method; θ is left exactly as it was.
    func numericDerivative(_ index: Int) -> Double {
        let delta = options.delta
        switch options.method {
        case .plain:
            let original = theta[index]
            theta[index] = original + delta
            let plus = loss()
            theta[index] = original - delta
            let minus = loss()
            theta[index] = original
            return (plus - minus) / (2 * delta)
        case .precise:
            let original = exactTheta[index]
            func centralDifference(_ step: Double) -> DoubleDouble {
                exactTheta[index] = original + DoubleDouble(step)
                let plus = referenceLoss(cell: kind, layout: parameters.layout, layers: layers, theta: exactTheta, streams: streams)
                exactTheta[index] = original - DoubleDouble(step)
                let minus = referenceLoss(cell: kind, layout: parameters.layout, layers: layers, theta: exactTheta, streams: streams)
                exactTheta[index] = original
                return (plus - minus) / DoubleDouble(2 * step)
            }
            let near = centralDifference(delta), far = centralDifference(2 * delta)
            return ((DoubleDouble(4) * near - far) / DoubleDouble(3)).double
        }
    }

    var generator = SeededGenerator(seed: options.seed)
    var checks: [ParameterCheck] = []
    var stopped = false
    // Rows that get no gradient by construction (StructuralZeros) cannot change the loss
    // either: both sides are zero, so checking them would check nothing. They are left out
    // (and counted). x_t is one-hot; each layer's h_t is the forward pass's above.
    let inputsInWindow = Set(inputs)
    func hidden(_ layer: Int, _ t: Int) -> [Double] {
        model?.hidden(layer: layer, stream: 0, at: t) ?? cell!.hiddenState(at: t)
    }
    func unitsAtZero(layer: Int, _ times: Range<Int>) -> Set<Int> {
        var units = Set(0 ..< hiddenSize)
        for t in times {
            let h = hidden(layer, t)
            units = units.filter { h[$0] == 0 }
        }
        return units
    }
    let silentBefore = (0 ..< layers).map { unitsAtZero(layer: $0, -1 ..< steps - 1) }
    let silentAfter = (0 ..< layers).map { unitsAtZero(layer: $0, 0 ..< steps) }
    for entry in parameters.layout.entries where names?.contains(entry.name) ?? true {
        if stopped { break }
        var chosen = Array(entry.range)
        let row = { ($0 - entry.offset) / entry.columns }
        let layer = ParameterLayout.split(entry.name).layer
        var reason: StructuralZeros?
        switch entry.role {
        case .input:
            chosen = chosen.filter { inputsInWindow.contains(row($0)) }
            reason = .charactersNotInWindow
        case .recurrent:
            chosen = chosen.filter { !silentBefore[layer].contains(row($0)) }
            reason = .unitsAtZero
        case .layerInput:
            chosen = chosen.filter { !silentAfter[layer - 1].contains(row($0)) }
            reason = .unitsAtZero
        case .output:
            chosen = chosen.filter { !silentAfter[layers - 1].contains(row($0)) }
            reason = .unitsAtZero
        case .bias:
            break
        }
        let structuralZeros = entry.count - chosen.count
        if let k = options.entriesPerParameter, k < chosen.count {
            // Partial Fisher–Yates: the first k of a seeded shuffle.
            for i in 0 ..< k {
                let j = i + generator.nextInt(below: chosen.count - i)
                chosen.swapAt(i, j)
            }
            chosen = Array(chosen[..<k])
        }
        var entries: [EntryCheck] = []
        for index in chosen {
            if shouldStop() {
                stopped = true
                break
            }
            let numeric = numericDerivative(index)
            let local = index - entry.offset
            entries.append(EntryCheck(row: local / entry.columns, column: local % entry.columns,
                                      analytic: analytic[index], numeric: numeric))
        }
        checks.append(ParameterCheck(name: entry.name, rows: entry.rows, columns: entry.columns,
                                     entries: entries, tolerance: options.tolerance, structuralZeros: structuralZeros,
                                     structuralZeroRows: reason))
    }
    return GradientCheckResult(parameters: checks, options: options, loss: baseLoss, complete: !stopped)
}
