import Foundation
import Testing
@testable import RNNCore

@Suite struct SaliencyTests {
    static let v = 5, h = 3
    static let text = [1, 4, 0, 2, 2, 3, 1, 0, 4, 3]

    /// log p_t[y_t] after reading text[0 … t] from the zero state one character at a time, with
    /// e_s (row x_s of every first-layer input matrix) moved by `delta` in column j at step s
    /// only: the other steps read the unchanged rows. The model steps through `TextModel.advance`
    /// (the sampler's path), not the windows whose backward pass is checked.
    static func logProbability(_ model: AnalysedModel, _ parameters: Parameters, text: [Int], step s: Int, column j: Int,
                               delta: Double) -> Double {
        var moved = parameters
        let gate = j / h, unit = j % h
        let base = model.cell == .rnn ? "W_xh" : "W_x" + model.cell.gateNames[gate]
        let entry = moved.layout.entry(named: ParameterLayout.name(base, layer: 0, of: model.layers))!
        moved.values[entry.range.lowerBound + text[s] * h + unit] += delta
        func textModel(_ p: Parameters) -> any TextModel {
            model.onNetwork
                ? NetworkTextModel(kind: model.cell, vocabularySize: v, hiddenSize: h, layers: model.layers, precision: model.precision,
                                   parameters: p, chunk: 4, pool: ThreadPool(threads: 1))
                : CellTextModel(cell: makeCell(model.cell, vocabularySize: v, hiddenSize: h, capacity: 1), parameters: p)
        }
        let plain = textModel(parameters), changed = textModel(moved)
        var state = [Double](repeating: 0, count: plain.stateSize), logits = [Double](repeating: 0, count: v)
        let t = text.count - 2
        for step in 0 ... t {
            (step == s ? changed : plain).advance(input: text[step], state: &state, logits: &logits)
        }
        let largest = logits.max()!
        let logSumExp = largest + log(logits.reduce(0) { $0 + exp($1 - largest) })
        return logits[text[t + 1]] - logSumExp
    }

    /// Every entry of ∂ log p_t[y_t] / ∂e_s for every s, from the backward pass of the one loss
    /// term, against central differences of the forward pass, grad-check style: the differences
    /// at δ and 2δ combined by Richardson extrapolation, (4·D(δ) − D(2δ)) / 3, whose truncation
    /// error is O(δ⁴); with δ = 1e-4 in float64 the numeric value is good to about 1e-11, so a
    /// relative error below 1e-6 measures the backward pass.
    @Test(arguments: AnalysedModel.all.filter { $0.precision == .float64 })
    func backpropagationAgreesWithCentralDifferences(model: AnalysedModel) {
        let parameters = randomParameters(cell: model.cell, vocabularySize: Self.v, hiddenSize: Self.h, layers: model.layers,
                                          sigma: 0.8, seed: 11)
        let reader = model.reader(parameters, vocabularySize: Self.v, hiddenSize: Self.h, chunk: 4)
        let result = reader.saliency(of: Self.text)
        let t = Self.text.count - 2
        #expect(result.gradients.count == t + 1)
        #expect(abs(result.logProbability - Self.logProbability(model, parameters, text: Self.text, step: 0, column: 0, delta: 0)) < 1e-12)
        var worst = 0.0
        let delta = 1e-4
        func difference(_ s: Int, _ j: Int, _ d: Double) -> Double {
            (Self.logProbability(model, parameters, text: Self.text, step: s, column: j, delta: d)
                - Self.logProbability(model, parameters, text: Self.text, step: s, column: j, delta: -d)) / (2 * d)
        }
        for s in 0 ... t {
            #expect(result.gradients[s].count == model.cell.gateCount * Self.h)
            var numeric: [Double] = []
            for j in 0 ..< model.cell.gateCount * Self.h {
                numeric.append((4 * difference(s, j, delta) - difference(s, j, 2 * delta)) / 3)
            }
            for (a, n) in zip(result.gradients[s], numeric) { worst = max(worst, relativeError(a, n)) }
            let numericNorm = numeric.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(relativeError(result.norms[s], numericNorm) < 1e-6)
        }
        #expect(worst < 1e-6, "worst relative error \(worst)")
    }

    /// The network in float32 computes the same saliency as in float64, to float32's precision.
    @Test(arguments: CellKind.allCases)
    func float32AgreesWithFloat64(cell: CellKind) {
        let parameters = randomParameters(cell: cell, vocabularySize: Self.v, hiddenSize: Self.h, layers: 2, sigma: 0.8, seed: 12)
        let single = AnalysedModel(cell: cell, layers: 2, precision: .float32, onNetwork: true)
            .reader(parameters, vocabularySize: Self.v, hiddenSize: Self.h, chunk: 4).saliency(of: Self.text)
        let double = AnalysedModel(cell: cell, layers: 2, precision: .float64, onNetwork: true)
            .reader(parameters, vocabularySize: Self.v, hiddenSize: Self.h, chunk: 4).saliency(of: Self.text)
        let largest = double.norms.max()!
        #expect(maxAbsoluteDifference(single.norms, double.norms) < 1e-4 * largest)
    }

    /// The teaching cell and the network (float64, one layer) agree.
    @Test(arguments: CellKind.allCases)
    func theTwoEnginesAgree(cell: CellKind) {
        let parameters = randomParameters(cell: cell, vocabularySize: Self.v, hiddenSize: Self.h, sigma: 0.8, seed: 13)
        let onCell = AnalysedModel(cell: cell, layers: 1, precision: .float64, onNetwork: false)
            .reader(parameters, vocabularySize: Self.v, hiddenSize: Self.h, chunk: 4).saliency(of: Self.text)
        let onNetwork = AnalysedModel(cell: cell, layers: 1, precision: .float64, onNetwork: true)
            .reader(parameters, vocabularySize: Self.v, hiddenSize: Self.h, chunk: 4).saliency(of: Self.text)
        #expect(maxAbsoluteDifference(onCell.gradients.flatMap { $0 }, onNetwork.gradients.flatMap { $0 }) < 1e-12)
    }

    /// Saliency reaches back across a bracket: in the planted bracket model (gates not saturated,
    /// gain 3) with every other unit silenced, the prediction of ')' depends on the '(' five
    /// characters back far more than on the characters before it, which the forget gate at '('
    /// (σ(−3) ≈ 0.05) shuts out.
    @Test func saliencyReachesBackToTheBracket() {
        var (parameters, vocabulary, k) = plantedBracketModel(.lstm, gain: 3)
        let why = parameters.layout.entry(named: "W_hy")!
        for entry in parameters.layout.entries where entry.name != "W_hy" && entry.name != "b_y" {
            for row in 0 ..< entry.rows {
                for column in 0 ..< entry.columns where column != k { parameters.values[entry.range.lowerBound + row * entry.columns + column] = 0 }
            }
        }
        for row in 0 ..< 4 where row != k {
            for column in 0 ..< why.columns { parameters.values[why.range.lowerBound + row * why.columns + column] = 0 }
        }
        parameters.values[why.range.lowerBound + k * why.columns + vocabulary.index(of: ")")!] = 3
        let text = Array("ab(abab)".unicodeScalars).map { vocabulary.index(of: $0)! }
        let reader = StateReader(kind: .lstm, vocabularySize: 4, hiddenSize: 4, layers: 1, precision: .float64,
                                 parameters: parameters, pool: nil)
        let norms = reader.saliency(of: text).norms
        #expect(norms[2] > 10 * max(norms[0], norms[1]), "\(norms)")
    }
}

@Suite struct PrincipalComponentTests {
    /// An independent PCA: the covariance by its definition, its leading eigenvectors by power
    /// iteration with deflation (C ← C − λ·v·vᵀ), the same sign convention.
    static func reference(_ points: [[Double]], count: Int) -> (variances: [Double], components: [[Double]], total: Double) {
        let n = Double(points.count), d = points[0].count
        let mean = (0 ..< d).map { j in points.map { $0[j] }.reduce(0, +) / n }
        var c = (0 ..< d).map { i in (0 ..< d).map { j in points.map { ($0[i] - mean[i]) * ($0[j] - mean[j]) }.reduce(0, +) / n } }
        let total = (0 ..< d).map { c[$0][$0] }.reduce(0, +)
        var variances: [Double] = [], components: [[Double]] = []
        for m in 0 ..< count {
            var v = (0 ..< d).map { Double($0 + m + 1) }
            var lambda = 0.0
            for _ in 0 ..< 5000 {
                var w = (0 ..< d).map { i in (0 ..< d).map { c[i][$0] * v[$0] }.reduce(0, +) }
                let length = w.map { $0 * $0 }.reduce(0, +).squareRoot()
                w = w.map { $0 / length }
                lambda = length
                v = w
            }
            let largest = v.indices.max { abs(v[$0]) < abs(v[$1]) }!
            if v[largest] < 0 { v = v.map { -$0 } }
            variances.append(lambda)
            components.append(v)
            for i in 0 ..< d { for j in 0 ..< d { c[i][j] -= lambda * v[i] * v[j] } }
        }
        return (variances, components, total)
    }

    static let points: [[Double]] = {
        var generator = SeededGenerator(seed: 5)
        // Spread mostly along (1, 2, 0, 1), then (0, 1, −1, 0), with a little noise.
        return (0 ..< 40).map { _ in
            let a = 3 * generator.nextGaussian(), b = generator.nextGaussian()
            return [a + 0.1 * generator.nextGaussian() + 1, 2 * a + b, -b + 0.1 * generator.nextGaussian(), a + 0.05 * generator.nextGaussian()]
        }
    }()

    @Test func componentsAgreeWithAnIndependentComputation() {
        let pca = principalComponents(of: Matrix(Self.points), count: 2)!
        let expected = Self.reference(Self.points, count: 2)
        #expect(abs(pca.totalVariance - expected.total) < 1e-10 * expected.total)
        for m in 0 ..< 2 {
            #expect(abs(pca.variances[m] - expected.variances[m]) < 1e-9 * expected.variances[0])
            #expect(maxAbsoluteDifference(pca.components[m], expected.components[m]) < 1e-8)
        }
        // y_t = (x_t − μ)·v_k.
        for (t, point) in Self.points.enumerated() {
            for m in 0 ..< 2 {
                let y = (0 ..< 4).map { (point[$0] - pca.mean[$0]) * expected.components[m][$0] }.reduce(0, +)
                #expect(abs(pca.projections[t][m] - y) < 1e-8)
            }
        }
        #expect(pca.explainedShares[0] > 0.9 && pca.explainedShares[0] + pca.explainedShares[1] <= 1 + 1e-12)
    }

    /// Fewer points than dimensions: the Gram matrix's eigenvectors give the same components.
    @Test func fewerPointsThanDimensionsUseTheGramMatrix() {
        let points = Array(Self.points.prefix(3)).map { $0 + $0.map { 0.5 * $0 } }   // 3 points in 8 dimensions
        let pca = principalComponents(of: Matrix(points), count: 2)!
        let expected = Self.reference(points, count: 2)
        for m in 0 ..< 2 {
            #expect(abs(pca.variances[m] - expected.variances[m]) < 1e-9 * expected.variances[0])
            #expect(maxAbsoluteDifference(pca.components[m], expected.components[m]) < 1e-7)
        }
    }

    @Test func jacobiFindsKnownEigenvalues() {
        let (values, vectors) = symmetricEigen(Matrix([[2, 1, 0], [1, 2, 0], [0, 0, 5]]))!
        #expect(maxAbsoluteDifference(values, [5, 3, 1]) < 1e-14)
        #expect(abs(abs(vectors[0, 1]) - 0.5.squareRoot()) < 1e-14 && abs(abs(vectors[2, 0]) - 1) < 1e-14)
        #expect(symmetricEigen(Matrix([[1, 2], [2, 1]]), shouldStop: { true }) == nil)
    }
}
