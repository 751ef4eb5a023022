/// Looking inside a model (`highlight`, `find-neurons`, `saliency`, `plot states`): the model
/// reads a text from the zero state, one stream, without dropout, and every step's vectors can
/// be looked at, unit by unit.

/// A per-step vector of one layer with one number per unit (1×H).
public enum StateQuantity: Hashable, Sendable {
    /// h_t, every cell's.
    case hidden
    /// c_t, the LSTM's cell state.
    case cell
    /// Gate k's activation, in the cell's order (`CellKind.gateNames`: LSTM i f g o, GRU r u n).
    case gate(Int)

    /// The interval its values lie in by construction: (−1, 1) for h (o ⊙ tanh(c) in the LSTM, a
    /// mix of tanh values in the GRU) and the tanh candidates (LSTM g, GRU n); (0, 1) for the σ
    /// gates; no bound for c (a sum of many i ⊙ g).
    public func bounds(in kind: CellKind) -> StateBounds {
        switch self {
        case .hidden: .signedUnit
        case .cell: .unbounded
        case .gate(let k): kind.gateNames[k] == "g" || kind.gateNames[k] == "n" ? .signedUnit : .unitInterval
        }
    }
}

/// Where a quantity's values lie.
public enum StateBounds: Equatable, Sendable {
    /// −1 … 1 (tanh-valued).
    case signedUnit
    /// 0 … 1 (σ gates, probabilities).
    case unitInterval
    /// Any real number (the LSTM's c).
    case unbounded
}

/// One unit of one layer: `layer` (0-based), which vector, which entry.
public struct UnitProbe: Hashable, Sendable {
    public var layer: Int
    public var quantity: StateQuantity
    public var unit: Int

    public init(layer: Int, quantity: StateQuantity, unit: Int) {
        self.layer = layer
        self.quantity = quantity
        self.unit = unit
    }
}

/// What the model has computed after reading one character: every layer's record at one step
/// of the current window.
public struct StepView {
    let records: [any WindowRecord]
    let kind: CellKind
    /// The step within the window.
    let t: Int

    /// The quantity's vector (1×H) in `layer` (0-based).
    public func values(_ quantity: StateQuantity, layer: Int) -> [Double] {
        let record = records[layer]
        switch quantity {
        case .hidden: return record.hiddenState(at: t)
        case .cell: return record.recorded("cs", at: t)!
        case .gate(let k): return record.recorded(kind.gateNames[k], at: t)!
        }
    }

    /// p_t (1×V): the distribution of the next character.
    public var probabilities: [Double] { records[records.count - 1].probabilities(at: t) }
}

/// A model that reads a text from the zero state, `chunk` characters a window (the state carried
/// from window to window, as `score` reads), on the engine the model trains on: the teaching
/// cell (one layer, float64) or the batched network (any layers, float32 or float64) with one
/// stream. Its own record: reading never disturbs the training window that `show` displays.
public final class StateReader {
    public let kind: CellKind
    public let vocabularySize: Int
    public let hiddenSize: Int
    public let layers: Int
    public let precision: Precision
    /// Characters per window.
    public let chunk: Int
    let parameters: Parameters
    let pool: ThreadPool?

    enum Engine {
        case cell(any RecurrentCell)
        case network(any TrainableNetwork)
    }
    let engine: Engine

    /// `pool` nil: the teaching cell (then `layers` must be 1 and `precision` float64); else the
    /// network on that pool.
    public init(kind: CellKind, vocabularySize: Int, hiddenSize: Int, layers: Int, precision: Precision,
                parameters: Parameters, pool: ThreadPool?, chunk: Int = 256) {
        precondition(pool != nil || (layers == 1 && precision == .float64), "the teaching cells have one float64 layer")
        self.kind = kind
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.precision = precision
        self.parameters = parameters
        self.pool = pool
        self.chunk = chunk
        if let pool {
            let network = makeNetwork(precision, kind: kind, vocabularySize: vocabularySize, hiddenSize: hiddenSize, layers: layers,
                                      batch: 1, capacity: chunk, dropout: false, pool: pool)
            parameters.values.withUnsafeBufferPointer { network.load($0.baseAddress!) }
            engine = .network(network)
        } else {
            engine = .cell(makeCell(kind, vocabularySize: vocabularySize, hiddenSize: hiddenSize, capacity: chunk))
        }
    }

    /// The quantities `find-neurons` scans in every layer: h, and the LSTM's c.
    public var scannedQuantities: [StateQuantity] { kind == .lstm ? [.hidden, .cell] : [.hidden] }

    /// Reads `text` (vocabulary indices) from the zero state and calls `visit(i, step)` after
    /// character i. Returns false when `shouldStop` (asked every 1000 characters or so) said
    /// stop.
    @discardableResult
    public func read(_ text: [Int], shouldStop: () -> Bool = { false }, visit: (Int, StepView) -> Void) -> Bool {
        let stateSize = kind == .lstm ? 2 * hiddenSize : hiddenSize
        var state = [Double](repeating: 0, count: layers * stateSize)    // every layer's h (and c)
        var inputs = [Int32](repeating: 0, count: chunk), targets = inputs
        var start = 0, sinceCheck = 0
        while start < text.count {
            if sinceCheck >= 1000 {
                if shouldStop() { return false }
                sinceCheck = 0
            }
            let steps = min(chunk, text.count - start)
            for t in 0 ..< steps {
                inputs[t] = Int32(text[start + t])
                // The last character's target is never looked at: any index will do.
                targets[t] = Int32(start + t + 1 < text.count ? text[start + t + 1] : 0)
            }
            let records: [any WindowRecord]
            switch engine {
            case .cell(let cell):
                parameters.values.withUnsafeBufferPointer { p in
                    state.withUnsafeBufferPointer { s in
                        _ = cell.forward(p.baseAddress!, inputs: inputs, targets: targets, steps: steps, initialState: s.baseAddress!)
                    }
                }
                state.withUnsafeMutableBufferPointer { cell.copyFinalState(into: $0.baseAddress!) }
                records = [cell]
            case .network(let network):
                var generator = SeededGenerator(seed: 0)  // no dropout: never drawn from
                state.withUnsafeBufferPointer { s in
                    _ = network.forward(inputs: inputs, targets: targets, steps: steps, initialState: s.baseAddress!, dropout: 0,
                                        generator: &generator)
                }
                state.withUnsafeMutableBufferPointer { network.copyFinalStates(into: $0.baseAddress!) }
                records = (0 ..< layers).map { NetworkWindow(network, layer: $0) }
            }
            for t in 0 ..< steps { visit(start + t, StepView(records: records, kind: kind, t: t)) }
            start += steps
            sinceCheck += steps
        }
        return true
    }

    /// One unit's value after each character of `text` (1×n); nil when stopped.
    public func series(of probe: UnitProbe, text: [Int], shouldStop: () -> Bool = { false }) -> [Double]? {
        var values: [Double] = []
        values.reserveCapacity(text.count)
        let complete = read(text, shouldStop: shouldStop) { _, step in
            values.append(step.values(probe.quantity, layer: probe.layer)[probe.unit])
        }
        return complete ? values : nil
    }

    /// p(x_i | x_0 … x_{i−1}) = p_{i−1}[x_i] for i = 1 … n−1 (entry i−1): the probability the
    /// model gave each character before it read it; nil when stopped.
    public func characterProbabilities(_ text: [Int], shouldStop: () -> Bool = { false }) -> [Double]? {
        var values: [Double] = []
        values.reserveCapacity(max(text.count - 1, 0))
        let complete = read(text, shouldStop: shouldStop) { i, step in
            if i + 1 < text.count { values.append(step.probabilities[text[i + 1]]) }
        }
        return complete ? values : nil
    }

    /// h_t of `layer` after each character: n×H, row t is h_t; nil when stopped.
    public func hiddenStates(layer: Int, text: [Int], shouldStop: () -> Bool = { false }) -> Matrix? {
        var storage: [Double] = []
        storage.reserveCapacity(text.count * hiddenSize)
        let complete = read(text, shouldStop: shouldStop) { _, step in storage += step.values(.hidden, layer: layer) }
        return complete ? Matrix(rows: text.count, columns: hiddenSize, storage: storage) : nil
    }

    /// Pearson's r between each scanned unit's value (h, and the LSTM's c, of every layer) and
    /// `target` (one number per character), over the whole text:
    ///
    ///     r = Σ_t (v_t − v̄)(y_t − ȳ) / √(Σ_t (v_t − v̄)² · Σ_t (y_t − ȳ)²)
    ///
    /// accumulated in one pass with Welford's updates (no sums of squares that cancel). A unit
    /// whose value never changes has no r (nil). Units in the order layer, quantity, index;
    /// nil when stopped.
    public func correlations(_ text: [Int], with target: [Double], shouldStop: () -> Bool = { false }) -> [UnitCorrelation]? {
        precondition(target.count == text.count, "one target value per character")
        let quantities = scannedQuantities, h = hiddenSize
        let units = layers * quantities.count * h
        var meanV = [Double](repeating: 0, count: units)   // v̄ so far
        var m2V = [Double](repeating: 0, count: units)     // Σ (v − v̄)²
        var coV = [Double](repeating: 0, count: units)     // Σ (v − v̄)(y − ȳ)
        var meanY = 0.0, m2Y = 0.0, n = 0.0
        let complete = read(text, shouldStop: shouldStop) { i, step in
            n += 1
            let y = target[i], dy = y - meanY
            meanY += dy / n
            let dyAfter = y - meanY
            m2Y += dy * dyAfter
            for l in 0 ..< layers {
                for (q, quantity) in quantities.enumerated() {
                    let values = step.values(quantity, layer: l), base = (l * quantities.count + q) * h
                    for j in 0 ..< h {
                        let dv = values[j] - meanV[base + j]
                        meanV[base + j] += dv / n
                        m2V[base + j] += dv * (values[j] - meanV[base + j])
                        coV[base + j] += dv * dyAfter
                    }
                }
            }
        }
        guard complete else { return nil }
        var result: [UnitCorrelation] = []
        result.reserveCapacity(units)
        for l in 0 ..< layers {
            for (q, quantity) in quantities.enumerated() {
                for j in 0 ..< h {
                    let index = (l * quantities.count + q) * h + j
                    let r: Double? = m2V[index] > 0 && m2Y > 0 ? coV[index] / (m2V[index] * m2Y).squareRoot() : nil
                    result.append(UnitCorrelation(probe: UnitProbe(layer: l, quantity: quantity, unit: j),
                                                  r: r.map { min(1, max(-1, $0)) }))
                }
            }
        }
        return result
    }
}

/// A unit and its correlation with a per-character signal.
public struct UnitCorrelation: Equatable, Sendable {
    public let probe: UnitProbe
    /// Pearson's r in [−1, 1]; nil when the unit's value never changed (r is undefined).
    public let r: Double?

    public init(probe: UnitProbe, r: Double?) {
        self.probe = probe
        self.r = r
    }
}

/// Pearson's r of two equally long series, in two passes (means first); nil when either is
/// constant.
///
///     r = Σ (x − x̄)(y − ȳ) / √(Σ (x − x̄)² · Σ (y − ȳ)²)
public func pearsonCorrelation(_ x: [Double], _ y: [Double]) -> Double? {
    precondition(x.count == y.count, "two series of one length")
    guard !x.isEmpty else { return nil }
    let n = Double(x.count)
    let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for i in 0 ..< x.count {
        let dx = x[i] - meanX, dy = y[i] - meanY
        sxy += dx * dy
        sxx += dx * dx
        syy += dy * dy
    }
    guard sxx > 0 && syy > 0 else { return nil }
    return min(1, max(-1, sxy / (sxx * syy).squareRoot()))
}

/// Characters since the last line break before each character (0 for the first character of
/// a line; a line break itself counts as the last character of its line): the signal of
/// `find-neurons pattern=line-position`.
public func linePositions(_ text: [Unicode.Scalar]) -> [Double] {
    var result: [Double] = []
    result.reserveCapacity(text.count)
    var column = 0
    for scalar in text {
        result.append(Double(column))
        column = scalar == "\n" ? 0 : column + 1
    }
    return result
}

extension Trainer {
    /// A reader of this model with its current parameters, on the engine it trains on.
    public func stateReader(chunk: Int = 256) -> StateReader {
        StateReader(kind: config.cell, vocabularySize: vocabulary.count, hiddenSize: config.hiddenSize, layers: config.layers,
                    precision: config.precision, parameters: parameters, pool: config.usesNetwork ? pool : nil, chunk: chunk)
    }
}
