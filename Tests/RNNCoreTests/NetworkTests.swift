#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import RNNCore

/// The batched network against the teaching cells (one stream, one layer), against the
/// double-double reference (streams and layers), and against itself across thread counts.
@Suite struct NetworkTests {
    struct Window {
        var inputs: [Int32]
        var targets: [Int32]
        var state: [Double]
    }

    /// A random window of `steps` steps for `batch` streams (rows t·B + b) and a random start state.
    static func window(vocabulary v: Int, steps t: Int, batch b: Int, stateCount: Int, seed: UInt64) -> Window {
        var generator = SeededGenerator(seed: seed)
        let text = (0 ..< (t + 1) * b).map { _ in Int32(generator.nextInt(below: v)) }
        // Stream b reads text[b·(T+1) ...]: inputs at row t·B + b.
        var inputs = [Int32](repeating: 0, count: t * b), targets = inputs
        for s in 0 ..< b {
            for step in 0 ..< t {
                inputs[step * b + s] = text[s * (t + 1) + step]
                targets[step * b + s] = text[s * (t + 1) + step + 1]
            }
        }
        let state = (0 ..< stateCount).map { _ in generator.nextGaussian() * 0.4 }
        return Window(inputs: inputs, targets: targets, state: state)
    }

    /// Loss and gradients of a network on a window.
    static func run<S: NetworkScalar>(_ type: S.Type, cell: CellKind, parameters: Parameters, vocabulary v: Int, hidden h: Int,
                                      layers: Int, batch: Int, window: Window, threads: Int, scale: Double = 1)
        -> (loss: Double, gradients: [Double], state: [Double]) {
        let network = Network<S>(kind: cell, vocabularySize: v, hiddenSize: h, layers: layers, batch: batch,
                                 capacity: window.inputs.count / batch, dropout: false, pool: ThreadPool(threads: threads))
        var gradients = [Double](repeating: 0, count: parameters.values.count)
        var generator = SeededGenerator(seed: 1)
        var state = [Double](repeating: 0, count: layers * batch * network.stateSize)
        let loss = parameters.values.withUnsafeBufferPointer { p in
            network.load(p.baseAddress!)
            return network.forward(inputs: window.inputs, targets: window.targets, steps: window.inputs.count / batch,
                                   initialState: window.state, generator: &generator)
        }
        gradients.withUnsafeMutableBufferPointer { network.backward(gradients: $0.baseAddress!, scale: scale) }
        state.withUnsafeMutableBufferPointer { network.copyFinalStates(into: $0.baseAddress!) }
        return (loss, gradients, state)
    }

    @Test(arguments: [CellKind.rnn, .lstm, .gru])
    func oneStreamOneLayerInDoubleIsTheTeachingCell(cell: CellKind) {
        let v = 7, h = 9, t = 6
        let parameters = randomParameters(cell: cell, vocabularySize: v, hiddenSize: h, sigma: 0.5, seed: 4)
        let model = makeCell(cell, vocabularySize: v, hiddenSize: h, capacity: t)
        let window = Self.window(vocabulary: v, steps: t, batch: 1, stateCount: model.stateSize, seed: 5)
        var expectedGradients = [Double](repeating: 0, count: parameters.values.count)
        var expectedState = [Double](repeating: 0, count: model.stateSize)
        let expectedLoss = parameters.values.withUnsafeBufferPointer { p in
            model.forward(p.baseAddress!, inputs: window.inputs, targets: window.targets, steps: t, initialState: window.state)
        }
        parameters.values.withUnsafeBufferPointer { p in
            expectedGradients.withUnsafeMutableBufferPointer { model.backward(p.baseAddress!, gradients: $0.baseAddress!) }
        }
        expectedState.withUnsafeMutableBufferPointer { model.copyFinalState(into: $0.baseAddress!) }
        let got = Self.run(Double.self, cell: cell, parameters: parameters, vocabulary: v, hidden: h, layers: 1, batch: 1,
                           window: window, threads: 2)
        // Only the rounding differs (fused multiply-adds, the order of the weight-gradient sums).
        #expect(abs(got.loss - expectedLoss) <= 1e-13 * expectedLoss)
        let scale = expectedGradients.map(abs).max()!
        #expect(maxAbsoluteDifference(got.gradients, expectedGradients) <= 1e-12 * scale)
        #expect(maxAbsoluteDifference(got.state, expectedState) <= 1e-13)
    }

    @Test(arguments: [CellKind.rnn, .lstm, .gru])
    func streamsAndLayersAgreeWithTheDoubleDoubleReference(cell: CellKind) {
        let v = 5, h = 4, layers = 2, batch = 3, t = 4
        let parameters = randomParameters(cell: cell, vocabularySize: v, hiddenSize: h, layers: layers, sigma: 0.6, seed: 8)
        let stateSize = cell == .lstm ? 2 * h : h
        let window = Self.window(vocabulary: v, steps: t, batch: batch, stateCount: layers * batch * stateSize, seed: 9)
        let got = Self.run(Double.self, cell: cell, parameters: parameters, vocabulary: v, hidden: h, layers: layers,
                           batch: batch, window: window, threads: 2, scale: 1.0 / Double(batch))
        // The streams, each with its layers' start states, for the reference.
        var streams: [ReferenceStream] = []
        for b in 0 ..< batch {
            var state: [Double] = []
            for l in 0 ..< layers {
                let first = (l * batch + b) * stateSize
                state += window.state[first ..< first + stateSize]
            }
            let inputs: [Int] = (0 ..< t).map { Int(window.inputs[$0 * batch + b]) }
            let targets: [Int] = (0 ..< t).map { Int(window.targets[$0 * batch + b]) }
            streams.append(ReferenceStream(inputs: inputs, targets: targets, initialState: state))
        }
        var theta = parameters.values.map(DoubleDouble.init)
        let loss = referenceLoss(cell: cell, layout: parameters.layout, layers: layers, theta: theta, streams: streams)
        #expect(abs(got.loss - loss.double) <= 1e-13 * loss.double)
        var worst = 0.0
        for index in theta.indices {
            let original = theta[index]
            func difference(_ delta: Double) -> DoubleDouble {
                theta[index] = original + DoubleDouble(delta)
                let plus = referenceLoss(cell: cell, layout: parameters.layout, layers: layers, theta: theta, streams: streams)
                theta[index] = original - DoubleDouble(delta)
                let minus = referenceLoss(cell: cell, layout: parameters.layout, layers: layers, theta: theta, streams: streams)
                theta[index] = original
                return (plus - minus) / DoubleDouble(2.0 * delta)
            }
            let numeric = ((DoubleDouble(4) * difference(1e-5) - difference(2e-5)) / DoubleDouble(3)).double / Double(batch)
            worst = max(worst, relativeError(got.gradients[index], numeric))
        }
        #expect(worst < 1e-8, "worst relative error \(worst)")
    }

    /// Seven streams share out by streams; one stream (scoring a text) shares each step's
    /// products by output tiles: neither may change a number.
    @Test(arguments: [(CellKind.lstm, 7), (.gru, 7), (.rnn, 7), (.lstm, 1), (.gru, 1), (.rnn, 1)])
    func theNumbersDoNotDependOnTheThreadCount(cell: CellKind, batch: Int) {
        let v = 11, h = 37, layers = 2, t = 9
        let parameters = randomParameters(cell: cell, vocabularySize: v, hiddenSize: h, layers: layers, sigma: 0.3, seed: 3)
        let stateSize = cell == .lstm ? 2 * h : h
        let window = Self.window(vocabulary: v, steps: t, batch: batch, stateCount: layers * batch * stateSize, seed: 2)
        for type in [Float.self, Double.self] as [any NetworkScalar.Type] {
            func run(_ threads: Int) -> (Double, [Double], [Double]) {
                if type == Float.self {
                    return Self.run(Float.self, cell: cell, parameters: parameters, vocabulary: v, hidden: h, layers: layers,
                                    batch: batch, window: window, threads: threads)
                }
                return Self.run(Double.self, cell: cell, parameters: parameters, vocabulary: v, hidden: h, layers: layers,
                                batch: batch, window: window, threads: threads)
            }
            let one = run(1)
            for threads in [2, 3, 8] {
                let other = run(threads)
                #expect(one.0 == other.0 && one.1 == other.1 && one.2 == other.2, "\(type) with \(threads) threads")
            }
        }
    }

    @Test(arguments: [CellKind.lstm, .gru, .rnn])
    func float32AgreesWithFloat64ToItsPrecision(cell: CellKind) {
        let v = 13, h = 24, layers = 2, batch = 4, t = 8
        let parameters = randomParameters(cell: cell, vocabularySize: v, hiddenSize: h, layers: layers, sigma: 0.3, seed: 6)
        let stateSize = cell == .lstm ? 2 * h : h
        let window = Self.window(vocabulary: v, steps: t, batch: batch, stateCount: layers * batch * stateSize, seed: 7)
        let single = Self.run(Float.self, cell: cell, parameters: parameters, vocabulary: v, hidden: h, layers: layers,
                              batch: batch, window: window, threads: 2)
        let double = Self.run(Double.self, cell: cell, parameters: parameters, vocabulary: v, hidden: h, layers: layers,
                              batch: batch, window: window, threads: 2)
        // float32 keeps 24 bits: the loss (a sum of 32 terms) to about 1e-6, each gradient to
        // about 1e-4 of the largest.
        #expect(abs(single.loss - double.loss) <= 1e-5 * double.loss, "\(single.loss) vs \(double.loss)")
        let scale = double.gradients.map(abs).max()!
        let worst = maxAbsoluteDifference(single.gradients, double.gradients) / scale
        #expect(worst < 1e-4, "worst difference \(worst) of the largest gradient")
    }
}

/// The float32 nonlinearities against the C library's, over their whole range.
@Suite struct FloatMathTests {
    static func values() -> [Float] {
        var values: [Float] = [0, -0, 1e-30, -1e-30, 0.624, 0.625, 0.626, 1, -1, 9, -9, 20, -20, 87, -87, 88.5, -87.4, -100, 100]
        var x: Float = -30
        while x < 30 { values.append(x); x += 0.0137 }
        return values
    }

    @Test func expTanhAndSigmoidAreWithinAFewUlps() {
        let xs = Self.values()
        var outExp = [Float](repeating: 0, count: xs.count), outTanh = outExp, outSigmoid = outExp
        xs.withUnsafeBufferPointer { x in
            outTanh.withUnsafeMutableBufferPointer { Float.tanh(x.baseAddress!, into: $0.baseAddress!, count: xs.count) }
            outSigmoid.withUnsafeMutableBufferPointer { Float.sigmoid(x.baseAddress!, into: $0.baseAddress!, count: xs.count) }
        }
        for (i, x) in xs.enumerated() {
            var v = SIMD16<Float>(repeating: x)
            v = floatExp(v)
            outExp[i] = v[0]
        }
        func ulps(_ a: Float, _ b: Double) -> Double { abs(Double(a) - b) / Double(Float(b).ulp == 0 ? Float.leastNormalMagnitude : Float(b).ulp) }
        for (i, x) in xs.enumerated() {
            let d = Double(x)
            if d > -87 && d < 88 { #expect(ulps(outExp[i], exp(d)) <= 2, "exp(\(x)) = \(outExp[i])") }
            #expect(abs(Double(outTanh[i]) - tanh(d)) <= 3 * Double(Float.ulpOfOne) * max(abs(tanh(d)), 1e-30) + 1e-45,
                    "tanh(\(x)) = \(outTanh[i])")
            let sigma = 1 / (1 + exp(-d))
            #expect(abs(Double(outSigmoid[i]) - sigma) <= 4 * Double(Float.ulpOfOne) * sigma + 1e-38, "σ(\(x)) = \(outSigmoid[i])")
        }
        // A diverged pre-activation is not hidden: NaN in, NaN out.
        #expect(floatExp(SIMD16(repeating: .nan))[0].isNaN && floatTanh(SIMD16(repeating: .nan))[0].isNaN)
        #expect(floatSigmoid(SIMD16(repeating: .nan))[0].isNaN)
    }
}
