#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al.
/// 2000), in the row-vector convention and PyTorch's gate order i, f, g, o:
///
///     i_t = σ(x_t·W_xi + h_{t−1}·W_hi + b_i)        input gate      (1×H)
///     f_t = σ(x_t·W_xf + h_{t−1}·W_hf + b_f)        forget gate     (1×H)
///     g_t = tanh(x_t·W_xg + h_{t−1}·W_hg + b_g)     candidate       (1×H)
///     o_t = σ(x_t·W_xo + h_{t−1}·W_ho + b_o)        output gate     (1×H)
///     c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t               cell state      (1×H)
///     h_t = o_t ⊙ tanh(c_t)                                         (1×H)
///     z_t = h_t·W_hy + b_y,  p_t = softmax(z_t),  L = Σ_t −log p_t[y_t]
///
/// Shapes: W_x· V×H, W_h· H×H, b_· 1×H, W_hy H×V, b_y 1×V. The state carried between windows
/// is (h, c), stored as one 1×2H row, h first. The cell state is the point: ∂c_t/∂c_{t−1} is
/// diag(f_t), so while the forget gate stays open a gradient crosses many steps undiminished.
public final class LSTMCell: RecurrentCell {
    public let kind = CellKind.lstm
    public let vocabularySize: Int
    public let hiddenSize: Int
    public let capacity: Int
    public private(set) var steps = 0
    public var stateSize: Int { 2 * hiddenSize }

    /// Gate k = 0, 1, 2, 3 is i, f, g, o.
    static let gateNames = ["i", "f", "g", "o"]

    // Offsets of each matrix in the flat parameter (and gradient) buffer, by gate.
    let wx: [Int], wh: [Int], bias: [Int]

    // Forward record of the last window (x_t, y_t, z_t, p_t and the losses are in `output`).
    let output: OutputLayer
    let hidden: DoubleBuffer         // (T+1, H) row 0 is h_{−1}, row t+1 is h_t
    let cells: DoubleBuffer          // (T+1, H) row 0 is c_{−1}, row t+1 is c_t
    let gateBuffers: [DoubleBuffer]  // 4 × (T, H)  i_t, f_t, g_t, o_t (after σ / tanh)
    let gates: [UnsafeMutablePointer<Double>]
    let tanhCells: DoubleBuffer      // (T, H)   tanh(c_t)

    // Backward scratch.
    let dh: DoubleBuffer             // (H)      ∂L/∂h_t
    let dc: DoubleBuffer             // (H)      ∂L/∂c_t
    let dhNext: DoubleBuffer         // (H)      ∂L/∂h_{t−1}, passed to the earlier step
    let dcNext: DoubleBuffer         // (H)      ∂L/∂c_{t−1}, passed to the earlier step
    let gateGradientBuffers: [DoubleBuffer]  // 4 × (T, H)  da_i, da_f, da_g, da_o: ∂L/∂ each pre-activation
    let gateGradients: [UnsafeMutablePointer<Double>]
    let dhNorms: DoubleBuffer        // (T)      ‖∂L/∂h_t‖
    let scratch: DoubleBuffer        // (H)      one gate's share of dh_next; g's pre-activation

    // `advance` works apart from the record, so sampling never disturbs what `show` displays.
    let stepGateBuffers: [DoubleBuffer]  // 4 × (H)
    let stepGates: [UnsafeMutablePointer<Double>]
    let stepState: DoubleBuffer      // (2H)     the new (h, c)
    let stepTanh: DoubleBuffer       // (H)

    public init(vocabularySize v: Int, hiddenSize h: Int, capacity: Int) {
        vocabularySize = v
        hiddenSize = h
        self.capacity = capacity
        let layout = ParameterLayout.lstm(vocabularySize: v, hiddenSize: h)
        wx = layout.offsets(Self.gateNames.map { "W_x" + $0 })
        wh = layout.offsets(Self.gateNames.map { "W_h" + $0 })
        bias = layout.offsets(Self.gateNames.map { "b_" + $0 })
        output = OutputLayer(layout: layout, vocabularySize: v, hiddenSize: h, capacity: capacity)
        hidden = DoubleBuffer((capacity + 1) * h)
        cells = DoubleBuffer((capacity + 1) * h)
        gateBuffers = (0 ..< 4).map { _ in DoubleBuffer(capacity * h) }
        gates = gateBuffers.map(\.pointer)
        tanhCells = DoubleBuffer(capacity * h)
        dh = DoubleBuffer(h)
        dc = DoubleBuffer(h)
        dhNext = DoubleBuffer(h)
        dcNext = DoubleBuffer(h)
        gateGradientBuffers = (0 ..< 4).map { _ in DoubleBuffer(capacity * h) }
        gateGradients = gateGradientBuffers.map(\.pointer)
        dhNorms = DoubleBuffer(capacity)
        scratch = DoubleBuffer(h)
        stepGateBuffers = (0 ..< 4).map { _ in DoubleBuffer(h) }
        stepGates = stepGateBuffers.map(\.pointer)
        stepState = DoubleBuffer(2 * h)
        stepTanh = DoubleBuffer(h)
    }

    /// a_k = x·W_xk + b_k + h_{t−1}·W_hk for gate k (x·W_xk is row x of W_xk: x is one-hot).
    @inline(__always)
    private func preActivation(_ p: UnsafePointer<Double>, gate k: Int, input x: Int,
                               previous hPrevious: UnsafePointer<Double>, into a: UnsafeMutablePointer<Double>) {
        gatePreActivation(p, inputWeights: wx[k], recurrentWeights: wh[k], bias: bias[k], size: hiddenSize,
                          input: x, previous: hPrevious, into: a)
    }

    /// One step of the recurrence, from (h_{t−1}, c_{t−1}) and input x to the gates, c_t,
    /// tanh(c_t) and h_t. `gate[k]` receives gate k's activation.
    @inline(__always)
    private func recur(_ p: UnsafePointer<Double>, input x: Int,
                       previousHidden hPrevious: UnsafePointer<Double>, previousCell cPrevious: UnsafePointer<Double>,
                       gate: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
                              UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
                       cell c: UnsafeMutablePointer<Double>, tanhCell tc: UnsafeMutablePointer<Double>,
                       hidden h: UnsafeMutablePointer<Double>) {
        let n = hiddenSize
        let (i, f, g, o) = gate
        let candidate = scratch.pointer  // g's pre-activation (tanh cannot work in place)
        preActivation(p, gate: 0, input: x, previous: hPrevious, into: i)
        preActivation(p, gate: 1, input: x, previous: hPrevious, into: f)
        preActivation(p, gate: 2, input: x, previous: hPrevious, into: candidate)
        preActivation(p, gate: 3, input: x, previous: hPrevious, into: o)
        sigmoidInPlace(i, into: i, count: n)                       // i = σ(a_i)
        sigmoidInPlace(f, into: f, count: n)                       // f = σ(a_f)
        tanhInPlace(candidate, into: g, count: n)                  // g = tanh(a_g)
        sigmoidInPlace(o, into: o, count: n)                       // o = σ(a_o)
        for j in 0 ..< n { c[j] = f[j] * cPrevious[j] + i[j] * g[j] }  // c = f ⊙ c_{t−1} + i ⊙ g
        tanhInPlace(c, into: tc, count: n)
        for j in 0 ..< n { h[j] = o[j] * tc[j] }                   // h = o ⊙ tanh(c)
    }

    public func forward(_ p: UnsafePointer<Double>,
                        inputs xs: UnsafePointer<Int32>, targets ys: UnsafePointer<Int32>, steps count: Int,
                        initialState: UnsafePointer<Double>) -> Double {
        precondition(count >= 1 && count <= capacity, "window of \(count) steps for a cell sized for \(capacity)")
        let n = hiddenSize
        steps = count
        output.record(inputs: xs, targets: ys, steps: count)
        hidden.pointer.update(from: initialState, count: n)      // h_{−1}
        cells.pointer.update(from: initialState + n, count: n)   // c_{−1}
        for t in 0 ..< count {
            let row = t * n
            recur(p, input: Int(xs[t]), previousHidden: hidden.pointer + row, previousCell: cells.pointer + row,
                  gate: (gates[0] + row, gates[1] + row, gates[2] + row, gates[3] + row),
                  cell: cells.pointer + row + n, tanhCell: tanhCells.pointer + row, hidden: hidden.pointer + row + n)
        }
        return output.forward(p, hidden: hidden.pointer + n, steps: count)  // z_t, p_t, loss_t for all steps
    }

    public func copyFinalState(into state: UnsafeMutablePointer<Double>) {
        state.update(from: hidden.pointer + steps * hiddenSize, count: hiddenSize)
        (state + hiddenSize).update(from: cells.pointer + steps * hiddenSize, count: hiddenSize)
    }

    /// BPTT through the gates, each forward line differentiated in reverse:
    ///
    ///     dh    = dy_t·W_hyᵀ + dh_next
    ///     da_o  = dh ⊙ tanh(c_t) ⊙ o(1 − o)
    ///     dc    = dc_next + dh ⊙ o ⊙ (1 − tanh²(c_t))
    ///     da_i  = dc ⊙ g ⊙ i(1 − i);   da_g = dc ⊙ i ⊙ (1 − g²);   da_f = dc ⊙ c_{t−1} ⊙ f(1 − f)
    ///     dc_next = dc ⊙ f;   dh_next = Σ_k da_k·W_hkᵀ  (k = i, f, g, o)
    ///     dW_xk[x_t] += da_k;   db_k += da_k;   dW_hk += h_{t−1}ᵀ·da_k
    ///
    /// The output layer and the weight gradients are done for all steps at once, in descending t,
    /// as in the vanilla cell.
    public func backward(_ p: UnsafePointer<Double>, gradients gr: UnsafeMutablePointer<Double>,
                         recorder: BackwardRecorder?, losses: LossSelection) {
        let n = hiddenSize, v = vocabularySize, count = steps
        let dh = dh.pointer, dc = dc.pointer, dhNext = dhNext.pointer, dcNext = dcNext.pointer
        output.backward(p, hidden: hidden.pointer + n, gradients: gr, steps: count, losses: losses)  // dy_t, dW_hy, db_y, dy_t·W_hyᵀ

        dhNext.update(repeating: 0, count: n)
        dcNext.update(repeating: 0, count: n)
        for t in stride(from: count - 1, through: 0, by: -1) {
            let row = t * n
            let i = gates[0] + row, f = gates[1] + row, g = gates[2] + row, o = gates[3] + row
            let tc = tanhCells.pointer + row, cPrevious = cells.pointer + row
            let dai = gateGradients[0] + row, daf = gateGradients[1] + row
            let dag = gateGradients[2] + row, dao = gateGradients[3] + row
            let fromOutput = output.hiddenShare(at: t)
            for j in 0 ..< n { dh[j] = fromOutput[j] + dhNext[j] }                // dh = dy·W_hyᵀ + dh_next
            dhNorms.pointer[t] = norm(n, dh)
            for j in 0 ..< n {
                dao[j] = dh[j] * tc[j] * (o[j] * (1 - o[j]))                      // da_o
                dc[j] = dcNext[j] + dh[j] * o[j] * (1 - tc[j] * tc[j])           // dc
                dai[j] = dc[j] * g[j] * (i[j] * (1 - i[j]))                       // da_i
                dag[j] = dc[j] * i[j] * (1 - g[j] * g[j])                         // da_g
                daf[j] = dc[j] * cPrevious[j] * (f[j] * (1 - f[j]))               // da_f
                dcNext[j] = dc[j] * f[j]                                          // dc_next = dc ⊙ f
            }
            vectorTimesTransposed(dai, n, p + wh[0], n, into: dhNext)             // dh_next = da_i·W_hiᵀ
            for k in 1 ..< 4 {                                                    //   + da_f·W_hfᵀ + da_g·W_hgᵀ + da_o·W_hoᵀ
                vectorTimesTransposed(gateGradients[k] + row, n, p + wh[k], n, into: scratch.pointer)
                for j in 0 ..< n { dhNext[j] += scratch.pointer[j] }              //   (each product rounded on its own)
            }
            if let recorder {
                recorder.record("dy", at: t, output.dy(at: t), count: v)
                recorder.record("dh", at: t, dh, count: n)
                recorder.record("dc", at: t, dc, count: n)
                for k in 0 ..< 4 { recorder.record("da_" + Self.gateNames[k], at: t, gateGradients[k] + row, count: n) }
                recorder.record("dh_next", at: t, dhNext, count: n)
                recorder.record("dc_next", at: t, dcNext, count: n)
            }
        }
        for k in 0 ..< 4 {
            for t in stride(from: count - 1, through: 0, by: -1) {
                let da = gateGradients[k] + t * n
                axpy(n, 1, da, gr + bias[k])                                      // db_k += da_k
                axpy(n, 1, da, gr + wx[k] + output.input(at: t) * n)              // dW_xk[x_t, :] += da_k
            }
            addOuterProductsDescending(hidden.pointer, n, gateGradients[k], n, into: gr + wh[k], rows: count)  // dW_hk += h_{t−1}ᵀ·da_k
        }
    }

    public var hiddenGradientNorms: [Double] {
        Array(UnsafeBufferPointer(start: dhNorms.pointer, count: steps))
    }

    public func advance(_ p: UnsafePointer<Double>, input: Int,
                        state: UnsafeMutablePointer<Double>, logits z: UnsafeMutablePointer<Double>) {
        let n = hiddenSize
        let next = stepState.pointer
        recur(p, input: input, previousHidden: state, previousCell: state + n,
              gate: (stepGates[0], stepGates[1], stepGates[2], stepGates[3]),
              cell: next + n, tanhCell: stepTanh.pointer, hidden: next)
        state.update(from: next, count: 2 * n)
        output.logits(p, hidden: state, into: z)                                  // z = h·W_hy + b_y
    }

    // MARK: Reading the record

    public func input(at t: Int) -> Int { output.input(at: t) }
    public func target(at t: Int) -> Int { output.target(at: t) }
    public func hiddenState(at t: Int) -> [Double] { hidden.matrix(rows: t + 1 ..< t + 2, columns: hiddenSize).storage }
    /// c_t for t = −1…T−1.
    public func cellState(at t: Int) -> [Double] { cells.matrix(rows: t + 1 ..< t + 2, columns: hiddenSize).storage }
    public func logits(at t: Int) -> [Double] { output.logits(at: t) }
    public func probabilities(at t: Int) -> [Double] { output.probabilities(at: t) }
    public func loss(at t: Int) -> Double { output.loss(at: t) }
    /// The gates i, f, g, o and the cell state ("cs", c_t for each step, like "hs" for h_t).
    public var recordedNames: [String] { Self.gateNames + ["cs"] }
    public func recorded(_ name: String, at t: Int) -> [Double]? {
        if name == "cs" { return cellState(at: t) }
        guard let k = Self.gateNames.firstIndex(of: name) else { return nil }
        return gateBuffers[k].matrix(rows: t ..< t + 1, columns: hiddenSize).storage
    }
}
