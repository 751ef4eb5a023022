/// The batched network seen without its number type, as the trainer and the commands use it.
public protocol TrainableNetwork: AnyObject {
    var kind: CellKind { get }
    var vocabularySize: Int { get }
    var hiddenSize: Int { get }
    var layers: Int { get }
    var batch: Int { get }
    var capacity: Int { get }
    /// h (and c) of one stream in one layer.
    var stateSize: Int { get }
    var steps: Int { get }
    var precision: Precision { get }
    var layout: ParameterLayout { get }

    func load(_ theta: UnsafePointer<Double>)
    @discardableResult
    func forward(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int, initialState: UnsafePointer<Double>,
                 dropout: Double, generator: inout SeededGenerator) -> Double
    /// `losses: .last`: only the last step's loss terms.
    func backward(gradients: UnsafeMutablePointer<Double>, scale: Double, losses: LossSelection)
    func copyFinalStates(into state: UnsafeMutablePointer<Double>)

    func hidden(layer: Int, stream: Int, at t: Int) -> [Double]
    func cell(layer: Int, stream: Int, at t: Int) -> [Double]?
    func gate(_ k: Int, layer: Int, stream: Int, at t: Int) -> [Double]
    func preActivation(layer: Int, stream: Int, at t: Int) -> [Double]
    func candidate(layer: Int, stream: Int, at t: Int) -> [Double]?
    func logits(stream: Int, at t: Int) -> [Double]
    func probabilities(stream: Int, at t: Int) -> [Double]
    func loss(stream: Int, at t: Int) -> Double
    func input(stream: Int, at t: Int) -> Int
    func target(stream: Int, at t: Int) -> Int
    func gateGradient(_ k: Int, layer: Int, stream: Int, at t: Int) -> [Double]
    func outputGradient(layer: Int, stream: Int, at t: Int) -> [Double]
    func hiddenGradientNorms(layer: Int, stream: Int) -> [Double]
}

extension TrainableNetwork {
    /// Every loss term, as training differentiates them.
    public func backward(gradients: UnsafeMutablePointer<Double>, scale: Double) {
        backward(gradients: gradients, scale: scale, losses: .all)
    }
}

extension Network: TrainableNetwork {
    public var precision: Precision { S.precision }

    /// pre_t (the rnn's a_t: x_t·W_xh + b_h + h_{t−1}·W_hh; gated cells: the gates' inputs).
    public func preActivation(layer: Int, stream: Int, at t: Int) -> [Double] {
        let p = records[layer].pre.pointer + (t * batch + stream) * gateWidth
        return (0 ..< gateWidth).map { Double(p[$0]) }
    }

    /// The GRU's hn_t = h_{t−1}·W_hn + b_hn.
    public func candidate(layer: Int, stream: Int, at t: Int) -> [Double]? {
        records[layer].candidates.map { buffer in (0 ..< hiddenSize).map { Double(buffer.pointer[(t * batch + stream) * hiddenSize + $0]) } }
    }
}

/// A network of the given precision.
public func makeNetwork(_ precision: Precision, kind: CellKind, vocabularySize: Int, hiddenSize: Int, layers: Int, batch: Int,
                        capacity: Int, dropout: Bool, pool: ThreadPool) -> any TrainableNetwork {
    switch precision {
    case .float32:
        Network<Float>(kind: kind, vocabularySize: vocabularySize, hiddenSize: hiddenSize, layers: layers, batch: batch,
                       capacity: capacity, dropout: dropout, pool: pool)
    case .float64:
        Network<Double>(kind: kind, vocabularySize: vocabularySize, hiddenSize: hiddenSize, layers: layers, batch: batch,
                        capacity: capacity, dropout: dropout, pool: pool)
    }
}

/// The network's last window as commands read it: one stream (the first) of one layer (the
/// top, whose h_t the output layer reads). The loss terms are that stream's.
public final class NetworkWindow: WindowRecord {
    public let network: any TrainableNetwork
    public let layer: Int
    public let stream: Int

    public init(_ network: any TrainableNetwork, layer: Int? = nil, stream: Int = 0) {
        self.network = network
        self.layer = layer ?? network.layers - 1
        self.stream = stream
    }

    public var steps: Int { network.steps }
    public func input(at t: Int) -> Int { network.input(stream: stream, at: t) }
    public func target(at t: Int) -> Int { network.target(stream: stream, at: t) }
    public func hiddenState(at t: Int) -> [Double] { network.hidden(layer: layer, stream: stream, at: t) }
    public func logits(at t: Int) -> [Double] { network.logits(stream: stream, at: t) }
    public func probabilities(at t: Int) -> [Double] { network.probabilities(stream: stream, at: t) }
    public func loss(at t: Int) -> Double { network.loss(stream: stream, at: t) }
    public var hiddenGradientNorms: [Double] { network.hiddenGradientNorms(layer: layer, stream: stream) }

    /// The names the teaching cells record: the rnn's a; the LSTM's gates and cell states; the
    /// GRU's gates and hn.
    public var recordedNames: [String] {
        switch network.kind {
        case .rnn: ["a"]
        case .lstm: network.kind.gateNames + ["cs"]
        case .gru: network.kind.gateNames + ["hn"]
        }
    }

    public func recorded(_ name: String, at t: Int) -> [Double]? {
        switch name {
        case "a" where network.kind == .rnn: return network.preActivation(layer: layer, stream: stream, at: t)
        case "cs": return network.cell(layer: layer, stream: stream, at: t)
        case "hn": return network.candidate(layer: layer, stream: stream, at: t)
        default:
            guard network.kind != .rnn, let k = network.kind.gateNames.firstIndex(of: name) else { return nil }
            return network.gate(k, layer: layer, stream: stream, at: t)
        }
    }
}

/// A model read one character at a time from a state: sampling, `plot probs prime=`, scoring.
public protocol TextModel: AnyObject {
    var vocabularySize: Int { get }
    /// The whole state (every layer's h, and c for the LSTM).
    var stateSize: Int { get }
    /// Feeds `input`: `state` becomes the next state, `logits` (1×V) the next character's.
    func advance(input: Int, state: UnsafeMutablePointer<Double>, logits: UnsafeMutablePointer<Double>)
    /// Σ −ln p(c_{i+1} | c_0 … c_i) over the `count` characters `index(0)…`, read once from the
    /// zero state; nil when `shouldStop` (asked every 1000 characters or so) said stop.
    func score(count: Int, index: (Int) -> Int, shouldStop: () -> Bool) -> ScoreResult?
}

/// A teaching cell with its parameters.
public final class CellTextModel: TextModel {
    let cell: any RecurrentCell
    let parameters: Parameters

    public init(cell: any RecurrentCell, parameters: Parameters) {
        self.cell = cell
        self.parameters = parameters
    }

    public var vocabularySize: Int { cell.vocabularySize }
    public var stateSize: Int { cell.stateSize }

    public func advance(input: Int, state: UnsafeMutablePointer<Double>, logits: UnsafeMutablePointer<Double>) {
        parameters.values.withUnsafeBufferPointer { cell.advance($0.baseAddress!, input: input, state: state, logits: logits) }
    }

    public func score(count: Int, index: (Int) -> Int, shouldStop: () -> Bool) -> ScoreResult? {
        let v = cell.vocabularySize
        var state = [Double](repeating: 0, count: cell.stateSize)
        var logits = [Double](repeating: 0, count: v)
        var scratch = [Double](repeating: 0, count: v)
        var total = 0.0
        var stopped = false
        parameters.values.withUnsafeBufferPointer { p in
            state.withUnsafeMutableBufferPointer { h in
                logits.withUnsafeMutableBufferPointer { z in
                    scratch.withUnsafeMutableBufferPointer { q in
                        for i in 0 ..< count - 1 {
                            if i % 1000 == 999 && shouldStop() {
                                stopped = true
                                return
                            }
                            cell.advance(p.baseAddress!, input: index(i), state: h.baseAddress!, logits: z.baseAddress!)
                            let logSumExp = softmax(z.baseAddress!, v, into: q.baseAddress!)
                            total += logSumExp - z[index(i + 1)]  // −log p(next)
                        }
                    }
                }
            }
        }
        return stopped ? nil : ScoreResult(loss: total, predictions: count - 1)
    }
}

/// The batched network, one stream at a time, no dropout: sampling steps one character, scoring
/// runs windows of `chunk` characters (each layer's inputs and the output layer as products over
/// the window), the state carried from window to window.
public final class NetworkTextModel: TextModel {
    let network: any TrainableNetwork
    public let chunk: Int

    /// A network of `parameters`' shape in `precision` (its own single thread for stepping; the
    /// products of a scoring window use `pool`).
    public init(kind: CellKind, vocabularySize: Int, hiddenSize: Int, layers: Int, precision: Precision,
                parameters: Parameters, chunk: Int = 256, pool: ThreadPool) {
        self.chunk = chunk
        network = makeNetwork(precision, kind: kind, vocabularySize: vocabularySize, hiddenSize: hiddenSize, layers: layers,
                              batch: 1, capacity: chunk, dropout: false, pool: pool)
        parameters.values.withUnsafeBufferPointer { network.load($0.baseAddress!) }
    }

    public var vocabularySize: Int { network.vocabularySize }
    public var stateSize: Int { network.layers * network.stateSize }

    public func advance(input: Int, state: UnsafeMutablePointer<Double>, logits: UnsafeMutablePointer<Double>) {
        var x = Int32(input), y = Int32(0), generator = SeededGenerator(seed: 0)
        network.forward(inputs: &x, targets: &y, steps: 1, initialState: state, dropout: 0, generator: &generator)
        network.copyFinalStates(into: state)
        let z = network.logits(stream: 0, at: 0)
        for k in 0 ..< z.count { logits[k] = z[k] }
    }

    public func score(count: Int, index: (Int) -> Int, shouldStop: () -> Bool) -> ScoreResult? {
        var state = [Double](repeating: 0, count: stateSize)
        var inputs = [Int32](repeating: 0, count: chunk), targets = inputs
        var generator = SeededGenerator(seed: 0)
        var total = 0.0, start = 0
        while start < count - 1 {
            if start > 0 && start % (chunk * 4) == 0 && shouldStop() { return nil }
            let steps = min(chunk, count - 1 - start)
            for t in 0 ..< steps {
                inputs[t] = Int32(index(start + t))
                targets[t] = Int32(index(start + t + 1))
            }
            total += state.withUnsafeBufferPointer { h in
                network.forward(inputs: inputs, targets: targets, steps: steps, initialState: h.baseAddress!, dropout: 0,
                                generator: &generator)
            }
            state.withUnsafeMutableBufferPointer { network.copyFinalStates(into: $0.baseAddress!) }
            start += steps
        }
        return ScoreResult(loss: total, predictions: count - 1)
    }
}
