import Testing
@testable import RNNCore

@Suite struct GradientCheckTests {
    struct Size: CustomTestStringConvertible, Sendable {
        let vocabulary: Int, hidden: Int, steps: Int
        var testDescription: String { "V \(vocabulary), H \(hidden), T \(steps)" }
    }

    static let sizes = [Size(vocabulary: 5, hidden: 3, steps: 4), Size(vocabulary: 20, hidden: 16, steps: 10),
                        Size(vocabulary: 2, hidden: 1, steps: 1)]

    /// A window of random characters and a non-zero starting state, so every term of BPTT,
    /// h_{−1}·W_hh included, takes part.
    static func window(_ size: Size, seed: UInt64) -> (inputs: [Int], targets: [Int], state: [Double]) {
        var generator = SeededGenerator(seed: seed)
        let text = (0 ... size.steps).map { _ in generator.nextInt(below: size.vocabulary) }
        let state = (0 ..< size.hidden).map { _ in generator.nextGaussian() * 0.5 }
        return (Array(text.dropLast()), Array(text.dropFirst()), state)
    }

    @Test(arguments: sizes, RecurrentInitializer.allCases)
    func everyParameterAgreesWithCentralDifferences(size: Size, recurrent: RecurrentInitializer) throws {
        // W_hh as the initialiser draws it (identity at the article's 0.01 included).
        let scale = recurrent == .identity ? 0.01 : 0.6
        let parameters = randomParameters(vocabularySize: size.vocabulary, hiddenSize: size.hidden, sigma: 0.4,
                                          recurrent: recurrent, recurrentScale: scale, seed: 21)
        let (inputs, targets, state) = Self.window(size, seed: 22)
        let result = try checkGradients(cell: .rnn, parameters: parameters, vocabularySize: size.vocabulary,
                                    hiddenSize: size.hidden, inputs: inputs, targets: targets, initialState: state)
        #expect(result.parameters.map(\.name) == ["W_xh", "W_hh", "W_hy", "b_h", "b_y"])
        for check in result.parameters {
            // Every entry the window can change is checked; the rest are rows of input matrices for
            // characters not in the window, left out because both sides are zero by construction.
            let absent = check.name.hasPrefix("W_x") ? (size.vocabulary - Set(inputs).count) * size.hidden : 0
            #expect(check.structuralZeros == absent, "\(check.name): \(check.structuralZeros) left out")
            #expect(check.entries.count + check.structuralZeros == check.rows * check.columns, "every entry of \(check.name) is checked")
            #expect(check.entries.allSatisfy { !check.name.hasPrefix("W_x") || Set(inputs).contains($0.row) })
            #expect(check.worstRelativeError < 1e-6, "\(check.name): worst relative error \(check.worstRelativeError)")
        }
        #expect(result.passed)
    }

    @Test(arguments: [CellKind.rnn, .lstm, .gru])
    func aOneStepWindowFromZeroLeavesOutEveryRecurrentRow(cell: CellKind) throws {
        // T = 1 and h_{-1} = 0: every W_h· gets ∂L/∂W = h_{-1}ᵀ δ = 0, whatever δ is.
        let parameters = randomParameters(cell: cell, vocabularySize: 5, hiddenSize: 4, sigma: 0.5,
                                          recurrent: .orthogonal, recurrentScale: 0.9, biasSigma: 0.3, seed: 3)
        let result = try checkGradients(cell: cell, parameters: parameters, vocabularySize: 5, hiddenSize: 4,
                                        inputs: [2], targets: [3])
        for check in result.parameters {
            let role = parameters.layout.entry(named: check.name)!.role
            switch role {
            case .recurrent:
                #expect(check.entries.isEmpty && check.structuralZeros == 16 && check.structuralZeroRows == StructuralZeros.unitsAtZero,
                        "\(check.name)")
            case .input:
                #expect(check.structuralZeros == 16 && check.structuralZeroRows == StructuralZeros.charactersNotInWindow, "\(check.name)")
            case .output, .bias, .layerInput:
                #expect(check.structuralZeros == 0 && check.structuralZeroRows == nil, "\(check.name)")
            }
        }
        #expect(result.passed)
    }

    @Test func aLongWindowAgreesOnSampledEntries() throws {
        // T = 40: gradients flow back through 40 products with W_hh.
        let size = Size(vocabulary: 7, hidden: 9, steps: 40)
        let parameters = randomParameters(vocabularySize: 7, hiddenSize: 9, sigma: 0.4, recurrent: .orthogonal,
                                          recurrentScale: 1.0, seed: 31)
        let (inputs, targets, state) = Self.window(size, seed: 32)
        let result = try checkGradients(cell: .rnn, parameters: parameters, vocabularySize: 7, hiddenSize: 9,
                                    inputs: inputs, targets: targets, initialState: state,
                                    options: GradientCheckOptions(entriesPerParameter: 12))
        for check in result.parameters {
            #expect(check.worstRelativeError < 1e-6, "\(check.name): worst relative error \(check.worstRelativeError)")
        }
    }

    @Test func thePlainMethodIsLimitedByRounding() throws {
        // The same check with one double-precision central difference: still a pass at its own
        // tolerance (1e-4), but its worst error is orders of magnitude above the precise one's.
        let size = Size(vocabulary: 20, hidden: 16, steps: 10)
        let parameters = randomParameters(vocabularySize: 20, hiddenSize: 16, sigma: 0.4, recurrent: .orthogonal,
                                          recurrentScale: 0.6, seed: 21)
        let (inputs, targets, state) = Self.window(size, seed: 22)
        func worst(_ method: NumericDerivative) throws -> Double {
            let result = try checkGradients(cell: .rnn, parameters: parameters, vocabularySize: 20, hiddenSize: 16,
                                        inputs: inputs, targets: targets, initialState: state,
                                        only: ["W_hh"], options: GradientCheckOptions(method: method))
            #expect(result.passed)
            return result.parameters[0].worstRelativeError
        }
        let plain = try worst(.plain), precise = try worst(.precise)
        #expect(plain > 1e-9)
        #expect(precise < 1e-10)
        #expect(plain > 100 * precise)
    }

    @Test func aWrongGradientIsCaught() throws {
        // Break backward on purpose: check against a loss whose analytic gradient we perturb.
        let size = Size(vocabulary: 5, hidden: 3, steps: 4)
        let parameters = randomParameters(vocabularySize: 5, hiddenSize: 3, sigma: 0.4, seed: 3)
        let (inputs, targets, state) = Self.window(size, seed: 4)
        let good = try checkGradients(cell: .rnn, parameters: parameters, vocabularySize: 5, hiddenSize: 3,
                                  inputs: inputs, targets: targets, initialState: state)
        #expect(good.passed)
        // The same check with the starting state ignored analytically (a classic BPTT bug) must
        // disagree on W_hh: compare the zero-state gradient with the nonzero-state numeric one.
        let zeroState = try checkGradients(cell: .rnn, parameters: parameters, vocabularySize: 5, hiddenSize: 3,
                                       inputs: inputs, targets: targets, initialState: nil)
        let goodWhh = good.parameters[1].entries, zeroWhh = zeroState.parameters[1].entries
        let worst = zip(goodWhh, zeroWhh).map { relativeError($0.analytic, $1.numeric) }.max()!
        #expect(worst > 1e-3)
    }

    @Test func sampledEntriesAreDistinctAndSeeded() throws {
        let parameters = randomParameters(vocabularySize: 20, hiddenSize: 16, sigma: 0.4, seed: 5)
        let (inputs, targets, _) = Self.window(Size(vocabulary: 20, hidden: 16, steps: 10), seed: 6)
        let options = GradientCheckOptions(entriesPerParameter: 7, seed: 9)
        let a = try checkGradients(cell: .rnn, parameters: parameters, vocabularySize: 20, hiddenSize: 16,
                               inputs: inputs, targets: targets, options: options)
        let b = try checkGradients(cell: .rnn, parameters: parameters, vocabularySize: 20, hiddenSize: 16,
                               inputs: inputs, targets: targets, options: options)
        #expect(a == b)
        for check in a.parameters {
            let positions = check.entries.map { [$0.row, $0.column] }
            #expect(positions.count == min(7, check.rows * check.columns))
            #expect(Set(positions).count == positions.count)
        }
        #expect(a.passed)
    }

    @Test func onlyTheNamedParametersAreChecked() throws {
        let parameters = randomParameters(vocabularySize: 5, hiddenSize: 3, sigma: 0.4, seed: 5)
        let result = try checkGradients(cell: .rnn, parameters: parameters, vocabularySize: 5, hiddenSize: 3,
                                    inputs: [0, 1], targets: [1, 2], only: ["W_hh"])
        #expect(result.parameters.map(\.name) == ["W_hh"])
    }

    @Test func aDivergedModelIsRefusedNotCrashed() {
        // Weights of 1e308: the logits overflow to ±∞ and the loss is NaN; nothing may trap on it.
        let parameters = randomParameters(vocabularySize: 5, hiddenSize: 3, sigma: 1e308, seed: 2)
        #expect(throws: ModelError.self) {
            _ = try checkGradients(cell: .rnn, parameters: parameters, vocabularySize: 5, hiddenSize: 3,
                                   inputs: [0, 1, 2], targets: [1, 2, 3], initialState: [1, -1, 1])
        }
        // A huge δ overflows the perturbed losses in double-double: it must not trap either.
        let sane = randomParameters(vocabularySize: 5, hiddenSize: 3, sigma: 0.4, seed: 2)
        let result = try? checkGradients(cell: .rnn, parameters: sane, vocabularySize: 5, hiddenSize: 3,
                                         inputs: [0, 1], targets: [1, 2], only: ["W_hy"],
                                         options: GradientCheckOptions(delta: 1e305))
        #expect(result?.parameters.first?.entries.count == 15)
    }

    @Test func aStoppedCheckKeepsWhatItChecked() throws {
        let parameters = randomParameters(vocabularySize: 5, hiddenSize: 3, sigma: 0.4, seed: 5)
        var asked = 0
        let result = try checkGradients(cell: .rnn, parameters: parameters, vocabularySize: 5, hiddenSize: 3,
                                        inputs: [0, 1], targets: [1, 2], shouldStop: { asked += 1; return asked > 4 })
        #expect(!result.complete)
        #expect(result.parameters.flatMap(\.entries).count == 4)
    }

    @Test(arguments: [(1.0, 1.0, 0.0), (1.0, 0.0, 1.0), (0.0, 0.0, 0.0), (1e-20, -1e-20, 2e-8), (2.0, 1.0, 1.0 / 3)])
    func relativeErrorDefinition(a: Double, n: Double, expected: Double) {
        #expect(abs(relativeError(a, n) - expected) < 1e-15)
    }
}
