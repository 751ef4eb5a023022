/// The loss of one window recomputed from the equations in double-double arithmetic, sharing no
/// code with the fast kernels: the gradient check differentiates this, numerically, and compares
/// the result with the fast backward pass.
///
/// `theta` holds every parameter (layout order) already in double-double, so a perturbation
/// θ_i ± δ is represented exactly.
func referenceLoss(cell: CellKind, layout: ParameterLayout, theta: [DoubleDouble],
                   inputs: [Int], targets: [Int], initialState: [Double]) -> DoubleDouble {
    switch cell {
    case .rnn: referenceRNNLoss(layout: layout, theta: theta, inputs: inputs, targets: targets, initialState: initialState)
    case .lstm: referenceLSTMLoss(layout: layout, theta: theta, inputs: inputs, targets: targets, initialState: initialState)
    case .gru: referenceGRULoss(layout: layout, theta: theta, inputs: inputs, targets: targets, initialState: initialState)
    }
}

/// x·W_x? + b_? + h·W_h? for the gate named `gate`, read from θ by name.
private func referenceGate(_ gate: String, layout: ParameterLayout, theta: [DoubleDouble], input x: Int,
                           previous h: [DoubleDouble], withRecurrent: Bool = true) -> [DoubleDouble] {
    let wx = layout.entry(named: "W_x" + gate)!, wh = layout.entry(named: "W_h" + gate)!, b = layout.entry(named: "b_" + gate)!
    let n = wh.rows
    return (0 ..< n).map { j in
        var sum = theta[wx.offset + x * n + j] + theta[b.offset + j]
        if withRecurrent {
            for i in 0 ..< n { sum += h[i] * theta[wh.offset + i * n + j] }
        }
        return sum
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

/// i, f, o = σ(gate), g = tanh(gate);  c = f⊙c + i⊙g;  h = o⊙tanh(c);  L = Σ_t logΣexp(z_t) − z_t[y_t]
private func referenceLSTMLoss(layout: ParameterLayout, theta: [DoubleDouble],
                               inputs: [Int], targets: [Int], initialState: [Double]) -> DoubleDouble {
    let n = initialState.count / 2
    var h = initialState[..<n].map(DoubleDouble.init), c = initialState[n...].map(DoubleDouble.init)
    var total = DoubleDouble.zero
    for (x, y) in zip(inputs, targets) {
        let i = referenceGate("i", layout: layout, theta: theta, input: x, previous: h).map(DoubleDouble.sigmoid)
        let f = referenceGate("f", layout: layout, theta: theta, input: x, previous: h).map(DoubleDouble.sigmoid)
        let g = referenceGate("g", layout: layout, theta: theta, input: x, previous: h).map(DoubleDouble.tanh)
        let o = referenceGate("o", layout: layout, theta: theta, input: x, previous: h).map(DoubleDouble.sigmoid)
        c = (0 ..< n).map { f[$0] * c[$0] + i[$0] * g[$0] }
        h = (0 ..< n).map { o[$0] * DoubleDouble.tanh(c[$0]) }
        total += referenceOutputLoss(layout: layout, theta: theta, hidden: h, target: y)
    }
    return total
}

/// r, u = σ(gate);  hn = h·W_hn + b_hn;  n = tanh(x·W_xn + b_n + r⊙hn);  h = (1 − u)⊙n + u⊙h
private func referenceGRULoss(layout: ParameterLayout, theta: [DoubleDouble],
                              inputs: [Int], targets: [Int], initialState: [Double]) -> DoubleDouble {
    let n = initialState.count
    let whn = layout.entry(named: "W_hn")!, bhn = layout.entry(named: "b_hn")!
    var h = initialState.map(DoubleDouble.init)
    var total = DoubleDouble.zero
    for (x, y) in zip(inputs, targets) {
        let r = referenceGate("r", layout: layout, theta: theta, input: x, previous: h).map(DoubleDouble.sigmoid)
        let u = referenceGate("u", layout: layout, theta: theta, input: x, previous: h).map(DoubleDouble.sigmoid)
        let hn = (0 ..< n).map { j in
            var sum = theta[bhn.offset + j]
            for i in 0 ..< n { sum += h[i] * theta[whn.offset + i * n + j] }
            return sum
        }
        let inputPart = referenceGate("n", layout: layout, theta: theta, input: x, previous: h, withRecurrent: false)
        let candidate = (0 ..< n).map { DoubleDouble.tanh(inputPart[$0] + r[$0] * hn[$0]) }
        h = (0 ..< n).map { (DoubleDouble.one - u[$0]) * candidate[$0] + u[$0] * h[$0] }
        total += referenceOutputLoss(layout: layout, theta: theta, hidden: h, target: y)
    }
    return total
}

/// a_t = W_xh[x_t] + b_h + h_{t−1}·W_hh;  h_t = tanh(a_t);  z_t = h_t·W_hy + b_y;  L = Σ_t logΣexp(z_t) − z_t[y_t]
private func referenceRNNLoss(layout: ParameterLayout, theta: [DoubleDouble],
                              inputs: [Int], targets: [Int], initialState: [Double]) -> DoubleDouble {
    let wxh = layout.entries[0], whh = layout.entries[1], why = layout.entries[2]
    let bh = layout.entries[3], by = layout.entries[4]
    let hiddenSize = whh.rows, vocabularySize = why.columns
    var h = initialState.map(DoubleDouble.init)
    var total = DoubleDouble.zero
    for (x, y) in zip(inputs, targets) {
        var a = [DoubleDouble](repeating: .zero, count: hiddenSize)
        for j in 0 ..< hiddenSize {
            var sum = theta[wxh.offset + x * hiddenSize + j] + theta[bh.offset + j]
            for i in 0 ..< hiddenSize { sum += h[i] * theta[whh.offset + i * hiddenSize + j] }
            a[j] = sum
        }
        h = a.map(DoubleDouble.tanh)
        var z = [DoubleDouble](repeating: .zero, count: vocabularySize)
        for k in 0 ..< vocabularySize {
            var sum = theta[by.offset + k]
            for i in 0 ..< hiddenSize { sum += h[i] * theta[why.offset + i * vocabularySize + k] }
            z[k] = sum
        }
        total += DoubleDouble.logSumExp(z) - z[y]
    }
    return total
}
