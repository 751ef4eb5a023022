import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Interpreter {
    // MARK: Looking at things

    func show(_ reference: NameReference, mode: ShowMode?) throws(Diagnostic) {
        let value = try NameResolver(session: session).resolve(reference, command: "show")
        switch value {
        case .text(let text):
            if let mode { throw Diagnostic(.textHasNoMode(name: reference.name, mode: mode.rawValue), at: reference.range) }
            emit(.text { $0.style.text(text($0.width)) })
        case .scalar(let number):
            write("\(reference.text) = " + NumberFormat.general(number, significant: max(precision + 2, 6)) + "\n")
        case .matrix(let matrix, _, _):
            switch mode ?? .values {
            case .values:
                emit(.matrix(matrix, MatrixFormatOptions(precision: precision)))
            case .stats:
                emit(.text { formatStatistics(name: matrix.name, rows: matrix.rows, columns: matrix.columns, values: matrix.values,
                                              style: $0.style) })
            case .heatmap:
                emit(.heatmap(matrix))
            }
        }
    }

    mutating func expect(_ reference: NameReference, _ comparison: Comparison, _ expected: Double,
                                 tolerance: Double) throws(Diagnostic) {
        let value = try NameResolver(session: session).resolve(reference, command: "expect")
        let actual: Double
        switch value {
        case .scalar(let number):
            actual = number
        case .matrix(let matrix, _, _):
            guard matrix.rows == 1 && matrix.columns == 1 else {
                let example = reference.name + (matrix.rows == 1 ? "[0]" : "[0, 0]")
                throw Diagnostic(.notAScalar(name: reference.text, rows: matrix.rows, columns: matrix.columns, example: example),
                                 at: reference.range)
            }
            actual = matrix.values[0]
        case .text:
            let numbers = NameResolver.scalarNames
            throw Diagnostic(.notANumber(name: reference.text,
                                         suggestion: numbers.first { $0.hasPrefix(reference.name) } ?? closestMatch(to: reference.name, in: numbers)),
                             at: reference.range)
        }
        let passed: Bool
        switch comparison {
        case .approximately: passed = abs(actual - expected) <= tolerance
        case .less: passed = actual < expected
        case .greater: passed = actual > expected
        case .lessOrEqual: passed = actual <= expected
        case .greaterOrEqual: passed = actual >= expected
        }
        guard passed else {
            throw Diagnostic(.expectationFailed(name: reference.text, actual: actual, comparison: comparison,
                                                expected: expected, tolerance: tolerance), at: reference.range)
        }
        guard session.showsPassingChecks else { return }
        let name = reference.text
        emit(.text { context in
            let style = context.style
            let symbol = comparison == .approximately ? style.approximately : comparison.rawValue
            var line = "check: \(name) = " + NumberFormat.general(actual, significant: 8) + " \(symbol) "
                + NumberFormat.general(expected, significant: 8)
            if comparison == .approximately { line += " (tol " + NumberFormat.general(tolerance, significant: 3) + ")" }
            return line + "  " + style.check + "\n"
        })
    }

    mutating func gradCheck(name: NameReference?, checks: Int?, delta: Double, method: NumericDerivative, clipped: Bool,
                            command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        let trainer = session.trainer!
        let layout = trainer.parameters.layout
        if let name, layout.entry(named: name.name) == nil {
            throw Diagnostic(.unknownName(name.name, suggestion: closestMatch(to: name.name, in: layout.names)), at: name.range)
        }
        let t = trainer.config.sequenceLength
        let (start, wraps) = trainer.nextWindowStart
        let inputs = (start ..< start + t).map { trainer.corpus.indices[$0] }
        let targets = (start + 1 ..< start + t + 1).map { trainer.corpus.indices[$0] }
        // The first stream's window and state (every layer's); a batch averages the same loss over streams.
        let config = trainer.config
        let size = trainer.stateSize
        let firstStream = (0 ..< config.layers).flatMap { l in
            trainer.hiddenState[(l * config.batchSize) * size ..< (l * config.batchSize + 1) * size]
        }
        let state = wraps || !config.carryHiddenState ? nil : firstStream
        let perParameter = checks ?? (layout.count <= 500 ? nil : 5)
        let options = GradientCheckOptions(delta: delta, method: method, entriesPerParameter: perParameter,
                                           tolerance: config.precision == .float32 ? GradientCheckOptions.float32Tolerance : nil,
                                           clipping: clipped && config.clipMode != .off ? (config.clipMode, config.clip) : nil)
        let console = self.console
        let result: GradientCheckResult
        do {
            result = try checkGradients(cell: config.cell, parameters: trainer.parameters,
                                        vocabularySize: trainer.vocabulary.count, hiddenSize: config.hiddenSize,
                                        layers: config.layers, precision: config.precision, pool: trainer.pool,
                                        inputs: inputs, targets: targets, initialState: state,
                                        only: name.map { [$0.name] }, options: options, shouldStop: console.takeInterrupt)
        } catch {
            throw Diagnostic(.model(error), at: command.range)
        }
        session.lastGradientCheck = result
        var notes: [String] = []
        if config.batchSize > 1 {
            notes.append("on the first of the \(config.batchSize) streams (a step's loss is their mean, each computed alike)")
        }
        if config.dropout > 0 {
            notes.append("dropout off (p = \(formatSettingNumber(config.dropout)) would make the loss a random function: "
                + "no derivative to compare)")
        }
        if config.precision == .float32 {
            notes.append("float32 backprop against the float64 loss of the float32 weights: float32 keeps 24 bits "
                + "(ε = 1.2e-7), so rounding alone gives relative errors up to about 1e-4 on the small entries; pass below "
                + NumberFormat.general(GradientCheckOptions.float32Tolerance, significant: 2))
        }
        let note = notes.isEmpty ? nil : "checked " + notes.joined(separator: "; ")
        emit(.text { context in
            (note.map { wrapLines(context.style.text($0), width: context.width) + "\n" } ?? "")
                + GradientCheckReport(result: result, window: start, style: context.style, pageWidth: context.width).render()
        })
        if !result.complete {
            write("interrupted: the entries above were checked, the rest were not\n")
            return .interrupted
        }
        return .completed
    }

    /// The prime and `count` characters drawn after it, and whether all were drawn (Ctrl-C stops early).
    mutating func drawSample(count: Int, temperature: Double, primeIndices: [Int]?,
                                     seed: UInt64?) -> (text: String, complete: Bool) {
        let trainer = session.trainer!
        let prime = primeIndices ?? [trainer.corpus.indices[0]]
        var generator = seed.map { SeededGenerator(seed: $0) } ?? trainer.samplingGenerator
        let result = RNNCore.sample(trainer.textModel(), prime: prime, count: count, temperature: temperature,
                                    generator: &generator, shouldStop: console.takeInterrupt)
        if seed == nil { session.trainer!.samplingGenerator = generator }
        return (trainer.vocabulary.decode(prime) + trainer.vocabulary.decode(result.indices), result.complete)
    }

    mutating func sample(count: Int, temperature: Double, prime: Located<String>?, seed: UInt64?,
                                 command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        let trainer = session.trainer!
        var primeIndices: [Int]?
        if let prime {
            switch trainer.vocabulary.encode(prime.value) {
            case .success(let indices): primeIndices = indices
            case .failure(let unknown):
                throw Diagnostic(.model(.unknownCharacter(context: "prime", scalar: unknown.scalar, position: unknown.position)),
                                 at: prime.range)
            }
        }
        let (text, complete) = drawSample(count: count, temperature: temperature, primeIndices: primeIndices, seed: seed)
        let from = prime.map { quoted($0.value) } ?? "the first character " + characterLabel(trainer.vocabulary[trainer.corpus.indices[0]])
        writeSample("--- sample: " + counted(count, "character") + ", temperature \(formatSettingNumber(temperature)), from \(from)"
            + (seed.map { ", seed \($0)" } ?? "") + " ---\n", text + "\n---\n")
        if !complete {
            write("interrupted: the sample stops there\n")
            return .interrupted
        }
        return .completed
    }

    mutating func score(_ source: Located<ScoreSource>, command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        let trainer = session.trainer!
        let result: ScoreResult
        let what: String
        switch source.value {
        case .text(let text):
            let indices: [Int]
            switch trainer.vocabulary.encode(text) {
            case .success(let encoded): indices = encoded
            case .failure(let unknown):
                throw Diagnostic(.model(.unknownCharacter(context: "text", scalar: unknown.scalar, position: unknown.position)),
                                 at: source.range)
            }
            guard indices.count >= 2 else {
                throw Diagnostic(.model(.textTooShort(context: "text", characters: indices.count, needed: 2)), at: source.range)
            }
            guard let scored = RNNCore.score(trainer.textModel(), text: indices, shouldStop: console.takeInterrupt) else {
                write("interrupted: nothing was scored\n")
                return .interrupted
            }
            result = scored
            what = quoted(text)
        case .file(let path):
            // A whole file, read with the same checks and limit as load, never echoed.
            let text: Corpus
            do {
                text = try Corpus.load(path: resolvePath(path), shouldStop: console.takeInterrupt)
            } catch .unreadable(_, .interrupted) {
                write("interrupted: nothing was scored\n")
                return .interrupted
            } catch {
                throw Diagnostic(.corpus(error), at: source.range)
            }
            // Its characters by the model's vocabulary (its own may be a subset).
            var indices: [Int] = []
            indices.reserveCapacity(text.count)
            for i in 0 ..< text.count {
                let scalar = text.vocabulary[text.indices[i]]
                guard let index = trainer.vocabulary.index(of: scalar) else {
                    throw Diagnostic(.model(.unknownCharacter(context: "file", scalar: scalar, position: i)), at: source.range)
                }
                indices.append(index)
            }
            guard let scored = RNNCore.score(trainer.textModel(), indices: .wide(indices.map(UInt16.init)),
                                             range: 0 ..< indices.count, shouldStop: console.takeInterrupt) else {
                write("interrupted: nothing was scored\n")
                return .interrupted
            }
            result = scored
            what = path + " (" + counted(indices.count, "character") + ")"
        }
        session.lastScore = result
        write("score of \(what): loss " + fixed(result.loss) + " over " + counted(result.predictions, "prediction")
            + " = " + fixed(result.lossPerCharacter) + " per char, perplexity " + fixed(result.perplexity) + ", "
            + fixed(result.bitsPerCharacter) + " bits per char\n")
        return .completed
    }

    /// The loss on the held-out text (`load … validation=F`), recorded in the session and in the
    /// model's validation history; nil when Ctrl-C stopped it.
    mutating func runEvaluation() -> ScoreResult? {
        let trainer = session.trainer!
        guard let range = trainer.corpus.validationRange,
              let result = RNNCore.score(trainer.textModel(), indices: trainer.corpus.indices, range: range,
                                         shouldStop: console.takeInterrupt) else { return nil }
        session.trainer!.recordValidation(loss: result.lossPerCharacter)
        return result
    }

    /// `evaluate`: the validation loss per character, perplexity and bits per character, with a
    /// unigram model's loss on the same text for comparison.
    mutating func evaluate(command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        let corpus = session.trainer!.corpus
        guard let range = corpus.validationRange else {
            throw Diagnostic(.notYet(.heldOutText(name: "evaluate")), at: command.range)
        }
        guard let result = runEvaluation() else {
            write("interrupted: nothing was evaluated\n")
            return .interrupted
        }
        let unigram = UnigramBaseline(corpus: corpus)
        write("validation loss at step \(session.trainer!.stepCount), on the held-out " + counted(range.count, "character")
            + " (read once from h = 0): " + fixed(result.lossPerCharacter) + " per char, perplexity " + fixed(result.perplexity)
            + ", " + fixed(result.bitsPerCharacter) + " bits per char\n"
            + "  for comparison, a unigram model (the training text's character frequencies, no context) scores "
            + fixed(unigram.validationLoss ?? .nan) + " per char on it\n")
        return .completed
    }

    /// A generated text under its header: the text wraps at spaces to the page (continuations
    /// indented by two) so that no word is cut by the terminal; its own line breaks stay.
    func writeSample(_ header: String, _ text: String) {
        write(header)
        emit(.text { wrapLines(text, width: $0.width) })
    }
}
