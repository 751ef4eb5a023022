/// Which earlier characters one prediction depends on (gradient saliency, Li et al. 2016).
///
/// The first layer reads character x_s through e_s = W_x[x_s], the rows of its input matrices
/// picked by x_s (1×GH: every gate's row; the vanilla RNN's W_xh[x_s]), added into the
/// pre-activations at step s. The saliency of character s for the prediction at step t is
///
///     ‖∂ log p_t[y_t] / ∂e_s‖        s = 0 … t,   y_t = x_{t+1}
///
/// where e_s is varied at step s alone (the same character elsewhere keeps its row). It is
/// exactly the gradient backpropagation through time delivers to step s's pre-activations,
/// ∂L/∂pre_s, when L is the one loss term −log p_t[y_t]: the backward pass of training, driven
/// by dz = p_t − onehot(y_t) at step t and dz = 0 at every other step (`LossSelection.last`).
public struct Saliency: Equatable, Sendable {
    /// ∂ log p_t[y_t] / ∂e_s for s = 0 … t, each 1×GH (gates in the cell's order).
    public let gradients: [[Double]]
    /// ‖gradients[s]‖ for s = 0 … t.
    public let norms: [Double]
    /// log p_t[y_t]: how sure the model was of the character it had to predict.
    public let logProbability: Double

    public init(gradients: [[Double]], logProbability: Double) {
        self.gradients = gradients
        norms = gradients.map { g in g.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        self.logProbability = logProbability
    }
}

extension StateReader {
    /// The saliency of the prediction at the last step of `text`: inputs x_0 … x_t = text[0 … t],
    /// target y_t = text[t + 1] (so t = text.count − 2; at least two characters). One forward pass
    /// from the zero state over t + 1 steps, and one backward pass of the last loss term, on a
    /// cell or network of its own (the reader's windows are not long enough for every t).
    public func saliency(of text: [Int]) -> Saliency {
        precondition(text.count >= 2, "a prediction needs an input and a target")
        let steps = text.count - 1
        let inputs = text[..<steps].map(Int32.init), targets = text[1...].map(Int32.init)
        var scratch = [Double](repeating: 0, count: parameters.layout.count)  // ∂L/∂θ, not used
        let stateSize = kind == .lstm ? 2 * hiddenSize : hiddenSize
        let zero = [Double](repeating: 0, count: layers * stateSize)
        var dPre: [[Double]] = []   // ∂L/∂pre_s of the first layer, L = −log p_t[y_t]
        let loss: Double
        switch engine {
        case .cell:
            let cell = makeCell(kind, vocabularySize: vocabularySize, hiddenSize: hiddenSize, capacity: steps)
            let recorder = BackwardRecorder()
            parameters.values.withUnsafeBufferPointer { p in
                _ = cell.forward(p.baseAddress!, inputs: inputs, targets: targets, steps: steps, initialState: zero)
                scratch.withUnsafeMutableBufferPointer { g in
                    cell.backward(p.baseAddress!, gradients: g.baseAddress!, recorder: recorder, losses: .last)
                }
            }
            // The names the cells record ∂L/∂pre_s under: the rnn's dh_raw = (1 − h²) ⊙ dh.
            let names = kind == .rnn ? ["dh_raw"] : kind.gateNames.map { "da_" + $0 }
            dPre = (0 ..< steps).map { s in names.flatMap { recorder.value($0, at: s)! } }
            loss = cell.loss(at: steps - 1)
        case .network:
            let network = makeNetwork(precision, kind: kind, vocabularySize: vocabularySize, hiddenSize: hiddenSize, layers: layers,
                                      batch: 1, capacity: steps, dropout: false, pool: pool!)
            parameters.values.withUnsafeBufferPointer { network.load($0.baseAddress!) }
            var generator = SeededGenerator(seed: 0)
            network.forward(inputs: inputs, targets: targets, steps: steps, initialState: zero, dropout: 0, generator: &generator)
            scratch.withUnsafeMutableBufferPointer { network.backward(gradients: $0.baseAddress!, scale: 1, losses: .last) }
            dPre = (0 ..< steps).map { s in (0 ..< kind.gateCount).flatMap { network.gateGradient($0, layer: 0, stream: 0, at: s) } }
            loss = network.loss(stream: 0, at: steps - 1)
        }
        // ∂ log p = −∂L.
        return Saliency(gradients: dPre.map { $0.map { -$0 } }, logProbability: -loss)
    }
}
