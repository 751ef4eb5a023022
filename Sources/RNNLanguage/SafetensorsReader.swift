import RNNCore

/// Reading a checkpoint from its safetensors form (the layout is described in
/// SafetensorsWriter.swift). In three stages, so that `restore` can check each before paying
/// for the next: the header (`SafetensorsHeader.read`: sizes and offsets against the file);
/// the metadata and the tensors' names, dtypes and shapes (`SafetensorsCheckpoint.plan`); then
/// the values, read tensor by tensor straight into their arrays (`read(from:)`), which
/// `CheckpointFile.validated(naming: .safetensors)` checks like those of any checkpoint.
struct SafetensorsCheckpoint {
    /// Where a tensor's values go.
    enum Slot: Equatable {
        case parameter(String), gradient(String), memory(String), secondMoment(String)
        case h, c, lossHistory, windowLengths, validationSteps, validationLosses
        case keptLosses(Int), keptNorms(Int)
    }

    /// The checkpoint with every field from the metadata and no tensor values yet.
    var file: CheckpointFile
    /// Every tensor of the file and where it goes, its dtype and rank checked.
    var tensors: [(entry: SafetensorsEntry, slot: Slot)]
    let dataStart: Int

    /// The values the tensors hold, all told: what reading them takes in memory is 8 bytes each.
    var valueCount: Int { tensors.map(\.entry.count).reduce(0, +) }

    /// The checkpoint's fields from the header's metadata, and a place for each tensor. Every
    /// error names the metadata key or the tensor.
    static func plan(_ header: SafetensorsHeader) throws(CheckpointProblem) -> SafetensorsCheckpoint {
        let meta = MetadataFields(header.metadata)
        guard header.metadata["format"] == CheckpointFile.formatName else {
            throw .safetensorsNotACheckpoint(format: header.metadata["format"])
        }
        let version = try meta.int("version")
        guard version == CheckpointFile.currentVersion else {
            if version > CheckpointFile.currentVersion {
                throw .unsupportedVersion(found: version, supported: CheckpointFile.readableVersions.upperBound)
            }
            throw .missingOrWrong(field: "version", detail: "safetensors checkpoints start at version 4, found \(version)")
        }
        let keptCount = try meta.int("kept_runs")
        guard (0 ... header.entries.count).contains(keptCount) else {
            throw .missingOrWrong(field: "kept_runs", detail: "expected the number of kept runs, found \(keptCount)")
        }
        var file = CheckpointFile(
            version: version, rnnrepl: try meta.string("rnnrepl"), cell: try meta.string("cell"),
            vocabulary: try meta.string("vocabulary"),
            corpus: .init(path: try meta.optionalString("corpus.path"), builtin: try meta.optionalString("corpus.builtin"),
                          characters: try meta.int("corpus.characters"), bytes: try meta.int("corpus.bytes"),
                          checksum: try meta.string("corpus.checksum"),
                          trainingCharacters: try meta.optionalInt("corpus.training_characters"),
                          validation: try meta.optionalDouble("corpus.validation")),
            settings: .init(
                hidden: try meta.int("settings.hidden"), seq: try meta.int("settings.seq"), lr: try meta.double("settings.lr"),
                clip: try meta.double("settings.clip"), clipMode: try meta.string("settings.clip-mode"),
                optimizer: try meta.string("settings.optimizer"), seed: try meta.string("settings.seed"),
                whh: try meta.string("settings.whh"), scale: try meta.double("settings.scale"),
                sigma: try meta.double("settings.sigma"), forgetBias: try meta.optionalDouble("settings.forget-bias"),
                update: try meta.bool("settings.update"), zeroGrad: try meta.bool("settings.zero-grad"),
                carry: try meta.bool("settings.carry"), precision: try meta.int("settings.precision"),
                width: try meta.optionalInt("settings.width"), layers: try meta.optionalInt("settings.layers"),
                batch: try meta.optionalInt("settings.batch"), dropout: try meta.optionalDouble("settings.dropout"),
                dtype: try meta.optionalString("settings.dtype"), threads: try meta.optionalInt("settings.threads"),
                warmup: try meta.optionalInt("settings.warmup"), decay: try meta.optionalString("settings.decay"),
                decaySteps: try meta.optionalInt("settings.decay-steps"),
                decayFactor: try meta.optionalDouble("settings.decay-factor"), lrMin: try meta.optionalDouble("settings.lr-min")),
            parameters: [:], gradients: [:],
            optimizer: .init(kind: try meta.string("optimizer.kind"), updates: try meta.int("optimizer.updates"), memory: [:],
                             secondMoment: [:]),
            state: .init(h: [], c: nil, pointer: try meta.int("state.pointer"), step: try meta.int("state.step"),
                         smoothLoss: try meta.double("state.smooth_loss"), lastStep: nil, windowLengths: nil),
            lossHistory: [],
            random: .init(sampling: try meta.words("random.sampling"), dropout: try meta.optionalWords("random.dropout")),
            keptRuns: try (0 ..< keptCount).map { (index) throws(CheckpointProblem) in
                CheckpointFile.KeptRunRecord(name: try meta.string("kept_runs[\(index)].name"), losses: [], gradientNorms: nil)
            })
        if header.metadata["state.last_step.loss"] != nil {
            file.state.lastStep = .init(loss: try meta.double("state.last_step.loss"), position: try meta.int("state.last_step.position"),
                                        wrapped: try meta.bool("state.last_step.wrapped"),
                                        gradientNorm: try meta.double("state.last_step.gradient_norm"),
                                        clippedEntries: try meta.int("state.last_step.clipped_entries"),
                                        learningRate: try meta.optionalDouble("state.last_step.learning_rate"))
        }

        // The tensors' places: names decide, then each dtype and rank is checked (the sizes are
        // checked against the model by `validated`).
        guard let cell = CellKind(rawValue: file.cell) else { throw .badSetting("unknown cell '\(file.cell)'") }
        let layers = file.settings.layers ?? 1, batch = file.settings.batch ?? 1
        // A layer has tensors of its own: more layers than tensors cannot be (and would make a long list of names).
        guard (1 ... max(1, header.entries.count)).contains(layers) else {
            throw .missingOrWrong(field: "settings.layers", detail: "expected 1 to \(header.entries.count), found \(layers)")
        }
        let names = Set(ParameterLayout.forModel(cell, vocabularySize: 1, hiddenSize: 1, layers: layers).names)
        func slot(_ name: String) -> Slot? {
            if names.contains(name) { return .parameter(name) }
            if let first = name.first, "dmv".contains(first), names.contains(String(name.dropFirst())) {
                let base = String(name.dropFirst())
                return first == "d" ? .gradient(base) : first == "m" ? .memory(base) : .secondMoment(base)
            }
            switch name {
            case "h": return .h
            case "c": return .c
            case "loss_history": return .lossHistory
            case "state.window_lengths": return .windowLengths
            case "state.validation_history.steps": return .validationSteps
            case "state.validation_history.losses": return .validationLosses
            default: break
            }
            for index in 0 ..< keptCount {
                if name == "kept_runs[\(index)].losses_per_char" { return .keptLosses(index) }
                if name == "kept_runs[\(index)].gradient_norms" { return .keptNorms(index) }
            }
            return nil
        }
        var tensors: [(entry: SafetensorsEntry, slot: Slot)] = []
        for entry in header.entries {
            guard let place = slot(entry.name) else { throw .unknownTensor(name: entry.name, cell: file.cell, layers: layers) }
            let integral = place == .windowLengths || place == .validationSteps
            let dtype: SafetensorsDType = integral ? .i64 : .f64
            guard entry.dtype == dtype else {
                throw .wrongDType(name: entry.name, expected: dtype.rawValue, found: entry.dtype.rawValue)
            }
            let rank: Int, meaning: String
            switch place {
            case .parameter, .gradient, .memory, .secondMoment: (rank, meaning) = (2, "[rows, columns]")
            case .h, .c: (rank, meaning) = (3, "[layers, streams, hidden]")
            case .windowLengths: (rank, meaning) = (2, "[n, 2]")
            default: (rank, meaning) = (1, "[n]")
            }
            guard entry.shape.count == rank else {
                throw .wrongShape(name: entry.name, expected: "\(rank) dimensions, \(meaning)", found: entry.shapeText)
            }
            if place == .h || place == .c, entry.shape != [layers, batch, file.settings.hidden] {
                throw .wrongShape(name: entry.name, expected: "[\(layers), \(batch), \(file.settings.hidden)] (layers, streams, hidden)",
                                  found: entry.shapeText)
            }
            if place == .windowLengths, entry.shape[1] != 2 {
                throw .wrongShape(name: entry.name, expected: "[n, 2] ([step, T] pairs)", found: entry.shapeText)
            }
            tensors.append((entry, place))
        }
        let places = tensors.map(\.slot)
        for (required, name) in [(Slot.h, "h"), (.lossHistory, "loss_history")] where !places.contains(required) {
            throw .missingTensor(name: name)
        }
        if cell == .lstm && !places.contains(.c) { throw .missingTensor(name: "c") }
        for index in 0 ..< keptCount where !places.contains(.keptLosses(index)) {
            throw .missingTensor(name: "kept_runs[\(index)].losses_per_char")
        }
        if places.contains(.validationSteps) != places.contains(.validationLosses) {
            throw .missingTensor(name: places.contains(.validationSteps) ? "state.validation_history.losses" : "state.validation_history.steps")
        }
        return SafetensorsCheckpoint(file: file, tensors: tensors, dataStart: header.dataStart)
    }

    /// The checkpoint with every tensor's values read from `file` (asking `shouldStop` between
    /// tensors).
    func read(from source: RandomAccessFile, shouldStop: () -> Bool) throws(ReadFailure) -> CheckpointFile {
        var file = self.file
        for (entry, slot) in tensors {
            if shouldStop() { throw .interrupted }
            if slot == .windowLengths || slot == .validationSteps {
                let values = try source.integers(entry, dataStart: dataStart)
                if slot == .validationSteps {
                    file.state.validationSteps = values
                } else {
                    file.state.windowLengths = stride(from: 0, to: values.count, by: 2).map { [values[$0], values[$0 + 1]] }
                }
                continue
            }
            let values = try source.doubles(entry, dataStart: dataStart)
            func matrix() -> CheckpointTensor { CheckpointTensor(rows: entry.shape[0], columns: entry.shape[1], values: values[...]) }
            switch slot {
            case .parameter(let name): file.parameters[name] = matrix()
            case .gradient(let name): file.gradients[name] = matrix()
            case .memory(let name): file.optimizer.memory[name] = matrix()
            case .secondMoment(let name): file.optimizer.secondMoment[name] = matrix()
            case .h: file.state.h = values
            case .c: file.state.c = values
            case .lossHistory: file.lossHistory = values
            case .validationLosses: file.state.validationLosses = values
            case .keptLosses(let index): file.keptRuns[index].losses = values
            case .keptNorms(let index): file.keptRuns[index].gradientNorms = values
            case .windowLengths, .validationSteps: preconditionFailure("read as integers above")
            }
        }
        return file
    }
}

/// Reading the string values of a safetensors `__metadata__`, each error naming its key.
/// Only the forms `save` writes are accepted: whole numbers in decimal digits (a leading minus
/// sign allowed), doubles as Swift writes them (digits, '.', 'e', signs), true or false.
struct MetadataFields {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    private func wrong(_ key: String, _ detail: String) -> CheckpointProblem { .missingOrWrong(field: key, detail: detail) }

    func string(_ key: String) throws(CheckpointProblem) -> String {
        guard let text = values[key] else { throw wrong(key, "it is missing from the __metadata__") }
        return text
    }

    func int(_ key: String) throws(CheckpointProblem) -> Int {
        let text = try string(key)
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let number = Int(text) else {
            throw wrong(key, "expected a whole number, found \(quotedJSON(text))")
        }
        return number
    }

    func double(_ key: String) throws(CheckpointProblem) -> Double {
        let text = try string(key)
        let allowed = Set("0123456789.eE+-".utf8)
        guard text.utf8.allSatisfy(allowed.contains), let number = Double(text) else {
            throw wrong(key, "expected a number, found \(quotedJSON(text))")
        }
        guard number.isFinite else { throw .nonFinite(name: key) }
        return number
    }

    func bool(_ key: String) throws(CheckpointProblem) -> Bool {
        switch try string(key) {
        case "true": return true
        case "false": return false
        case let text: throw wrong(key, "expected true or false, found \(quotedJSON(text))")
        }
    }

    /// Words separated by commas ("0x1f,0x2e,…"); the words themselves are checked by `validated`.
    func words(_ key: String) throws(CheckpointProblem) -> [String] {
        try string(key).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    func optionalString(_ key: String) throws(CheckpointProblem) -> String? { values[key] == nil ? nil : try string(key) }
    func optionalInt(_ key: String) throws(CheckpointProblem) -> Int? { values[key] == nil ? nil : try int(key) }
    func optionalDouble(_ key: String) throws(CheckpointProblem) -> Double? { values[key] == nil ? nil : try double(key) }
    func optionalWords(_ key: String) throws(CheckpointProblem) -> [String]? { values[key] == nil ? nil : try words(key) }
}
