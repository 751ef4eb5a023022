import Testing
@testable import RNNCore

@Suite struct GatedCellTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let cell: CellKind, vocabulary: Int, hidden: Int, steps: Int
        var testDescription: String { "\(cell.rawValue) V \(vocabulary), H \(hidden), T \(steps)" }
    }

    static let gated: [CellKind] = [.lstm, .gru]
    /// Two sizes per cell: a tiny one, and one where every kernel's blocked path and its
    /// leftovers run (H = 13: 8 + 4 + 1 rows; V = 11).
    static let sizes: [Case] = gated.flatMap { cell in
        [Case(cell: cell, vocabulary: 5, hidden: 3, steps: 4), Case(cell: cell, vocabulary: 11, hidden: 13, steps: 9)]
    }

    /// A window of random characters and a random starting state (h and, for the LSTM, c), so
    /// every term of BPTT takes part.
    static func window(_ size: Case, seed: UInt64) -> (inputs: [Int], targets: [Int], state: [Double]) {
        var generator = SeededGenerator(seed: seed)
        let text = (0 ... size.steps).map { _ in generator.nextInt(below: size.vocabulary) }
        let stateSize = size.cell == .lstm ? 2 * size.hidden : size.hidden
        let state = (0 ..< stateSize).map { _ in generator.nextGaussian() * 0.5 }
        return (Array(text.dropLast()), Array(text.dropFirst()), state)
    }

    @Test(arguments: sizes)
    func everyParameterAgreesWithCentralDifferences(size: Case) throws {
        let parameters = randomParameters(cell: size.cell, vocabularySize: size.vocabulary, hiddenSize: size.hidden,
                                          sigma: 0.5, recurrent: .orthogonal, recurrentScale: 0.8, biasSigma: 0.3, seed: 41)
        let (inputs, targets, state) = Self.window(size, seed: 42)
        let result = try checkGradients(cell: size.cell, parameters: parameters, vocabularySize: size.vocabulary,
                                        hiddenSize: size.hidden, inputs: inputs, targets: targets, initialState: state)
        #expect(result.parameters.map(\.name) == parameters.layout.names)
        for check in result.parameters {
            // Every entry the window can change is checked; the rest are rows of input matrices for
            // characters not in the window, left out because both sides are zero by construction.
            let absent = check.name.hasPrefix("W_x") ? (size.vocabulary - Set(inputs).count) * size.hidden : 0
            #expect(check.structuralZeros == absent, "\(check.name): \(check.structuralZeros) left out")
            #expect(check.entries.count + check.structuralZeros == check.rows * check.columns, "every entry of \(check.name) is checked")
            #expect(check.entries.allSatisfy { !check.name.hasPrefix("W_x") || Set(inputs).contains($0.row) })
            #expect(check.worstRelativeError < 1e-6, "\(check.name): worst relative error \(check.worstRelativeError)")
        }
    }
}

extension GatedCellTests {
    @Test(arguments: CellKind.allCases)
    func stepByStepMatchesTheWindowAndTheReference(cell kind: CellKind) throws {
        // forward over a window, advance one character at a time, and the double-double
        // reference: the same per-step losses, the same final state.
        let size = Case(cell: kind, vocabulary: 9, hidden: 13, steps: 12)
        let parameters = randomParameters(cell: kind, vocabularySize: 9, hiddenSize: 13, sigma: 0.5,
                                          recurrent: .orthogonal, recurrentScale: 0.9, biasSigma: 0.3, seed: 51)
        let (inputs, targets, state) = Self.window(size, seed: 52)
        let cell = makeCell(kind, vocabularySize: 9, hiddenSize: 13, capacity: 12)
        let xs = inputs.map(Int32.init), ys = targets.map(Int32.init)
        let loss = parameters.values.withUnsafeBufferPointer { p in
            cell.forward(p.baseAddress!, inputs: xs, targets: ys, steps: 12, initialState: state)
        }
        var finalState = [Double](repeating: 0, count: cell.stateSize)
        cell.copyFinalState(into: &finalState)

        var running = state
        var logits = [Double](repeating: 0, count: 9)
        let stepper = makeCell(kind, vocabularySize: 9, hiddenSize: 13, capacity: 1)
        for t in 0 ..< 12 {
            parameters.values.withUnsafeBufferPointer { p in
                stepper.advance(p.baseAddress!, input: inputs[t], state: &running, logits: &logits)
            }
            #expect(logits == cell.logits(at: t), "logits at t = \(t)")
            #expect(Array(running[0 ..< 13]) == cell.hiddenState(at: t), "h at t = \(t)")
        }
        #expect(running == finalState)

        let reference = referenceLoss(cell: kind, layout: parameters.layout, theta: parameters.values.map(DoubleDouble.init),
                                      inputs: inputs, targets: targets, initialState: state)
        #expect(abs(loss - reference.double) <= 1e-13 * abs(reference.double), "\(loss) vs \(reference.double)")
    }
}
