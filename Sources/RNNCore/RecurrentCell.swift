/// What commands read of the last window: a teaching cell's record, or the batched network's
/// first stream (`NetworkWindow`).
public protocol WindowRecord: AnyObject {
    /// T of the last `forward`.
    var steps: Int { get }
    /// x_t and y_t as vocabulary indices.
    func input(at t: Int) -> Int
    func target(at t: Int) -> Int
    /// h_t (1×H); t = −1 gives the state the window started from.
    func hiddenState(at t: Int) -> [Double]
    /// z_t and p_t (1×V).
    func logits(at t: Int) -> [Double]
    func probabilities(at t: Int) -> [Double]
    /// −log p_t[y_t].
    func loss(at t: Int) -> Double
    /// Per-step vectors particular to this cell, by name (the vanilla RNN has "a", gated cells
    /// their gates).
    var recordedNames: [String] { get }
    func recorded(_ name: String, at t: Int) -> [Double]?
    /// ‖∂L/∂h_t‖ for t = 0…T−1, from the last `backward`.
    var hiddenGradientNorms: [Double] { get }
}

/// What the trainer, sampler, scorer and gradient check need from a kind of recurrent cell.
///
/// A cell object owns its forward record and backward scratch, sized once for windows of up to
/// `capacity` steps, so a training step allocates nothing. Parameters and gradients are flat
/// buffers laid out by `ParameterLayout.forCell`.
public protocol RecurrentCell: WindowRecord {
    var kind: CellKind { get }
    var vocabularySize: Int { get }
    var hiddenSize: Int { get }
    /// Length of the state carried between windows (H; 2H for the LSTM's h and c).
    var stateSize: Int { get }
    /// The longest window `forward` accepts.
    var capacity: Int { get }

    /// Runs the window x_0…x_{T−1} from `initialState`, keeping every intermediate value, and
    /// returns the summed loss Σ_t −log p_t[target_t].
    func forward(_ parameters: UnsafePointer<Double>,
                 inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int,
                 initialState: UnsafePointer<Double>) -> Double

    /// The state after the last step of `forward` (to carry into the next window).
    func copyFinalState(into state: UnsafeMutablePointer<Double>)

    /// Backpropagation through time over the last `forward`: adds ∂L/∂θ into `gradients`
    /// (the caller zeroes them first) and records ‖∂L/∂h_t‖ for each t. A recorder, when given,
    /// receives every intermediate vector (for traces; nil costs nothing). `losses` picks which
    /// terms of L to differentiate: all of them (training) or only the last step's.
    func backward(_ parameters: UnsafePointer<Double>, gradients: UnsafeMutablePointer<Double>,
                  recorder: BackwardRecorder?, losses: LossSelection)

    /// One step outside training (sampling, scoring): updates `state` with input x and
    /// writes the logits (1×V) of the next-character distribution.
    func advance(_ parameters: UnsafePointer<Double>, input: Int,
                 state: UnsafeMutablePointer<Double>, logits: UnsafeMutablePointer<Double>)
}

/// Which per-step losses a backward pass differentiates.
public enum LossSelection: Sendable, Equatable {
    /// L = Σ_t loss_t, as in training.
    case all
    /// Only loss_{T−1}: then ‖∂L/∂h_t‖ shows how far back one prediction's gradient reaches.
    case last
}

extension RecurrentCell {
    public func backward(_ parameters: UnsafePointer<Double>, gradients: UnsafeMutablePointer<Double>,
                         recorder: BackwardRecorder? = nil) {
        backward(parameters, gradients: gradients, recorder: recorder, losses: .all)
    }
}

/// Collects the intermediate vectors of a backward pass by name and time step (`step trace`).
public final class BackwardRecorder {
    private var values: [String: [Int: [Double]]] = [:]

    public init() {}

    public func record(_ name: String, at t: Int, _ pointer: UnsafePointer<Double>, count: Int) {
        values[name, default: [:]][t] = Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// The vector recorded under `name` at step t, if any.
    public func value(_ name: String, at t: Int) -> [Double]? { values[name]?[t] }
}

/// A cell of the given kind with room for windows of `capacity` steps.
public func makeCell(_ kind: CellKind, vocabularySize: Int, hiddenSize: Int, capacity: Int) -> any RecurrentCell {
    switch kind {
    case .rnn: VanillaRNNCell(vocabularySize: vocabularySize, hiddenSize: hiddenSize, capacity: capacity)
    case .lstm: LSTMCell(vocabularySize: vocabularySize, hiddenSize: hiddenSize, capacity: capacity)
    case .gru: GRUCell(vocabularySize: vocabularySize, hiddenSize: hiddenSize, capacity: capacity)
    }
}

/// A gate's pre-activation a = x·W_x + b + h_{t−1}·W_h (1×H), with W_x (V×H), W_h (H×H) and
/// b (1×H) at the given offsets of θ: x is one-hot, so x·W_x is row x of W_x.
@inline(__always)
func gatePreActivation(_ p: UnsafePointer<Double>, inputWeights wx: Int, recurrentWeights wh: Int, bias: Int, size n: Int,
                       input x: Int, previous hPrevious: UnsafePointer<Double>, into a: UnsafeMutablePointer<Double>) {
    let row = p + wx + x * n, b = p + bias
    for j in 0 ..< n { a[j] = row[j] + b[j] }
    addVectorTimesMatrix(hPrevious, n, p + wh, n, into: a)
}

/// A buffer of doubles owned by a cell: allocated once, zero-filled, freed with the cell.
final class DoubleBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Double>

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    var array: [Double] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Rows `rows` of a matrix with `columns` columns stored here, as a Matrix.
    func matrix(rows: Range<Int>, columns: Int) -> Matrix {
        Matrix(rows: rows.count, columns: columns,
               storage: Array(UnsafeBufferPointer(start: pointer + rows.lowerBound * columns, count: rows.count * columns)))
    }
}

/// The same for vocabulary indices.
final class IndexBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Int32>

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}
