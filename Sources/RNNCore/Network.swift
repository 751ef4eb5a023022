/// The batched, stacked network: B streams through L layers of one kind of cell, in Float or
/// Double, across the threads of a pool. It computes what the teaching cells (`VanillaRNNCell`,
/// `LSTMCell`, `GRUCell`) compute, for many streams and layers at once:
///
///     layer 1:      x_t one-hot,   pre_t = W_x[x_t] + b                 (a row of W_x: a lookup)
///     layer l ≥ 2:  x_t = d^{l−1}_t,  pre_t = x_t·W_x + b                (B·T rows at once)
///     every layer:  hp_t = h_{t−1}·W_h,  gates, c_t, h_t from pre_t and hp_t   (t = 0 … T−1 in turn)
///     d^l_t = h^l_t ⊙ m^l_t     (dropout: m ∈ {0, 1/(1−p)}, fresh for each window; without it d = h)
///     z_t = d^L_t·W_hy + b_y,   p_t = softmax(z_t),   L = Σ_b Σ_t −ln p_t[y_t]
///
/// Shapes (G gates: 1 rnn, 4 lstm i f g o, 3 gru r u n; rows r = t·B + b, time-major):
/// pre, gates (T·B × GH); h, c ((T+1)·B × H), row block 0 is the state the window starts
/// from; z, p (T·B × V). The gates of a layer are one matrix W_x (in × GH) whose column block
/// k is gate k's W_xk, likewise W_h (H × GH) and b (GH).
///
/// Work is shared out so that every number is computed by one thread in a fixed order:
/// products by output tiles (`multiply`), the recurrence by whole streams (a thread runs its
/// streams through all T steps, with no barrier between steps), bias gradients by columns.
/// So the results do not depend on the number of threads.
///
/// `Trainer` keeps the parameters in Double in the teaching cells' layout (`ParameterLayout`);
/// `load` converts and packs them (every step: they change with every update), `backward` adds
/// the gradients back into that layout. A float32 network therefore computes in float32 with
/// float64 master weights and optimizer (what mixed-precision training calls master weights).
public final class Network<S: NetworkScalar> {
    public let kind: CellKind
    public let vocabularySize: Int
    public let hiddenSize: Int
    public let layers: Int
    /// B, the number of streams.
    public let batch: Int
    /// The longest window `forward` accepts.
    public let capacity: Int
    /// T of the last `forward`.
    public private(set) var steps = 0
    /// p of the dropout of the last `forward` (0: none).
    public private(set) var dropout = 0.0
    let gateCount: Int
    let pool: ThreadPool

    var gateWidth: Int { gateCount * hiddenSize }
    /// Row length of the gradient matrices that serve as B in products (whole panels).
    let gatePadded: Int
    let vocabularyPadded: Int
    /// h (and c for the LSTM) of one stream.
    public var stateSize: Int { kind == .lstm ? 2 * hiddenSize : hiddenSize }

    /// Layer l's weights, converted and packed (l = 0 is layer 1).
    final class Weights {
        /// Layer 1: W_x row-major (V × GH), read a row at a time. Layers ≥ 2: packed (H × GH).
        let lookup: ScalarBuffer<S>?
        let input: PackedMatrix<S>?
        /// W_xᵀ (GH × H), for d^{l−1} = dpre·W_xᵀ (layers ≥ 2).
        let inputTransposed: PackedMatrix<S>?
        let recurrent: PackedMatrix<S>
        /// W_hᵀ (GH × H), for dh_{t−1} = dhp_t·W_hᵀ.
        let recurrentTransposed: PackedMatrix<S>
        let bias: ScalarBuffer<S>
        /// The GRU's b_hn (H), inside the reset gate's product.
        let candidateBias: ScalarBuffer<S>?

        init(inputs: Int, hidden h: Int, gates g: Int, firstLayer: Bool, gru: Bool) {
            lookup = firstLayer ? ScalarBuffer(inputs * g * h) : nil
            input = firstLayer ? nil : PackedMatrix(depth: inputs, columns: g * h)
            inputTransposed = firstLayer ? nil : PackedMatrix(depth: g * h, columns: inputs)
            recurrent = PackedMatrix(depth: h, columns: g * h)
            recurrentTransposed = PackedMatrix(depth: g * h, columns: h)
            bias = ScalarBuffer(g * h)
            candidateBias = gru ? ScalarBuffer(h) : nil
        }
    }

    /// Layer l's record of the last window, and its backward scratch.
    final class Record {
        let pre: ScalarBuffer<S>          // (T·B, GH)      x_t·W_x + b
        let gates: ScalarBuffer<S>        // (T·B, GH)      gate activations (LSTM i f g o, GRU r u n)
        let hidden: ScalarBuffer<S>       // ((T+1)·B, H)   h_{t−1} for t = 0…T: block 0 is the start
        let cells: ScalarBuffer<S>?       // ((T+1)·B, H)   LSTM c
        let tanhCells: ScalarBuffer<S>?   // (T·B, H)       LSTM tanh(c_t)
        let candidates: ScalarBuffer<S>?  // (T·B, H)       GRU hn_t = h_{t−1}·W_hn + b_hn
        let masks: ScalarBuffer<S>?       // (T·B, H)       dropout m_t
        let dropped: ScalarBuffer<S>?     // (T·B, H)       d_t = h_t ⊙ m_t
        let recurrentProducts: ScalarBuffer<S>  // (B, GH)  hp_t of the step being computed
        // Backward.
        let dPre: ScalarBuffer<S>         // (T·B, GH padded)  ∂L/∂pre_t
        let dRecurrent: ScalarBuffer<S>?  // (T·B, GH padded)  GRU ∂L/∂hp_t (others: dPre)
        let dOutput: ScalarBuffer<S>      // (T·B, H)        ∂L/∂h_t from above (the output or layer l+1)
        let dHidden: ScalarBuffer<S>      // (B, H)          ∂L/∂h_t of the step being computed
        let dNext: ScalarBuffer<S>        // (B, H)          ∂L/∂h_{t−1} passed back
        let dCellNext: ScalarBuffer<S>?   // (B, H)          LSTM ∂L/∂c_{t−1}
        let dHiddenNorms: ScalarBuffer<Double>  // (T·B)     ‖∂L/∂h_t‖

        init(kind: CellKind, capacity t: Int, batch b: Int, hidden h: Int, gates g: Int, gatePadded: Int, dropout: Bool) {
            pre = ScalarBuffer(t * b * g * h)
            gates = ScalarBuffer(kind == .rnn ? 0 : t * b * g * h)
            hidden = ScalarBuffer((t + 1) * b * h)
            cells = kind == .lstm ? ScalarBuffer((t + 1) * b * h) : nil
            tanhCells = kind == .lstm ? ScalarBuffer(t * b * h) : nil
            candidates = kind == .gru ? ScalarBuffer(t * b * h) : nil
            masks = dropout ? ScalarBuffer(t * b * h) : nil
            dropped = dropout ? ScalarBuffer(t * b * h) : nil
            recurrentProducts = ScalarBuffer(b * g * h)
            dPre = ScalarBuffer(t * b * gatePadded)
            dRecurrent = kind == .gru ? ScalarBuffer(t * b * gatePadded) : nil
            dOutput = ScalarBuffer(t * b * h)
            dHidden = ScalarBuffer(b * h)
            dNext = ScalarBuffer(b * h)
            dCellNext = kind == .lstm ? ScalarBuffer(b * h) : nil
            dHiddenNorms = ScalarBuffer(t * b)
        }

        /// What layer l passes up: d_t = h_t ⊙ m_t, or h_t itself (rows of `hidden` from block 1).
        func output(batch b: Int, hidden h: Int) -> UnsafeMutablePointer<S> { dropped?.pointer ?? hidden.pointer + b * h }
    }

    /// Gradients in the packed layout, zeroed by each `backward`.
    final class Gradients {
        let input: ScalarBuffer<S>        // (in × GH)
        let recurrent: ScalarBuffer<S>    // (H × GH)
        let bias: ScalarBuffer<S>         // (GH)
        let candidateBias: ScalarBuffer<S>?

        init(inputs: Int, hidden h: Int, gates g: Int, gru: Bool) {
            input = ScalarBuffer(inputs * g * h)
            recurrent = ScalarBuffer(h * g * h)
            bias = ScalarBuffer(g * h)
            candidateBias = gru ? ScalarBuffer(h) : nil
        }
    }

    let weights: [Weights]
    let records: [Record]
    let layerGradients: [Gradients]
    let output: PackedMatrix<S>             // W_hy (H × V)
    let outputTransposed: PackedMatrix<S>   // W_hyᵀ (V × H)
    let outputBias: ScalarBuffer<S>
    let outputGradient: ScalarBuffer<S>     // (H × V)
    let outputBiasGradient: ScalarBuffer<S>
    let inputs: IndexBuffer                 // (T·B)  x
    let targets: IndexBuffer                // (T·B)  y
    let logits: ScalarBuffer<S>             // (T·B, V)
    let probabilities: ScalarBuffer<S>      // (T·B, V)
    let losses: ScalarBuffer<S>             // (T·B)
    let dLogits: ScalarBuffer<S>            // (T·B, V padded)
    /// The parameters' layout (names and offsets of the Double master copy).
    public let layout: ParameterLayout
    /// Offsets in `layout`, [layer][gate].
    let inputOffsets: [[Int]], recurrentOffsets: [[Int]], biasOffsets: [[Int]], candidateBiasOffsets: [Int]
    let outputOffset: Int, outputBiasOffset: Int

    /// A network with room for windows of `capacity` steps of `batch` streams; `dropout`: whether
    /// windows may use dropout (it needs room for masks).
    public init(kind: CellKind, vocabularySize v: Int, hiddenSize h: Int, layers: Int, batch: Int, capacity: Int,
                dropout: Bool, pool: ThreadPool) {
        precondition(v >= 1 && h >= 1 && layers >= 1 && batch >= 1 && capacity >= 1)
        self.kind = kind
        vocabularySize = v
        hiddenSize = h
        self.layers = layers
        self.batch = batch
        self.capacity = capacity
        self.pool = pool
        gateCount = kind.gateCount
        let g = gateCount
        gatePadded = S.paddedColumns(g * h)
        vocabularyPadded = S.paddedColumns(v)
        let layout = ParameterLayout.forModel(kind, vocabularySize: v, hiddenSize: h, layers: layers)
        self.layout = layout
        let names = kind.gateNames
        func offsets(_ prefix: String) -> [[Int]] {
            (0 ..< layers).map { l in layout.offsets(names.map { ParameterLayout.name(prefix + $0, layer: l, of: layers) }) }
        }
        inputOffsets = offsets("W_x")
        recurrentOffsets = offsets("W_h")
        biasOffsets = offsets("b_")
        candidateBiasOffsets = kind == .gru ? (0 ..< layers).map { l in layout.offsets([ParameterLayout.name("b_hn", layer: l, of: layers)])[0] } : []
        outputOffset = layout.offsets(["W_hy"])[0]
        outputBiasOffset = layout.offsets(["b_y"])[0]
        weights = (0 ..< layers).map { l in Weights(inputs: l == 0 ? v : h, hidden: h, gates: g, firstLayer: l == 0, gru: kind == .gru) }
        records = (0 ..< layers).map { _ in
            Record(kind: kind, capacity: capacity, batch: batch, hidden: h, gates: g, gatePadded: S.paddedColumns(g * h), dropout: dropout)
        }
        layerGradients = (0 ..< layers).map { l in Gradients(inputs: l == 0 ? v : h, hidden: h, gates: g, gru: kind == .gru) }
        output = PackedMatrix(depth: h, columns: v)
        outputTransposed = PackedMatrix(depth: v, columns: h)
        outputBias = ScalarBuffer(v)
        outputGradient = ScalarBuffer(h * v)
        outputBiasGradient = ScalarBuffer(v)
        inputs = IndexBuffer(capacity * batch)
        targets = IndexBuffer(capacity * batch)
        logits = ScalarBuffer(capacity * batch * v)
        probabilities = ScalarBuffer(capacity * batch * v)
        losses = ScalarBuffer(capacity * batch)
        dLogits = ScalarBuffer(capacity * batch * S.paddedColumns(v))
    }

    // MARK: Parameters in, gradients out

    /// Converts θ (Double, `layout`) into this network's packed weights.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func load(_ theta: UnsafePointer<Double>) {
        let h = hiddenSize, gh = gateWidth, v = vocabularySize
        for l in 0 ..< layers {
            let w = weights[l], inputRows = l == 0 ? v : h
            let xs = inputOffsets[l], hs = recurrentOffsets[l], bs = biasOffsets[l]
            // Column c of the gate matrix is gate c / H, unit c mod H.
            if let lookup = w.lookup {
                for i in 0 ..< inputRows {
                    for c in 0 ..< gh { lookup.pointer[i * gh + c] = S(theta[xs[c / h] + i * h + c % h]) }
                }
            }
            w.input?.pack { i, c in S(theta[xs[c / h] + i * h + c % h]) }
            w.inputTransposed?.pack { c, i in S(theta[xs[c / h] + i * h + c % h]) }
            w.recurrent.pack { i, c in S(theta[hs[c / h] + i * h + c % h]) }
            w.recurrentTransposed.pack { c, i in S(theta[hs[c / h] + i * h + c % h]) }
            for c in 0 ..< gh { w.bias.pointer[c] = S(theta[bs[c / h] + c % h]) }
            if let candidateBias = w.candidateBias {
                for j in 0 ..< h { candidateBias.pointer[j] = S(theta[candidateBiasOffsets[l] + j]) }
            }
        }
        output.pack { i, k in S(theta[outputOffset + i * v + k]) }
        outputTransposed.pack { k, i in S(theta[outputOffset + i * v + k]) }
        for k in 0 ..< v { outputBias.pointer[k] = S(theta[outputBiasOffset + k]) }
    }

    /// Adds the gradients of the last `backward` into `gradients` (Double, `layout`).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func addGradients(into gradients: UnsafeMutablePointer<Double>) {
        let h = hiddenSize, gh = gateWidth, v = vocabularySize
        for l in 0 ..< layers {
            let d = layerGradients[l], inputRows = l == 0 ? v : h
            let xs = inputOffsets[l], hs = recurrentOffsets[l], bs = biasOffsets[l]
            for i in 0 ..< inputRows {
                for c in 0 ..< gh { gradients[xs[c / h] + i * h + c % h] += Double(d.input.pointer[i * gh + c]) }
            }
            for i in 0 ..< h {
                for c in 0 ..< gh { gradients[hs[c / h] + i * h + c % h] += Double(d.recurrent.pointer[i * gh + c]) }
            }
            for c in 0 ..< gh { gradients[bs[c / h] + c % h] += Double(d.bias.pointer[c]) }
            if let candidateBias = d.candidateBias {
                for j in 0 ..< h { gradients[candidateBiasOffsets[l] + j] += Double(candidateBias.pointer[j]) }
            }
        }
        for i in 0 ..< h * v { gradients[outputOffset + i] += Double(outputGradient.pointer[i]) }
        for k in 0 ..< v { gradients[outputBiasOffset + k] += Double(outputBiasGradient.pointer[k]) }
    }

    // MARK: Forward

    /// Runs T steps of the B streams: `inputs` and `targets` are T·B indices (row t·B + b),
    /// `initialState` L·B states (layer by layer, stream by stream; h, then c for the LSTM).
    /// With `dropout` p > 0, masks are drawn from `generator` (layer by layer, row by row).
    /// Returns Σ over the T·B predictions of −ln p_t[y_t], summed in Double in row order.
    @discardableResult
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward(inputs xs: UnsafePointer<Int32>, targets ys: UnsafePointer<Int32>, steps t: Int,
                        initialState: UnsafePointer<Double>, dropout p: Double = 0,
                        generator: inout SeededGenerator) -> Double {
        precondition(t >= 1 && t <= capacity, "window of \(t) steps for a network sized for \(capacity)")
        precondition(p == 0 || records[0].masks != nil, "this network was made without room for dropout")
        steps = t
        dropout = p
        let rows = t * batch, h = hiddenSize, gh = gateWidth, v = vocabularySize
        inputs.pointer.update(from: xs, count: rows)
        targets.pointer.update(from: ys, count: rows)
        for l in 0 ..< layers {
            let record = records[l], w = weights[l]
            // The state each stream starts from: row block 0 of h (and c).
            for b in 0 ..< batch {
                let state = initialState + (l * batch + b) * stateSize
                for j in 0 ..< h { record.hidden.pointer[b * h + j] = S(state[j]) }
                if let cells = record.cells { for j in 0 ..< h { cells.pointer[b * h + j] = S(state[h + j]) } }
            }
            // pre_t = x_t·W_x + b for all T·B rows.
            let pre = record.pre.pointer
            if let lookup = w.lookup {
                let bias = w.bias.pointer
                pool.run(min(rows, 4 * pool.threadCount)) { task in
                    for r in stride(from: task, to: rows, by: min(rows, 4 * self.pool.threadCount)) {
                        let row = lookup.pointer + Int(xs[r]) * gh, out = pre + r * gh
                        for c in 0 ..< gh { out[c] = row[c] + bias[c] }
                    }
                }
            } else {
                for r in 0 ..< rows { (pre + r * gh).update(from: w.bias.pointer, count: gh) }
                let below = records[l - 1].output(batch: batch, hidden: h)
                multiply(rows: rows, depth: h, .rows(below, leading: h), w.input!.panels, into: pre, leading: gh,
                         accumulate: true, pool: pool)
            }
            // The recurrence, stream by stream; with fewer streams than threads (one stream when
            // scoring a text) the threads share each step's product by output tiles instead.
            let groups = streamGroups
            if groups.count == 1 && pool.threadCount > 1 {
                recur(layer: l, streams: groups[0], steps: t, pool: pool)
            } else {
                pool.run(groups.count) { group in self.recur(layer: l, streams: groups[group], steps: t) }
            }
            // Dropout on what goes up.
            if p > 0, let masks = record.masks, let dropped = record.dropped {
                let keep = 1 / (1 - p), hidden = record.hidden.pointer + batch * h
                for i in 0 ..< rows * h {
                    let m: S = generator.nextUniform() < p ? 0 : S(keep)
                    masks.pointer[i] = m
                    dropped.pointer[i] = hidden[i] * m
                }
            } else if let dropped = record.dropped {
                // Room for dropout, none this window: d = h.
                dropped.pointer.update(from: record.hidden.pointer + batch * h, count: rows * h)
                record.masks!.pointer.update(repeating: 1, count: rows * h)
            }
        }
        // z = d^L·W_hy + b_y, p = softmax(z), loss = −ln p[y].
        let top = records[layers - 1].output(batch: batch, hidden: h)
        for r in 0 ..< rows { (logits.pointer + r * v).update(from: outputBias.pointer, count: v) }
        multiply(rows: rows, depth: h, .rows(top, leading: h), output.panels, into: logits.pointer, leading: v,
                 accumulate: true, pool: pool)
        let tasks = min(rows, 4 * pool.threadCount)
        pool.run(tasks) { task in
            for r in stride(from: task, to: rows, by: tasks) {
                let z = self.logits.pointer + r * v
                let logSumExp = S.softmax(z, v, into: self.probabilities.pointer + r * v)
                self.losses.pointer[r] = logSumExp - z[Int(ys[r])]
            }
        }
        var total = 0.0
        for r in 0 ..< rows { total += Double(losses.pointer[r]) }
        return total
    }

    /// The streams split into one contiguous group per thread (fewer when B is small).
    var streamGroups: [Range<Int>] {
        let count = min(batch, pool.threadCount)
        return (0 ..< count).map { g in g * batch / count ..< (g + 1) * batch / count }
    }

    /// The state after the last step: L·B states in `forward`'s order, as Double.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func copyFinalStates(into state: UnsafeMutablePointer<Double>) {
        let h = hiddenSize, last = steps * batch * h
        for l in 0 ..< layers {
            let record = records[l]
            for b in 0 ..< batch {
                let out = state + (l * batch + b) * stateSize
                for j in 0 ..< h { out[j] = Double(record.hidden.pointer[last + b * h + j]) }
                if let cells = record.cells { for j in 0 ..< h { out[h + j] = Double(cells.pointer[last + b * h + j]) } }
            }
        }
    }

    // MARK: Backward

    /// Backpropagation through the last `forward`: ∂(scale·L)/∂θ added into `gradients`
    /// (Double, `layout`). `scale` is 1/B for a loss averaged over streams. `losses: .last`
    /// differentiates only the last step's loss terms (dz_t = 0 for t < T−1): how far back one
    /// prediction reaches (`saliency`).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backward(gradients: UnsafeMutablePointer<Double>, scale: Double, losses: LossSelection = .all) {
        let t = steps, rows = t * batch, h = hiddenSize, gh = gateWidth, v = vocabularySize
        let factor = S(scale)
        // Rows before this one have no loss term to differentiate.
        let firstCounted = losses == .last ? (t - 1) * batch : 0
        // dz_t = scale·(p_t − onehot(y_t)), or 0 for a loss left out.
        let tasks = min(rows, 4 * pool.threadCount)
        pool.run(tasks) { task in
            for r in stride(from: task, to: rows, by: tasks) {
                let dz = self.dLogits.pointer + r * self.vocabularyPadded, p = self.probabilities.pointer + r * v
                guard r >= firstCounted else {
                    dz.update(repeating: 0, count: v)
                    continue
                }
                for k in 0 ..< v { dz[k] = p[k] * factor }
                dz[Int(self.targets.pointer[r])] -= factor
            }
        }
        let top = records[layers - 1]
        let dLogitPanels = Panels.paddedRows(UnsafePointer(dLogits.pointer), leading: vocabularyPadded, columns: v)
        multiply(rows: h, depth: rows, .transposed(top.output(batch: batch, hidden: h), leading: h), dLogitPanels,
                 into: outputGradient.pointer, leading: v, accumulate: false, pool: pool)           // dW_hy = dᵀ·dz
        outputBiasGradient.zero()
        addColumnSums(rows: rows, columns: v, dLogits.pointer, leading: vocabularyPadded, into: outputBiasGradient.pointer)  // db_y
        multiply(rows: rows, depth: v, .rows(dLogits.pointer, leading: vocabularyPadded), outputTransposed.panels,
                 into: top.dOutput.pointer, leading: h, accumulate: false, pool: pool)               // ∂L/∂d = dz·W_hyᵀ
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let record = records[l], d = layerGradients[l], w = weights[l]
            if let masks = record.masks, dropout > 0 {
                for i in 0 ..< rows * h { record.dOutput.pointer[i] *= masks.pointer[i] }      // ∂L/∂h = ∂L/∂d ⊙ m
            }
            let groups = streamGroups
            if groups.count == 1 && pool.threadCount > 1 {
                recurBackward(layer: l, streams: groups[0], steps: t, pool: pool)
            } else {
                pool.run(groups.count) { group in self.recurBackward(layer: l, streams: groups[group], steps: t) }
            }
            // Weight gradients over all T·B rows at once.
            let dRecurrent = record.dRecurrent ?? record.dPre
            multiply(rows: h, depth: rows, .transposed(record.hidden.pointer, leading: h),
                     .paddedRows(dRecurrent.pointer, leading: gatePadded, columns: gh),
                     into: d.recurrent.pointer, leading: gh, accumulate: false, pool: pool)      // dW_h = h_{t−1}ᵀ·dhp
            d.bias.zero()
            addColumnSums(rows: rows, columns: gh, record.dPre.pointer, leading: gatePadded, into: d.bias.pointer, pool: pool)
            if let candidateBias = d.candidateBias {
                candidateBias.zero()
                addColumnSums(rows: rows, columns: h, dRecurrent.pointer + 2 * h, leading: gatePadded, into: candidateBias.pointer)
            }
            if l == 0 {
                // dW_x[x_t] += dpre_t, rows in order; columns shared out.
                d.input.zero()
                let blocks = (gh + 255) / 256
                pool.run(blocks) { block in
                    let first = block * 256, last = min(gh, first + 256)
                    for r in 0 ..< rows {
                        let out = d.input.pointer + Int(self.inputs.pointer[r]) * gh, dp = record.dPre.pointer + r * self.gatePadded
                        for c in first ..< last { out[c] += dp[c] }
                    }
                }
            } else {
                let below = records[l - 1]
                multiply(rows: h, depth: rows, .transposed(below.output(batch: batch, hidden: h), leading: h),
                         .paddedRows(record.dPre.pointer, leading: gatePadded, columns: gh),
                         into: d.input.pointer, leading: gh, accumulate: false, pool: pool)      // dW_x = dᵀ·dpre
                multiply(rows: rows, depth: gh, .rows(record.dPre.pointer, leading: gatePadded), w.inputTransposed!.panels,
                         into: below.dOutput.pointer, leading: h, accumulate: false, pool: pool) // ∂L/∂d^{l−1} = dpre·W_xᵀ
            }
        }
        addGradients(into: gradients)
    }

    // MARK: Reading the record (traces, tests)

    /// h_t of `stream` in `layer` (0-based), t = −1…T−1.
    public func hidden(layer: Int, stream: Int, at t: Int) -> [Double] {
        vector(records[layer].hidden.pointer + ((t + 1) * batch + stream) * hiddenSize, hiddenSize)
    }

    /// c_t of an LSTM layer, t = −1…T−1.
    public func cell(layer: Int, stream: Int, at t: Int) -> [Double]? {
        records[layer].cells.map { vector($0.pointer + ((t + 1) * batch + stream) * hiddenSize, hiddenSize) }
    }

    /// Gate k's activation at t (LSTM i f g o, GRU r u n).
    public func gate(_ k: Int, layer: Int, stream: Int, at t: Int) -> [Double] {
        vector(records[layer].gates.pointer + (t * batch + stream) * gateWidth + k * hiddenSize, hiddenSize)
    }

    public func logits(stream: Int, at t: Int) -> [Double] { vector(logits.pointer + (t * batch + stream) * vocabularySize, vocabularySize) }
    public func probabilities(stream: Int, at t: Int) -> [Double] {
        vector(probabilities.pointer + (t * batch + stream) * vocabularySize, vocabularySize)
    }
    public func loss(stream: Int, at t: Int) -> Double { Double(losses.pointer[t * batch + stream]) }
    public func input(stream: Int, at t: Int) -> Int { Int(inputs.pointer[t * batch + stream]) }
    public func target(stream: Int, at t: Int) -> Int { Int(targets.pointer[t * batch + stream]) }

    /// ∂L/∂pre_t of gate k (after `backward`).
    public func gateGradient(_ k: Int, layer: Int, stream: Int, at t: Int) -> [Double] {
        vector(records[layer].dPre.pointer + (t * batch + stream) * gatePadded + k * hiddenSize, hiddenSize)
    }

    /// ‖∂L/∂h_t‖ of `stream` in `layer` for t = 0…T−1, after `backward`.
    public func hiddenGradientNorms(layer: Int, stream: Int) -> [Double] {
        (0 ..< steps).map { records[layer].dHiddenNorms.pointer[$0 * batch + stream] }
    }

    /// ∂L/∂h_t coming from above (the output layer or layer l+1), after `backward`.
    public func outputGradient(layer: Int, stream: Int, at t: Int) -> [Double] {
        vector(records[layer].dOutput.pointer + (t * batch + stream) * hiddenSize, hiddenSize)
    }

    private func vector(_ p: UnsafePointer<S>, _ n: Int) -> [Double] { (0 ..< n).map { Double(p[$0]) } }
}

extension CellKind {
    /// Gates per unit: the vanilla RNN's one "gate" is h itself.
    public var gateCount: Int { gateNames.count }

    /// The gate names in the parameters' order (W_x + name, W_h + name, b_ + name).
    public var gateNames: [String] {
        switch self {
        case .rnn: ["h"]
        case .lstm: ["i", "f", "g", "o"]
        case .gru: ["r", "u", "n"]
        }
    }
}
