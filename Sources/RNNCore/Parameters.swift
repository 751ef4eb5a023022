/// The kind of recurrent cell a model uses.
public enum CellKind: String, CaseIterable, Sendable {
    /// h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b_h): the article's vanilla RNN.
    case rnn
    /// Long short-term memory: input, forget and output gates around a cell state c_t (`LSTMCell`).
    case lstm
    /// Gated recurrent unit: reset and update gates, no separate cell state (`GRUCell`).
    case gru
}

/// How W_hh (and each gate's recurrent matrix W_h·) starts; input and output weights are
/// always randn·σ, biases zero (except the LSTM's forget-gate bias).
public enum RecurrentInitializer: String, CaseIterable, Sendable {
    /// scale·I: the article's choice (scale 0.01); with scale 1 the state is copied forward unchanged.
    case identity
    /// randn·scale, like every other weight (min-char-rnn).
    case random
    /// scale·Q with Q orthogonal (Gram–Schmidt of a Gaussian matrix): all singular values equal scale.
    case orthogonal
}

/// Where each named matrix lives inside one flat parameter buffer.
///
/// All parameters of a model are one contiguous `[Double]` (as in llm.c): optimisers, clipping
/// and checkpoints treat it as a single vector, and kernels reach each matrix by its offset.
public struct ParameterLayout: Equatable, Sendable {
    /// What a matrix does, which decides how it is initialised and labelled.
    public enum Role: Equatable, Sendable {
        /// V×H, multiplied by the one-hot x_t: its rows are characters.
        case input
        /// H×H, multiplied by h_{t−1}.
        case recurrent
        /// H×H, multiplied by the layer below's output (layers 2 and up of a stacked model).
        case layerInput
        /// H×V, h_t to the logits: its columns are characters.
        case output
        /// 1×H or 1×V.
        case bias
    }

    public struct Entry: Equatable, Sendable {
        /// The name users type, e.g. `W_hh`.
        public let name: String
        public let rows: Int
        public let columns: Int
        /// Index of entry (0, 0) in the flat buffer.
        public let offset: Int
        public let role: Role
        public var count: Int { rows * columns }
        public var range: Range<Int> { offset ..< offset + count }
    }

    public let entries: [Entry]
    /// Total number of parameters.
    public let count: Int

    public init(_ shapes: [(name: String, rows: Int, columns: Int, role: Role)]) {
        var entries: [Entry] = []
        var offset = 0
        for shape in shapes {
            entries.append(Entry(name: shape.name, rows: shape.rows, columns: shape.columns, offset: offset, role: shape.role))
            offset += shape.rows * shape.columns
        }
        self.entries = entries
        count = offset
    }

    /// The vanilla RNN, in the row-vector convention:
    /// W_xh (V×H), W_hh (H×H), W_hy (H×V), b_h (1×H), b_y (1×V).
    public static func rnn(vocabularySize v: Int, hiddenSize h: Int) -> ParameterLayout {
        gated(["h"], vocabularySize: v, hiddenSize: h)
    }

    /// The LSTM's four gates i, f, g, o (PyTorch's order): W_xi W_xf W_xg W_xo (V×H each),
    /// W_hi W_hf W_hg W_ho (H×H), W_hy (H×V), b_i b_f b_g b_o (1×H), b_y (1×V).
    public static func lstm(vocabularySize v: Int, hiddenSize h: Int) -> ParameterLayout {
        gated(["i", "f", "g", "o"], vocabularySize: v, hiddenSize: h)
    }

    /// The GRU's reset r, update u and candidate n: W_xr W_xu W_xn (V×H), W_hr W_hu W_hn (H×H),
    /// W_hy (H×V), b_r b_u b_n b_hn (1×H), b_y (1×V). b_hn is the candidate's recurrent bias,
    /// which sits inside the reset gate's product (see `GRUCell`).
    public static func gru(vocabularySize v: Int, hiddenSize h: Int) -> ParameterLayout {
        gated(["r", "u", "n"], vocabularySize: v, hiddenSize: h, extraBiases: ["hn"])
    }

    /// Input weights, recurrent weights, the output layer's weights, biases, output bias: the
    /// vanilla RNN is the case of a single "gate" h.
    private static func gated(_ gates: [String], vocabularySize v: Int, hiddenSize h: Int,
                              extraBiases: [String] = []) -> ParameterLayout {
        var shapes: [(name: String, rows: Int, columns: Int, role: Role)] = []
        shapes += gates.map { ("W_x" + $0, v, h, .input) }
        shapes += gates.map { ("W_h" + $0, h, h, .recurrent) }
        shapes.append(("W_hy", h, v, .output))
        shapes += (gates + extraBiases).map { ("b_" + $0, 1, h, .bias) }
        shapes.append(("b_y", 1, v, .bias))
        return ParameterLayout(shapes)
    }

    /// A model of `layers` stacked layers. One layer is `forCell` exactly (names, order and so the
    /// initial weights); with more, every name of layer l (1 = the bottom) gets the suffix "@l"
    /// (W_xi@1 is V×H, W_xi@2 is H×H) and the order is: for each layer its W_x·, then its W_h·;
    /// W_hy; for each layer its biases; b_y.
    public static func forModel(_ cell: CellKind, vocabularySize v: Int, hiddenSize h: Int, layers: Int) -> ParameterLayout {
        guard layers > 1 else { return forCell(cell, vocabularySize: v, hiddenSize: h) }
        let gates = cell.gateNames, biases = gates + (cell == .gru ? ["hn"] : [])
        var shapes: [(name: String, rows: Int, columns: Int, role: Role)] = []
        for l in 0 ..< layers {
            shapes += gates.map { (name("W_x" + $0, layer: l, of: layers), l == 0 ? v : h, h, l == 0 ? .input : .layerInput) }
            shapes += gates.map { (name("W_h" + $0, layer: l, of: layers), h, h, .recurrent) }
        }
        shapes.append(("W_hy", h, v, .output))
        for l in 0 ..< layers { shapes += biases.map { (name("b_" + $0, layer: l, of: layers), 1, h, .bias) } }
        shapes.append(("b_y", 1, v, .bias))
        return ParameterLayout(shapes)
    }

    /// The name of parameter `base` of layer l (0-based) in a model of `layers` layers: the name
    /// itself with one layer, "W_hh@2" for the second of several.
    public static func name(_ base: String, layer l: Int, of layers: Int) -> String {
        layers == 1 ? base : base + "@\(l + 1)"
    }

    /// The layer (0-based) and the base name of a parameter's name: "W_hh@2" → (1, "W_hh").
    public static func split(_ name: String) -> (base: String, layer: Int) {
        guard let at = name.firstIndex(of: "@"), let layer = Int(name[name.index(after: at)...]), layer >= 1 else { return (name, 0) }
        return (String(name[..<at]), layer - 1)
    }

    public static func forCell(_ cell: CellKind, vocabularySize v: Int, hiddenSize h: Int) -> ParameterLayout {
        switch cell {
        case .rnn: rnn(vocabularySize: v, hiddenSize: h)
        case .lstm: lstm(vocabularySize: v, hiddenSize: h)
        case .gru: gru(vocabularySize: v, hiddenSize: h)
        }
    }

    /// Offsets of the named entries, in the order given (cells use this to find their matrices).
    func offsets(_ names: [String]) -> [Int] {
        names.map { name in
            guard let entry = entry(named: name) else { preconditionFailure("no parameter \(name) in this layout") }
            return entry.offset
        }
    }

    public var names: [String] { entries.map(\.name) }

    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The entry holding flat index `index`, and the (row, column) inside it.
    public func locate(_ index: Int) -> (entry: Entry, row: Int, column: Int)? {
        guard let entry = entries.first(where: { $0.range.contains(index) }) else { return nil }
        let local = index - entry.offset
        return (entry, local / entry.columns, local % entry.columns)
    }
}

/// Values for every entry of a layout, in one flat buffer. Used for the parameters themselves,
/// their gradients (dW_…) and optimiser memories (mW_…), which all share the layout.
public struct Parameters: Equatable, Sendable {
    public let layout: ParameterLayout
    public var values: [Double]

    /// All zeros.
    public init(layout: ParameterLayout) {
        self.layout = layout
        values = [Double](repeating: 0, count: layout.count)
    }

    public init(layout: ParameterLayout, values: [Double]) {
        precondition(values.count == layout.count, "\(values.count) values for a layout of \(layout.count)")
        self.layout = layout
        self.values = values
    }

    /// The named matrix as a copy, or nil for an unknown name.
    public func matrix(named name: String) -> Matrix? {
        guard let entry = layout.entry(named: name) else { return nil }
        return self[entry]
    }

    public subscript(entry: ParameterLayout.Entry) -> Matrix {
        get { Matrix(rows: entry.rows, columns: entry.columns, storage: Array(values[entry.range])) }
        set {
            precondition(newValue.rows == entry.rows && newValue.columns == entry.columns, "shape mismatch for \(entry.name)")
            values.replaceSubrange(entry.range, with: newValue.storage)
        }
    }

    /// Sets every value to zero without reallocating.
    public mutating func zero() {
        values.withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: 0)
        }
    }
}

/// How to draw the initial weights.
public struct Initialization: Equatable, Sendable {
    /// σ of the Gaussian weights W_xh and W_hy (the article: 0.01).
    public var weightScale: Double = 0.01
    public var recurrent: RecurrentInitializer = .identity
    /// Scale of W_hh (the article: identity·0.01).
    public var recurrentScale: Double = 0.01
    /// The LSTM's initial b_f. With 1, σ(b_f) ≈ 0.73: the cell state starts out mostly kept, so
    /// gradients reach further back from the first step (Gers et al. 2000; Jozefowicz et al.
    /// 2015). 0 is PyTorch's default. Other cells ignore it.
    public var forgetBias: Double = 1

    public init(weightScale: Double = 0.01, recurrent: RecurrentInitializer = .identity, recurrentScale: Double = 0.01,
                forgetBias: Double = 1) {
        self.weightScale = weightScale
        self.recurrent = recurrent
        self.recurrentScale = recurrentScale
        self.forgetBias = forgetBias
    }

    /// Fresh parameters for `layout`. Draws happen in layout order (W_xh, W_hh, W_hy for the
    /// vanilla RNN; every W_x·, then every W_h·, then W_hy for gated cells), each matrix row by
    /// row, so the same seed gives the same weights everywhere.
    public func parameters(for layout: ParameterLayout, generator: inout SeededGenerator) -> Parameters {
        parameters(for: layout, generator: &generator, shouldStop: { false })!
    }

    /// The same, asking `shouldStop` between rows of each matrix (a big orthogonal W_hh takes
    /// seconds); nil when it said stop.
    public func parameters(for layout: ParameterLayout, generator: inout SeededGenerator,
                           shouldStop: () -> Bool) -> Parameters? {
        var result = Parameters(layout: layout)
        for entry in layout.entries {
            switch entry.role {
            case .bias:
                if ParameterLayout.split(entry.name).base == "b_f" {  // only the LSTM has a forget gate
                    result[entry] = Matrix(rows: 1, columns: entry.columns, storage: Array(repeating: forgetBias, count: entry.columns))
                }
            case .recurrent:
                guard let matrix = recurrentMatrix(size: entry.rows, generator: &generator, shouldStop: shouldStop) else { return nil }
                result[entry] = matrix
            case .input, .layerInput, .output:
                guard let matrix = gaussianMatrix(rows: entry.rows, columns: entry.columns, scale: weightScale,
                                                  generator: &generator, shouldStop: shouldStop) else { return nil }
                result[entry] = matrix
            }
        }
        return result
    }

    /// How `entry` starts, in words (for `init`'s summary): "randn·0.01", "identity·0.01", "zeros".
    public func describe(_ entry: ParameterLayout.Entry, times: String = "·") -> String {
        func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        switch entry.role {
        case .bias: return ParameterLayout.split(entry.name).base == "b_f" && forgetBias != 0 ? "all " + number(forgetBias) : "zeros"
        case .input, .layerInput, .output: return "randn" + times + number(weightScale)
        case .recurrent:
            switch recurrent {
            case .identity: return "identity" + times + number(recurrentScale)
            case .random: return "randn" + times + number(recurrentScale)
            case .orthogonal: return "orthogonal" + times + number(recurrentScale)
            }
        }
    }

    private func recurrentMatrix(size: Int, generator: inout SeededGenerator, shouldStop: () -> Bool) -> Matrix? {
        switch recurrent {
        case .identity:
            Matrix.identity(size, scale: recurrentScale)
        case .random:
            gaussianMatrix(rows: size, columns: size, scale: recurrentScale, generator: &generator, shouldStop: shouldStop)
        case .orthogonal:
            orthogonalMatrix(size: size, scale: recurrentScale, generator: &generator, shouldStop: shouldStop)
        }
    }
}

/// randn·scale, row by row.
public func gaussianMatrix(rows: Int, columns: Int, scale: Double, generator: inout SeededGenerator) -> Matrix {
    gaussianMatrix(rows: rows, columns: columns, scale: scale, generator: &generator, shouldStop: { false })!
}

/// randn·scale, row by row, asking `shouldStop` before each row; nil when it said stop.
public func gaussianMatrix(rows: Int, columns: Int, scale: Double, generator: inout SeededGenerator,
                           shouldStop: () -> Bool) -> Matrix? {
    var matrix = Matrix(rows: rows, columns: columns)
    for row in 0 ..< rows {
        if shouldStop() { return nil }
        for i in row * columns ..< (row + 1) * columns { matrix.storage[i] = generator.nextGaussian() * scale }
    }
    return matrix
}

/// scale·Q, Q orthogonal: modified Gram–Schmidt on the rows of a Gaussian matrix, done twice
/// ("twice is enough") so the rows are orthonormal to rounding error. A row that collapses
/// (probability zero) is redrawn.
public func orthogonalMatrix(size n: Int, scale: Double, generator: inout SeededGenerator) -> Matrix {
    orthogonalMatrix(size: n, scale: scale, generator: &generator, shouldStop: { false })!
}

/// The same, asking `shouldStop` before each row (the work is O(n³): seconds for n in the
/// thousands); nil when it said stop. Each projection and norm is summed in index order.
public func orthogonalMatrix(size n: Int, scale: Double, generator: inout SeededGenerator,
                             shouldStop: () -> Bool) -> Matrix? {
    guard var q = gaussianMatrix(rows: n, columns: n, scale: 1, generator: &generator, shouldStop: shouldStop) else {
        return nil
    }
    var i = 0
    var stopped = false
    q.storage.withUnsafeMutableBufferPointer { buffer in
        let q = buffer.baseAddress!
        while i < n {
            if shouldStop() {
                stopped = true
                return
            }
            let row = q + i * n
            for _ in 0 ..< 2 {
                for j in 0 ..< i {
                    let other = q + j * n
                    var projection = 0.0
                    for k in 0 ..< n { projection += row[k] * other[k] }
                    for k in 0 ..< n { row[k] -= projection * other[k] }
                }
            }
            var norm = 0.0
            for k in 0 ..< n { norm += row[k] * row[k] }
            norm = norm.squareRoot()
            if norm < 1e-10 {
                for k in 0 ..< n { row[k] = generator.nextGaussian() }
                continue
            }
            for k in 0 ..< n { row[k] /= norm }
            i += 1
        }
    }
    if stopped { return nil }
    for k in 0 ..< q.count { q.storage[k] *= scale }
    return q
}
