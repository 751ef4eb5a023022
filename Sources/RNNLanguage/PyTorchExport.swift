import RNNCore

/// The model as a PyTorch `state_dict` (`export PATH format=pytorch`), for this module:
///
///     class CharRNN(torch.nn.Module):          # bench/pytorch_charrnn.py has it in full
///         rnn = torch.nn.LSTM(V, H, num_layers=L, batch_first=True)   # or GRU, or RNN (tanh)
///         out = torch.nn.Linear(H, V)
///     forward: one-hot inputs (B, T, V) → rnn → out → logits (B, T, V)
///
/// with the tensors (G gates: 4 for the LSTM in the order i, f, g, o; 3 for the GRU in the
/// order r, z, n, where z is rnnrepl's u; 1 for the tanh RNN; in_k = V for layer 0, H above):
///
///     rnn.weight_ih_l{k}  (G·H, in_k)   rows g·H … g·H+H−1: W_x{gate g}ᵀ of layer k+1
///     rnn.weight_hh_l{k}  (G·H, H)      rows g·H …: W_h{gate g}ᵀ
///     rnn.bias_ih_l{k}    (G·H)         b_{gate g}: all of rnnrepl's bias
///     rnn.bias_hh_l{k}    (G·H)         zeros; the GRU's last H are b_hn
///     out.weight          (V, H)        W_hyᵀ
///     out.bias            (V)           b_y
///
/// PyTorch multiplies column vectors (W·x, weights out × in) where rnnrepl multiplies row
/// vectors (x·W, weights in × out), hence the transposes; the one-hot input makes
/// weight_ih_l0·x column x of weight_ih_l0, which is row x of W_x·. PyTorch adds two biases
/// per gate (b_ih + b_hh) where rnnrepl has one, so the whole bias goes to bias_ih. The GRU's
/// exception is b_hn, which sits inside the reset gate's product in both
/// (n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn))): it is bias_hh's candidate block.
///
/// The values are float64 for a float64 model; for a float32 model, float32 (each master
/// weight rounded to the nearest float, as the model itself rounds them to compute).
enum PyTorchExport {
    /// The module's submodule names (the state_dict's prefixes).
    static let recurrentModule = "rnn", outputModule = "out"

    /// The state_dict's tensors in PyTorch's order (each layer's weight_ih, weight_hh,
    /// bias_ih, bias_hh; then the Linear's weight and bias).
    static func tensors(_ parameters: Parameters, cell: CellKind, layers: Int, hiddenSize h: Int, vocabularySize v: Int,
                        dtype: SafetensorsDType) -> [SafetensorsTensor] {
        let gates = cell.gateNames, g = gates.count
        /// Layer `layer`'s matrix `base`; nil layer: the output layer's (W_hy, b_y: one for all layers).
        func matrix(_ base: String, layer: Int?) -> (values: ArraySlice<Double>, rows: Int, columns: Int) {
            let entry = parameters.layout.entry(named: layer.map { ParameterLayout.name(base, layer: $0, of: layers) } ?? base)!
            return (parameters.values[entry.range], entry.rows, entry.columns)
        }
        /// [W_{k}·ᵀ for each gate k] stacked: (G·H, in) from G matrices of in × H.
        func stackedTransposed(_ prefix: String, layer: Int) -> [Double] {
            let inputs = matrix(prefix + gates[0], layer: layer).rows
            var result = [Double](repeating: 0, count: g * h * inputs)
            for (k, gate) in gates.enumerated() {
                let w = matrix(prefix + gate, layer: layer)
                // (in × H) → rows k·H + j, column i
                for i in 0 ..< inputs {
                    for j in 0 ..< h { result[(k * h + j) * inputs + i] = w.values[w.values.startIndex + i * h + j] }
                }
            }
            return result
        }
        func tensor(_ name: String, _ shape: [Int], _ values: [Double]) -> SafetensorsTensor {
            SafetensorsTensor(name: name, dtype: dtype, shape: shape, values: .doubles(values[...]))
        }
        var result: [SafetensorsTensor] = []
        for layer in 0 ..< layers {
            let inputs = layer == 0 ? v : h
            let prefix = recurrentModule + "."
            result.append(tensor(prefix + "weight_ih_l\(layer)", [g * h, inputs], stackedTransposed("W_x", layer: layer)))
            result.append(tensor(prefix + "weight_hh_l\(layer)", [g * h, h], stackedTransposed("W_h", layer: layer)))
            result.append(tensor(prefix + "bias_ih_l\(layer)", [g * h], gates.flatMap { Array(matrix("b_" + $0, layer: layer).values) }))
            var recurrentBias = [Double](repeating: 0, count: g * h)
            if cell == .gru { recurrentBias.replaceSubrange(2 * h ..< 3 * h, with: matrix("b_hn", layer: layer).values) }
            result.append(tensor(prefix + "bias_hh_l\(layer)", [g * h], recurrentBias))
        }
        let output = matrix("W_hy", layer: nil)  // (H × V) → (V × H)
        var weight = [Double](repeating: 0, count: v * h)
        for j in 0 ..< h {
            for c in 0 ..< v { weight[c * h + j] = output.values[output.values.startIndex + j * v + c] }
        }
        result.append(tensor(outputModule + ".weight", [v, h], weight))
        result.append(tensor(outputModule + ".bias", [v], Array(matrix("b_y", layer: nil).values)))
        return result
    }

    /// The torch.nn class of a cell.
    static func moduleClass(_ cell: CellKind) -> String {
        switch cell {
        case .rnn: "torch.nn.RNN"
        case .lstm: "torch.nn.LSTM"
        case .gru: "torch.nn.GRU"
        }
    }

    /// The modules the state_dict fits, as Python: "rnn = torch.nn.LSTM(65, 512, num_layers=2, batch_first=True); out = …".
    static func moduleText(cell: CellKind, layers: Int, hiddenSize h: Int, vocabularySize v: Int) -> String {
        "\(recurrentModule) = \(moduleClass(cell))(\(v), \(h), num_layers=\(layers)"
            + (cell == .rnn ? ", nonlinearity=\"tanh\"" : "") + ", batch_first=True); \(outputModule) = torch.nn.Linear(\(h), \(v))"
    }

    /// `__metadata__`: "format": "pt" (as safetensors.torch.save_file writes), and what a reader
    /// needs to rebuild the module and feed it: the cell, sizes and vocabulary (characters in
    /// index order; the input is the one-hot row of a character's index).
    static func metadata(cell: CellKind, layers: Int, hiddenSize h: Int, vocabulary: Vocabulary, step: Int,
                         dtype: SafetensorsDType) -> [(key: String, value: String)] {
        [("format", "pt"), ("rnnrepl.cell", cell.rawValue), ("rnnrepl.layers", String(layers)), ("rnnrepl.hidden", String(h)),
         ("rnnrepl.vocabulary", vocabulary.string), ("rnnrepl.step", String(step)), ("rnnrepl.dtype", dtype.rawValue),
         ("rnnrepl.modules", moduleText(cell: cell, layers: layers, hiddenSize: h, vocabularySize: vocabulary.count)),
         ("rnnrepl.input", "one-hot rows of the characters' indices in rnnrepl.vocabulary"),
         ("rnnrepl.version", rnnreplVersion)]
    }
}
