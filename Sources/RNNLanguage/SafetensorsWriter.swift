import RNNCore

/// A tensor to write: its name, dtype and shape, and its values in row-major order.
struct SafetensorsTensor {
    enum Values {
        /// Written as F64 (the bytes as they are) or F32 (each rounded to the nearest float).
        case doubles(ArraySlice<Double>)
        /// Written as I64.
        case integers([Int])
    }

    var name: String
    var dtype: SafetensorsDType
    var shape: [Int]
    var values: Values

    var byteCount: Int { shape.reduce(1, *) * dtype.size }
}

/// Writes the safetensors container (see Safetensors.swift): the header, then each tensor's
/// values as one bulk copy of their bytes (F64 on a little-endian machine: the array's memory
/// itself), never a number at a time in text.
enum SafetensorsWriter {
    /// The 8-byte length and the JSON header: "__metadata__" first (in the order given), then
    /// the tensors in the order given, their data_offsets following each other from 0. Spaces
    /// pad the header so that the data starts at a multiple of 8 bytes (as the safetensors
    /// library does), so that a reader that maps the file can view F64 values in place.
    static func header(_ tensors: [SafetensorsTensor], metadata: [(key: String, value: String)]) -> [UInt8] {
        var members: [String] = []
        if !metadata.isEmpty {
            members.append("\"__metadata__\":{" + metadata.map { quotedJSON($0.key) + ":" + quotedJSON($0.value) }.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in tensors {
            precondition(tensor.name != "__metadata__", "a tensor cannot be called __metadata__")
            let shape = "[" + tensor.shape.map(String.init).joined(separator: ",") + "]"
            members.append(quotedJSON(tensor.name) + ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":" + shape
                + ",\"data_offsets\":[\(offset),\(offset + tensor.byteCount)]}")
            offset += tensor.byteCount
        }
        let text = "{" + members.joined(separator: ",") + "}"
        var bytes = Array(text.utf8)
        bytes += [UInt8](repeating: UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8)
        let length = UInt64(bytes.count)
        return (0 ..< 8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + bytes
    }

    /// The header and every tensor's bytes, appended to `file` (which asks Ctrl-C every 8 MB).
    static func write(_ tensors: [SafetensorsTensor], metadata: [(key: String, value: String)],
                      to file: AtomicWriteFile) throws(WriteFailure) {
        let head = header(tensors, metadata: metadata)
        try append(head[...], to: file)
        for tensor in tensors {
            switch (tensor.values, tensor.dtype) {
            case (.doubles(let values), .f64):
                #if _endian(little)
                try append(values, to: file)
                #else
                try append(values.map { $0.bitPattern.littleEndian }[...], to: file)
                #endif
            case (.doubles(let values), .f32):
                // A chunk at a time: the rounded copy of a big tensor is never whole in memory.
                var start = 0
                while start < values.count {
                    let end = min(values.count, start + (1 << 16))
                    try append(values[values.startIndex + start ..< values.startIndex + end].map { Float($0).bitPattern.littleEndian }[...],
                               to: file)
                    start = end
                }
            case (.integers(let values), .i64):
                try append(values.map { Int64($0).littleEndian }[...], to: file)
            default:
                preconditionFailure("tensor \(tensor.name): values that dtype \(tensor.dtype.rawValue) cannot hold")
            }
        }
    }

    /// Appends the memory of part of an array as it is.
    private static func append<T>(_ values: ArraySlice<T>, to file: AtomicWriteFile) throws(WriteFailure) {
        var failure: WriteFailure?
        values.withUnsafeBytes { buffer in
            do throws(WriteFailure) {
                try file.append(buffer)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }
}

// MARK: - A checkpoint as safetensors

/// The safetensors form of a checkpoint: every matrix and every list of numbers is a tensor,
/// named as `show` names it where it has a name there; every other field is a string in
/// `__metadata__`, under its path in the JSON form ("settings.hidden", "state.step").
///
///     W_xh, W_hh@2, …        F64 [rows, columns]   the parameters (ParameterLayout's names and order)
///     dW_xh, …               F64 [rows, columns]   their gradients
///     mW_xh, …; vW_xh, …     F64 [rows, columns]   the optimizer's memory, Adam's second moment
///     h; c (LSTM)            F64 [L, B, H]         the carried state of every layer and stream
///     loss_history           F64 [steps]
///     state.window_lengths   I64 [n, 2]            [step, T] where the window length changed
///     state.validation_history.steps, .losses     I64 [n], F64 [n] (when there were evaluations)
///     kept_runs[i].losses_per_char, kept_runs[i].gradient_norms             F64 [n]
///
/// Every number is float64, also for a dtype=float32 model: such a model computes in float32
/// but keeps float64 master weights and optimizer state (see `Network`), and exact resume needs
/// them to the last bit.
extension CheckpointFile {
    /// The tensors, in the order the file holds them.
    func safetensorsTensors() -> [SafetensorsTensor] {
        let layers = settings.layers ?? 1, batch = settings.batch ?? 1
        let names = ParameterLayout.forModel(CellKind(rawValue: cell) ?? .rnn, vocabularySize: 1, hiddenSize: 1, layers: layers).names
        func matrices(_ group: [String: CheckpointTensor], prefix: String) -> [SafetensorsTensor] {
            names.compactMap { name in
                group[name].map { SafetensorsTensor(name: prefix + name, dtype: .f64, shape: [$0.rows, $0.columns], values: .doubles($0.values)) }
            }
        }
        func list(_ name: String, _ values: [Double]) -> SafetensorsTensor {
            SafetensorsTensor(name: name, dtype: .f64, shape: [values.count], values: .doubles(values[...]))
        }
        var tensors = matrices(parameters, prefix: "") + matrices(gradients, prefix: "d")
            + matrices(optimizer.memory, prefix: "m") + matrices(optimizer.secondMoment, prefix: "v")
        let stateShape = [layers, batch, settings.hidden]
        tensors.append(SafetensorsTensor(name: "h", dtype: .f64, shape: stateShape, values: .doubles(state.h[...])))
        if let c = state.c { tensors.append(SafetensorsTensor(name: "c", dtype: .f64, shape: stateShape, values: .doubles(c[...]))) }
        tensors.append(list("loss_history", lossHistory))
        if let lengths = state.windowLengths {
            tensors.append(SafetensorsTensor(name: "state.window_lengths", dtype: .i64, shape: [lengths.count, 2],
                                             values: .integers(lengths.flatMap { $0 })))
        }
        if !state.validationSteps.isEmpty {
            tensors.append(SafetensorsTensor(name: "state.validation_history.steps", dtype: .i64, shape: [state.validationSteps.count],
                                             values: .integers(state.validationSteps)))
            tensors.append(list("state.validation_history.losses", state.validationLosses))
        }
        for (index, run) in keptRuns.enumerated() {
            tensors.append(list("kept_runs[\(index)].losses_per_char", run.losses))
            if let norms = run.gradientNorms { tensors.append(list("kept_runs[\(index)].gradient_norms", norms)) }
        }
        return tensors
    }

    /// Every other field as a string: whole numbers in decimal, doubles in their shortest
    /// round-trip form (read back bit for bit), booleans as true/false, generator words as
    /// "0x…" separated by commas; optional fields only when present.
    func safetensorsMetadata() -> [(key: String, value: String)] {
        var fields: [(key: String, value: String)] = []
        func add(_ key: String, _ value: String?) { if let value { fields.append((key, value)) } }
        func number(_ value: Double?) -> String? { value.map(numberText) }
        func whole(_ value: Int?) -> String? { value.map(String.init) }
        add("format", format)
        add("version", String(version))
        add("rnnrepl", rnnrepl)
        add("cell", cell)
        add("vocabulary", vocabulary)
        add("corpus.path", corpus.path)
        add("corpus.builtin", corpus.builtin)
        add("corpus.characters", whole(corpus.characters))
        add("corpus.bytes", whole(corpus.bytes))
        add("corpus.checksum", corpus.checksum)
        add("corpus.training_characters", whole(corpus.trainingCharacters))
        add("corpus.validation", number(corpus.validation))
        for (key, value) in settingsFields() { add("settings." + key, value) }
        add("optimizer.kind", optimizer.kind)
        add("optimizer.updates", whole(optimizer.updates))
        add("state.pointer", whole(state.pointer))
        add("state.step", whole(state.step))
        add("state.smooth_loss", number(state.smoothLoss))
        if let last = state.lastStep {
            add("state.last_step.loss", number(last.loss))
            add("state.last_step.position", whole(last.position))
            add("state.last_step.wrapped", String(last.wrapped))
            add("state.last_step.gradient_norm", number(last.gradientNorm))
            add("state.last_step.clipped_entries", whole(last.clippedEntries))
            add("state.last_step.learning_rate", number(last.learningRate))
        }
        add("random.sampling", random.sampling.joined(separator: ","))
        add("random.dropout", random.dropout?.joined(separator: ","))
        add("kept_runs", whole(keptRuns.count))
        for (index, run) in keptRuns.enumerated() { add("kept_runs[\(index)].name", run.name) }
        return fields
    }

    /// The settings as `config` names them, each as text (nil: absent).
    func settingsFields() -> [(String, String?)] {
        let s = settings
        return [("hidden", String(s.hidden)), ("seq", String(s.seq)), ("lr", numberText(s.lr)), ("clip", numberText(s.clip)),
                ("clip-mode", s.clipMode), ("optimizer", s.optimizer), ("seed", s.seed), ("whh", s.whh),
                ("scale", numberText(s.scale)), ("sigma", numberText(s.sigma)), ("forget-bias", s.forgetBias.map(numberText)),
                ("update", String(s.update)), ("zero-grad", String(s.zeroGrad)), ("carry", String(s.carry)),
                ("precision", String(s.precision)), ("width", s.width.map(String.init)), ("layers", s.layers.map(String.init)),
                ("batch", s.batch.map(String.init)), ("dropout", s.dropout.map(numberText)), ("dtype", s.dtype),
                ("threads", s.threads.map(String.init)), ("warmup", s.warmup.map(String.init)), ("decay", s.decay),
                ("decay-steps", s.decaySteps.map(String.init)), ("decay-factor", s.decayFactor.map(numberText)),
                ("lr-min", s.lrMin.map(numberText))]
    }

    /// The whole file's size in bytes (for messages and tests).
    func safetensorsSize() -> Int {
        let tensors = safetensorsTensors()
        return SafetensorsWriter.header(tensors, metadata: safetensorsMetadata()).count + tensors.map(\.byteCount).reduce(0, +)
    }
}
