import Foundation
import Testing
@testable import RNNCore

/// A forward pass small enough to do by hand: V = 3 ("abc"), H = 2, window "ab" → targets "bc".
@Suite struct HandWorkedForwardTests {
    static let layout = ParameterLayout.rnn(vocabularySize: 3, hiddenSize: 2)
    static let wxh = Matrix([[0.5, -0.3], [0.1, 0.2], [-0.4, 0.6]])
    static let whh = Matrix([[0.1, 0.2], [-0.2, 0.1]])
    static let why = Matrix([[0.3, -0.2, 0.1], [0.4, 0.5, -0.6]])
    static let bh = Matrix([[0.05, -0.05]])
    static let by = Matrix([[0.1, 0, -0.1]])

    static func parameters() -> Parameters {
        var p = Parameters(layout: layout)
        for (name, matrix) in [("W_xh", wxh), ("W_hh", whh), ("W_hy", why), ("b_h", bh), ("b_y", by)] {
            p[layout.entry(named: name)!] = matrix
        }
        return p
    }

    @Test func everyIntermediateMatchesTheHandCalculation() {
        let cell = VanillaRNNCell(vocabularySize: 3, hiddenSize: 2, capacity: 2)
        let p = Self.parameters()
        let xs: [Int32] = [0, 1], ys: [Int32] = [1, 2], h0 = [0.0, 0.0]
        let loss = p.values.withUnsafeBufferPointer { pp in
            cell.forward(pp.baseAddress!, inputs: xs, targets: ys, steps: 2, initialState: h0)
        }

        // t = 0, x = 'a' (index 0), h_{−1} = 0:
        // a_0 = W_xh[0] + b_h = [0.5 + 0.05, −0.3 − 0.05]
        let a0 = [0.5 + 0.05, -0.3 - 0.05]
        let h0t = [tanh(0.55), tanh(-0.35)]
        // z_0 = h_0·W_hy + b_y, written out entry by entry
        let z0 = [0.1 + h0t[0] * 0.3 + h0t[1] * 0.4,
                  0.0 + h0t[0] * -0.2 + h0t[1] * 0.5,
                  -0.1 + h0t[0] * 0.1 + h0t[1] * -0.6]
        let e0 = z0.map { exp($0) }
        let p0 = e0.map { $0 / (e0[0] + e0[1] + e0[2]) }
        // t = 1, x = 'b' (index 1): a_1 = W_xh[1] + b_h + h_0·W_hh
        let a1 = [0.1 + 0.05 + h0t[0] * 0.1 + h0t[1] * -0.2,
                  0.2 - 0.05 + h0t[0] * 0.2 + h0t[1] * 0.1]
        let h1t = [tanh(a1[0]), tanh(a1[1])]
        let z1 = [0.1 + h1t[0] * 0.3 + h1t[1] * 0.4,
                  0.0 + h1t[0] * -0.2 + h1t[1] * 0.5,
                  -0.1 + h1t[0] * 0.1 + h1t[1] * -0.6]
        let e1 = z1.map { exp($0) }
        let p1 = e1.map { $0 / (e1[0] + e1[1] + e1[2]) }
        let loss0 = -log(p0[1]), loss1 = -log(p1[2])

        let tolerance = 1e-15
        #expect(maxAbsoluteDifference(cell.preActivation(at: 0), a0) < tolerance)
        #expect(maxAbsoluteDifference(cell.hiddenState(at: 0), h0t) < tolerance)
        #expect(maxAbsoluteDifference(cell.logits(at: 0), z0) < tolerance)
        #expect(maxAbsoluteDifference(cell.probabilities(at: 0), p0) < tolerance)
        #expect(maxAbsoluteDifference(cell.preActivation(at: 1), a1) < tolerance)
        #expect(maxAbsoluteDifference(cell.hiddenState(at: 1), h1t) < tolerance)
        #expect(maxAbsoluteDifference(cell.logits(at: 1), z1) < tolerance)
        #expect(maxAbsoluteDifference(cell.probabilities(at: 1), p1) < tolerance)
        #expect(abs(cell.loss(at: 0) - loss0) < 1e-14)
        #expect(abs(cell.loss(at: 1) - loss1) < 1e-14)
        #expect(abs(loss - (loss0 + loss1)) < 1e-14)

        // The same numbers to 17 digits from a 30-digit (mpmath) calculation.
        #expect(abs(cell.hiddenState(at: 0)[0] - 0.50052021119023521) < 1e-15)
        #expect(abs(cell.hiddenState(at: 1)[1] - 0.21314763601849751) < 1e-15)
        #expect(abs(cell.probabilities(at: 0)[2] - 0.38148804700155666) < 1e-15)
        #expect(abs(cell.probabilities(at: 1)[0] - 0.40998905521380197) < 1e-15)
        #expect(abs(loss - 2.7408445680989542) < 1e-14)
    }

    @Test func theFinalStateIsTheLastHidden() {
        let cell = VanillaRNNCell(vocabularySize: 3, hiddenSize: 2, capacity: 4)
        let p = Self.parameters()
        _ = p.values.withUnsafeBufferPointer { pp in
            cell.forward(pp.baseAddress!, inputs: [0, 1], targets: [1, 2], steps: 2, initialState: [0, 0])
        }
        var state = [0.0, 0.0]
        cell.copyFinalState(into: &state)
        #expect(state == cell.hiddenState(at: 1))
    }

    @Test func advanceRepeatsTheForwardRecurrence() {
        let cell = VanillaRNNCell(vocabularySize: 3, hiddenSize: 2, capacity: 2)
        let p = Self.parameters()
        _ = p.values.withUnsafeBufferPointer { pp in
            cell.forward(pp.baseAddress!, inputs: [0, 1], targets: [1, 2], steps: 2, initialState: [0, 0])
        }
        var state = [0.0, 0.0]
        var logits = [0.0, 0.0, 0.0]
        p.values.withUnsafeBufferPointer { pp in
            cell.advance(pp.baseAddress!, input: 0, state: &state, logits: &logits)
            #expect(state == cell.hiddenState(at: 0) && logits == cell.logits(at: 0))
            cell.advance(pp.baseAddress!, input: 1, state: &state, logits: &logits)
            #expect(state == cell.hiddenState(at: 1) && logits == cell.logits(at: 1))
        }
    }

    @Test func scoreIsTheForwardLossFromZero() {
        let cell = VanillaRNNCell(vocabularySize: 3, hiddenSize: 2, capacity: 2)
        let result = score(cell: cell, parameters: Self.parameters(), text: [0, 1, 2])
        #expect(abs(result.loss - 2.7408445680989542) < 1e-14)
        #expect(result.predictions == 2)
        #expect(abs(result.perplexity - exp(2.7408445680989542 / 2)) < 1e-13)
    }
}
