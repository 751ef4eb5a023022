import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a command ended.
public enum CommandOutcome: Equatable, Sendable {
    case completed
    /// `quit`.
    case quit
    /// Ctrl-C stopped a long command between two steps (its progress is kept).
    case interrupted
}

/// Runs commands against a session, writing results to a console.
///
/// Every command either completes or throws a `Diagnostic` and leaves the session as it was
/// (a multi-step command keeps the steps completed before the failing one).
public struct Interpreter {
    private var session: Session
    private let console: Console

    private init(session: Session, console: Console) {
        self.session = session
        self.console = console
    }

    /// Executes one command. On error `session` is unchanged except for completed steps.
    public static func execute(_ command: Command, session: inout Session, console: Console) throws(Diagnostic) -> CommandOutcome {
        var interpreter = Interpreter(session: session, console: console)
        defer { session = interpreter.session }
        do {
            return try interpreter.run(command)
        } catch {
            if !error.keepsProgress { interpreter.session = session }
            throw error.diagnostic
        }
    }

    /// A diagnostic, and whether work done before it (completed steps) stands.
    struct Failure: Error {
        var diagnostic: Diagnostic
        var keepsProgress = false
    }

    private var style: TextStyle { session.style }
    private var precision: Int { session.display.precision }

    private func fixed(_ x: Double) -> String { NumberFormat.fixed(x, decimals: precision) }

    private func write(_ text: String) { console.write(text) }

    // MARK: Dispatch

    private mutating func run(_ command: Command) throws(Failure) -> CommandOutcome {
        // Multi-step commands report their own failures (keeping completed steps).
        switch command.kind {
        case .step(let count, let trace):
            return try step(count: count, trace: trace, command: command)
        case .train(let steps, let sampleEvery, let printEvery, let sampleLength):
            return try train(steps: steps, sampleEvery: sampleEvery, printEvery: printEvery, sampleLength: sampleLength,
                             command: command)
        case .quit:
            return .quit
        default:
            do {
                return try runSingle(command)
            } catch {
                throw Failure(diagnostic: error)
            }
        }
    }

    /// Commands that either complete or fail as a whole (grad-check and sample can be interrupted).
    private mutating func runSingle(_ command: Command) throws(Diagnostic) -> CommandOutcome {
        switch command.kind {
        case .load(let source): try load(source)
        case .initialize(let settings): try initialize(settings, command: command)
        case .set(let settings): try set(settings, command: command)
        case .config: config()
        case .forward(let trace): try forward(trace: trace, command: command)
        case .backward(let trace, let lastOnly): try backward(trace: trace, lastOnly: lastOnly, command: command)
        case .show(let reference, let mode): try show(reference, mode: mode)
        case .gradCheck(let name, let checks, let delta, let method):
            return try gradCheck(name: name, checks: checks, delta: delta, method: method, command: command)
        case .sample(let count, let temperature, let prime, let seed):
            return try sample(count: count, temperature: temperature, prime: prime, seed: seed, command: command)
        case .score(let text): try score(text, command: command)
        case .plot(let kind, let options): try plot(kind, options: options, command: command)
        case .keep(let name): try keep(name, command: command)
        case .forget(let name): try forget(name)
        case .save(let path): try save(path, command: command)
        case .restore(let path, let corpus): try restore(path, corpus: corpus)
        case .echo(let text): write(style.text(text) + "\n")
        case .pause: if console.isInteractive { console.waitForEnter() }
        case .expect(let reference, let comparison, let value, let tolerance):
            try expect(reference, comparison, value, tolerance: tolerance)
        case .reset:
            session = Session(style: session.style)
            write("session reset: no text, no model, default settings\n")
        case .help(let topic): try help(topic)
        case .step, .train, .quit: preconditionFailure("handled by run")
        }
        return .completed
    }

    private func requireCorpus(_ command: Command) throws(Diagnostic) -> Corpus {
        guard let corpus = session.corpus else { throw Diagnostic(.noCorpus(command: commandName(command)), at: command.range) }
        return corpus
    }

    private func requireModel(_ command: Command) throws(Diagnostic) {
        _ = try requireCorpus(command)
        guard session.trainer != nil else { throw Diagnostic(.noModel(command: commandName(command)), at: command.range) }
    }

    private func commandName(_ command: Command) -> String {
        switch command.kind {
        case .initialize: "init"
        case .step: "step"
        case .forward: "forward"
        case .backward: "backward"
        case .train: "train"
        case .gradCheck: "grad-check"
        case .sample: "sample"
        case .score: "score"
        case .plot: "plot"
        case .keep: "keep"
        case .forget: "forget"
        case .save: "save"
        default: "this command"
        }
    }

    // MARK: load, init, set, config

    private mutating func load(_ source: Located<LoadSource>) throws(Diagnostic) {
        let corpus: Corpus
        let started = console.now()
        do {
            switch source.value {
            case .builtin(let name):
                guard let text = BuiltinCorpus.text(named: name) else {
                    throw Diagnostic(.unknownBuiltin(name, available: BuiltinCorpus.names,
                                                     suggestion: closestMatch(to: name, in: BuiltinCorpus.names)), at: source.range)
                }
                corpus = try Corpus(text: text, source: "builtin " + name)
            case .file(let path):
                corpus = try Corpus.load(path: resolvePath(path))
            }
        } catch let error as CorpusError {
            throw Diagnostic(.corpus(error), at: source.range)
        } catch let error as Diagnostic {
            throw error
        } catch {
            preconditionFailure("unexpected \(error)")
        }
        if case .file = source.value, corpus.byteCount >= 1 << 20 {
            // Timing varies from run to run: standard error, like train's speed; only for texts
            // big enough for it to matter.
            let seconds = console.now() - started
            console.writeError("read " + formatBytes(Double(corpus.byteCount)) + " in " + NumberFormat.duration(seconds)
                + " (" + formatBytes(Double(corpus.byteCount) / max(seconds, 1e-9)) + "/s)\n")
        }

        let shown: String
        switch source.value {
        case .builtin(let name): shown = "builtin " + name
        case .file(let path): shown = path
        }
        var text = "loaded \(shown): " + counted(corpus.count, "character") + " ("
            + counted(corpus.byteCount, "byte") + " of UTF-8"
            + (corpus.hadByteOrderMark ? ", after a byte-order mark that was skipped" : "")
            + "), \(corpus.indices.bytesPerCharacter) byte" + (corpus.indices.bytesPerCharacter == 1 ? "" : "s")
            + " each in memory\n"
        text += vocabularyTable(corpus.vocabulary)

        if let trainer = session.trainer {
            let needed = trainer.config.sequenceLength + 1
            if trainer.vocabulary == corpus.vocabulary && corpus.count >= needed {
                var kept = Trainer(corpus: corpus, config: trainer.config, parameters: trainer.parameters)
                kept.restoreState(gradients: trainer.gradients, optimizer: trainer.optimizer,
                                  hiddenState: [Double](repeating: 0, count: trainer.hiddenState.count), position: 0,
                                  stepCount: trainer.stepCount, smoothLoss: trainer.smoothLoss,
                                  lossHistory: trainer.lossHistory, samplingGenerator: trainer.samplingGenerator)
                session.trainer = kept
                text += "the model is kept (same vocabulary); it continues from the start of this text with "
                    + (trainer.config.cell == .lstm ? "h = c = 0\n" : "h = 0\n")
            } else if trainer.vocabulary != corpus.vocabulary {
                session.trainer = nil
                text += "the model was dropped (its vocabulary differs): run 'init'\n"
            } else {
                session.trainer = nil
                text += "the model was dropped: the text has " + counted(corpus.count, "character")
                    + ", fewer than one window needs (seq + 1 = \(needed)): run 'init' with a smaller seq\n"
            }
        }
        session.corpus = corpus
        write(text)
    }

    /// `~/…` from $HOME; relative paths from the script's folder when running a script.
    private func resolvePath(_ path: String) -> String {
        if path.hasPrefix("~/"), let home = getenv("HOME") {
            return String(cString: home) + String(path.dropFirst())
        }
        if !path.hasPrefix("/"), let base = session.baseDirectory, !base.isEmpty {
            return base.hasSuffix("/") ? base + path : base + "/" + path
        }
        return path
    }

    /// Maps an error from the core onto the setting that caused it, when one did.
    private func locate(_ error: Error, settings: [Located<Setting>], command: Command) -> Diagnostic {
        func range(of key: SettingKey) -> SourceRange {
            settings.first { $0.value.key == key }?.range ?? command.range
        }
        switch error {
        case let error as ModelError:
            switch error {
            case .invalidSetting(let name, _, _):
                return Diagnostic(.model(error), at: SettingKey(rawValue: name).map(range(of:)) ?? command.range)
            case .modelTooLarge:
                return Diagnostic(.model(error), at: range(of: .hidden))
            default:
                return Diagnostic(.model(error), at: command.range)
            }
        case let error as CorpusError:
            return Diagnostic(.corpus(error), at: range(of: .seq))
        case let diagnostic as Diagnostic:
            return diagnostic
        default:
            preconditionFailure("unexpected \(error)")
        }
    }

    private mutating func initialize(_ settings: [Located<Setting>], command: Command) throws(Diagnostic) {
        let corpus = try requireCorpus(command)
        var config = session.config, display = session.display
        for setting in settings { setting.value.apply(to: &config, display: &display) }
        if config.cell != .lstm, let forgetBias = settings.first(where: { $0.value.key == .forgetBias }) {
            throw Diagnostic(.settingNotForCell(key: SettingKey.forgetBias.rawValue, cell: config.cell.rawValue, appliesTo: "lstm"),
                             at: forgetBias.range)
        }
        let trainer: Trainer
        do {
            trainer = try Trainer(corpus: corpus, config: config)
        } catch {
            throw locate(error, settings: settings, command: command)
        }
        session.trainer = trainer
        session.config = config
        session.display = display
        session.lastGradientCheck = nil
        write(modelSummary(trainer))
    }

    private func modelSummary(_ trainer: Trainer) -> String {
        let config = trainer.config
        let v = trainer.vocabulary.count, h = config.hiddenSize
        let times = style.times
        var text = "model: \(config.cell.rawValue), V=\(v) H=\(h) T=\(config.sequenceLength), "
            + NumberFormat.grouped(trainer.parameters.layout.count) + " parameters\n"
        // Matrices that start alike are listed together: "W_xi W_xf W_xg W_xo 27×32 randn·0.01".
        var groups: [(names: [String], shape: String, how: String)] = []
        for entry in trainer.parameters.layout.entries {
            let shape = "\(entry.rows)\(times)\(entry.columns)"
            let how = config.initialization.describe(entry, times: style.scalarTimes)
            if let last = groups.last, last.shape == shape, last.how == how {
                groups[groups.count - 1].names.append(entry.name)
            } else {
                groups.append(([entry.name], shape, how))
            }
        }
        let items = groups.map { $0.names.joined(separator: " ") + " \($0.shape) \($0.how)" }
        var line = " "
        for (index, item) in items.enumerated() {
            let piece = " " + item + (index < items.count - 1 ? "," : "")
            if line.count > 2 && line.count + piece.count > session.display.width {
                text += line + "\n"
                line = " "
            }
            line += piece
        }
        text += line + "\n"
        if config.cell == .lstm {
            text += "  state carried between windows: h and the cell state c (1\(times)\(h) each)\n"
        }
        text += "  \(config.optimizer.rawValue), lr \(formatSettingNumber(config.learningRate)), "
        text += config.clipMode == .off ? "no clipping" : "clip \(config.clipMode.rawValue) \(formatSettingNumber(config.clip))"
        text += ", seed \(config.seed); smooth loss starts at " + fixed(trainer.smoothLoss) + "\n"
        var bugs: [String] = []
        if !config.applyUpdate { bugs.append("update=off: gradients are never applied") }
        if !config.zeroGradients { bugs.append("zero-grad=off: gradients pile up from step to step") }
        if !config.carryHiddenState {
            bugs.append("carry=off: every window starts from " + (config.cell == .lstm ? "h = c = 0" : "h = 0"))
        }
        for bug in bugs { text += "  article bug on: \(bug)\n" }
        return text
    }

    private mutating func set(_ settings: [Located<Setting>], command: Command) throws(Diagnostic) {
        var config = session.config, display = session.display
        for setting in settings { setting.value.apply(to: &config, display: &display) }
        var lines: [String] = []
        if var trainer = session.trainer {
            let immediate = settings.filter { !$0.value.key.needsInit && !$0.value.key.isDisplay }
            do {
                try trainer.reconfigure { model in
                    var ignored = DisplaySettings()
                    for setting in immediate { setting.value.apply(to: &model, display: &ignored) }
                }
            } catch {
                throw locate(error, settings: settings, command: command)
            }
            session.trainer = trainer
        } else if let corpus = session.corpus {
            // No model yet: check what can be checked now (seq against the text).
            do {
                try config.validate(vocabularySize: corpus.vocabulary.count)
                try corpus.validate(sequenceLength: config.sequenceLength)
            } catch {
                throw locate(error, settings: settings, command: command)
            }
        }
        for setting in settings {
            let key = setting.value.key
            var line = "\(key.rawValue) = " + settingValue(key, config: config, display: display)
            if key.needsInit && session.trainer != nil { line += "  (takes effect at the next init)" }
            if key == .forgetBias && config.cell != .lstm { line += "  (used only by cell=lstm)" }
            lines.append(line)
        }
        session.config = config
        session.display = display
        write(lines.joined(separator: "\n") + "\n")
    }

    private func config() {
        let model = session.trainer?.config
        var rows: [[String]] = []
        for key in SettingKey.allCases {
            var value = settingValue(key, config: session.config, display: session.display)
            if let model, key.needsInit {
                let current = settingValue(key, config: model, display: session.display)
                if current != value { value = current + " (next init: \(value))" }
            }
            rows.append([key.rawValue, value, style.text(key.summary) + (key.needsInit ? " *" : "")])
        }
        var text = formatTable(header: ["setting", "value", "meaning"], rows: rows)
        text += "* shapes the weights: changes take effect at the next init\n"
        write(text)
    }

    // MARK: Training

    private func stepLine(_ report: StepReport) -> String {
        var line = "step " + leftPad(String(report.step), 6) + "  loss " + fixed(report.loss)
            + "  smooth " + fixed(report.smoothLoss) + "  p " + String(report.position)
        if report.wrapped && report.step > 1 { line += "  (wrapped to the start, h reset)" }
        return line + "\n"
    }

    private mutating func step(count: Int, trace: Bool, command: Command) throws(Failure) -> CommandOutcome {
        do { try requireModel(command) } catch { throw Failure(diagnostic: error) }
        for done in 0 ..< count {
            if done > 0 && console.takeInterrupt() {
                write("interrupted after \(done) of \(count) steps\n")
                return .interrupted
            }
            do {
                let before = session.trainer!.parameters
                let recorder = trace ? BackwardRecorder() : nil
                let report = try session.trainer!.step(recorder: recorder)
                if trace {
                    write(traceRenderer(parameters: before, recorder: recorder, report: report).step())
                } else {
                    write(stepLine(report))
                }
            } catch {
                throw Failure(diagnostic: Diagnostic(.model(error), at: command.range), keepsProgress: done > 0)
            }
        }
        return .completed
    }

    private mutating func forward(trace: Bool, command: Command) throws(Diagnostic) {
        try requireModel(command)
        let loss = session.trainer!.forwardOnly()
        if trace {
            write(traceRenderer(parameters: session.trainer!.parameters, recorder: nil, report: nil).forward())
        } else {
            let t = Double(session.trainer!.config.sequenceLength)
            write("forward over characters \(session.trainer!.recordedWindow!.start) to "
                + "\(session.trainer!.recordedWindow!.start + Int(t) - 1): loss " + fixed(loss) + " ("
                + fixed(loss / t) + " per character); nothing was learnt\n")
        }
    }

    private mutating func backward(trace: Bool, lastOnly: Bool, command: Command) throws(Diagnostic) {
        try requireModel(command)
        guard session.trainer!.recordedWindow?.matchesParameters == true else {
            throw Diagnostic(.notYet(.forwardWithCurrentWeights(stepSince: session.trainer!.recordedWindow != nil)),
                             at: command.range)
        }
        let recorder = trace ? BackwardRecorder() : nil
        session.trainer!.backwardOnly(recorder: recorder, losses: lastOnly ? .last : .all)
        if trace {
            let renderer = traceRenderer(parameters: session.trainer!.parameters, recorder: recorder, report: nil)
            write(renderer.backward() + renderer.gradients(title: "gradients of the window (not clipped, not applied)"))
        } else {
            let norm = session.trainer!.gradients.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let norms = session.trainer!.cell.hiddenGradientNorms
            write(style.text("backward" + (lastOnly ? " (loss of the last step only)" : "")
                + ": gradients dW_… filled (not clipped, not applied), ‖g‖ = ") + NumberFormat.general(norm, significant: 6) + "\n"
                + style.text("  ‖∂L/∂h_t‖ from ") + NumberFormat.general(norms.first ?? 0, significant: 4)
                + " at t=0 to " + NumberFormat.general(norms.last ?? 0, significant: 4) + " at t=\(norms.count - 1)\n")
        }
    }

    /// A trace of the recorded window; `parameters` are those its forward pass used.
    private func traceRenderer(parameters: Parameters, recorder: BackwardRecorder?, report: StepReport?) -> TraceRenderer {
        let trainer = session.trainer!
        let input = TraceInput(config: trainer.config, vocabulary: trainer.vocabulary, cell: trainer.cell,
                               parameters: parameters, window: trainer.recordedWindow!, backward: recorder,
                               gradients: recorder == nil ? nil : trainer.gradients, report: report,
                               parametersAfter: report == nil ? nil : trainer.parameters, optimizer: trainer.optimizer)
        return TraceRenderer(input: input, precision: precision, style: style, pageWidth: session.display.width)
    }

    private mutating func train(steps: Int, sampleEvery: Int?, printEvery: Int?, sampleLength: Int,
                                command: Command) throws(Failure) -> CommandOutcome {
        do { try requireModel(command) } catch { throw Failure(diagnostic: error) }
        let every = printEvery ?? max(1, steps / 10)
        let started = console.now()
        var done = 0
        var outcome = CommandOutcome.completed
        var failure: Diagnostic?
        let firstStep = session.trainer!.stepCount
        while done < steps {
            if console.takeInterrupt() {
                outcome = .interrupted
                break
            }
            let report: StepReport
            do {
                report = try session.trainer!.step()
            } catch {
                failure = Diagnostic(.model(error), at: command.range)
                break
            }
            done += 1
            if console.showsProgress {
                console.progress(ProgressState(done: done, total: steps, elapsed: console.now() - started,
                                               loss: report.loss, smoothLoss: report.smoothLoss))
            } else if report.step % every == 0 || done == steps {
                write("step " + leftPad(String(report.step), 6) + "  loss " + fixed(report.loss)
                    + "  smooth " + fixed(report.smoothLoss) + "\n")
            }
            if let k = sampleEvery, done % k == 0 {
                if console.showsProgress { console.finishProgress() }
                let text = drawSample(count: sampleLength, temperature: 1, primeIndices: nil, seed: nil).text
                write("--- sample at step \(report.step) ---\n" + text + "\n---\n")
            }
        }
        let elapsed = console.now() - started
        if console.showsProgress { console.finishProgress() }
        let trainer = session.trainer!
        if outcome == .interrupted {
            write("interrupted after \(done) of \(steps) steps (step \(trainer.stepCount)); the model keeps what it learnt\n")
        } else if failure == nil {
            let last = trainer.lastReport!
            write("trained \(done) steps (\(firstStep + 1) to \(trainer.stepCount)): loss " + fixed(last.loss)
                + ", smooth loss " + fixed(last.smoothLoss) + "\n")
        }
        if done > 0 {
            let characters = Double(done * trainer.config.sequenceLength)
            console.writeError("\(done) steps in " + NumberFormat.duration(elapsed) + ": "
                + NumberFormat.rate(Double(done) / elapsed) + " steps/s, "
                + NumberFormat.rate(characters / elapsed) + " characters/s\n")
        }
        if let failure { throw Failure(diagnostic: failure, keepsProgress: true) }
        return outcome
    }

    // MARK: Looking at things

    private func show(_ reference: NameReference, mode: ShowMode?) throws(Diagnostic) {
        let value = try NameResolver(session: session).resolve(reference, command: "show")
        switch value {
        case .text(let text):
            if let mode { throw Diagnostic(.textHasNoMode(name: reference.name, mode: mode.rawValue), at: reference.range) }
            write(style.text(text))
        case .scalar(let number):
            write("\(reference.text) = " + NumberFormat.general(number, significant: max(precision + 2, 6)) + "\n")
        case .matrix(let matrix, _, _):
            switch mode ?? .values {
            case .values:
                write(formatMatrix(matrix, options: MatrixFormatOptions(precision: precision, width: session.display.width),
                                   style: style))
            case .stats:
                write(formatStatistics(name: matrix.name, rows: matrix.rows, columns: matrix.columns, values: matrix.values,
                                       style: style))
            case .heatmap:
                write(formatHeatmap(matrix, width: session.display.width, style: style))
            }
        }
    }

    private mutating func expect(_ reference: NameReference, _ comparison: Comparison, _ expected: Double,
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
        let symbol = comparison == .approximately ? style.approximately : comparison.rawValue
        var line = "check: \(reference.text) = " + NumberFormat.general(actual, significant: 8) + " \(symbol) "
            + NumberFormat.general(expected, significant: 8)
        if comparison == .approximately { line += " (tol " + NumberFormat.general(tolerance, significant: 3) + ")" }
        write(line + "  " + style.check + "\n")
    }

    private mutating func gradCheck(name: NameReference?, checks: Int?, delta: Double, method: NumericDerivative,
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
        let state = wraps || !trainer.config.carryHiddenState ? nil : trainer.hiddenState
        let perParameter = checks ?? (layout.count <= 500 ? nil : 5)
        let options = GradientCheckOptions(delta: delta, method: method, entriesPerParameter: perParameter)
        let console = self.console
        let result: GradientCheckResult
        do {
            result = try checkGradients(cell: trainer.config.cell, parameters: trainer.parameters,
                                        vocabularySize: trainer.vocabulary.count, hiddenSize: trainer.config.hiddenSize,
                                        inputs: inputs, targets: targets, initialState: state,
                                        only: name.map { [$0.name] }, options: options, shouldStop: console.takeInterrupt)
        } catch {
            throw Diagnostic(.model(error), at: command.range)
        }
        session.lastGradientCheck = result
        write(GradientCheckReport(result: result, window: start, style: style).render())
        if !result.complete {
            write("interrupted: the entries above were checked, the rest were not\n")
            return .interrupted
        }
        return .completed
    }

    /// The prime and `count` characters drawn after it, and whether all were drawn (Ctrl-C stops early).
    private mutating func drawSample(count: Int, temperature: Double, primeIndices: [Int]?,
                                     seed: UInt64?) -> (text: String, complete: Bool) {
        let trainer = session.trainer!
        let prime = primeIndices ?? [trainer.corpus.indices[0]]
        var generator = seed.map { SeededGenerator(seed: $0) } ?? trainer.samplingGenerator
        let result = RNNCore.sample(cell: trainer.cell, parameters: trainer.parameters, prime: prime, count: count,
                                    temperature: temperature, generator: &generator, shouldStop: console.takeInterrupt)
        if seed == nil { session.trainer!.samplingGenerator = generator }
        return (trainer.vocabulary.decode(prime) + trainer.vocabulary.decode(result.indices), result.complete)
    }

    private mutating func sample(count: Int, temperature: Double, prime: Located<String>?, seed: UInt64?,
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
        write("--- sample: " + counted(count, "character") + ", temperature \(formatSettingNumber(temperature)), from \(from)"
            + (seed.map { ", seed \($0)" } ?? "") + " ---\n" + text + "\n---\n")
        if !complete {
            write("interrupted: the sample stops there\n")
            return .interrupted
        }
        return .completed
    }

    private mutating func score(_ text: Located<String>, command: Command) throws(Diagnostic) {
        try requireModel(command)
        let trainer = session.trainer!
        let indices: [Int]
        switch trainer.vocabulary.encode(text.value) {
        case .success(let encoded): indices = encoded
        case .failure(let unknown):
            throw Diagnostic(.model(.unknownCharacter(context: "text", scalar: unknown.scalar, position: unknown.position)),
                             at: text.range)
        }
        guard indices.count >= 2 else {
            throw Diagnostic(.model(.textTooShort(context: "text", characters: indices.count, needed: 2)), at: text.range)
        }
        let result = RNNCore.score(cell: trainer.cell, parameters: trainer.parameters, text: indices)
        session.lastScore = result
        write("score of \(quoted(text.value)): loss " + fixed(result.loss) + " over " + counted(result.predictions, "prediction") + ", "
            + fixed(result.lossPerCharacter) + " per character, perplexity " + fixed(result.perplexity) + ", "
            + fixed(result.bitsPerCharacter) + " bits per character\n")
    }

    // MARK: Checkpoints

    private func save(_ path: Located<String>, command: Command) throws(Diagnostic) {
        try requireModel(command)
        let trainer = session.trainer!
        let corpusPath = trainer.corpus.source.hasPrefix("builtin ") ? nil : absolutePath(trainer.corpus.source)
        let text = CheckpointFile(session: session, trainer: trainer, corpusPath: corpusPath).json()
        do {
            try writeAtomically(Array(text.utf8), to: resolvePath(path.value))
        } catch {
            throw Diagnostic(.checkpointWrite(path: path.value, reason: error.reason), at: path.range)
        }
        write("saved step \(trainer.stepCount) to \(path.value) (" + formatBytes(Double(text.utf8.count)) + ")\n")
    }

    private mutating func restore(_ path: Located<String>, corpus override: Located<String>?) throws(Diagnostic) {
        let file = resolvePath(path.value)
        let data: [UInt8]
        do {
            data = try readFile(file)
        } catch {
            throw Diagnostic(.checkpointRead(path: path.value, reason: error.shortReason), at: path.range)
        }
        func invalid(_ problem: CheckpointProblem) -> Diagnostic {
            Diagnostic(.checkpointInvalid(path: path.value, problem: problem), at: path.range)
        }
        // Everything is checked before anything changes.
        let checkpoint: CheckpointFile
        let restored: RestoredCheckpoint
        do {
            checkpoint = try CheckpointFile.parse(data)
            restored = try checkpoint.validated()
        } catch {
            throw invalid(error)
        }

        // The text: the one named in the file (unchanged), or the one given with corpus=.
        let corpus: Corpus
        do {
            if let override {
                corpus = try Corpus.load(path: resolvePath(override.value))
                guard corpus.vocabulary == restored.vocabulary else {
                    throw Diagnostic(.checkpointVocabularyMismatch(corpus: override.value), at: override.range)
                }
            } else if let builtin = checkpoint.corpus.builtin {
                guard let text = BuiltinCorpus.text(named: builtin) else {
                    throw invalid(.missingOrWrong(field: "corpus.builtin", detail: "there is no built-in corpus '\(builtin)'"))
                }
                corpus = try Corpus(text: text, source: "builtin " + builtin)
            } else if let named = checkpoint.corpus.path {
                if let current = session.corpus, current.checksum == restored.checksum,
                   absolutePath(current.source) == named {
                    corpus = current
                } else {
                    do {
                        corpus = try Corpus.load(path: named)
                    } catch {
                        throw Diagnostic(.checkpointCorpusUnreadable(path: path.value, corpus: named, reason: error.description),
                                         at: path.range)
                    }
                }
            } else {
                throw invalid(.missingOrWrong(field: "corpus", detail: "it names neither a path nor a built-in corpus"))
            }
        } catch let error as Diagnostic {
            throw error
        } catch let error as CorpusError {
            throw Diagnostic(.corpus(error), at: override?.range ?? path.range)
        } catch {
            preconditionFailure("unexpected \(error)")
        }
        if override == nil && corpus.checksum != restored.checksum {
            throw Diagnostic(.checkpointCorpusChanged(path: path.value, corpus: corpus.source), at: path.range)
        }
        guard corpus.vocabulary == restored.vocabulary else {
            throw Diagnostic(.checkpointVocabularyMismatch(corpus: corpus.source), at: path.range)
        }
        let needed = max(restored.config.sequenceLength + 1, restored.position)
        guard corpus.count >= needed else {
            throw Diagnostic(.checkpointCorpusTooShort(corpus: corpus.source, characters: corpus.count, needed: needed),
                             at: override?.range ?? path.range)
        }

        var trainer = Trainer(corpus: corpus, config: restored.config, parameters: restored.parameters)
        trainer.restoreState(gradients: restored.gradients, optimizer: restored.optimizer, hiddenState: restored.hiddenState,
                             position: restored.position, stepCount: restored.stepCount, smoothLoss: restored.smoothLoss,
                             lossHistory: restored.lossHistory, samplingGenerator: restored.samplingGenerator,
                             lastReport: restored.lastReport)
        session.corpus = corpus
        session.trainer = trainer
        session.config = restored.config
        session.display = restored.display
        session.keptRuns = restored.keptRuns
        session.lastGradientCheck = nil
        session.lastScore = nil
        let config = restored.config
        write("restored at step \(trainer.stepCount): \(config.cell.rawValue), V=\(corpus.vocabulary.count) "
            + "H=\(config.hiddenSize) T=\(config.sequenceLength), on \(corpus.source), position \(trainer.position)\n")
    }

    /// `path` made absolute against the current folder (checkpoints name their text this way).
    private func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let pointer = getcwd(nil, 0) else { return path }
        defer { free(pointer) }
        let folder = String(cString: pointer)
        return (folder.hasSuffix("/") ? folder : folder + "/") + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    private mutating func keep(_ name: Located<String>, command: Command) throws(Diagnostic) {
        try requireModel(command)
        let trainer = session.trainer!
        let losses = trainer.lossHistory
        let norms = trainer.recordedWindow?.backwardDone == true ? trainer.cell.hiddenGradientNorms : nil
        guard !losses.isEmpty || norms != nil else {
            throw Diagnostic(.notYet(.somethingToKeep), at: command.range)
        }
        let run = KeptRun(name: name.value, losses: losses, gradientNorms: norms)
        if let index = session.keptRuns.firstIndex(where: { $0.name == name.value }) {
            session.keptRuns[index] = run
        } else {
            session.keptRuns.append(run)
        }
        var parts: [String] = []
        if !losses.isEmpty { parts.append("the loss curve of \(losses.count) steps") }
        if let norms { parts.append(style.text("‖∂L/∂h_t‖ for \(norms.count) steps")) }
        write("kept " + parts.joined(separator: " and ") + " as '\(name.value)' (\(session.keptRuns.count) kept)\n")
    }

    private mutating func forget(_ name: Located<String>?) throws(Diagnostic) {
        guard let name else {
            let count = session.keptRuns.count
            session.keptRuns = []
            write("forgot " + counted(count, "kept run") + "\n")
            return
        }
        guard let index = session.keptRuns.firstIndex(where: { $0.name == name.value }) else {
            let names = session.keptRuns.map(\.name)
            throw Diagnostic(.noSuchKeptRun(name: name.value, kept: names, suggestion: closestMatch(to: name.value, in: names)),
                             at: name.range)
        }
        session.keptRuns.remove(at: index)
        write("forgot '\(name.value)' (\(session.keptRuns.count) kept)\n")
    }

    /// The kept ‖∂L/∂h_t‖ profiles on a log scale.
    private func plotRunNorms(options: PlotOptions, width: Int, command: Command) throws(Diagnostic) {
        let runs = session.keptRuns.filter { $0.gradientNorms != nil }
        guard !runs.isEmpty else {
            throw Diagnostic(.notYet(.keptGradientNorms), at: command.range)
        }
        let series = runs.map { PlotSeries(name: $0.name, values: $0.gradientNorms!, firstX: 0) }
        write(formatLinePlot(series, options: LinePlotOptions(title: "‖∂L/∂h_t‖ for each step t, for each kept run",
                                                              width: width, height: options.height ?? 14,
                                                              logScale: true, xLabel: "t"), style: style))
        var rows: [[String]] = []
        for run in runs {
            let norms = run.gradientNorms!
            rows.append([run.name, NumberFormat.general(norms.first!, significant: 4), NumberFormat.general(norms.last!, significant: 4),
                         NumberFormat.general(norms.first! / norms.last!, significant: 4)])
        }
        write(style.text(formatTable(header: ["run", "‖∂L/∂h_0‖", "‖∂L/∂h_last‖", "ratio"], rows: rows, rightAligned: [1, 2, 3])))
    }

    /// Running means of each kept curve, over windows of about 1/30 of the longest run.
    private func plotRuns(options: PlotOptions, width: Int, command: Command) throws(Diagnostic) {
        let runs = session.keptRuns.filter { !$0.losses.isEmpty }
        guard !runs.isEmpty else {
            throw Diagnostic(.notYet(.keptRuns), at: command.range)
        }
        let longest = runs.map(\.losses.count).max()!
        let window = max(1, longest / 30)
        let series = runs.map { run in
            PlotSeries(name: run.name, values: runningMean(run.losses, window: window))
        }
        let title = "loss per step, mean of the last \(window) step" + (window == 1 ? "" : "s") + ", for each kept run"
        write(formatLinePlot(series, options: LinePlotOptions(title: title, width: width, height: options.height ?? 14,
                                                              logScale: options.logScale, xLabel: "step"), style: style))
        var rows: [[String]] = []
        for (run, line) in zip(runs, series) {
            rows.append([run.name, String(run.losses.count), fixed(line.ys.first ?? 0), fixed(line.ys.last ?? 0)])
        }
        write(formatTable(header: ["run", "steps", "first", "last"], rows: rows, rightAligned: [1, 2, 3]))
    }

    private func plot(_ kind: PlotKind, options: PlotOptions, command: Command) throws(Diagnostic) {
        let width = options.width ?? max(20, min(session.display.width - 12, 72))
        if kind == .runs {
            try plotRuns(options: options, width: width, command: command)
            return
        }
        if kind == .runNorms {
            try plotRunNorms(options: options, width: width, command: command)
            return
        }
        try requireModel(command)
        let trainer = session.trainer!
        switch kind {
        case .loss:
            guard !trainer.lossHistory.isEmpty else {
                throw Diagnostic(.notYet(.trainingSteps(name: "plot loss")), at: command.range)
            }
            var smooth: [Double] = []
            var s = -log(1 / Double(trainer.vocabulary.count)) * Double(trainer.config.sequenceLength)
            for loss in trainer.lossHistory {
                s = 0.999 * s + 0.001 * loss
                smooth.append(s)
            }
            // The smooth loss runs through the raw loss's band: draw it on top, no overlap marks.
            let plotOptions = LinePlotOptions(title: "loss per step (window of \(trainer.config.sequenceLength) characters)",
                                              width: width, height: options.height ?? 14, logScale: options.logScale,
                                              xLabel: "step", markOverlaps: false)
            write(formatLinePlot([PlotSeries(name: "loss", values: trainer.lossHistory),
                                  PlotSeries(name: "smooth loss", values: smooth)], options: plotOptions, style: style))
        case .gradNorms:
            guard let window = trainer.recordedWindow, window.backwardDone else {
                throw Diagnostic(.notYet(.backwardPass(name: "plot grad-norms")), at: command.range)
            }
            let norms = trainer.cell.hiddenGradientNorms
            let title = "‖∂L/∂h_t‖ for each step t of the last window"
                + (window.backwardLosses == .last ? ", loss of the last step only" : "")
            if norms.count <= 24 && !options.logScale {
                let bars = norms.enumerated().map { t, value in
                    Bar(label: "t=\(t) " + characterLabel(trainer.vocabulary[trainer.cell.input(at: t)]), value: value)
                }
                write(formatBarChart(bars, title: title, width: width - 20, precision: precision, style: style))
            } else {
                write(formatLinePlot([PlotSeries(name: "‖∂L/∂h_t‖", values: norms, firstX: 0)],
                                     options: LinePlotOptions(title: title, width: width, height: options.height ?? 12,
                                                              logScale: options.logScale, xLabel: "t"), style: style))
            }
        case .probs:
            let p: [Double], title: String
            if let prime = options.prime {
                let indices: [Int]
                switch trainer.vocabulary.encode(prime.value) {
                case .success(let encoded): indices = encoded
                case .failure(let unknown):
                    throw Diagnostic(.model(.unknownCharacter(context: "prime", scalar: unknown.scalar, position: unknown.position)),
                                     at: prime.range)
                }
                p = nextCharacterProbabilities(cell: trainer.cell, parameters: trainer.parameters, prime: indices,
                                               temperature: options.temperature)
                title = "the next character after \(quoted(prime.value)), temperature \(formatSettingNumber(options.temperature))"
            } else {
                guard trainer.recordedWindow != nil else {
                    throw Diagnostic(.notYet(.recordedWindow(name: "plot probs")), at: command.range)
                }
                let steps = trainer.cell.steps
                let t = options.step ?? steps - 1
                guard t < steps else { throw Diagnostic(.stepOutOfWindow(step: t, steps: steps), at: command.range) }
                p = trainer.cell.probabilities(at: t)
                let input = characterLabel(trainer.vocabulary[trainer.cell.input(at: t)])
                let target = characterLabel(trainer.vocabulary[trainer.cell.target(at: t)])
                title = "p_t at t=\(t): after \(input), the target is \(target)"
            }
            let order = p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }.prefix(options.top)
            let bars = order.map { Bar(label: characterLabel(trainer.vocabulary[$0]), value: p[$0]) }
            write(formatBarChart(bars, title: title + " (top \(bars.count) of \(p.count))", width: width - 20,
                                 precision: precision, style: style))
        case .runs, .runNorms:
            preconditionFailure("handled above")
        }
    }

    private func help(_ topic: Located<String>?) throws(Diagnostic) {
        guard let topic else {
            write(style.text(Help.overview()))
            return
        }
        switch topic.value {
        case "grammar":
            write(style.text(Help.grammar) + "\n")
        case "names":
            write(style.text(Help.describe(Help.spec(named: "show")!)))
        default:
            guard let spec = Help.spec(named: topic.value) else {
                throw Diagnostic(.unknownHelpTopic(topic.value, suggestion: closestMatch(to: topic.value, in: Help.commandNames + ["grammar", "names"])),
                                 at: topic.range)
            }
            write(style.text(Help.describe(spec)))
        }
    }
}

/// The mean of each value and the `window − 1` before it (fewer at the start).
func runningMean(_ values: [Double], window: Int) -> [Double] {
    var result: [Double] = []
    result.reserveCapacity(values.count)
    var sum = 0.0
    for (i, value) in values.enumerated() {
        sum += value
        if i >= window { sum -= values[i - window] }
        result.append(sum / Double(min(i + 1, window)))
    }
    return result
}

/// 1536 → "1.5 KB", in powers of 1024 (1 MB = 1,048,576 bytes).
func formatBytes(_ bytes: Double) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB"]
    var value = bytes, unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(Int(value)) bytes" : NumberFormat.fixed(value, decimals: 1) + " " + units[unit]
}

/// "1 character", "2 characters", "1,000 characters".
func counted(_ count: Int, _ noun: String) -> String {
    NumberFormat.grouped(count) + " " + noun + (count == 1 ? "" : "s")
}

extension SettingKey {
    /// What the setting means (for `config`).
    var summary: String {
        switch self {
        case .cell: "kind of recurrent cell"
        case .hidden: "H, size of the hidden state h_t"
        case .seq: "T, characters per training window (BPTT length)"
        case .lr: "learning rate"
        case .clip: "clip limit: bound of each gradient entry, or of the norm"
        case .clipMode: "value: clip each entry; norm: scale the whole gradient; off"
        case .optimizer: "update rule"
        case .seed: "seed of the initial weights (and of sampling)"
        case .whh: "initial W_hh (every W_h* of a gated cell): identity, random or orthogonal"
        case .scale: "scale of the initial W_hh (W_h*)"
        case .sigma: "σ of the initial W_xh (W_x*) and W_hy"
        case .forgetBias: "initial b_f of an LSTM (σ(1) ≈ 0.73: mostly remember)"
        case .update: "apply the gradients (off: the article's missing update)"
        case .zeroGrad: "zero gradients every step (off: the article's accumulation)"
        case .carry: "carry h (and an LSTM's c) between windows (off: the article's h = 0 every window)"
        case .precision: "digits shown after the decimal point"
        case .width: "characters per line for matrices and plots"
        }
    }
}
