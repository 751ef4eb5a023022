/// The loss of one window recomputed from the equations in double-double arithmetic, sharing no
/// code with the fast kernels: the gradient check differentiates this, numerically, and compares
/// the result with the fast backward pass.
///
/// `theta` holds every parameter (layout order) already in double-double, so a perturbation
/// θ_i ± δ is represented exactly.
func referenceLoss(cell: CellKind, layout: ParameterLayout, theta: [DoubleDouble],
                   inputs: [Int], targets: [Int], initialState: [Double]) -> DoubleDouble {
    referenceLoss(cell: cell, layout: layout, layers: 1, theta: theta,
                  streams: [ReferenceStream(inputs: inputs, targets: targets, initialState: initialState)])
}

/// One stream of a window: its characters and the state each layer starts from (layer by
/// layer: h, then c for the LSTM).
struct ReferenceStream {
    var inputs: [Int]
    var targets: [Int]
    var initialState: [Double]
}

/// Σ over the streams and steps of −ln p_t[y_t] for a model of `layers` layers (no dropout):
/// layer 1 reads the one-hot x_t, layer l ≥ 2 the h_t of layer l − 1, the output reads the top.
func referenceLoss(cell: CellKind, layout: ParameterLayout, layers: Int, theta: [DoubleDouble],
                   streams: [ReferenceStream]) -> DoubleDouble {
    var total = DoubleDouble.zero
    for stream in streams {
        let size = stream.initialState.count / layers
        var states = (0 ..< layers).map { l in stream.initialState[l * size ..< (l + 1) * size].map(DoubleDouble.init) }
        for (x, y) in zip(stream.inputs, stream.targets) {
            var input = ReferenceInput.character(x)
            for l in 0 ..< layers {
                let model = ReferenceLayer(cell: cell, layout: layout, layer: l, of: layers, theta: theta)
                states[l] = model.step(input, state: states[l])
                input = .vector(Array(states[l][0 ..< model.hiddenSize]))
            }
            guard case .vector(let top) = input else { preconditionFailure("no layers") }
            total += referenceOutputLoss(layout: layout, theta: theta, hidden: top, target: y)
        }
    }
    return total
}

/// What a layer reads: a character (one-hot, layer 1) or the layer below's h_t.
enum ReferenceInput {
    case character(Int)
    case vector([DoubleDouble])
}

/// One layer's equations, its matrices read from θ by name.
struct ReferenceLayer {
    let cell: CellKind
    let layout: ParameterLayout
    let layer: Int
    let layers: Int
    let theta: [DoubleDouble]
    let hiddenSize: Int

    init(cell: CellKind, layout: ParameterLayout, layer: Int, of layers: Int, theta: [DoubleDouble]) {
        self.cell = cell
        self.layout = layout
        self.layer = layer
        self.layers = layers
        self.theta = theta
        hiddenSize = layout.entry(named: ParameterLayout.name("W_h" + cell.gateNames[0], layer: layer, of: layers))!.rows
    }

    func entry(_ base: String) -> ParameterLayout.Entry { layout.entry(named: ParameterLayout.name(base, layer: layer, of: layers))! }

    /// x·W_x? + b_? (+ h·W_h? unless `withRecurrent` is false) for the gate named `gate`.
    func gate(_ gate: String, input: ReferenceInput, previous h: [DoubleDouble], withRecurrent: Bool = true) -> [DoubleDouble] {
        let wx = entry("W_x" + gate), wh = entry("W_h" + gate), b = entry("b_" + gate)
        let n = hiddenSize
        return (0 ..< n).map { j in
            var sum: DoubleDouble
            switch input {
            case .character(let x):
                sum = theta[wx.offset + x * n + j] + theta[b.offset + j]
            case .vector(let v):
                sum = theta[b.offset + j]
                for i in 0 ..< v.count { sum += v[i] * theta[wx.offset + i * n + j] }
            }
            if withRecurrent {
                for i in 0 ..< n { sum += h[i] * theta[wh.offset + i * n + j] }
            }
            return sum
        }
    }

    /// The new state (h, then c for the LSTM) from the old one.
    func step(_ x: ReferenceInput, state: [DoubleDouble]) -> [DoubleDouble] {
        let n = hiddenSize
        let h = Array(state[0 ..< n])
        switch cell {
        case .rnn:
            // h = tanh(x·W_xh + b_h + h·W_hh)
            return gate("h", input: x, previous: h).map(DoubleDouble.tanh)
        case .lstm:
            // i, f, o = σ(gate), g = tanh(gate);  c = f⊙c + i⊙g;  h = o⊙tanh(c)
            let c = Array(state[n...])
            let i = gate("i", input: x, previous: h).map(DoubleDouble.sigmoid)
            let f = gate("f", input: x, previous: h).map(DoubleDouble.sigmoid)
            let g = gate("g", input: x, previous: h).map(DoubleDouble.tanh)
            let o = gate("o", input: x, previous: h).map(DoubleDouble.sigmoid)
            let newC = (0 ..< n).map { f[$0] * c[$0] + i[$0] * g[$0] }
            return (0 ..< n).map { o[$0] * DoubleDouble.tanh(newC[$0]) } + newC
        case .gru:
            // r, u = σ(gate);  hn = h·W_hn + b_hn;  n = tanh(x·W_xn + b_n + r⊙hn);  h = (1 − u)⊙n + u⊙h
            let whn = entry("W_hn"), bhn = entry("b_hn")
            let r = gate("r", input: x, previous: h).map(DoubleDouble.sigmoid)
            let u = gate("u", input: x, previous: h).map(DoubleDouble.sigmoid)
            let hn = (0 ..< n).map { j in
                var sum = theta[bhn.offset + j]
                for i in 0 ..< n { sum += h[i] * theta[whn.offset + i * n + j] }
                return sum
            }
            let inputPart = gate("n", input: x, previous: h, withRecurrent: false)
            let candidate = (0 ..< n).map { DoubleDouble.tanh(inputPart[$0] + r[$0] * hn[$0]) }
            return (0 ..< n).map { (DoubleDouble.one - u[$0]) * candidate[$0] + u[$0] * h[$0] }
        }
    }
}

/// logΣexp(z) − z[y] with z = h·W_hy + b_y.
private func referenceOutputLoss(layout: ParameterLayout, theta: [DoubleDouble], hidden h: [DoubleDouble], target y: Int) -> DoubleDouble {
    let why = layout.entry(named: "W_hy")!, by = layout.entry(named: "b_y")!
    let v = why.columns
    let z = (0 ..< v).map { k in
        var sum = theta[by.offset + k]
        for i in 0 ..< h.count { sum += h[i] * theta[why.offset + i * v + k] }
        return sum
    }
    return DoubleDouble.logSumExp(z) - z[y]
}
