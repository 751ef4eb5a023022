import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Interpreter {
    // MARK: Checkpoints

    /// Writes the session; checks the file with restore's own validation first, so a file that
    /// restore would refuse is never written (and a good one is never replaced by it).
    func save(_ path: Located<String>, command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        guard let bytes = try writeCheckpoint(to: path) else {
            write("interrupted: nothing was saved; any file that was at \(path.value) is unchanged\n")
            return .interrupted
        }
        write("saved step \(session.trainer!.stepCount) to \(path.value) (" + formatBytes(Double(bytes)) + ")\n")
        return .completed
    }

    /// The session as a checkpoint at `path` (save, and train's checkpoint= and best=): the
    /// bytes written, or nil when Ctrl-C stopped it (the file that was there is unchanged).
    func writeCheckpoint(to path: Located<String>) throws(Diagnostic) -> Int? {
        let trainer = session.trainer!
        let corpusPath = trainer.corpus.source.hasPrefix("builtin ") ? nil : absolutePath(trainer.corpus.source)
        let file = CheckpointFile(session: session, trainer: trainer, corpusPath: corpusPath)
        do {
            _ = try file.validated()
        } catch {
            throw Diagnostic(.checkpointWrite(path: path.value, reason: "this session could not be restored from it ("
                + error.message + ")"), at: path.range)
        }
        guard let text = file.json(shouldStop: console.takeInterrupt) else { return nil }
        let bytes = Array(text.utf8)
        do {
            try writeAtomically(bytes, to: resolvePath(path.value), shouldStop: console.takeInterrupt)
        } catch .interrupted {
            return nil
        } catch {
            throw Diagnostic(.checkpointWrite(path: path.value, reason: error.reason), at: path.range)
        }
        return bytes.count
    }

    mutating func restore(_ path: Located<String>, corpus override: Located<String>?) throws(Diagnostic) {
        let file = resolvePath(path.value)
        let data: [UInt8]
        do {
            data = try readWholeFile(file, limit: ReadLimit.checkpoint, allowFIFO: false, shouldStop: console.takeInterrupt)
        } catch {
            throw Diagnostic(.checkpointRead(path: path.value, reason: error.description), at: path.range)
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
        var corpus: Corpus
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
        // The held-out part: the same split on the same text; the same fraction on another.
        if let training = restored.trainingCharacters, let fraction = restored.validationFraction {
            if corpus.checksum == restored.checksum && training < corpus.count {
                corpus = corpus.splitting(atCharacter: training)
            } else {
                do {
                    corpus = try corpus.holdingOut(fraction: fraction, sequenceLength: restored.config.sequenceLength)
                } catch {
                    throw Diagnostic(.corpus(error), at: override?.range ?? path.range)
                }
            }
        } else {
            corpus = corpus.splitting(atCharacter: corpus.count)
        }
        let needed = max(restored.config.sequenceLength + 1, restored.position)
        guard corpus.trainingCount >= needed else {
            throw Diagnostic(.checkpointCorpusTooShort(corpus: corpus.source, characters: corpus.trainingCount, needed: needed),
                             at: override?.range ?? path.range)
        }

        var trainer = Trainer(corpus: corpus, config: restored.config, parameters: restored.parameters)
        trainer.restoreState(gradients: restored.gradients, optimizer: restored.optimizer, hiddenState: restored.hiddenState,
                             position: restored.position, stepCount: restored.stepCount, smoothLoss: restored.smoothLoss,
                             lossHistory: restored.lossHistory, windowLengths: restored.windowLengths,
                             validationHistory: restored.validationHistory, samplingGenerator: restored.samplingGenerator,
                             lastReport: restored.lastReport)
        session.corpus = corpus
        session.trainer = trainer
        session.config = restored.config
        session.display = restored.display
        session.keptRuns = restored.keptRuns
        session.validationFraction = restored.validationFraction
        session.lastGradientCheck = nil
        session.lastScore = nil
        let config = restored.config
        // The text by its name only: the checkpoint holds an absolute path, which differs from machine to machine.
        let name = corpus.source.split(separator: "/").last.map(String.init) ?? corpus.source
        write("restored at step \(trainer.stepCount): \(config.cell.rawValue), V=\(corpus.vocabulary.count) "
            + "H=\(config.hiddenSize) T=\(config.sequenceLength), on \(name), position \(trainer.position)\n")
    }

    /// `path` made absolute against the current folder (checkpoints name their text this way).
    func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let pointer = getcwd(nil, 0) else { return path }
        defer { free(pointer) }
        let folder = String(cString: pointer)
        return (folder.hasSuffix("/") ? folder : folder + "/") + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

}
