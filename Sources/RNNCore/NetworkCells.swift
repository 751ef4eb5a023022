/// The recurrence of each kind of cell inside `Network`: one thread runs its group of streams
/// through all T steps. The equations are the teaching cells' (see `LSTMCell`, `GRUCell`,
/// `VanillaRNNCell`), with pre_t = x_t·W_x + b computed for all steps beforehand and
/// hp_t = h_{t−1}·W_h for the group's rows at each step. Given a `pool` (one group, several
/// threads: a single stream), the threads share each step's product by output tiles; every
/// number is still computed by one thread in the same order.
extension Network {
    /// Forward through `steps` steps for the streams `streams` of layer `l`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func recur(layer l: Int, streams: Range<Int>, steps t: Int, pool: ThreadPool? = nil) {
        let record = records[l], w = weights[l]
        let h = hiddenSize, gh = gateWidth, b0 = streams.lowerBound, m = streams.count, streamCount = batch
        let hp = record.recurrentProducts.pointer + b0 * gh
        let hidden = record.hidden.pointer
        for step in 0 ..< t {
            // hp = h_{t−1}·W_h for the group's rows.
            multiply(rows: m, depth: h, .rows(hidden + (step * streamCount + b0) * h, leading: h), w.recurrent.panels,
                     into: hp, leading: gh, accumulate: false, pool: pool)
            for i in 0 ..< m {
                let b = b0 + i, r = step * streamCount + b
                let pre = record.pre.pointer + r * gh, hpRow = hp + i * gh
                let hPrevious = hidden + (step * streamCount + b) * h, hOut = hidden + ((step + 1) * streamCount + b) * h
                switch kind {
                case .rnn:
                    for j in 0 ..< h { pre[j] += hpRow[j] }                               // a = pre + hp
                    S.tanh(pre, into: hOut, count: h)                                     // h = tanh(a)
                case .lstm:
                    let g = record.gates.pointer + r * gh
                    for c in 0 ..< gh { pre[c] += hpRow[c] }
                    S.sigmoid(pre, into: g, count: 2 * h)                                 // i, f = σ(·)
                    S.tanh(pre + 2 * h, into: g + 2 * h, count: h)                        // g = tanh(·)
                    S.sigmoid(pre + 3 * h, into: g + 3 * h, count: h)                     // o = σ(·)
                    let cells = record.cells!.pointer
                    let cPrevious = cells + (step * streamCount + b) * h, cOut = cells + ((step + 1) * streamCount + b) * h
                    let tc = record.tanhCells!.pointer + r * h
                    for j in 0 ..< h { cOut[j] = g[h + j] * cPrevious[j] + g[j] * g[2 * h + j] }  // c = f⊙c_{t−1} + i⊙g
                    S.tanh(cOut, into: tc, count: h)
                    for j in 0 ..< h { hOut[j] = g[3 * h + j] * tc[j] }                     // h = o⊙tanh(c)
                case .gru:
                    let g = record.gates.pointer + r * gh
                    for c in 0 ..< 2 * h { pre[c] += hpRow[c] }
                    S.sigmoid(pre, into: g, count: 2 * h)                                 // r, u = σ(·)
                    let hn = record.candidates!.pointer + r * h, bhn = w.candidateBias!.pointer
                    for j in 0 ..< h {
                        hn[j] = hpRow[2 * h + j] + bhn[j]                                 // hn = h_{t−1}·W_hn + b_hn
                        pre[2 * h + j] += g[j] * hn[j]
                    }
                    S.tanh(pre + 2 * h, into: g + 2 * h, count: h)                        // n = tanh(x·W_xn + b_n + r⊙hn)
                    for j in 0 ..< h {
                        let u = g[h + j]
                        hOut[j] = (1 - u) * g[2 * h + j] + u * hPrevious[j]                 // h = (1−u)⊙n + u⊙h_{t−1}
                    }
                }
            }
        }
    }

    /// BPTT through the last window for the streams `streams` of layer `l`: from ∂L/∂h_t coming
    /// from above (`dOutput`), ∂L/∂pre_t into `dPre` (and the GRU's ∂L/∂hp_t into `dRecurrent`)
    /// for every step, the state's gradient passed back step by step.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func recurBackward(layer l: Int, streams: Range<Int>, steps t: Int, pool: ThreadPool? = nil) {
        let record = records[l], w = weights[l]
        let h = hiddenSize, gh = gateWidth, b0 = streams.lowerBound, m = streams.count, streamCount = batch
        let padded = gatePadded
        let dh = record.dHidden.pointer + b0 * h, dNext = record.dNext.pointer + b0 * h
        let dCellNext = record.dCellNext.map { $0.pointer + b0 * h }
        dNext.update(repeating: 0, count: m * h)
        dCellNext?.update(repeating: 0, count: m * h)
        let hidden = record.hidden.pointer
        for step in stride(from: t - 1, through: 0, by: -1) {
            for i in 0 ..< m {
                let b = b0 + i, r = step * streamCount + b
                let dhRow = dh + i * h, fromAbove = record.dOutput.pointer + r * h, fromLater = dNext + i * h
                var squares = 0.0
                for j in 0 ..< h {
                    dhRow[j] = fromAbove[j] + fromLater[j]                                  // dh = ∂L/∂h_t
                    squares += Double(dhRow[j]) * Double(dhRow[j])
                }
                record.dHiddenNorms.pointer[r] = squares.squareRoot()
                let dp = record.dPre.pointer + r * padded
                switch kind {
                case .rnn:
                    let hOut = hidden + ((step + 1) * streamCount + b) * h
                    for j in 0 ..< h { dp[j] = dhRow[j] * (1 - hOut[j] * hOut[j]) }        // da = dh ⊙ (1 − h²)
                case .lstm:
                    let g = record.gates.pointer + r * gh, tc = record.tanhCells!.pointer + r * h
                    let cPrevious = record.cells!.pointer + (step * streamCount + b) * h, dc = dCellNext! + i * h
                    for j in 0 ..< h {
                        let input = g[j], forget = g[h + j], candidate = g[2 * h + j], out = g[3 * h + j], tanhCell = tc[j]
                        dp[3 * h + j] = dhRow[j] * tanhCell * (out * (1 - out))                  // da_o
                        let dcj = dc[j] + dhRow[j] * out * (1 - tanhCell * tanhCell)            // dc
                        dp[j] = dcj * candidate * (input * (1 - input))                        // da_i
                        dp[2 * h + j] = dcj * input * (1 - candidate * candidate)              // da_g
                        dp[h + j] = dcj * cPrevious[j] * (forget * (1 - forget))               // da_f
                        dc[j] = dcj * forget                                                   // dc_{t−1} = dc ⊙ f
                    }
                case .gru:
                    let g = record.gates.pointer + r * gh, hn = record.candidates!.pointer + r * h
                    let hPrevious = hidden + (step * streamCount + b) * h
                    let dr = record.dRecurrent!.pointer + r * padded
                    for j in 0 ..< h {
                        let reset = g[j], update = g[h + j], candidate = g[2 * h + j], dhj = dhRow[j]
                        let dn = dhj * (1 - update), du = dhj * (hPrevious[j] - candidate)
                        let dan = dn * (1 - candidate * candidate)                               // da_n
                        let dar = dan * hn[j] * (reset * (1 - reset))                            // da_r
                        let dau = du * (update * (1 - update))                                   // da_u
                        dp[j] = dar; dp[h + j] = dau; dp[2 * h + j] = dan
                        dr[j] = dar; dr[h + j] = dau; dr[2 * h + j] = dan * reset                // dhn = da_n ⊙ r
                    }
                }
            }
            // dh_{t−1} = dhp_t·W_hᵀ (+ dh ⊙ u for the GRU: h_{t−1} also enters h_t directly).
            let source = (record.dRecurrent ?? record.dPre).pointer + (step * streamCount + b0) * padded
            multiply(rows: m, depth: gh, .rows(source, leading: padded), w.recurrentTransposed.panels,
                     into: dNext, leading: h, accumulate: false, pool: pool)
            if kind == .gru {
                for i in 0 ..< m {
                    let u = record.gates.pointer + (step * streamCount + b0 + i) * gh + h
                    for j in 0 ..< h { dNext[i * h + j] += dh[i * h + j] * u[j] }
                }
            }
        }
    }
}
