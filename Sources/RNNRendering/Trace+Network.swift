import RNNCore

/// The trace of a model that runs on the batched network: the first stream, layer by layer,
/// each equation with its numbers (the network computes the B streams alike, at once).
extension TraceRenderer {
    private var network: any TrainableNetwork { input.network! }

    /// "stream 1 of 32, 2 layers, float32: " or nothing for one stream, one layer in float64.
    private var shape: String {
        let config = input.config
        var parts: [String] = []
        if config.batchSize > 1 { parts.append("the first of \(config.batchSize) streams (each computed alike)") }
        if config.layers > 1 { parts.append("\(config.layers) layers") }
        if config.precision == .float32 { parts.append("in float32") }
        if input.config.dropout > 0 { parts.append("dropout p = \(formatSettingNumber(config.dropout)) on each layer's output") }
        return parts.joined(separator: ", ")
    }

    /// Layer names as the parameters have them: "" with one layer, "@2" for the second.
    private func suffix(_ layer: Int) -> String { network.layers == 1 ? "" : "@\(layer + 1)" }

    func networkForward() -> String {
        let t0 = input.window.start
        let window = vocabulary.decode((0 ..< steps).map { network.input(stream: 0, at: $0) })
        var text = style.text("forward over characters \(t0) to \(t0 + steps - 1): inputs ") + quotedText(window) + ", "
        let startsAtZero = (0 ..< network.layers).allSatisfy { network.hidden(layer: $0, stream: 0, at: -1).allSatisfy { $0 == 0 } }
        text += input.window.stateWasReset ? "every layer from h_-1 = 0 (reset)"
            : (startsAtZero ? "every layer from h_-1 = 0 (nothing carried yet)" : "every layer from the state carried")
        text += shape.isEmpty ? "\n" : "; " + shape + "\n"
        text = wrapLines(text, width: pageWidth)
        for layer in 0 ..< network.layers { text += layerForward(layer) }
        text += "output (layer \(network.layers)'s h_t" + (input.config.dropout > 0 ? " after dropout" : "") + "):\n"
        let width = 24
        var total = 0.0
        for t in 0 ..< steps {
            let y = network.target(stream: 0, at: t)
            text += line("", "z_\(t) = h_\(t)\(m)W_hy + b_y", vector: network.logits(stream: 0, at: t), width: width)
            let p = network.probabilities(stream: 0, at: t)
            text += line("", "p_\(t) = softmax(z_\(t))", entries: distribution(p, target: y), width: width)
            let loss = network.loss(stream: 0, at: t)
            total += loss
            text += "         target y_\(t) = " + character(y) + style.text(": loss_\(t) = −log ")
                + NumberFormat.fixed(p[y], decimals: precision) + " = " + NumberFormat.fixed(loss, decimals: precision) + "\n"
        }
        text += style.text("  this stream's loss Σ_t loss_t = ") + NumberFormat.fixed(total, decimals: precision)
            + " = " + NumberFormat.fixed(total / Double(steps), decimals: precision) + " per char\n"
        if input.config.batchSize > 1 {
            text += wrapLines("  the step's loss L is the mean of the \(input.config.batchSize) streams' sums", width: pageWidth) + "\n"
        }
        return text
    }

    /// Layer `layer` of the first stream, step by step.
    private func layerForward(_ layer: Int) -> String {
        let kind = network.kind, s = suffix(layer), h = style.hadamard
        var text = "layer \(layer + 1) (" + (kind == .rnn ? "tanh" : kind.rawValue) + "):\n"
        let width = kind == .rnn ? 28 : 44
        for t in 0 ..< steps {
            let previous = t == 0 ? "-1" : "\(t - 1)"
            if layer == 0 {
                let x = network.input(stream: 0, at: t)
                text += "  t=\(t)  x_\(t) = " + character(x) + " (index \(x)): x_\(t)\(m)W_x*\(s) is row \(x) of each W_x*\(s)\n"
            } else {
                text += "  t=\(t)  x_\(t) = layer \(layer)'s h_\(t)" + (input.config.dropout > 0 ? " after dropout" : "")
                    + style.text(": x_\(t)\(m)W_x*\(s) is a product") + "\n"
            }
            func gate(_ k: Int, _ function: String, recurrent: String? = nil) -> String {
                let name = kind.gateNames[k]
                let inside = recurrent ?? "h_\(previous)\(m)W_h\(name)\(s) + b_\(name)\(s)"
                return line("", "\(name)_\(t) = \(function)(x_\(t)\(m)W_x\(name)\(s) + \(inside))",
                            vector: network.gate(k, layer: layer, stream: 0, at: t), width: width)
            }
            let hidden = network.hidden(layer: layer, stream: 0, at: t)
            switch kind {
            case .rnn:
                text += line("", "h_\(t) = tanh(x_\(t)\(m)W_xh\(s) + h_\(previous)\(m)W_hh\(s) + b_h\(s))", vector: hidden, width: width)
            case .lstm:
                text += gate(0, "σ") + gate(1, "σ") + gate(2, "tanh") + gate(3, "σ")
                text += line("", "c_\(t) = f_\(t) \(h) c_\(previous) + i_\(t) \(h) g_\(t)",
                             vector: network.cell(layer: layer, stream: 0, at: t) ?? [], width: width)
                text += line("", "h_\(t) = o_\(t) \(h) tanh(c_\(t))", vector: hidden, width: width)
            case .gru:
                text += gate(0, "σ") + gate(1, "σ")
                text += line("", "hn_\(t) = h_\(previous)\(m)W_hn\(s) + b_hn\(s)",
                             vector: network.candidate(layer: layer, stream: 0, at: t) ?? [], width: width)
                text += gate(2, "tanh", recurrent: "b_n\(s) + r_\(t) \(h) hn_\(t)")
                text += line("", "h_\(t) = (1 − u_\(t)) \(h) n_\(t) + u_\(t) \(h) h_\(previous)", vector: hidden, width: width)
            }
        }
        return text
    }

    func networkBackward() -> String {
        guard input.window.backwardDone else { return "" }
        let kind = network.kind, b = input.config.batchSize
        var text = wrapLines(style.text("backward, the top layer first, each from t = \(steps - 1) down to 0: dz_t = (p_t − onehot(y_t))"
            + (b > 1 ? "/\(b) (the mean over the streams)" : "") + ", then into each layer ∂L/∂h_t from above"), width: pageWidth) + "\n"
        let width = 40
        for layer in stride(from: network.layers - 1, through: 0, by: -1) {
            let s = suffix(layer)
            text += "layer \(layer + 1):\n"
            let norms = network.hiddenGradientNorms(layer: layer, stream: 0)
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let source = layer == network.layers - 1 ? "dz_\(t)\(m)W_hy\(style.transpose)" : "from layer \(layer + 2)"
                text += line("t=\(t)", "∂L/∂h_\(t) from above (\(source))", vector: network.outputGradient(layer: layer, stream: 0, at: t),
                             width: width)
                text += "         " + style.text("with dh_next: ‖∂L/∂h_\(t)‖ = ") + formatNorm(norms[t]) + "\n"
                let names = kind == .rnn ? ["h"] : kind.gateNames
                for (k, name) in names.enumerated() {
                    text += line("", "da_\(name) (∂L/∂ of \(name)_\(t)'s input)", vector: network.gateGradient(k, layer: layer, stream: 0, at: t),
                                 width: width)
                }
            }
            text += wrapLines(style.text("  every W_x*\(s), W_h*\(s), b_*\(s) gradient sums over t (and the streams) the products of "
                + "each da with what it multiplied; ∂L/∂x_t = Σ_k da_k\(m)W_xk\(s)\(style.transpose) goes down a layer"), width: pageWidth) + "\n"
        }
        return text
    }
}

/// A setting's number as it was typed: 0.1, 5, 1e-05.
private func formatSettingNumber(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
}
