import RNNCore

/// What a trace shows: the record of one window and, for a full step, what came after.
public struct TraceInput {
    public var config: TrainingConfig
    public var vocabulary: Vocabulary
    /// Holds the forward record of the window (the teaching cells)…
    public var cell: (any RecurrentCell)?
    /// … or the batched network does (its first stream is traced).
    public var network: (any TrainableNetwork)?
    /// The parameters the forward pass used.
    public var parameters: Parameters
    public var window: RecordedWindow
    /// The backward pass's intermediate vectors (nil: forward only).
    public var backward: BackwardRecorder?
    /// The gradients of the window (after clipping when `report` is given).
    public var gradients: Parameters?
    /// A full training step: its clipping and update.
    public var report: StepReport?
    public var parametersAfter: Parameters?
    public var optimizer: OptimizerState?

    public init(config: TrainingConfig, vocabulary: Vocabulary, cell: (any RecurrentCell)?, network: (any TrainableNetwork)? = nil,
                parameters: Parameters, window: RecordedWindow, backward: BackwardRecorder? = nil, gradients: Parameters? = nil,
                report: StepReport? = nil, parametersAfter: Parameters? = nil, optimizer: OptimizerState? = nil) {
        precondition((cell == nil) != (network == nil), "a trace reads a cell or a network")
        self.config = config
        self.vocabulary = vocabulary
        self.cell = cell
        self.network = network
        self.parameters = parameters
        self.window = window
        self.backward = backward
        self.gradients = gradients
        self.report = report
        self.parametersAfter = parametersAfter
        self.optimizer = optimizer
    }
}

/// Every equation of a window with its actual numbers, in the order the computer does them:
/// the forward pass step by step, the backward pass in reverse, then clipping and the update.
/// Vectors of up to `fullLength` entries are printed in full; longer ones as their first
/// entries and norm.
public struct TraceRenderer {
    public var input: TraceInput
    /// Digits after the point (at least 2: probabilities and losses need them).
    public var precision: Int
    public var style: TextStyle
    public var fullLength = 12
    /// Long lists of labelled values wrap to this many characters.
    public var pageWidth: Int

    public init(input: TraceInput, precision: Int = 4, style: TextStyle = .plain, pageWidth: Int = 100) {
        self.input = input
        self.precision = max(precision, 2)
        self.style = style
        self.pageWidth = pageWidth
    }

    private var cell: any RecurrentCell { input.cell! }
    var vocabulary: Vocabulary { input.vocabulary }
    var steps: Int { input.cell?.steps ?? input.network!.steps }
    var m: String { style.matmul }

    func character(_ index: Int) -> String { characterLabel(vocabulary[index]) }

    /// A vector: "[ 0.0123 -0.0045]" or "[ 0.0123 -0.0045  0.0031  0.0020 … ] (75 values, norm 0.1234)".
    func vector(_ values: [Double]) -> String {
        let format = ValueFormat.choose(for: values, precision: precision)
        if values.count <= fullLength {
            return "[" + vectorEntries(values).joined(separator: " ") + "]"
        }
        let head = values.prefix(4).map { leftPad(format.format($0), precision + 3) }.joined(separator: " ")
        return "[" + head + " " + style.ellipsis + "]  (\(values.count) values, norm "
            + NumberFormat.fixed(norm(values), decimals: precision) + ")"
    }

    /// The entries of a short vector, each right-aligned to the same width.
    func vectorEntries(_ values: [Double]) -> [String] {
        let format = ValueFormat.choose(for: values, precision: precision)
        return values.map { leftPad(format.format($0), precision + 3) }
    }

    /// A distribution over the vocabulary as labelled entries: every character when V is small,
    /// else the top three and the target.
    func distribution(_ values: [Double], target: Int?) -> [String] {
        let format = ValueFormat.choose(for: values, precision: precision)
        if values.count <= fullLength {
            return values.indices.map { character($0) + " " + format.format(values[$0]) }
        }
        let top = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(3)
        var text = "top " + top.map { character($0) + " " + format.format(values[$0]) }.joined(separator: ", ")
        if let target { text += "; target " + character(target) + " " + format.format(values[target]) }
        return [text + "  (\(values.count) values)"]
    }

    /// A norm with its significant digits, so that 1.5e-06 does not print as 0.0000.
    func formatNorm(_ x: Double) -> String {
        x != 0 && abs(x) < 0.5 * power10(-precision) ? NumberFormat.general(x, significant: 4)
            : NumberFormat.fixed(x, decimals: precision)
    }

    func norm(_ values: [Double]) -> Double { values.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    private func matrixRow(_ name: String, _ row: Int) -> [Double] {
        let entry = input.parameters.layout.entry(named: name)!
        return Array(input.parameters.values[entry.offset + row * entry.columns ..< entry.offset + (row + 1) * entry.columns])
    }

    private func product(_ x: [Double], _ name: String) -> [Double] {
        let entry = input.parameters.layout.entry(named: name)!
        var result = [Double](repeating: 0, count: entry.columns)
        for i in 0 ..< entry.rows {
            for j in 0 ..< entry.columns { result[j] += x[i] * input.parameters.values[entry.offset + i * entry.columns + j] }
        }
        return result
    }

    /// The room a value needs beside its equation; with less, the value goes on its own line.
    private static let valueRoom = 24

    /// "  label equation = " for a value beside its equation, or, when that leaves less than
    /// `valueRoom` columns of the page, the equation on its own line and "= " under it:
    ///
    ///          i_0 = sigma(x_0@W_xi + h_-1@W_hi + b_i)
    ///            = [ 0.9653  0.9621]
    private func head(_ label: String, _ equation: String, width: Int) -> (lines: String, current: String) {
        let beside = "  " + rightPad(label, 5) + rightPad(style.text(equation), width) + " = "
        guard beside.count + Self.valueRoom > pageWidth else { return ("", beside) }
        let own = "  " + rightPad(label, 5) + style.text(equation)
        return (own + "\n", String(repeating: " ", count: 9) + "= ")
    }

    /// "t=3  " and an indent of the same width for the lines that follow. A vector "[…]" too
    /// long for the page wraps under its first entry.
    func line(_ label: String, _ equation: String, _ value: String, width: Int) -> String {
        let (lines, current) = head(label, equation, width: width)
        return lines + current + value + "\n"
    }

    /// A vector on the line of its equation, wrapping under its first entry when too long.
    func line(_ label: String, _ equation: String, vector values: [Double], width: Int) -> String {
        let text = vector(values)
        guard head(label, equation, width: width).current.count + text.count > pageWidth, values.count <= fullLength else {
            return line(label, equation, text, width: width)
        }
        var entries = vectorEntries(values)
        entries[0] = "[" + entries[0]
        entries[entries.count - 1] += "]"
        return line(label, equation, entries: entries, width: width, separator: " ")
    }

    /// Like `line`, with entries that wrap to the page width under the first one.
    func line(_ label: String, _ equation: String, entries: [String], width: Int, separator: String = "  ") -> String {
        let (lines, head) = self.head(label, equation, width: width)
        let indent = String(repeating: " ", count: head.count + (separator == " " ? 1 : 0))
        var text = head, current = head.count
        for (index, entry) in entries.enumerated() {
            if index > 0 && current + separator.count + entry.count > pageWidth {
                text += "\n" + indent
                current = indent.count
            } else if index > 0 {
                text += separator
                current += separator.count
            }
            text += entry
            current += entry.count
        }
        return lines + text + "\n"
    }

    // MARK: Forward

    public func forward() -> String {
        if input.network != nil { return networkForward() }
        let t0 = input.window.start
        let window = vocabulary.decode((0 ..< steps).map(cell.input(at:)))
        var text = style.text("forward over characters \(t0) to \(t0 + steps - 1): inputs ") + quotedText(window) + ", "
        let start = cell.kind == .lstm ? "h_-1 = c_-1" : "h_-1"
        let startState = cell.hiddenState(at: -1) + (cell.recorded("cs", at: -1) ?? [])
        if input.window.stateWasReset {
            text += "\(start) = 0 (reset)\n"
        } else if startState.allSatisfy({ $0 == 0 }) {
            text += "\(start) = 0 (nothing carried yet)\n"
        } else {
            text += cell.kind == .lstm ? "h_-1 and c_-1 carried from the previous window\n"
                : "h_-1 = the state carried from the previous window\n"
        }
        text = wrapLines(text, width: pageWidth)
        guard cell.kind == .rnn else {
            for t in 0 ..< steps { text += gatedForward(at: t, width: 42) + output(at: t, width: 42) }
            return text + totalLoss()
        }
        let width = 24
        for t in 0 ..< steps {
            let x = cell.input(at: t)
            let previous = t == 0 ? "h_-1" : "h_\(t - 1)"
            text += "  t=\(t)  x_\(t) = " + character(x) + " (index \(x)): one-hot, so x_\(t)\(m)W_xh is row \(x) of W_xh, a lookup\n"
            text += line("", "x_\(t)\(m)W_xh", vector: matrixRow("W_xh", x), width: width)
            text += line("", "\(previous)\(m)W_hh", vector: product(cell.hiddenState(at: t - 1), "W_hh"), width: width)
            text += line("", "b_h", vector: matrixRow("b_h", 0), width: width)
            if let a = cell.recorded("a", at: t) {
                text += line("", "a_\(t) (their sum)", vector: a, width: width)
            }
            text += line("", "h_\(t) = tanh(a_\(t))", vector: cell.hiddenState(at: t), width: width)
            text += output(at: t, width: width)
        }
        return text + totalLoss()
    }

    /// z_t, p_t and the loss of step t (every cell ends this way).
    private func output(at t: Int, width: Int) -> String {
        let y = cell.target(at: t)
        var text = line("", "z_\(t) = h_\(t)\(m)W_hy + b_y", vector: cell.logits(at: t), width: width)
        let p = cell.probabilities(at: t)
        text += line("", "p_\(t) = softmax(z_\(t))", entries: distribution(p, target: y), width: width)
        text += "         target y_\(t) = " + character(y) + ": p_\(t)[" + character(y) + "] = "
            + NumberFormat.fixed(p[y], decimals: precision) + style.text(", loss_\(t) = −log ")
            + NumberFormat.fixed(p[y], decimals: precision) + " = " + NumberFormat.fixed(cell.loss(at: t), decimals: precision) + "\n"
        return text
    }

    private func totalLoss() -> String {
        let total = (0 ..< steps).reduce(0) { $0 + cell.loss(at: $1) }
        return style.text("  loss L = Σ_t loss_t = ") + NumberFormat.fixed(total, decimals: precision)
            + " = " + NumberFormat.fixed(total / Double(steps), decimals: precision) + " per char\n"
    }

    /// Step t of an LSTM or GRU: each gate with its equation, then the new state.
    private func gatedForward(at t: Int, width: Int) -> String {
        let x = cell.input(at: t)
        let previous = t == 0 ? "-1" : "\(t - 1)"
        let h = style.hadamard
        var text = "  t=\(t)  x_\(t) = " + character(x) + " (index \(x)): one-hot, so each x_\(t)\(m)W_x* is row \(x) of that W_x*\n"
        func gate(_ name: String, _ function: String, recurrent: String? = nil) -> String {
            let inside = recurrent ?? "h_\(previous)\(m)W_h\(name) + b_\(name)"
            return line("", "\(name)_\(t) = \(function)(x_\(t)\(m)W_x\(name) + \(inside))", vector: cell.recorded(name, at: t) ?? [],
                        width: width)
        }
        switch cell.kind {
        case .lstm:
            text += gate("i", "σ") + gate("f", "σ") + gate("g", "tanh") + gate("o", "σ")
            text += line("", "c_\(t) = f_\(t) \(h) c_\(previous) + i_\(t) \(h) g_\(t)", vector: cell.recorded("cs", at: t) ?? [],
                         width: width)
            text += line("", "h_\(t) = o_\(t) \(h) tanh(c_\(t))", vector: cell.hiddenState(at: t), width: width)
        default:
            text += gate("r", "σ") + gate("u", "σ")
            text += line("", "hn_\(t) = h_\(previous)\(m)W_hn + b_hn", vector: cell.recorded("hn", at: t) ?? [], width: width)
            text += gate("n", "tanh", recurrent: "b_n + r_\(t) \(h) hn_\(t)")
            text += line("", "h_\(t) = (1 − u_\(t)) \(h) n_\(t) + u_\(t) \(h) h_\(previous)", vector: cell.hiddenState(at: t),
                         width: width)
        }
        return text
    }

    // MARK: Backward

    public func backward() -> String {
        if input.network != nil { return networkBackward() }
        guard let recorder = input.backward else { return "" }
        let n = cell.hiddenSize, v = cell.vocabularySize
        var text = style.text("backward, t from \(steps - 1) down to 0 ("
            + (cell.kind == .lstm ? "dh_next and dc_next start" : "dh_next starts") + " at 0):\n")
        let width = cell.kind == .rnn ? 28 : (cell.kind == .lstm ? 48 : 42)
        let t = style.transpose, h = style.hadamard
        for step in stride(from: steps - 1, through: 0, by: -1) {
            let x = cell.input(at: step), y = cell.target(at: step)
            let dy = recorder.value("dy", at: step) ?? []
            let hidden = cell.hiddenState(at: step), previous = cell.hiddenState(at: step - 1)
            text += "  t=\(step)\n"
            if input.window.backwardLosses == .last && step != steps - 1 {
                text += line("", "dy_\(step) = 0", "loss_\(step) is left out ('backward last'): no output gradient", width: width)
            } else {
                text += line("", "dy_\(step) = p_\(step) − onehot(" + character(y) + ")", entries: distribution(dy, target: nil), width: width)
                text += "         " + style.text("dW_hy += h_\(step)\(t)\(m)dy_\(step)  (a \(n)×\(v) outer product, norm ")
                    + formatNorm(norm(hidden) * norm(dy)) + style.text("); db_y += dy_\(step)\n")
            }
            if let dh = recorder.value("dh", at: step) {
                text += line("", "dh_\(step) = dy_\(step)\(m)W_hy\(t) + dh_next", vector: dh, width: width)
                text += "         " + style.text("‖∂L/∂h_\(step)‖ = ") + formatNorm(norm(dh)) + "\n"
            }
            if cell.kind != .rnn {
                text += gatedBackward(at: step, recorder: recorder)
                continue
            }
            if let raw = recorder.value("dh_raw", at: step) {
                text += line("", "dh_raw = (1 − h_\(step)²) \(h) dh_\(step)", vector: raw, width: width)
                text += "         " + style.text("db_h += dh_raw; dW_xh[" + character(x) + "] += dh_raw (only row \(x): x_\(step) is one-hot)\n")
                text += "         " + style.text("dW_hh += h_\(step - 1)\(t)\(m)dh_raw  (a \(n)×\(n) outer product, norm ")
                    + formatNorm(norm(previous) * norm(raw)) + ")\n"
            }
            if let next = recorder.value("dh_next", at: step) {
                text += line("", "dh_next = dh_raw\(m)W_hh\(t)", vector: next, width: width)
            }
        }
        return text
    }

    /// The gates' part of backward step t, each line the derivative of a forward line.
    private func gatedBackward(at t: Int, recorder: BackwardRecorder) -> String {
        let width = cell.kind == .lstm ? 48 : 42
        let h = style.hadamard, tr = style.transpose
        let x = cell.input(at: t)
        let previous = t == 0 ? "-1" : "\(t - 1)"
        var text = ""
        func vectorLine(_ name: String, _ equation: String) {
            if let value = recorder.value(name, at: t) { text += line("", equation, vector: value, width: width) }
        }
        func note(_ words: String) { text += "         " + style.text(words) + "\n" }
        switch cell.kind {
        case .lstm:
            vectorLine("dc", "dc_\(t) = dc_next + dh_\(t) \(h) o_\(t) \(h) (1 − tanh²(c_\(t)))")
            vectorLine("da_o", "da_o = dh_\(t) \(h) tanh(c_\(t)) \(h) o_\(t)(1 − o_\(t))")
            vectorLine("da_i", "da_i = dc_\(t) \(h) g_\(t) \(h) i_\(t)(1 − i_\(t))")
            vectorLine("da_g", "da_g = dc_\(t) \(h) i_\(t) \(h) (1 − g_\(t)²)")
            vectorLine("da_f", "da_f = dc_\(t) \(h) c_\(previous) \(h) f_\(t)(1 − f_\(t))")
            note("for k = i, f, g, o: db_k += da_k; dW_xk[" + character(x) + "] += da_k (only row \(x)); dW_hk += h_\(previous)\(tr)\(m)da_k")
            vectorLine("dc_next", "dc_next = dc_\(t) \(h) f_\(t)")
            vectorLine("dh_next", "dh_next = Σ_k da_k\(m)W_hk\(tr)")
        default:
            vectorLine("da_n", "da_n = dh_\(t) \(h) (1 − u_\(t)) \(h) (1 − n_\(t)²)")
            vectorLine("da_u", "da_u = dh_\(t) \(h) (h_\(previous) − n_\(t)) \(h) u_\(t)(1 − u_\(t))")
            vectorLine("dhn", "dhn = da_n \(h) r_\(t)")
            vectorLine("da_r", "da_r = da_n \(h) hn_\(t) \(h) r_\(t)(1 − r_\(t))")
            note("for k = r, u, n: db_k += da_k; dW_xk[" + character(x) + "] += da_k (only row \(x)); db_hn += dhn")
            note("dW_hr += h_\(previous)\(tr)\(m)da_r; dW_hu += h_\(previous)\(tr)\(m)da_u; dW_hn += h_\(previous)\(tr)\(m)dhn")
            note("dh_next = dh_\(t) \(h) u_\(t) + da_r\(m)W_hr\(tr) + da_u\(m)W_hu\(tr) + dhn\(m)W_hn\(tr):")
            vectorLine("dh_next", "dh_next")
        }
        return text
    }

    // MARK: Gradients, clipping, update

    /// The window's gradients: each matrix in full when small, else its norm and largest entry.
    public func gradients(title: String) -> String {
        guard let gradients = input.gradients else { return "" }
        var text = title + "\n"
        for entry in gradients.layout.entries {
            let values = Array(gradients.values[entry.range])
            if entry.count <= 36 {
                // Rows of input weights and columns of output weights are characters.
                let labels = vocabulary.scalars.map(characterLabel)
                let characterRows = entry.rows == vocabulary.count && entry.name.hasPrefix("W_x")
                let characterColumns = entry.columns == vocabulary.count && entry.name.hasSuffix("y")
                let matrix = LabeledMatrix(name: "  d" + entry.name, rows: entry.rows, columns: entry.columns, values: values,
                                           rowLabels: characterRows ? labels : nil, columnLabels: characterColumns ? labels : nil)
                text += formatMatrix(matrix, options: MatrixFormatOptions(precision: precision, width: pageWidth), style: style)
            } else {
                let largest = values.map(abs).max() ?? 0
                text += "  d\(entry.name)  \(entry.rows)\(style.times)\(entry.columns): norm "
                    + NumberFormat.fixed(norm(values), decimals: precision) + ", largest |entry| "
                    + NumberFormat.general(largest, significant: 4) + "\n"
            }
        }
        return text
    }

    public func clipAndUpdate() -> String {
        guard let report = input.report, let after = input.parametersAfter, let gradients = input.gradients else { return "" }
        let config = input.config
        var text = ""
        switch config.clipMode {
        case .value:
            text += style.text("clip each entry to [−\(formatNumber(config.clip)), \(formatNumber(config.clip))]: ‖g‖ = ")
                + NumberFormat.fixed(report.clip.normBefore, decimals: precision) + ", \(report.clip.clippedEntries) entr"
                + (report.clip.clippedEntries == 1 ? "y" : "ies") + " clipped\n"
        case .norm:
            text += style.text("clip the norm to \(formatNumber(config.clip)): ‖g‖ = ")
                + NumberFormat.fixed(report.clip.normBefore, decimals: precision)
                + (report.clip.clippedEntries > 0 ? ", scaled by " + NumberFormat.general(config.clip / report.clip.normBefore, significant: 4) : ", unchanged") + "\n"
        case .off:
            text += style.text("no clipping: ‖g‖ = ") + NumberFormat.fixed(report.clip.normBefore, decimals: precision) + "\n"
        }
        guard config.applyUpdate else {
            return text + "no update (update=off): the parameters stay as they were\n"
        }
        let rate = formatNumber(config.learningRate)
        switch config.optimizer {
        case .adagrad: text += style.text("update (adagrad, lr \(rate)): mem += g²; θ −= lr⋅g/√(mem + 1e-8)\n")
        case .sgd: text += style.text("update (sgd, lr \(rate)): θ −= lr⋅g\n")
        case .adam: text += style.text("update (adam, lr \(rate)): m, v moving averages of g and g²; θ −= lr⋅m/(√v + 1e-8) with m, v bias-corrected\n")
        case .rmsprop: text += style.text("update (rmsprop, lr \(rate)): mem = 0.95⋅mem + 0.05⋅g²; θ −= lr⋅g/(√mem + 1e-8)\n")
        }
        // One worked entry: the largest gradient of the recurrent weights (W_hh, or any W_h* of a gated cell).
        let recurrent = gradients.layout.entries.filter { $0.role == .recurrent }.flatMap { Array($0.range) }
        if let local = recurrent.max(by: { abs(gradients.values[$0]) < abs(gradients.values[$1]) }),
           let (entry, row, column) = gradients.layout.locate(local) {
            let g = gradients.values[local]
            text += "  e.g. \(entry.name)[\(row), \(column)]: g = " + NumberFormat.general(g, significant: 6)
            if config.optimizer == .adagrad || config.optimizer == .rmsprop, let memory = input.optimizer?.memory {
                text += ", mem = " + NumberFormat.general(memory[local], significant: 6)
            }
            text += style.text(", θ ") + NumberFormat.general(input.parameters.values[local], significant: 8)
                + style.text(" → ") + NumberFormat.general(after.values[local], significant: 8) + "\n"
        }
        var changes: [String] = []
        for entry in after.layout.entries {
            var sum = 0.0
            for i in entry.range { let d = after.values[i] - input.parameters.values[i]; sum += d * d }
            changes.append("\(entry.name) " + NumberFormat.general(sum.squareRoot(), significant: 3))
        }
        text += wrapLines(style.text("  ‖Δθ‖ per parameter: ") + changes.joined(separator: ", "), width: pageWidth) + "\n"
        let t = Double(report.sequenceLength)
        text += wrapLines("loss " + NumberFormat.fixed(report.loss, decimals: precision) + " = "
            + NumberFormat.fixed(report.loss / t, decimals: precision) + " per char, smooth loss "
            + NumberFormat.fixed(report.smoothLoss, decimals: precision) + " = "
            + NumberFormat.fixed(report.smoothLoss / t, decimals: precision) + " per char"
            + style.text(" (0.999⋅previous + 0.001⋅loss)"), width: pageWidth) + "\n"
        return text
    }

    private func formatNumber(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }

    func quotedText(_ text: String) -> String {
        "\"" + text.replacingNewlines() + "\""
    }

    /// The whole trace of a training step.
    public func step() -> String {
        guard let report = input.report else { return forward() }
        var text = "=== step \(report.step) ===\n"
        text += forward() + backward()
        text += gradients(title: "gradients of the window (after clipping)")
        text += clipAndUpdate()
        return text
    }
}

extension String {
    /// Newlines, tabs and carriage returns written as \n, \t, \r.
    func replacingNewlines() -> String {
        var result = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
