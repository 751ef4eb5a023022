import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Interpreter {
    // MARK: load, init, set, config

    mutating func load(_ source: Located<LoadSource>, validation: Located<Double>?) throws(Diagnostic) -> CommandOutcome {
        var corpus: Corpus
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
                corpus = try Corpus.load(path: resolvePath(path), shouldStop: console.takeInterrupt)
            }
        } catch let error as CorpusError {
            if case .unreadable(_, .interrupted) = error {
                write("interrupted: nothing was loaded; the session is as it was\n")
                return .interrupted
            }
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

        if let validation {
            do {
                corpus = try corpus.holdingOut(fraction: validation.value,
                                               sequenceLength: (session.trainer?.config ?? session.config).sequenceLength)
            } catch {
                throw Diagnostic(.corpus(error), at: validation.range)
            }
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
        if let range = corpus.validationRange {
            let percent = NumberFormat.general(100 * Double(range.count) / Double(corpus.count), significant: 3)
            text += "held out for validation: the last " + counted(range.count, "character") + " (\(percent)%, from character "
                + NumberFormat.grouped(range.lowerBound) + "); training reads the first " + counted(corpus.trainingCount, "character")
                + "; the vocabulary is the whole text's\n"
        }
        write(text)
        let vocabulary = corpus.vocabulary
        emit(.text { vocabularyTable(vocabulary, width: $0.width) })
        text = ""

        if let trainer = session.trainer {
            let needed = trainer.config.sequenceLength + 1
            if trainer.vocabulary == corpus.vocabulary && corpus.trainingCount / trainer.config.batchSize >= needed {
                var kept = Trainer(corpus: corpus, config: trainer.config, parameters: trainer.parameters)
                kept.restoreState(gradients: trainer.gradients, optimizer: trainer.optimizer,
                                  hiddenState: [Double](repeating: 0, count: trainer.hiddenState.count), position: 0,
                                  stepCount: trainer.stepCount, smoothLoss: trainer.smoothLoss,
                                  lossHistory: trainer.lossHistory, windowLengths: trainer.windowLengths,
                                  samplingGenerator: trainer.samplingGenerator, dropoutGenerator: trainer.dropoutGenerator)
                session.trainer = kept
                text += "the model is kept (same vocabulary); it continues from the start of this text with "
                    + (trainer.config.cell == .lstm ? "h = c = 0\n" : "h = 0\n")
            } else if trainer.vocabulary != corpus.vocabulary {
                session.replaceModel(with: nil)
                text += "the model was dropped (its vocabulary differs): run 'init'\n"
            } else {
                session.replaceModel(with: nil)
                let streams = trainer.config.batchSize
                text += "the model was dropped: " + (streams == 1 ? "the text has " + counted(corpus.trainingCount, "character")
                        : "each of its \(streams) streams would read " + counted(corpus.trainingCount / streams, "character"))
                    + ", fewer than one window needs (seq + 1 = \(needed)): run 'init' with a smaller seq\n"
            }
        }
        session.corpus = corpus
        session.validationFraction = validation?.value
        if !text.isEmpty { write(text) }
        return .completed
    }

    /// `~/…` from $HOME; relative paths from the script's folder when running a script.
    func resolvePath(_ path: String) -> String {
        if path.hasPrefix("~/"), let home = getenv("HOME") {
            return String(cString: home) + String(path.dropFirst())
        }
        if !path.hasPrefix("/"), let base = session.baseDirectory, !base.isEmpty && base != "." {
            return base.hasSuffix("/") ? base + path : base + "/" + path
        }
        return path
    }

    /// Maps an error from the core onto the setting that caused it, when one did: a model too
    /// large for memory points at the setting that makes most of its size (hidden for the
    /// weights, seq for the record of a window) among those this command gave.
    func locate(_ error: Error, settings: [Located<Setting>], command: Command) -> Diagnostic {
        func range(of keys: SettingKey...) -> SourceRange {
            for key in keys { if let found = settings.first(where: { $0.value.key == key }) { return found.range } }
            return command.range
        }
        switch error {
        case let error as ModelError:
            switch error {
            case .invalidSetting(let name, _, _):
                return Diagnostic(.model(error), at: SettingKey(rawValue: name).map { range(of: $0) } ?? command.range)
            case .modelTooLarge(let weights, let record, _):
                return Diagnostic(.model(error), at: record > weights ? range(of: .seq, .batch, .hidden, .layers, .cell)
                                                                        : range(of: .hidden, .layers, .cell, .seq))
            default:
                return Diagnostic(.model(error), at: command.range)
            }
        case let error as CorpusError:
            if case .streamTooShort = error { return Diagnostic(.corpus(error), at: range(of: .batch, .seq)) }
            return Diagnostic(.corpus(error), at: range(of: .seq))
        case let diagnostic as Diagnostic:
            return diagnostic
        default:
            preconditionFailure("unexpected \(error)")
        }
    }

    mutating func initialize(_ settings: [Located<Setting>], command: Command) throws(Diagnostic) -> CommandOutcome {
        let corpus = try requireCorpus(command)
        var config = session.config, display = session.display
        for setting in settings { setting.value.apply(to: &config, display: &display) }
        if config.cell != .lstm, let forgetBias = settings.first(where: { $0.value.key == .forgetBias }) {
            throw Diagnostic(.settingNotForCell(key: SettingKey.forgetBias.rawValue, cell: config.cell.rawValue, appliesTo: "lstm"),
                             at: forgetBias.range)
        }
        let trainer: Trainer
        do {
            trainer = try Trainer(corpus: corpus, config: config, shouldStop: console.takeInterrupt)
        } catch ModelError.interrupted {
            write("interrupted: no model was made; the session is as it was\n")
            return .interrupted
        } catch {
            throw locate(error, settings: settings, command: command)
        }
        session.replaceModel(with: trainer)
        session.config = config
        session.display = display
        session.lastGradientCheck = nil
        let precision = self.precision
        emit(.text { Self.modelSummary(trainer, precision: precision, context: $0) })
        return .completed
    }

    static func modelSummary(_ trainer: Trainer, precision: Int, context: RenderContext) -> String {
        let style = context.style
        let config = trainer.config
        let v = trainer.vocabulary.count, h = config.hiddenSize
        let times = style.times
        var text = "model: \(config.cell.rawValue), V=\(v) H=\(h) T=\(config.sequenceLength), "
        if config.layers > 1 { text += "\(config.layers) layers, " }
        if config.batchSize > 1 {
            text += "batch \(config.batchSize) (streams of " + NumberFormat.grouped(trainer.streamLength) + " characters), "
        }
        text += NumberFormat.grouped(trainer.parameters.layout.count) + " parameters\n"
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
            if line.count > 2 && line.count + piece.count > context.width {
                text += line + "\n"
                line = " "
            }
            line += piece
        }
        text += line + "\n"
        if config.cell == .lstm {
            text += "  state carried between windows: h and the cell state c (1\(times)\(h) each"
                + (config.layers > 1 || config.batchSize > 1 ? ", for every layer and stream)\n" : ")\n")
        }
        if config.usesNetwork {
            var engine = "  runs on the batched network: \(config.precision.rawValue), \(config.threadCount) thread"
                + (config.threadCount == 1 ? "" : "s")
            if config.dropout > 0 { engine += ", dropout \(formatSettingNumber(config.dropout)) between layers and before the output" }
            text += engine + "\n"
        }
        text += "  \(config.optimizer.rawValue), lr \(formatSettingNumber(config.learningRate)), "
        text += config.clipMode == .off ? "no clipping" : "clip \(config.clipMode.rawValue) \(formatSettingNumber(config.clip))"
        if !config.schedule.isConstant { text += ", " + describeSchedule(config.schedule) }
        text += ", seed \(config.seed); smooth loss starts at ln \(v) = "
            + NumberFormat.fixed(trainer.smoothLossPerCharacter, decimals: precision) + " per char\n"
        var bugs: [String] = []
        if !config.applyUpdate { bugs.append("update=off: gradients are never applied") }
        if !config.zeroGradients { bugs.append("zero-grad=off: gradients pile up from step to step") }
        if !config.carryHiddenState {
            bugs.append("carry=off: every window starts from " + (config.cell == .lstm ? "h = c = 0" : "h = 0"))
        }
        for bug in bugs { text += "  article bug on: \(bug)\n" }
        return wrapLines(text, width: context.width)
    }

    /// `set` checks what it changes, and only that: a new seq against the text, a size that
    /// must fit in memory; a display setting needs no model and no text.
    mutating func set(_ settings: [Located<Setting>], command: Command) throws(Diagnostic) {
        var config = session.config, display = session.display
        for setting in settings { setting.value.apply(to: &config, display: &display) }
        let changed = Set(settings.map(\.value.key))
        // A batch for the next init must leave every stream one window at least.
        if changed.contains(.batch), let corpus = session.corpus {
            do {
                try corpus.validate(sequenceLength: config.sequenceLength, streams: config.batchSize)
            } catch {
                throw locate(error, settings: settings, command: command)
            }
        }
        if var trainer = session.trainer {
            let immediate = settings.filter { !$0.value.key.needsInit && !$0.value.key.isDisplay }
            if !immediate.isEmpty {
                do {
                    try trainer.reconfigure { model in
                        var ignored = DisplaySettings()
                        for setting in immediate { setting.value.apply(to: &model, display: &ignored) }
                    }
                } catch {
                    throw locate(error, settings: settings, command: command)
                }
                session.trainer = trainer
            }
        } else if let corpus = session.corpus {
            // No model yet: a new seq must fit the text, and a new size the memory.
            do {
                if changed.contains(.seq) { try corpus.validate(sequenceLength: config.sequenceLength, streams: config.batchSize) }
                if !changed.isDisjoint(with: SettingKey.sizeKeys) {
                    try config.validateMemory(vocabularySize: corpus.vocabulary.count)
                }
            } catch {
                throw locate(error, settings: settings, command: command)
            }
        }
        var lines: [String] = []
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

    func config() {
        let model = session.trainer?.config
        var rows: [[String]] = []
        for key in SettingKey.allCases {
            var value = settingValue(key, config: session.config, display: session.display)
            if let model, key.needsInit {
                let current = settingValue(key, config: model, display: session.display)
                if current != value { value = current + " (next init: \(value))" }
            }
            rows.append([key.rawValue, value, key.summary + (key.needsInit ? " *" : "")])
        }
        emit(.text { context in
            let styled = rows.map { row in row.map { context.style.text($0) } }
            return formatTable(header: ["setting", "value", "meaning"], rows: styled, width: context.width)
                + wrapLines("* shapes the weights: changes take effect at the next init", width: context.width) + "\n"
        })
    }

}

/// "warm-up 200 steps, then cosine to 0.0001 over 5000 steps" (for `init`'s summary).
func describeSchedule(_ schedule: LearningRateSchedule) -> String {
    var parts: [String] = []
    if schedule.warmup > 0 { parts.append("warm-up \(schedule.warmup) steps") }
    if schedule.decaySteps > 0 {
        switch schedule.decay {
        case .constant: break
        case .cosine: parts.append("cosine to \(formatSettingNumber(schedule.floor)) over \(schedule.decaySteps) steps")
        case .step:
            parts.append("multiplied by \(formatSettingNumber(schedule.factor)) every \(schedule.decaySteps) steps"
                + (schedule.floor > 0 ? " down to \(formatSettingNumber(schedule.floor))" : ""))
        }
    }
    return parts.joined(separator: ", then ")
}
