import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Interpreter {
    // MARK: Checkpoints

    /// Writes the session (as safetensors, or JSON for a name ending in .json or format=json);
    /// checks the file with restore's own validation first, so a file that restore would refuse
    /// is never written (and a good one is never replaced by it). The check is of the contents
    /// only: the model is in memory already, so whether it would fit in what is left is no
    /// reason to refuse to save it.
    func save(_ path: Located<String>, format: CheckpointFormat?, command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        let format = format ?? CheckpointFormat.forName(path.value)
        guard let written = try writeCheckpoint(to: path, format: format) else {
            write("interrupted: nothing was saved; any file that was at \(path.value) is unchanged\n")
            return .interrupted
        }
        write("saved step \(session.trainer!.stepCount) to \(path.value) (\(format.displayName), "
            + formatBytes(Double(written.bytes)) + ")\n")
        if written.otherLinks > 0 { write(brokenLinkNote(path.value, otherLinks: written.otherLinks)) }
        return .completed
    }

    /// What saving over a file with other names (hard links) did: the new file took this name,
    /// and the others still name the previous checkpoint.
    func brokenLinkNote(_ path: String, otherLinks: Int) -> String {
        "note: \(path) had " + (otherLinks == 1 ? "another name (a hard link), which still holds" : "\(otherLinks) other "
            + "names (hard links), which still hold") + " the previous checkpoint: saving writes a new file and renames it "
            + "over this name, so a crash never leaves half a checkpoint, and that breaks the link\n"
    }

    /// The session as a checkpoint at `path` (save, and train's checkpoint= and best=, which
    /// take the format from the name): the bytes written and the other names the replaced file
    /// had (see `brokenLinkNote`), or nil when Ctrl-C stopped it (the file that was there is
    /// unchanged).
    func writeCheckpoint(to path: Located<String>, format: CheckpointFormat? = nil) throws(Diagnostic) -> (bytes: Int, otherLinks: Int)? {
        let format = format ?? CheckpointFormat.forName(path.value)
        let trainer = session.trainer!
        let corpusPath = trainer.corpus.source.hasPrefix("builtin ") ? nil : absolutePath(trainer.corpus.source)
        let file = CheckpointFile(session: session, trainer: trainer, corpusPath: corpusPath)
        do {
            try file.check(naming: format == .json ? .json : .safetensors)
        } catch {
            throw Diagnostic(.checkpointWrite(path: path.value, reason: "this session could not be restored from it ("
                + error.message + ")"), at: path.range)
        }
        // The bytes go to the file as they are made: a big model's text is never whole in memory,
        // and its tensors are copied from the arrays that hold them.
        let shouldStop = console.takeInterrupt
        var written = 0
        let result: WrittenFile
        do {
            result = try writeAtomically(to: resolvePath(path.value), shouldStop: shouldStop) { (output) throws(WriteFailure) in
                switch format {
                case .safetensors:
                    try SafetensorsWriter.write(file.safetensorsTensors(), metadata: file.safetensorsMetadata(), to: output)
                case .json:
                    var failure: WriteFailure?
                    let complete = file.writeJSON(shouldStop: shouldStop) { piece in
                        do throws(WriteFailure) {
                            try output.append(piece)
                            return true
                        } catch {
                            failure = error
                            return false
                        }
                    }
                    if let failure { throw failure }
                    if !complete { throw .interrupted }
                }
                written = output.count
            }
        } catch .interrupted {
            return nil
        } catch {
            throw Diagnostic(.checkpointWrite(path: path.value, reason: error.reason), at: path.range)
        }
        return (written, result.otherLinks)
    }

    /// `export PATH format=pytorch`: the model's weights as a PyTorch state_dict in safetensors
    /// (see `PyTorchExport`), written atomically like a checkpoint.
    func export(_ path: Located<String>, format: ExportFormat, command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        let trainer = session.trainer!, config = trainer.config
        let dtype: SafetensorsDType = config.precision == .float32 ? .f32 : .f64
        let tensors = PyTorchExport.tensors(trainer.parameters, cell: config.cell, layers: config.layers,
                                            hiddenSize: config.hiddenSize, vocabularySize: trainer.vocabulary.count, dtype: dtype)
        let metadata = PyTorchExport.metadata(cell: config.cell, layers: config.layers, hiddenSize: config.hiddenSize,
                                              vocabulary: trainer.vocabulary, step: trainer.stepCount, dtype: dtype)
        var written = 0
        let result: WrittenFile
        do {
            result = try writeAtomically(to: resolvePath(path.value), shouldStop: console.takeInterrupt) { (output) throws(WriteFailure) in
                try SafetensorsWriter.write(tensors, metadata: metadata, to: output)
                written = output.count
            }
        } catch .interrupted {
            write("interrupted: nothing was exported; any file that was at \(path.value) is unchanged\n")
            return .interrupted
        } catch {
            throw Diagnostic(.exportWrite(path: path.value, reason: error.reason), at: path.range)
        }
        write("exported step \(trainer.stepCount) to \(path.value) (PyTorch state_dict, \(dtype == .f32 ? "float32" : "float64"), "
            + formatBytes(Double(written)) + ") for " + PyTorchExport.moduleText(cell: config.cell, layers: config.layers,
                                                                                 hiddenSize: config.hiddenSize,
                                                                                 vocabularySize: trainer.vocabulary.count)
            + "; in PyTorch: model.load_state_dict(safetensors.torch.load_file(\"\(path.value)\"))\n")
        if result.otherLinks > 0 {
            write("note: \(path.value) had other names (hard links), which still hold the file it replaced\n")
        }
        return .completed
    }

    /// The JSON document of the checkpoint at `path`. Its size is checked against the memory
    /// available before a byte is read, the memory its numbers will take before they are
    /// parsed, and its bytes are let go when this returns.
    func checkpointDocument(_ path: Located<String>) throws(Diagnostic) -> JSONValue {
        let data: [UInt8]
        do {
            data = try readWholeFile(resolvePath(path.value), limit: ReadLimit.checkpoint, allowFIFO: false,
                                     memoryFactor: ReadLimit.checkpointMemoryFactor, shouldStop: console.takeInterrupt)
        } catch {
            throw Diagnostic(.checkpointRead(path: path.value, reason: error.description), at: path.range)
        }
        // Each number (at most one per comma or bracket) takes up to 12 bytes in the document
        // (8, and its share of the list that holds it), beside the text; then 8 more in its
        // matrix, once the text is gone.
        let numbers = data.withUnsafeBufferPointer { bytes in
            var count = 1
            for byte in bytes where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "[") { count += 1 }
            return count
        }
        let needed = max(12 * Double(numbers), 20 * Double(numbers) - Double(data.count)), available = availableMemoryBytes()
        if needed > available {
            throw Diagnostic(.checkpointTooLarge(path: path.value, fileBytes: data.count, neededBytes: needed,
                                                 availableBytes: available, part: .numbers), at: path.range)
        }
        do {
            return try CheckpointFile.document(data)
        } catch {
            throw Diagnostic(.checkpointInvalid(path: path.value, problem: error), at: path.range)
        }
    }

    /// The checkpoint at `path`, read in the form its content has (the name is only asked when
    /// the content is neither, to say what is wrong in the terms the name suggests), and
    /// checked whole. Nothing of the session is touched.
    ///
    /// Safetensors: the header is checked against the file's size before it is read, every
    /// tensor's place against the data before a value is read, the memory the values take
    /// before they are read; then they are read tensor by tensor into the arrays that keep
    /// them, never the file whole. JSON: the text, its document and the matrices are let go as
    /// each next form is made. Either way a big model is never in memory twice over.
    func readCheckpoint(_ path: Located<String>) throws(Diagnostic) -> (CheckpointFile, RestoredCheckpoint, CheckpointFormat) {
        func invalid(_ problem: CheckpointProblem) -> Diagnostic {
            Diagnostic(.checkpointInvalid(path: path.value, problem: problem), at: path.range)
        }
        func unreadable(_ failure: ReadFailure) -> Diagnostic {
            Diagnostic(.checkpointRead(path: path.value, reason: failure.description), at: path.range)
        }
        let source: RandomAccessFile
        let start: [UInt8]
        do throws(ReadFailure) {
            source = try RandomAccessFile(path: resolvePath(path.value))
            guard source.size <= ReadLimit.checkpoint else { throw .tooLarge(limit: ReadLimit.checkpoint) }
            start = try source.bytes(at: 0, count: min(source.size, 16))
        } catch {
            throw unreadable(error)
        }
        let format = CheckpointFormat.sniff(start, fileSize: source.size) ?? CheckpointFormat.forName(path.value)
        var checkpoint: CheckpointFile
        let restored: RestoredCheckpoint
        switch format {
        case .json:
            let document = try checkpointDocument(path)
            do {
                checkpoint = try CheckpointFile.parse(document: consume document)
                restored = try checkpoint.validated()
            } catch {
                throw invalid(error)
            }
        case .safetensors:
            let header: SafetensorsHeader
            do {
                header = try SafetensorsHeader.read(from: source)
            } catch {
                switch error {
                case .unreadable(let failure): throw unreadable(failure)
                case .invalid(let problem): throw invalid(problem)
                }
            }
            let plan: SafetensorsCheckpoint
            do {
                plan = try SafetensorsCheckpoint.plan(header)
            } catch {
                throw invalid(error)
            }
            // The values as doubles, and one group's flat copy while they are let go.
            let largest = plan.tensors.filter { if case .parameter = $0.slot { true } else { false } }.map(\.entry.count).reduce(0, +)
            let needed = 8 * Double(plan.valueCount + largest), available = availableMemoryBytes()
            if needed > available {
                throw Diagnostic(.checkpointTooLarge(path: path.value, fileBytes: source.size, neededBytes: needed,
                                                     availableBytes: available, part: .tensors), at: path.range)
            }
            do {
                checkpoint = try plan.read(from: source, shouldStop: console.takeInterrupt)
            } catch {
                throw unreadable(error)
            }
            do {
                restored = try checkpoint.validated(naming: .safetensors)
            } catch {
                throw invalid(error)
            }
        }
        return (checkpoint, restored, format)
    }

    mutating func restore(_ path: Located<String>, corpus override: Located<String>?) throws(Diagnostic) {
        func invalid(_ problem: CheckpointProblem) -> Diagnostic {
            Diagnostic(.checkpointInvalid(path: path.value, problem: problem), at: path.range)
        }
        // Everything is checked before anything changes.
        let (checkpoint, restored, format) = try readCheckpoint(path)
        // The model must fit as init's would (in half of the memory available); the numbers
        // just read become its weights, so the memory they take counts as available.
        let held = 8 * Double(restored.parameters.values.count + restored.gradients.values.count
            + restored.optimizer.memory.count + restored.optimizer.secondMoment.count)
        do {
            try restored.config.validateMemory(vocabularySize: restored.vocabulary.count,
                                               bytesAvailable: availableMemoryBytes() + held)
        } catch {
            guard case .modelTooLarge(let weights, let record, let available) = error else { preconditionFailure("\(error)") }
            throw Diagnostic(.checkpointTooLarge(path: path.value, fileBytes: nil, neededBytes: weights + record,
                                                 availableBytes: available, part: .model), at: path.range)
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
        // Each stream must still hold the window the checkpoint continues from.
        let needed = max(restored.config.sequenceLength + 1, restored.position), streams = restored.config.batchSize
        guard corpus.trainingCount / streams >= needed else {
            throw Diagnostic(.checkpointCorpusTooShort(corpus: corpus.source, characters: corpus.trainingCount / streams,
                                                       needed: needed, streams: streams), at: override?.range ?? path.range)
        }

        var trainer = Trainer(corpus: corpus, config: restored.config, parameters: restored.parameters)
        trainer.restoreState(gradients: restored.gradients, optimizer: restored.optimizer, hiddenState: restored.hiddenState,
                             position: restored.position, stepCount: restored.stepCount, smoothLoss: restored.smoothLoss,
                             lossHistory: restored.lossHistory, windowLengths: restored.windowLengths,
                             validationHistory: restored.validationHistory, samplingGenerator: restored.samplingGenerator,
                             dropoutGenerator: restored.dropoutGenerator, lastReport: restored.lastReport)
        session.corpus = corpus
        session.replaceModel(with: trainer)
        session.config = restored.config
        session.display = restored.display
        session.keptRuns = restored.keptRuns
        session.validationFraction = restored.validationFraction
        let config = restored.config
        // The text by its name only: the checkpoint holds an absolute path, which differs from machine to machine.
        let name = corpus.source.split(separator: "/").last.map(String.init) ?? corpus.source
        write("restored at step \(trainer.stepCount): \(config.cell.rawValue), V=\(corpus.vocabulary.count) "
            + "H=\(config.hiddenSize) T=\(config.sequenceLength), on \(name), position \(trainer.position)\n")
        if let named = CheckpointFormat.suggested(by: path.value), named != format {
            write("note: \(path.value) holds a \(format.displayName) checkpoint although its name says \(named.displayName); "
                + "restore reads either form, whatever the name\n")
        }
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
