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
    }
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
