#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The article's vanilla RNN, in the row-vector convention (x_t is one-hot 1×V):
///
///     a_t = x_t·W_xh + h_{t−1}·W_hh + b_h          (1×H)   x_t·W_xh is row x_t of W_xh
///     h_t = tanh(a_t)                               (1×H)
///     z_t = h_t·W_hy + b_y                          (1×V)   logits
///     p_t = softmax(z_t)                            (1×V)
///     L   = Σ_t −log p_t[y_t]
///
/// Shapes: W_xh V×H, W_hh H×H, W_hy H×V, b_h 1×H, b_y 1×V.
public final class VanillaRNNCell: RecurrentCell {
    public let kind = CellKind.rnn
    public let vocabularySize: Int
    public let hiddenSize: Int
    public let capacity: Int
    public private(set) var steps = 0
    public var stateSize: Int { hiddenSize }

    // Offsets of each matrix in the flat parameter (and gradient) buffer.
    let wxh: Int, whh: Int, bh: Int

    // Forward record of the last window (x_t, y_t, z_t, p_t and the losses are in `output`).
    let output: OutputLayer
    let hidden: DoubleBuffer         // (T+1, H) row 0 is h_{−1} (the carried state), row t+1 is h_t
    let preActivations: DoubleBuffer // (T, H)  a_t

    // Backward scratch.
    let dh: DoubleBuffer             // (H)     ∂L/∂h_t
    let dhRaws: DoubleBuffer         // (T, H)  dh_raw_t = ∂L/∂a_t
    let dhNext: DoubleBuffer         // (H)     ∂L/∂h_{t−1}, passed to the earlier step
    let dhNorms: DoubleBuffer        // (T)     ‖∂L/∂h_t‖
    let scratch: DoubleBuffer        // (H)     `advance`'s pre-activation

    public init(vocabularySize v: Int, hiddenSize h: Int, capacity: Int) {
        vocabularySize = v
        hiddenSize = h
        self.capacity = capacity
        let layout = ParameterLayout.rnn(vocabularySize: v, hiddenSize: h)
        (wxh, whh, bh) = (layout.offsets(["W_xh"])[0], layout.offsets(["W_hh"])[0], layout.offsets(["b_h"])[0])
        output = OutputLayer(layout: layout, vocabularySize: v, hiddenSize: h, capacity: capacity)
        hidden = DoubleBuffer((capacity + 1) * h)
        preActivations = DoubleBuffer(capacity * h)
        dh = DoubleBuffer(h)
        dhRaws = DoubleBuffer(capacity * h)
        dhNext = DoubleBuffer(h)
        dhNorms = DoubleBuffer(capacity)
        scratch = DoubleBuffer(h)
    }

    /// One step of the recurrence: a = W_xh[x, :] + b_h + hPrevious·W_hh;  h = tanh(a).
    @inline(__always)
    private func recur(_ p: UnsafePointer<Double>, input x: Int,
                       previous hPrevious: UnsafePointer<Double>,
                       preActivation a: UnsafeMutablePointer<Double>, hidden h: UnsafeMutablePointer<Double>) {
        let n = hiddenSize
        let row = p + wxh + x * n  // x_t·W_xh: a one-hot row vector picks row x of W_xh
        for j in 0 ..< n { a[j] = row[j] + p[bh + j] }
        addVectorTimesMatrix(hPrevious, n, p + whh, n, into: a)  // a += h_{t−1}·W_hh
        tanhInPlace(a, into: h, count: n)                          // h = tanh(a)
    }

    public func forward(_ p: UnsafePointer<Double>,
                        inputs xs: UnsafePointer<Int32>, targets ys: UnsafePointer<Int32>, steps count: Int,
                        initialState: UnsafePointer<Double>) -> Double {
        precondition(count >= 1 && count <= capacity, "window of \(count) steps for a cell sized for \(capacity)")
        let n = hiddenSize
        steps = count
        output.record(inputs: xs, targets: ys, steps: count)
        hidden.pointer.update(from: initialState, count: n)  // h_{−1}
        // The recurrence, step by step: a_t and h_t.
        for t in 0 ..< count {
            recur(p, input: Int(xs[t]), previous: hidden.pointer + t * n,
                  preActivation: preActivations.pointer + t * n, hidden: hidden.pointer + (t + 1) * n)
        }
        // The output layer for all steps at once: z_t, p_t, loss_t.
        return output.forward(p, hidden: hidden.pointer + n, steps: count)
    }

    public func copyFinalState(into state: UnsafeMutablePointer<Double>) {
        state.update(from: hidden.pointer + steps * hiddenSize, count: hiddenSize)
    }

    /// BPTT: the forward equations in reverse, one chain-rule step per line.
    ///
    /// The terms that do not depend on the recurrence (the output layer's, and the weight
    /// gradients, which are sums over t) are computed for all steps at once, each entry adding
    /// its terms in the same order (t from T−1 down to 0) as a step-by-step loop would.
    public func backward(_ p: UnsafePointer<Double>, gradients g: UnsafeMutablePointer<Double>,
                         recorder: BackwardRecorder?, losses: LossSelection) {
        let n = hiddenSize, v = vocabularySize, count = steps
        let dh = dh.pointer, dhNext = dhNext.pointer
        // dy_t, dW_hy, db_y and dy_t·W_hyᵀ for all steps.
        output.backward(p, hidden: hidden.pointer + n, gradients: g, steps: count, losses: losses)

        dhNext.update(repeating: 0, count: n)  // nothing flows back from beyond the window
        for t in stride(from: count - 1, through: 0, by: -1) {
            let h = hidden.pointer + (t + 1) * n
            let dhRaw = dhRaws.pointer + t * n
            let fromOutput = output.hiddenShare(at: t)
            for j in 0 ..< n { dh[j] = fromOutput[j] + dhNext[j] }                // dh = dy·W_hyᵀ + dh_next
            dhNorms.pointer[t] = norm(n, dh)                                      // ‖∂L/∂h_t‖
            for j in 0 ..< n { dhRaw[j] = (1 - h[j] * h[j]) * dh[j] }             // dh_raw = (1 − h_t²) ⊙ dh
            vectorTimesTransposed(dhRaw, n, p + whh, n, into: dhNext)             // dh_next = dh_raw·W_hhᵀ
            if let recorder {
                recorder.record("dy", at: t, output.dy(at: t), count: v)
                recorder.record("dh", at: t, dh, count: n)
                recorder.record("dh_raw", at: t, dhRaw, count: n)
                recorder.record("dh_next", at: t, dhNext, count: n)
            }
        }
        for t in stride(from: count - 1, through: 0, by: -1) {
            let dhRaw = dhRaws.pointer + t * n
            axpy(n, 1, dhRaw, g + bh)                                             // db_h += dh_raw
            axpy(n, 1, dhRaw, g + wxh + output.input(at: t) * n)                  // dW_xh[x_t, :] += dh_raw
        }
        addOuterProductsDescending(hidden.pointer, n, dhRaws.pointer, n, into: g + whh, rows: count)  // dW_hh += h_{t−1}ᵀ·dh_raw
    }

    public var hiddenGradientNorms: [Double] {
        Array(UnsafeBufferPointer(start: dhNorms.pointer, count: steps))
    }

    public func advance(_ p: UnsafePointer<Double>, input: Int,
                        state: UnsafeMutablePointer<Double>, logits z: UnsafeMutablePointer<Double>) {
        // a and the new h go to scratch: the previous h must not be overwritten mid-product.
        let a = scratch.pointer, hNew = dh.pointer
        recur(p, input: input, previous: state, preActivation: a, hidden: hNew)
        state.update(from: hNew, count: hiddenSize)
        output.logits(p, hidden: state, into: z)
    }

    // MARK: Reading the record (for `show` and traces)

    /// x_t, y_t as vocabulary indices.
    public func input(at t: Int) -> Int { output.input(at: t) }
    public func target(at t: Int) -> Int { output.target(at: t) }
    /// h_t for t = −1…T−1 (h_{−1} is the state the window started from).
    public func hiddenState(at t: Int) -> [Double] { hidden.matrix(rows: t + 1 ..< t + 2, columns: hiddenSize).storage }
    public func preActivation(at t: Int) -> [Double] { preActivations.matrix(rows: t ..< t + 1, columns: hiddenSize).storage }
    public func logits(at t: Int) -> [Double] { output.logits(at: t) }
    public func probabilities(at t: Int) -> [Double] { output.probabilities(at: t) }
    public func loss(at t: Int) -> Double { output.loss(at: t) }
    public var recordedNames: [String] { ["a"] }
    public func recorded(_ name: String, at t: Int) -> [Double]? { name == "a" ? preActivation(at: t) : nil }
}
