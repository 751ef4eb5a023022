import Foundation
import Testing
@testable import RNNCore

@Suite struct OptimizerTests {
    static let theta0 = [1.0, -2.0, 0.5]
    static let gradients = [[0.1, -0.2, 3.0], [0.4, 0.0, -1.0]]

    @Test func sgdSubtractsTheScaledGradient() {
        var state = OptimizerState(kind: .sgd, count: 3)
        var theta = Self.theta0
        state.apply(to: &theta, gradients: Self.gradients[0], learningRate: 0.1)
        #expect(theta == [1.0 - 0.1 * 0.1, -2.0 - 0.1 * -0.2, 0.5 - 0.1 * 3.0])
        #expect(state.memory.isEmpty)
    }

    @Test func adagradFollowsTheArticleFormula() {
        var state = OptimizerState(kind: .adagrad, count: 3)
        var theta = Self.theta0
        var memory = [0.0, 0.0, 0.0]
        var expected = Self.theta0
        for g in Self.gradients {
            state.apply(to: &theta, gradients: g, learningRate: 0.01)
            for i in 0 ..< 3 {
                memory[i] += g[i] * g[i]
                expected[i] -= 0.01 * g[i] / (memory[i] + 1e-8).squareRoot()
            }
        }
        #expect(theta == expected)
        #expect(state.memory == memory)
        // First step: every nonzero-gradient parameter moves by lr·sign(g) (up to the 1e-8).
        var fresh = OptimizerState(kind: .adagrad, count: 1)
        var one = [0.0]
        fresh.apply(to: &one, gradients: [123.0], learningRate: 0.5)
        #expect(abs(one[0] + 0.5) < 1e-12)
    }

    @Test func adamFollowsKingmaAndBa() {
        var state = OptimizerState(kind: .adam, count: 3)
        var theta = Self.theta0
        var m = [0.0, 0.0, 0.0], v = [0.0, 0.0, 0.0], expected = Self.theta0
        for (step, g) in Self.gradients.enumerated() {
            state.apply(to: &theta, gradients: g, learningRate: 0.001)
            let t = Double(step + 1)
            for i in 0 ..< 3 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mHat = m[i] / (1 - pow(0.9, t)), vHat = v[i] / (1 - pow(0.999, t))
                expected[i] -= 0.001 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        #expect(maxAbsoluteDifference(theta, expected) < 1e-15)
        #expect(state.updateCount == 2)
        #expect(maxAbsoluteDifference(state.memory, m) < 1e-15)
        #expect(maxAbsoluteDifference(state.secondMoment, v) < 1e-15)
    }

    @Test(arguments: [(0.9, 0), (0.9, 1), (0.9, 7), (0.999, 1000), (2.0, 10)])
    func powerMatchesPow(x: Double, n: Int) {
        #expect(relativeError(power(x, n), pow(x, Double(n))) < 1e-14)
    }
}

@Suite struct ClippingTests {
    @Test func elementwiseClipsEachEntry() {
        var g = [6.0, -7.5, 4.9, -5.0, 0.0]
        let report = clip(&g, mode: .value, limit: 5)
        #expect(g == [5.0, -5.0, 4.9, -5.0, 0.0])
        #expect(report.clippedEntries == 2)
        #expect(abs(report.normBefore - (36 + 56.25 + 24.01 + 25).squareRoot()) < 1e-12)
    }

    @Test func globalNormKeepsTheDirection() {
        var g = [3.0, 4.0]
        let report = clip(&g, mode: .norm, limit: 1)
        #expect(maxAbsoluteDifference(g, [0.6, 0.8]) < 1e-15)
        #expect(report.normBefore == 5)
        var small = [0.3, 0.4]
        _ = clip(&small, mode: .norm, limit: 1)
        #expect(small == [0.3, 0.4])
    }

    @Test func offLeavesEverything() {
        var g = [300.0, -400.0]
        let report = clip(&g, mode: .off, limit: 5)
        #expect(g == [300.0, -400.0] && report.clippedEntries == 0 && report.normBefore == 500)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteGradientsAreReportedAndLeftAlone(bad: Double) {
        var g = [9.0, bad, -9.0]
        let report = clip(&g, mode: .value, limit: 5)
        #expect(report.firstNonFinite == 1)
        #expect(g[0] == 9.0 && g[2] == -9.0)
    }
}

@Suite struct InitializationTests {
    @Test func articleDefaults() {
        var generator = SeededGenerator(seed: 1)
        let layout = ParameterLayout.rnn(vocabularySize: 10, hiddenSize: 6)
        let p = Initialization().parameters(for: layout, generator: &generator)
        #expect(p.matrix(named: "W_hh") == Matrix.identity(6, scale: 0.01))
        #expect(p.matrix(named: "b_h")!.storage.allSatisfy { $0 == 0 })
        #expect(p.matrix(named: "b_y")!.storage.allSatisfy { $0 == 0 })
        let wxh = ValueStatistics(p.matrix(named: "W_xh")!.storage)
        #expect(wxh.standardDeviation > 0.005 && wxh.standardDeviation < 0.015)
        #expect(layout.names == ["W_xh", "W_hh", "W_hy", "b_h", "b_y"])
        #expect(layout.entries.map { [$0.rows, $0.columns] } == [[10, 6], [6, 6], [6, 10], [1, 6], [1, 10]])
        #expect(layout.count == 60 + 36 + 60 + 6 + 10)
    }

    @Test func sameSeedSameWeights() {
        let layout = ParameterLayout.rnn(vocabularySize: 8, hiddenSize: 5)
        var a = SeededGenerator(seed: 4), b = SeededGenerator(seed: 4), c = SeededGenerator(seed: 5)
        let init0 = Initialization(recurrent: .random)
        #expect(init0.parameters(for: layout, generator: &a) == init0.parameters(for: layout, generator: &b))
        var a2 = SeededGenerator(seed: 4)
        #expect(init0.parameters(for: layout, generator: &a2) != init0.parameters(for: layout, generator: &c))
    }

    @Test(arguments: [1, 2, 7, 40])
    func orthogonalMatricesAreOrthogonal(size: Int) {
        var generator = SeededGenerator(seed: UInt64(size))
        let q = orthogonalMatrix(size: size, scale: 1.5, generator: &generator)
        let product = q.multiplied(by: q.transposed)
        let expected = Matrix.identity(size, scale: 1.5 * 1.5)
        #expect(maxAbsoluteDifference(product.storage, expected.storage) < 1e-12)
    }

    @Test func locateFindsTheEntry() {
        let layout = ParameterLayout.rnn(vocabularySize: 3, hiddenSize: 2)
        let (entry, row, column) = layout.locate(6 + 3)!  // W_hh starts at 6; index 3 is (1, 1)
        #expect(entry.name == "W_hh" && row == 1 && column == 1)
        #expect(layout.locate(layout.count) == nil)
    }
}
