#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gated recurrent unit (Cho et al. 2014) in the form cuDNN, PyTorch and Keras use, where the
/// reset gate scales the recurrent product rather than h_{t−1} itself, row-vector convention:
///
///     r_t  = σ(x_t·W_xr + h_{t−1}·W_hr + b_r)              reset gate      (1×H)
///     u_t  = σ(x_t·W_xu + h_{t−1}·W_hu + b_u)              update gate     (1×H)
///     hn_t = h_{t−1}·W_hn + b_hn                           recurrent part of the candidate
///     n_t  = tanh(x_t·W_xn + b_n + r_t ⊙ hn_t)             candidate       (1×H)
///     h_t  = (1 − u_t) ⊙ n_t + u_t ⊙ h_{t−1}
///     z_t  = h_t·W_hy + b_y,  p_t = softmax(z_t),  L = Σ_t −log p_t[y_t]
///
/// Shapes: W_x· V×H, W_h· H×H, b_· 1×H, W_hy H×V, b_y 1×V. PyTorch calls the update gate z; here
/// it is u because z_t already names the logits. ∂h_t/∂h_{t−1} contains diag(u_t): while the
/// update gate stays near 1 the state, and its gradient, pass through unchanged.
public final class GRUCell: RecurrentCell {
    public let kind = CellKind.gru
    public let vocabularySize: Int
    public let hiddenSize: Int
    public let capacity: Int
    public private(set) var steps = 0
    public var stateSize: Int { hiddenSize }

    /// Gate k = 0, 1, 2 is r, u, n.
    static let gateNames = ["r", "u", "n"]

    // Offsets of each matrix in the flat parameter (and gradient) buffer, by gate.
    let wx: [Int], wh: [Int], bias: [Int], bhn: Int

    // Forward record of the last window (x_t, y_t, z_t, p_t and the losses are in `output`).
    let output: OutputLayer
    let hidden: DoubleBuffer         // (T+1, H) row 0 is h_{−1}, row t+1 is h_t
    let gateBuffers: [DoubleBuffer]  // 3 × (T, H)  r_t, u_t, n_t (after σ / tanh)
    let gates: [UnsafeMutablePointer<Double>]
    let recurrentCandidates: DoubleBuffer  // (T, H)  hn_t = h_{t−1}·W_hn + b_hn

    // Backward scratch.
    let dh: DoubleBuffer             // (H)      ∂L/∂h_t
    let dhNext: DoubleBuffer         // (H)      ∂L/∂h_{t−1}, passed to the earlier step
    let gateGradientBuffers: [DoubleBuffer]  // 4 × (T, H)  da_r, da_u, da_n, dhn: ∂L/∂ each pre-activation and hn_t
    let gateGradients: [UnsafeMutablePointer<Double>]
    let dhNorms: DoubleBuffer        // (T)      ‖∂L/∂h_t‖
    let scratch: DoubleBuffer        // (H)      n's pre-activation; one gate's share of dh_next

    // `advance` works apart from the record.
    let stepGateBuffers: [DoubleBuffer]  // 3 × (H)
    let stepGates: [UnsafeMutablePointer<Double>]
    let stepCandidate: DoubleBuffer  // (H)      hn
    let stepHidden: DoubleBuffer     // (H)      the new h

    public init(vocabularySize v: Int, hiddenSize h: Int, capacity: Int) {
        vocabularySize = v
        hiddenSize = h
        self.capacity = capacity
        let layout = ParameterLayout.gru(vocabularySize: v, hiddenSize: h)
        wx = layout.offsets(Self.gateNames.map { "W_x" + $0 })
        wh = layout.offsets(Self.gateNames.map { "W_h" + $0 })
        bias = layout.offsets(Self.gateNames.map { "b_" + $0 })
        bhn = layout.offsets(["b_hn"])[0]
        output = OutputLayer(layout: layout, vocabularySize: v, hiddenSize: h, capacity: capacity)
        hidden = DoubleBuffer((capacity + 1) * h)
        gateBuffers = (0 ..< 3).map { _ in DoubleBuffer(capacity * h) }
        gates = gateBuffers.map(\.pointer)
        recurrentCandidates = DoubleBuffer(capacity * h)
        dh = DoubleBuffer(h)
        dhNext = DoubleBuffer(h)
        gateGradientBuffers = (0 ..< 4).map { _ in DoubleBuffer(capacity * h) }
        gateGradients = gateGradientBuffers.map(\.pointer)
        dhNorms = DoubleBuffer(capacity)
        scratch = DoubleBuffer(h)
        stepGateBuffers = (0 ..< 3).map { _ in DoubleBuffer(h) }
        stepGates = stepGateBuffers.map(\.pointer)
        stepCandidate = DoubleBuffer(h)
        stepHidden = DoubleBuffer(h)
    }

    /// a_k = x·W_xk + b_k + h_{t−1}·W_hk for gate k = r, u (x·W_xk is row x of W_xk).
    @inline(__always)
    private func preActivation(_ p: UnsafePointer<Double>, gate k: Int, input x: Int,
                               previous hPrevious: UnsafePointer<Double>, into a: UnsafeMutablePointer<Double>) {
        gatePreActivation(p, inputWeights: wx[k], recurrentWeights: wh[k], bias: bias[k], size: hiddenSize,
                          input: x, previous: hPrevious, into: a)
    }

    /// One step of the recurrence, from h_{t−1} and input x to r, u, hn, n and h_t.
    @inline(__always)
    private func recur(_ p: UnsafePointer<Double>, input x: Int, previous hPrevious: UnsafePointer<Double>,
                       gate: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
                       recurrentCandidate hn: UnsafeMutablePointer<Double>, hidden h: UnsafeMutablePointer<Double>) {
        let n = hiddenSize
        let (r, u, candidate) = gate
        let a = scratch.pointer  // n's pre-activation (tanh cannot work in place)
        preActivation(p, gate: 0, input: x, previous: hPrevious, into: r)
        preActivation(p, gate: 1, input: x, previous: hPrevious, into: u)
        sigmoidInPlace(r, into: r, count: n)                           // r = σ(a_r)
        sigmoidInPlace(u, into: u, count: n)                           // u = σ(a_u)
        for j in 0 ..< n { hn[j] = p[bhn + j] }
        addVectorTimesMatrix(hPrevious, n, p + wh[2], n, into: hn)      // hn = h_{t−1}·W_hn + b_hn
        let row = p + wx[2] + x * n, b = p + bias[2]
        for j in 0 ..< n { a[j] = row[j] + b[j] + r[j] * hn[j] }       // a_n = x·W_xn + b_n + r ⊙ hn
        tanhInPlace(a, into: candidate, count: n)                      // n = tanh(a_n)
        for j in 0 ..< n { h[j] = (1 - u[j]) * candidate[j] + u[j] * hPrevious[j] }  // h = (1 − u) ⊙ n + u ⊙ h_{t−1}
    }

    public func forward(_ p: UnsafePointer<Double>,
                        inputs xs: UnsafePointer<Int32>, targets ys: UnsafePointer<Int32>, steps count: Int,
                        initialState: UnsafePointer<Double>) -> Double {
        precondition(count >= 1 && count <= capacity, "window of \(count) steps for a cell sized for \(capacity)")
        let n = hiddenSize
        steps = count
        output.record(inputs: xs, targets: ys, steps: count)
        hidden.pointer.update(from: initialState, count: n)  // h_{−1}
        for t in 0 ..< count {
            let row = t * n
            recur(p, input: Int(xs[t]), previous: hidden.pointer + row,
                  gate: (gates[0] + row, gates[1] + row, gates[2] + row),
                  recurrentCandidate: recurrentCandidates.pointer + row, hidden: hidden.pointer + row + n)
        }
        return output.forward(p, hidden: hidden.pointer + n, steps: count)  // z_t, p_t, loss_t for all steps
    }

    public func copyFinalState(into state: UnsafeMutablePointer<Double>) {
        state.update(from: hidden.pointer + steps * hiddenSize, count: hiddenSize)
    }

    /// BPTT through the gates, each forward line differentiated in reverse:
    ///
    ///     dh   = dy_t·W_hyᵀ + dh_next
    ///     da_n = dh ⊙ (1 − u) ⊙ (1 − n²)
    ///     da_u = dh ⊙ (h_{t−1} − n) ⊙ u(1 − u)
    ///     dhn  = da_n ⊙ r;   da_r = da_n ⊙ hn ⊙ r(1 − r)
    ///     dh_next = dh ⊙ u + da_r·W_hrᵀ + da_u·W_huᵀ + dhn·W_hnᵀ
    ///     dW_xk[x_t] += da_k, db_k += da_k (k = r, u, n);   db_hn += dhn
    ///     dW_hr += h_{t−1}ᵀ·da_r;   dW_hu += h_{t−1}ᵀ·da_u;   dW_hn += h_{t−1}ᵀ·dhn
    public func backward(_ p: UnsafePointer<Double>, gradients gr: UnsafeMutablePointer<Double>,
                         recorder: BackwardRecorder?, losses: LossSelection) {
        let n = hiddenSize, v = vocabularySize, count = steps
        let dh = dh.pointer, dhNext = dhNext.pointer
        output.backward(p, hidden: hidden.pointer + n, gradients: gr, steps: count, losses: losses)  // dy_t, dW_hy, db_y, dy_t·W_hyᵀ

        dhNext.update(repeating: 0, count: n)
        for t in stride(from: count - 1, through: 0, by: -1) {
            let row = t * n
            let r = gates[0] + row, u = gates[1] + row, candidate = gates[2] + row
            let hn = recurrentCandidates.pointer + row, hPrevious = hidden.pointer + row
            let dar = gateGradients[0] + row, dau = gateGradients[1] + row
            let dan = gateGradients[2] + row, dhn = gateGradients[3] + row
            let fromOutput = output.hiddenShare(at: t)
            for j in 0 ..< n { dh[j] = fromOutput[j] + dhNext[j] }                // dh = dy·W_hyᵀ + dh_next
            dhNorms.pointer[t] = norm(n, dh)
            for j in 0 ..< n {
                dan[j] = dh[j] * (1 - u[j]) * (1 - candidate[j] * candidate[j])   // da_n
                dau[j] = dh[j] * (hPrevious[j] - candidate[j]) * (u[j] * (1 - u[j]))  // da_u
                dhn[j] = dan[j] * r[j]                                            // dhn
                dar[j] = dan[j] * hn[j] * (r[j] * (1 - r[j]))                     // da_r
                dhNext[j] = dh[j] * u[j]                                          // dh_next = dh ⊙ u
            }
            addVectorTimesTransposed(dar, p + wh[0], into: dhNext)               //   + da_r·W_hrᵀ
            addVectorTimesTransposed(dau, p + wh[1], into: dhNext)               //   + da_u·W_huᵀ
            addVectorTimesTransposed(dhn, p + wh[2], into: dhNext)               //   + dhn·W_hnᵀ
            if let recorder {
                recorder.record("dy", at: t, output.dy(at: t), count: v)
                recorder.record("dh", at: t, dh, count: n)
                recorder.record("da_r", at: t, dar, count: n)
                recorder.record("da_u", at: t, dau, count: n)
                recorder.record("da_n", at: t, dan, count: n)
                recorder.record("dhn", at: t, dhn, count: n)
                recorder.record("dh_next", at: t, dhNext, count: n)
            }
        }
        for k in 0 ..< 3 {
            for t in stride(from: count - 1, through: 0, by: -1) {
                let da = gateGradients[k] + t * n
                axpy(n, 1, da, gr + bias[k])                                      // db_k += da_k
                axpy(n, 1, da, gr + wx[k] + output.input(at: t) * n)              // dW_xk[x_t, :] += da_k
            }
        }
        for t in stride(from: count - 1, through: 0, by: -1) { axpy(n, 1, gateGradients[3] + t * n, gr + bhn) }  // db_hn += dhn
        addOuterProductsDescending(hidden.pointer, n, gateGradients[0], n, into: gr + wh[0], rows: count)  // dW_hr
        addOuterProductsDescending(hidden.pointer, n, gateGradients[1], n, into: gr + wh[1], rows: count)  // dW_hu
        addOuterProductsDescending(hidden.pointer, n, gateGradients[3], n, into: gr + wh[2], rows: count)  // dW_hn (from dhn)
    }

    /// y += x·Wᵀ for x (1×H) and W (H×H), through `scratch` so each product rounds as on its own.
    @inline(__always)
    private func addVectorTimesTransposed(_ x: UnsafePointer<Double>, _ w: UnsafePointer<Double>,
                                          into y: UnsafeMutablePointer<Double>) {
        let n = hiddenSize
        vectorTimesTransposed(x, n, w, n, into: scratch.pointer)
        for j in 0 ..< n { y[j] += scratch.pointer[j] }
    }

    public var hiddenGradientNorms: [Double] {
        Array(UnsafeBufferPointer(start: dhNorms.pointer, count: steps))
    }

    public func advance(_ p: UnsafePointer<Double>, input: Int,
                        state: UnsafeMutablePointer<Double>, logits z: UnsafeMutablePointer<Double>) {
        let n = hiddenSize
        recur(p, input: input, previous: state, gate: (stepGates[0], stepGates[1], stepGates[2]),
              recurrentCandidate: stepCandidate.pointer, hidden: stepHidden.pointer)
        state.update(from: stepHidden.pointer, count: n)
        output.logits(p, hidden: state, into: z)                                  // z = h·W_hy + b_y
    }

    // MARK: Reading the record

    public func input(at t: Int) -> Int { output.input(at: t) }
    public func target(at t: Int) -> Int { output.target(at: t) }
    public func hiddenState(at t: Int) -> [Double] { hidden.matrix(rows: t + 1 ..< t + 2, columns: hiddenSize).storage }
    public func logits(at t: Int) -> [Double] { output.logits(at: t) }
    public func probabilities(at t: Int) -> [Double] { output.probabilities(at: t) }
    public func loss(at t: Int) -> Double { output.loss(at: t) }
    /// The gates r, u, the candidate n, and hn (the candidate's recurrent part).
    public var recordedNames: [String] { Self.gateNames + ["hn"] }
    public func recorded(_ name: String, at t: Int) -> [Double]? {
        if name == "hn" { return recurrentCandidates.matrix(rows: t ..< t + 1, columns: hiddenSize).storage }
        guard let k = Self.gateNames.firstIndex(of: name) else { return nil }
        return gateBuffers[k].matrix(rows: t ..< t + 1, columns: hiddenSize).storage
    }
}
