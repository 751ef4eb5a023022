import Foundation
import Testing
@testable import RNNCore

/// A model to analyse: its cell, shape and engine (nil layers/precision: the teaching cell).
struct AnalysedModel: CustomTestStringConvertible, Sendable {
    let cell: CellKind
    let layers: Int
    let precision: Precision
    let onNetwork: Bool
    var testDescription: String { "\(cell) layers=\(layers) \(precision) " + (onNetwork ? "network" : "cell") }

    static let all: [AnalysedModel] = CellKind.allCases.flatMap { cell in
        [AnalysedModel(cell: cell, layers: 1, precision: .float64, onNetwork: false),
         AnalysedModel(cell: cell, layers: 1, precision: .float64, onNetwork: true),
         AnalysedModel(cell: cell, layers: 2, precision: .float64, onNetwork: true),
         AnalysedModel(cell: cell, layers: 2, precision: .float32, onNetwork: true)]
    }

    func reader(_ parameters: Parameters, vocabularySize: Int, hiddenSize: Int, chunk: Int) -> StateReader {
        StateReader(kind: cell, vocabularySize: vocabularySize, hiddenSize: hiddenSize, layers: layers, precision: precision,
                    parameters: parameters, pool: onNetwork ? ThreadPool(threads: 2) : nil, chunk: chunk)
    }
}

@Suite struct StateReaderTests {
    static let v = 5, h = 4
    /// 23 characters: read in windows of 7, so the state crosses three window boundaries.
    static let text = [0, 1, 2, 3, 4, 0, 0, 2, 1, 3, 3, 4, 1, 0, 2, 2, 4, 3, 1, 0, 4, 2, 1]

    /// `highlight`'s values are `forward`'s: the reader's windows of 7 give the same h, c and gates
    /// as one forward pass over the whole text (of the same engine) from the zero state.
    @Test(arguments: AnalysedModel.all)
    func theReaderSeesWhatOneForwardPassComputes(model: AnalysedModel) {
        let parameters = randomParameters(cell: model.cell, vocabularySize: Self.v, hiddenSize: Self.h, layers: model.layers,
                                          sigma: 0.5, seed: 3)
        let reader = model.reader(parameters, vocabularySize: Self.v, hiddenSize: Self.h, chunk: 7)
        let n = Self.text.count
        let inputs = Self.text.map(Int32.init), targets = (Self.text.dropFirst() + [0]).map(Int32.init)
        let stateSize = model.cell == .lstm ? 2 * Self.h : Self.h
        let zero = [Double](repeating: 0, count: model.layers * stateSize)
        // The reference: every step in one window.
        var records: [any WindowRecord] = []
        if model.onNetwork {
            let network = makeNetwork(model.precision, kind: model.cell, vocabularySize: Self.v, hiddenSize: Self.h, layers: model.layers,
                                      batch: 1, capacity: n, dropout: false, pool: ThreadPool(threads: 1))
            parameters.values.withUnsafeBufferPointer { network.load($0.baseAddress!) }
            var generator = SeededGenerator(seed: 0)
            network.forward(inputs: inputs, targets: targets, steps: n, initialState: zero, dropout: 0, generator: &generator)
            records = (0 ..< model.layers).map { NetworkWindow(network, layer: $0) }
        } else {
            let cell = makeCell(model.cell, vocabularySize: Self.v, hiddenSize: Self.h, capacity: n)
            parameters.values.withUnsafeBufferPointer { _ = cell.forward($0.baseAddress!, inputs: inputs, targets: targets, steps: n, initialState: zero) }
            records = [cell]
        }
        var quantities: [StateQuantity] = [.hidden]
        if model.cell == .lstm { quantities.append(.cell) }
        if model.cell != .rnn { quantities += (0 ..< model.cell.gateCount).map { .gate($0) } }
        var worst = 0.0, visited = 0
        let complete = reader.read(Self.text) { i, step in
            visited += 1
            for l in 0 ..< model.layers {
                for quantity in quantities {
                    let expected: [Double]
                    switch quantity {
                    case .hidden: expected = records[l].hiddenState(at: i)
                    case .cell: expected = records[l].recorded("cs", at: i)!
                    case .gate(let k): expected = records[l].recorded(model.cell.gateNames[k], at: i)!
                    }
                    worst = max(worst, maxAbsoluteDifference(step.values(quantity, layer: l), expected))
                }
            }
            worst = max(worst, maxAbsoluteDifference(step.probabilities, records[0].probabilities(at: i)))
        }
        #expect(complete && visited == n)
        // Every number is computed by the same code in the same order: equal to the last bit.
        #expect(worst == 0, "largest difference \(worst)")
        // One unit's series is the same numbers.
        let probe = UnitProbe(layer: model.layers - 1, quantity: model.cell == .lstm ? .cell : .hidden, unit: 2)
        let series = reader.series(of: probe, text: Self.text)!
        let expected = (0 ..< n).map { t in
            probe.quantity == .cell ? records[probe.layer].recorded("cs", at: t)![2] : records[probe.layer].hiddenState(at: t)[2]
        }
        #expect(series == expected)
    }

    /// p(x_i | x_0 … x_{i−1}) multiply out to what `score` computes for the same text.
    @Test(arguments: AnalysedModel.all)
    func characterProbabilitiesAgreeWithScore(model: AnalysedModel) {
        let parameters = randomParameters(cell: model.cell, vocabularySize: Self.v, hiddenSize: Self.h, layers: model.layers,
                                          sigma: 0.5, seed: 4)
        let reader = model.reader(parameters, vocabularySize: Self.v, hiddenSize: Self.h, chunk: 6)
        let p = reader.characterProbabilities(Self.text)!
        #expect(p.count == Self.text.count - 1)
        let textModel: any TextModel = model.onNetwork
            ? NetworkTextModel(kind: model.cell, vocabularySize: Self.v, hiddenSize: Self.h, layers: model.layers, precision: model.precision,
                               parameters: parameters, chunk: 5, pool: ThreadPool(threads: 1))
            : CellTextModel(cell: makeCell(model.cell, vocabularySize: Self.v, hiddenSize: Self.h, capacity: 1), parameters: parameters)
        let scored = score(textModel, text: Self.text, shouldStop: { false })!
        let tolerance = model.precision == .float32 ? 1e-4 : 1e-12
        let total: Double = p.map { -log($0) }.reduce(0, +)
        #expect(abs(total - scored.loss) < tolerance * scored.loss)
    }

    @Test func stoppingIsAskedEveryThousandCharacters() {
        let parameters = randomParameters(cell: .lstm, vocabularySize: Self.v, hiddenSize: Self.h, sigma: 0.5, seed: 5)
        let reader = StateReader(kind: .lstm, vocabularySize: Self.v, hiddenSize: Self.h, layers: 1, precision: .float64,
                                 parameters: parameters, pool: nil, chunk: 256)
        let long = (0 ..< 5000).map { $0 % Self.v }
        var asked = 0, visited = 0
        let complete = reader.read(long, shouldStop: { asked += 1; return asked == 2 }) { _, _ in visited += 1 }
        #expect(!complete)
        #expect(asked == 2)
        #expect(visited > 1000 && visited < 3000)
        #expect(reader.correlations(long, with: long.map(Double.init), shouldStop: { true }) == nil)
    }
}

@Suite struct CorrelationTests {
    @Test func welfordsOnePassAgreesWithTheTwoPassFormula() {
        let parameters = randomParameters(cell: .gru, vocabularySize: 5, hiddenSize: 4, layers: 2, sigma: 0.7, seed: 9)
        let reader = StateReader(kind: .gru, vocabularySize: 5, hiddenSize: 4, layers: 2, precision: .float64,
                                 parameters: parameters, pool: ThreadPool(threads: 1), chunk: 5)
        let text = StateReaderTests.text
        let target = text.map { $0 == 2 || $0 == 3 ? 1.0 : 0.0 }
        let correlations = reader.correlations(text, with: target)!
        #expect(correlations.count == 2 * 4)
        for item in correlations {
            let series = reader.series(of: item.probe, text: text)!
            #expect(abs(item.r! - pearsonCorrelation(series, target)!) < 1e-12)
        }
    }

    @Test func pearsonOfKnownSeries() {
        #expect(pearsonCorrelation([1, 2, 3], [2, 4, 6]) == 1)
        #expect(abs(pearsonCorrelation([1, 2, 3, 4], [4, 3, 2, 1])! + 1) < 1e-15)
        #expect(pearsonCorrelation([1, 1, 1], [1, 2, 3]) == nil)
        // x = (1, 2, 3, 4), y = (1, 0, 1, 0): Σdxdy = −1, Σdx² = 5, Σdy² = 1, r = −1/√5.
        #expect(abs(pearsonCorrelation([1, 2, 3, 4], [1, 0, 1, 0])! + 1 / 5.0.squareRoot()) < 1e-15)
    }

    @Test func linePositionsCountFromEachLineBreak() {
        #expect(linePositions(Array("ab\ncde\n\nf".unicodeScalars)) == [0, 1, 2, 0, 1, 2, 3, 0, 0])
    }

    /// A unit whose weights copy an "inside brackets" flag: every cell can hold one, and the
    /// search finds it first.
    @Test(arguments: CellKind.allCases)
    func aPlantedBracketUnitIsFoundFirst(cell: CellKind) {
        let (parameters, vocabulary, k) = plantedBracketModel(cell)
        let text = Array("ab(aab)ba(bab)a(bbba)aab(ab)ba(aaba)bba(b)aab(abba)bb(a)ab".unicodeScalars).map { vocabulary.index(of: $0)! }
        // 1 once '(' is read, 0 once ')' is: what the state after each character can know.
        var inside = 0.0
        let signal = text.map { index -> Double in
            if vocabulary[index] == "(" { inside = 1 }
            if vocabulary[index] == ")" { inside = 0 }
            return inside
        }
        let reader = StateReader(kind: cell, vocabularySize: vocabulary.count, hiddenSize: 4, layers: 1, precision: .float64,
                                 parameters: parameters, pool: nil, chunk: 8)
        let ranked = reader.correlations(text, with: signal)!.filter { $0.r != nil }.sorted { abs($0.r!) > abs($1.r!) }
        #expect(ranked[0].probe.unit == k, "found \(ranked[0].probe) first: \(ranked.prefix(4))")
        #expect(ranked[0].r! > 0.9)
        #expect(ranked.filter { $0.probe.unit != k }.allSatisfy { abs($0.r!) < abs(ranked[0].r!) })
    }
}

/// A model whose unit k (of 4) is +1 after '(' until ')' and −1 after ')' (the other units small
/// and random): the rnn by a self-exciting h_k (bistable), the LSTM by an input gate open only at
/// brackets and a forget gate shut only there, the GRU by an update gate that replaces h_k only at
/// brackets. Vocabulary: ( ) a b. `gain` scales the planted weights: 10 makes the gates
/// switch cleanly (σ(±10)), smaller keeps gradients through them measurable.
func plantedBracketModel(_ cell: CellKind, gain: Double = 10) -> (Parameters, Vocabulary, Int) {
    let vocabulary = Vocabulary(text: "()ab")
    let open = vocabulary.index(of: "(")!, close = vocabulary.index(of: ")")!
    let k = 2, h = 4
    var parameters = randomParameters(cell: cell, vocabularySize: vocabulary.count, hiddenSize: h, sigma: 0.05,
                                      recurrentScale: 0.05, biasSigma: 0.05, seed: 21)
    func set(_ name: String, _ row: Int, _ value: Double) {
        let entry = parameters.layout.entry(named: name)!
        parameters.values[entry.range.lowerBound + row * entry.columns + k] = value * gain / 10
    }
    func clearColumn(_ name: String) {
        let entry = parameters.layout.entry(named: name)!
        for row in 0 ..< entry.rows { parameters.values[entry.range.lowerBound + row * entry.columns + k] = 0 }
    }
    switch cell {
    case .rnn:
        for name in ["W_xh", "W_hh", "b_h"] { clearColumn(name) }
        set("W_hh", k, 3)             // h_k keeps its sign: tanh(3·h_k) stays near ±1
        set("W_xh", open, 8)
        set("W_xh", close, -8)
    case .lstm:
        for name in ["W_xi", "W_xf", "W_xg", "W_xo", "W_hi", "W_hf", "W_hg", "W_ho", "b_i", "b_f", "b_g", "b_o"] { clearColumn(name) }
        set("b_i", 0, -10)            // i ≈ 0, f ≈ 1: c_k is kept …
        set("b_f", 0, 10)
        for bracket in [open, close] {
            set("W_xi", bracket, 20)  // … except at a bracket: i ≈ 1, f ≈ 0, c_k = g
            set("W_xf", bracket, -20)
        }
        set("W_xg", open, 10)
        set("W_xg", close, -10)
        set("b_o", 0, 10)
    case .gru:
        for name in ["W_xr", "W_xu", "W_xn", "W_hr", "W_hu", "W_hn", "b_r", "b_u", "b_n", "b_hn"] { clearColumn(name) }
        set("b_u", 0, 10)             // u ≈ 1: h_k is kept, except at a bracket where u ≈ 0, h_k = n
        set("W_xu", open, -20)
        set("W_xu", close, -20)
        set("W_xn", open, 10)
        set("W_xn", close, -10)
    }
    return (parameters, vocabulary, k)
}
