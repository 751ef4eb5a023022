import Foundation
import Testing
@testable import RNNCore

/// A small text of our own: short, rhythmic, easy to learn.
let rhyme = String(repeating: "the cat sat on the mat. the dog sat on the log. ", count: 12)

func smallConfig(hidden: Int = 24, seq: Int = 12, lr: Double = 0.1, seed: UInt64 = 1) -> TrainingConfig {
    var config = TrainingConfig()
    config.hiddenSize = hidden
    config.sequenceLength = seq
    config.learningRate = lr
    config.seed = seed
    return config
}

@Suite struct TrainerTests {
    @Test func smoothLossStartsAtTheUniformGuess() throws {
        let trainer = try Trainer(corpus: corpus(rhyme), config: smallConfig())
        let v = Double(trainer.vocabulary.count)
        #expect(trainer.smoothLoss == -log(1 / v) * 12)
    }

    @Test func trainingLowersTheSmoothLossWellBelowItsStart() throws {
        var config = smallConfig(hidden: 32, seq: 16, lr: 0.1)
        config.initialization.recurrent = .random
        var trainer = try Trainer(corpus: corpus(rhyme), config: config)
        let start = trainer.smoothLoss
        let firstLoss = try trainer.step().loss
        try trainer.train(steps: 599)
        #expect(trainer.stepCount == 600)
        #expect(trainer.lossHistory.count == 600)
        // Uniform guessing costs ln(V)·T ≈ 39 nats a window; after 600 steps the model must
        // have learnt the rhyme's regularities: the smooth loss (which lags) is well below the
        // start and the recent raw losses far below.
        #expect(trainer.smoothLoss < 0.85 * start, "smooth loss \(trainer.smoothLoss) from \(start)")
        let recent = trainer.lossHistory.suffix(50).reduce(0, +) / 50
        #expect(recent < 0.35 * firstLoss, "recent mean loss \(recent), first \(firstLoss)")
    }

    @Test func thePointerWrapsAndResetsTheState() throws {
        // 30 characters, T = 8: windows start at 0, 8, 16; 24 + 8 + 1 > 30 so the 4th wraps.
        let text = corpus("abcdefghijklmnopqrstuvwxyz0123")
        var trainer = try Trainer(corpus: text, config: smallConfig(hidden: 4, seq: 8))
        var starts: [Int] = [], wraps: [Bool] = []
        for _ in 0 ..< 5 {
            let report = try trainer.step()
            starts.append(report.position)
            wraps.append(report.wrapped)
        }
        #expect(starts == [0, 8, 16, 0, 8])
        #expect(wraps == [false, false, false, true, false])
        #expect(trainer.position == 16)
    }

    @Test func aWindowIsTheInputsAndTheNextCharacters() throws {
        let text = corpus("abcdefghij")
        var trainer = try Trainer(corpus: text, config: smallConfig(hidden: 3, seq: 4))
        try trainer.step()
        let cell = try #require(trainer.cell as? VanillaRNNCell)
        #expect((0 ..< 4).map(cell.input(at:)) == [0, 1, 2, 3])   // a b c d
        #expect((0 ..< 4).map(cell.target(at:)) == [1, 2, 3, 4])  // b c d e
        try trainer.step()
        let next = try #require(trainer.cell as? VanillaRNNCell)
        #expect((0 ..< 4).map(next.input(at:)) == [4, 5, 6, 7])
    }

    @Test func theHiddenStateIsCarriedBetweenWindows() throws {
        let text = corpus(rhyme)
        var trainer = try Trainer(corpus: text, config: smallConfig(hidden: 8, seq: 5))
        try trainer.step()
        let carried = trainer.hiddenState
        #expect(carried.contains { $0 != 0 })
        try trainer.step()
        let cell = try #require(trainer.cell as? VanillaRNNCell)
        #expect(cell.hiddenState(at: -1) == carried)

        var forgetful = try Trainer(corpus: text, config: {
            var c = smallConfig(hidden: 8, seq: 5); c.carryHiddenState = false; return c
        }())
        try forgetful.step()
        try forgetful.step()
        let forgetfulCell = try #require(forgetful.cell as? VanillaRNNCell)
        #expect(forgetfulCell.hiddenState(at: -1).allSatisfy { $0 == 0 })
    }

    @Test func theArticleBugsDoWhatTheySay() throws {
        let text = corpus(rhyme)
        // No update: the parameters never move, the loss never improves.
        var frozen = smallConfig(); frozen.applyUpdate = false
        var noUpdate = try Trainer(corpus: text, config: frozen)
        let before = noUpdate.parameters
        try noUpdate.train(steps: 5)
        #expect(noUpdate.parameters == before)

        // Gradients never zeroed: this step's gradient is the running sum (then clipped).
        var config = smallConfig(); config.clipMode = .off
        var correct = try Trainer(corpus: text, config: config)
        config.zeroGradients = false
        var accumulating = try Trainer(corpus: text, config: config)
        try correct.step(); try accumulating.step()
        #expect(correct.gradients == accumulating.gradients)  // the first step is the same
        let firstGradient = accumulating.gradients.values
        try accumulating.step()
        // Replay the second step's gradient from the same parameters on a correct trainer.
        var replay = Trainer(corpus: text, config: smallConfig(), parameters: correct.parameters)
        replay.restoreState(gradients: correct.gradients, optimizer: correct.optimizer, hiddenState: correct.hiddenState,
                            position: correct.position, stepCount: 1, smoothLoss: correct.smoothLoss,
                            lossHistory: correct.lossHistory, samplingGenerator: correct.samplingGenerator)
        try replay.reconfigure { $0.clipMode = .off }
        try replay.step()
        let expected = zip(firstGradient, replay.gradients.values).map { $0 + $1 }
        #expect(maxAbsoluteDifference(accumulating.gradients.values, expected) < 1e-12)
    }

    @Test func aNonFiniteLossIsRefusedAndNothingChanges() throws {
        let text = corpus(rhyme)
        var trainer = try Trainer(corpus: text, config: smallConfig())
        try trainer.train(steps: 3)
        // Poison one output weight: the logits become NaN.
        let entry = trainer.parameters.layout.entry(named: "W_hy")!
        trainer.parameters.values[entry.offset] = .nan
        let snapshot = trainer
        let error = #expect(throws: ModelError.self) { try trainer.step() }
        guard case .nonFiniteLoss(let step, let loss, let rate)? = error else {
            Issue.record("wrong error \(String(describing: error))")
            return
        }
        #expect(step == 3 && loss.isNaN && rate == 0.1)
        #expect(trainer.stepCount == 3)
        #expect(trainer.position == snapshot.position)
        #expect(trainer.hiddenState == snapshot.hiddenState)
        #expect(trainer.gradients == snapshot.gradients)
        #expect(trainer.optimizer == snapshot.optimizer)
        #expect(trainer.lossHistory == snapshot.lossHistory)
        #expect(trainer.smoothLoss == snapshot.smoothLoss)
        #expect(ModelError.nonFiniteLoss(step: 3, loss: .nan, learningRate: 0.1).description
            == "step 4 refused: the loss is NaN (the weights diverged); parameters are unchanged: "
            + "lower the learning rate (now 0.1) or clip harder")
    }

    @Test func anInfiniteLossFromHugeWeightsIsRefused() throws {
        var trainer = try Trainer(corpus: corpus(rhyme), config: smallConfig())
        let entry = trainer.parameters.layout.entry(named: "b_y")!
        trainer.parameters.values[entry.offset] = .infinity
        #expect(throws: ModelError.self) { try trainer.step() }
        #expect(trainer.stepCount == 0 && trainer.lossHistory.isEmpty)
    }

    @Test func stoppingBetweenStepsKeepsProgress() throws {
        var trainer = try Trainer(corpus: corpus(rhyme), config: smallConfig())
        var calls = 0
        let done = try trainer.train(steps: 100, shouldStop: { calls += 1; return calls > 7 })
        #expect(done == 7 && trainer.stepCount == 7 && trainer.lossHistory.count == 7)
    }

    @Test func trainingIsDeterministic() throws {
        var a = try Trainer(corpus: corpus(rhyme), config: smallConfig())
        var b = try Trainer(corpus: corpus(rhyme), config: smallConfig())
        try a.train(steps: 20)
        try b.train(steps: 20)
        #expect(a.parameters == b.parameters && a.lossHistory == b.lossHistory)
    }

    @Test func perCharacterLossAndPerplexity() throws {
        var trainer = try Trainer(corpus: corpus(rhyme), config: smallConfig(seq: 10))
        let report = try trainer.step()
        #expect(report.lossPerCharacter == report.loss / 10)
        #expect(report.perplexity == exp(report.loss / 10))
        // An untrained model is close to uniform: perplexity ≈ V.
        #expect(abs(report.perplexity - Double(trainer.vocabulary.count)) < 0.5)
    }

    static let invalidSettings: [(String, @Sendable (inout TrainingConfig) -> Void)] = [
        ("hidden", { $0.hiddenSize = 0 }), ("hidden", { $0.hiddenSize = -3 }), ("seq", { $0.sequenceLength = 0 }),
        ("lr", { $0.learningRate = .infinity }), ("lr", { $0.learningRate = -1 }), ("lr", { $0.learningRate = .nan }),
        ("clip", { $0.clip = 0 }), ("sigma", { $0.initialization.weightScale = -1 }),
        ("scale", { $0.initialization.recurrentScale = .nan }),
    ]

    @Test(arguments: 0 ..< invalidSettings.count)
    func invalidSettingsAreRefusedWithTheirName(index: Int) {
        let (name, change) = Self.invalidSettings[index]
        var config = TrainingConfig()
        change(&config)
        do {
            try config.validate(vocabularySize: 10)
            Issue.record("accepted an invalid \(name)")
        } catch let .invalidSetting(reported, _, _) {
            #expect(reported == name)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aHiddenSizeTooLargeForMemoryIsRefused() {
        var config = TrainingConfig()
        config.hiddenSize = 1_000_000
        #expect(throws: ModelError.self) { try config.validate(vocabularySize: 65, bytesAvailable: 16e9) }
        config.hiddenSize = 100
        #expect(throws: Never.self) { try config.validate(vocabularySize: 65, bytesAvailable: 16e9) }
    }

    @Test func reconfigureRejectsInvalidValuesAndKeepsTheOldOnes() throws {
        var trainer = try Trainer(corpus: corpus(rhyme), config: smallConfig())
        #expect(throws: ModelError.self) { try trainer.reconfigure { $0.learningRate = -1 } }
        #expect(trainer.config.learningRate == 0.1)
        #expect(throws: CorpusError.self) { try trainer.reconfigure { $0.sequenceLength = 100_000 } }
        #expect(trainer.config.sequenceLength == 12)
        try trainer.reconfigure { $0.sequenceLength = 5; $0.optimizer = .adam }
        let report = try trainer.step()
        #expect(report.sequenceLength == 5 && trainer.optimizer.kind == .adam)
    }
}

@Suite struct SamplingTests {
    func trained() throws -> Trainer {
        var trainer = try Trainer(corpus: corpus(rhyme), config: smallConfig())
        try trainer.train(steps: 200)
        return trainer
    }

    @Test func sameSeedSameText() throws {
        let trainer = try trained()
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3), c = SeededGenerator(seed: 4)
        let first = sample(cell: trainer.cell, parameters: trainer.parameters, prime: [0], count: 80, temperature: 1, generator: &a)
        let again = sample(cell: trainer.cell, parameters: trainer.parameters, prime: [0], count: 80, temperature: 1, generator: &b)
        let other = sample(cell: trainer.cell, parameters: trainer.parameters, prime: [0], count: 80, temperature: 1, generator: &c)
        #expect(first == again)
        #expect(first != other)
        #expect(first.indices.count == 80)
    }

    @Test func temperatureZeroIsArgmaxAndNeedsNoRandomness() throws {
        let trainer = try trained()
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 2)
        let prime = try trainer.vocabulary.encode("the ").get()
        let x = sample(cell: trainer.cell, parameters: trainer.parameters, prime: prime, count: 30, temperature: 0, generator: &a)
        let y = sample(cell: trainer.cell, parameters: trainer.parameters, prime: prime, count: 30, temperature: 0, generator: &b)
        #expect(x == y)
        #expect(a == SeededGenerator(seed: 1))  // no draws were made
    }

    @Test func drawsFollowTheSoftmax() {
        // z = log of (0.5, 0.25, 0.15, 0.1): 100 000 draws, Pearson's χ² with 3 degrees of freedom.
        // χ² > 16.27 has probability 0.001 under the right distribution; a wrong one gives thousands.
        let probabilities = [0.5, 0.25, 0.15, 0.1]
        let logits = probabilities.map { log($0) + 3 }
        var generator = SeededGenerator(seed: 2024)
        var counts = [0, 0, 0, 0]
        var scratch = [0.0, 0.0, 0.0, 0.0]
        let n = 100_000
        for _ in 0 ..< n {
            counts[drawIndex(logits: logits, count: 4, temperature: 1, scratch: &scratch, generator: &generator)] += 1
        }
        var chiSquared = 0.0
        for (observed, p) in zip(counts, probabilities) {
            let expected = p * Double(n)
            let difference = Double(observed) - expected
            chiSquared += difference * difference / expected
        }
        #expect(chiSquared < 16.27, "χ² = \(chiSquared), counts \(counts)")
    }

    @Test func temperatureSharpensAndFlattens() {
        // At τ = 0.5 the probabilities become ∝ p², at τ = 2 ∝ √p.
        let probabilities = [0.6, 0.3, 0.1]
        let logits = probabilities.map { log($0) }
        func frequencies(_ temperature: Double) -> [Double] {
            var generator = SeededGenerator(seed: 77)
            var counts = [0, 0, 0], scratch = [0.0, 0.0, 0.0]
            for _ in 0 ..< 60_000 {
                counts[drawIndex(logits: logits, count: 3, temperature: temperature, scratch: &scratch, generator: &generator)] += 1
            }
            return counts.map { Double($0) / 60_000 }
        }
        let sharp = frequencies(0.5), flat = frequencies(2)
        let squares = probabilities.map { $0 * $0 }, roots = probabilities.map { $0.squareRoot() }
        let sharpExpected = squares.map { $0 / squares.reduce(0, +) }
        let flatExpected = roots.map { $0 / roots.reduce(0, +) }
        // Binomial standard errors are below 0.002; allow 5 of them.
        #expect(maxAbsoluteDifference(sharp, sharpExpected) < 0.01)
        #expect(maxAbsoluteDifference(flat, flatExpected) < 0.01)
    }

    @Test func primingWarmsUpTheState() throws {
        let trainer = try trained()
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        let short = sample(cell: trainer.cell, parameters: trainer.parameters, prime: [trainer.vocabulary.index(of: " ")!],
                           count: 40, temperature: 0, generator: &a)
        let long = sample(cell: trainer.cell, parameters: trainer.parameters,
                          prime: try trainer.vocabulary.encode("the dog sat on the ").get(), count: 40, temperature: 0, generator: &b)
        #expect(short != long)
    }
}
