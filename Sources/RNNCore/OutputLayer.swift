/// What every cell does the same way around its recurrence: it keeps the window's characters,
/// and ends each step with the output layer
///
///     z_t = h_t·W_hy + b_y   (1×V),   p_t = softmax(z_t),   loss_t = −log p_t[y_t]
///
/// whose backward pass is dy_t = p_t − onehot(y_t), dW_hy += h_tᵀ·dy_t, db_y += dy_t, and the
/// output's share of ∂L/∂h_t, dy_t·W_hyᵀ. None of it depends on the recurrence, so it runs for
/// all T steps at once (W_hy is read once per window), each sum in the order a step-by-step
/// loop would use.
final class OutputLayer {
    let vocabularySize: Int
    let hiddenSize: Int
    /// Offsets of W_hy and b_y in the flat parameter (and gradient) buffer.
    let why: Int, by: Int

    let inputs: IndexBuffer          // (T)     x_t as vocabulary indices
    let targets: IndexBuffer         // (T)     y_t = x_{t+1}
    let logits: DoubleBuffer         // (T, V)  z_t
    let probabilities: DoubleBuffer  // (T, V)  p_t
    let losses: DoubleBuffer         // (T)     −log p_t[y_t]
    let dys: DoubleBuffer            // (T, V)  dy_t = ∂L/∂z_t
    let dhOutput: DoubleBuffer       // (T, H)  dy_t·W_hyᵀ, the part of ∂L/∂h_t from the output

    init(layout: ParameterLayout, vocabularySize v: Int, hiddenSize h: Int, capacity: Int) {
        vocabularySize = v
        hiddenSize = h
        why = layout.offsets(["W_hy"])[0]
        by = layout.offsets(["b_y"])[0]
        inputs = IndexBuffer(capacity)
        targets = IndexBuffer(capacity)
        logits = DoubleBuffer(capacity * v)
        probabilities = DoubleBuffer(capacity * v)
        losses = DoubleBuffer(capacity)
        dys = DoubleBuffer(capacity * v)
        dhOutput = DoubleBuffer(capacity * h)
    }

    /// Keeps x_t and y_t for t = 0…T−1.
    func record(inputs xs: UnsafePointer<Int32>, targets ys: UnsafePointer<Int32>, steps count: Int) {
        inputs.pointer.update(from: xs, count: count)
        targets.pointer.update(from: ys, count: count)
    }

    /// z_t, p_t and loss_t for t = 0…T−1 from h_0…h_{T−1} (rows of `hidden`, H apart);
    /// returns L = Σ_t loss_t.
    func forward(_ p: UnsafePointer<Double>, hidden: UnsafePointer<Double>, steps count: Int) -> Double {
        let n = hiddenSize, v = vocabularySize
        for t in 0 ..< count { (logits.pointer + t * v).update(from: p + by, count: v) }
        addRowsTimesMatrix(hidden, n, p + why, v, into: logits.pointer, rows: count)    // z_t = h_t·W_hy + b_y
        var total = 0.0
        for t in 0 ..< count {
            let z = logits.pointer + t * v
            let logSumExp = softmax(z, v, into: probabilities.pointer + t * v)              // p_t = softmax(z_t)
            let loss = logSumExp - z[Int(targets.pointer[t])]                               // −log p_t[y_t]
            losses.pointer[t] = loss
            total += loss
        }
        return total
    }

    /// The output layer's backward pass over the last `forward`: dy_t for the chosen losses,
    /// dW_hy and db_y into `gradients`, and dy_t·W_hyᵀ for each t (`dhOutput`).
    func backward(_ p: UnsafePointer<Double>, hidden: UnsafePointer<Double>, gradients g: UnsafeMutablePointer<Double>,
                  steps count: Int, losses selection: LossSelection) {
        let n = hiddenSize, v = vocabularySize, dys = dys.pointer
        for t in 0 ..< count {
            let dy = dys + t * v
            if selection == .all || t == count - 1 {
                dy.update(from: probabilities.pointer + t * v, count: v)
                dy[Int(targets.pointer[t])] -= 1                                            // dy_t = p_t − onehot(y_t)
            } else {
                dy.update(repeating: 0, count: v)                                           // this loss_t is left out
            }
        }
        addOuterProductsDescending(hidden, n, dys, v, into: g + why, rows: count)           // dW_hy += h_tᵀ·dy_t
        for t in stride(from: count - 1, through: 0, by: -1) { axpy(v, 1, dys + t * v, g + by) }  // db_y += dy_t
        for t in 0 ..< count {
            vectorTimesTransposed(dys + t * v, v, p + why, n, into: dhOutput.pointer + t * n)  // dy_t·W_hyᵀ
        }
    }

    /// z = h·W_hy + b_y for one state (sampling and scoring).
    func logits(_ p: UnsafePointer<Double>, hidden h: UnsafePointer<Double>, into z: UnsafeMutablePointer<Double>) {
        let v = vocabularySize
        for j in 0 ..< v { z[j] = p[by + j] }
        addVectorTimesMatrix(h, hiddenSize, p + why, v, into: z)
    }

    /// dy_t (after `backward`) and dy_t·W_hyᵀ.
    func dy(at t: Int) -> UnsafeMutablePointer<Double> { dys.pointer + t * vocabularySize }
    func hiddenShare(at t: Int) -> UnsafeMutablePointer<Double> { dhOutput.pointer + t * hiddenSize }

    // Reading the record.
    func input(at t: Int) -> Int { Int(inputs.pointer[t]) }
    func target(at t: Int) -> Int { Int(targets.pointer[t]) }
    func logits(at t: Int) -> [Double] { logits.matrix(rows: t ..< t + 1, columns: vocabularySize).storage }
    func probabilities(at t: Int) -> [Double] { probabilities.matrix(rows: t ..< t + 1, columns: vocabularySize).storage }
    func loss(at t: Int) -> Double { losses.pointer[t] }
}
