import RNNCore

/// The JSON form of a checkpoint: readable, every number in its shortest round-trip text.
///
/// Doubles are written in Swift's shortest round-trip form and read back by a correctly
/// rounding parser, so every value comes back bit for bit. 64-bit generator states, the corpus
/// checksum and the seed are strings, because many JSON readers keep numbers as doubles.
extension CheckpointFile {
    /// The JSON text: keys in a fixed order, two-space indentation, each matrix row on one line.
    func json() -> String {
        var text = ""
        _ = writeJSON(shouldStop: { false }) { piece in
            text += piece
            return true
        }
        return text
    }

    /// The same text, handed to `emit` piece by piece as it is made (about a megabyte at a
    /// time), asking `shouldStop` between matrices (a big model's text takes seconds). False
    /// when `shouldStop` or `emit` said stop.
    func writeJSON(shouldStop: () -> Bool, emit: @escaping (String) -> Bool) -> Bool {
        let w = JSONWriter(flush: emit)
        let order = ParameterLayout.forModel(CellKind(rawValue: cell) ?? .rnn, vocabularySize: 1, hiddenSize: 1,
                                             layers: settings.layers ?? 1).names
        var stopped = false
        func tensors(_ values: [String: CheckpointTensor]) {
            w.object {
                for name in order {
                    guard let tensor = values[name], !stopped, !w.stopped else { continue }
                    if shouldStop() {
                        stopped = true
                        continue
                    }
                    w.field(name) { w.matrix(tensor.values, columns: tensor.columns) }
                }
            }
        }
        w.object {
            w.field("format", string: format)
            w.field("version", raw: String(version))
            w.field("rnnrepl", string: rnnrepl)
            w.field("cell", string: cell)
            w.field("vocabulary", string: vocabulary)
            w.field("corpus") {
                w.object {
                    if let path = corpus.path { w.field("path", string: path) }
                    if let builtin = corpus.builtin { w.field("builtin", string: builtin) }
                    w.field("characters", raw: String(corpus.characters))
                    w.field("bytes", raw: String(corpus.bytes))
                    w.field("checksum", string: corpus.checksum)
                    if let training = corpus.trainingCharacters { w.field("training_characters", raw: String(training)) }
                    if let validation = corpus.validation { w.field("validation", raw: numberText(validation)) }
                }
            }
            w.field("settings") {
                w.object {
                    w.field("hidden", raw: String(settings.hidden))
                    w.field("seq", raw: String(settings.seq))
                    w.field("lr", raw: numberText(settings.lr))
                    w.field("clip", raw: numberText(settings.clip))
                    w.field("clip-mode", string: settings.clipMode)
                    w.field("optimizer", string: settings.optimizer)
                    w.field("seed", string: settings.seed)
                    w.field("whh", string: settings.whh)
                    w.field("scale", raw: numberText(settings.scale))
                    w.field("sigma", raw: numberText(settings.sigma))
                    if let forgetBias = settings.forgetBias { w.field("forget-bias", raw: numberText(forgetBias)) }
                    w.field("update", raw: String(settings.update))
                    w.field("zero-grad", raw: String(settings.zeroGrad))
                    w.field("carry", raw: String(settings.carry))
                    w.field("precision", raw: String(settings.precision))
                    if let width = settings.width { w.field("width", raw: String(width)) }
                    if let layers = settings.layers { w.field("layers", raw: String(layers)) }
                    if let batch = settings.batch { w.field("batch", raw: String(batch)) }
                    if let dropout = settings.dropout { w.field("dropout", raw: numberText(dropout)) }
                    if let dtype = settings.dtype { w.field("dtype", string: dtype) }
                    if let threads = settings.threads { w.field("threads", raw: String(threads)) }
                    if let warmup = settings.warmup { w.field("warmup", raw: String(warmup)) }
                    if let decay = settings.decay { w.field("decay", string: decay) }
                    if let steps = settings.decaySteps { w.field("decay-steps", raw: String(steps)) }
                    if let factor = settings.decayFactor { w.field("decay-factor", raw: numberText(factor)) }
                    if let floor = settings.lrMin { w.field("lr-min", raw: numberText(floor)) }
                }
            }
            w.field("parameters") { tensors(parameters) }
            w.field("gradients") { tensors(gradients) }
            w.field("optimizer") {
                w.object {
                    w.field("kind", string: optimizer.kind)
                    w.field("updates", raw: String(optimizer.updates))
                    w.field("memory") { tensors(optimizer.memory) }
                    w.field("second_moment") { tensors(optimizer.secondMoment) }
                }
            }
            w.field("state") {
                w.object {
                    w.field("h", raw: numbersText(state.h))
                    if let c = state.c { w.field("c", raw: numbersText(c)) }
                    w.field("pointer", raw: String(state.pointer))
                    w.field("step", raw: String(state.step))
                    w.field("smooth_loss", raw: numberText(state.smoothLoss))
                    if !state.validationSteps.isEmpty {
                        w.field("validation_history") {
                            w.object {
                                w.field("steps", raw: "[" + state.validationSteps.map(String.init).joined(separator: ", ") + "]")
                                w.field("losses", raw: numbersText(state.validationLosses))
                            }
                        }
                    }
                    if let lengths = state.windowLengths {
                        w.field("window_lengths", raw: "[" + lengths.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }
                            .joined(separator: ", ") + "]")
                    }
                    if let last = state.lastStep {
                        w.field("last_step") {
                            w.object {
                                w.field("loss", raw: numberText(last.loss))
                                w.field("position", raw: String(last.position))
                                w.field("wrapped", raw: String(last.wrapped))
                                w.field("gradient_norm", raw: numberText(last.gradientNorm))
                                w.field("clipped_entries", raw: String(last.clippedEntries))
                                if let rate = last.learningRate { w.field("learning_rate", raw: numberText(rate)) }
                            }
                        }
                    }
                }
            }
            w.field("loss_history", raw: numbersText(lossHistory))
            w.field("random") {
                w.object {
                    w.field("sampling", raw: "[" + random.sampling.map(quotedJSON).joined(separator: ", ") + "]")
                    if let words = random.dropout { w.field("dropout", raw: "[" + words.map(quotedJSON).joined(separator: ", ") + "]") }
                }
            }
            w.field("kept_runs") {
                w.array(keptRuns) { run in
                    w.object {
                        w.field("name", string: run.name)
                        w.field("losses_per_char", raw: numbersText(run.losses))
                        if let norms = run.gradientNorms { w.field("gradient_norms", raw: numbersText(norms)) }
                    }
                }
            }
        }
        guard !stopped && !w.stopped else { return false }
        w.finish("\n")
        return !w.stopped
    }

    /// Parses a checkpoint's JSON text; every error names the field. Nothing outside is touched.
    static func parse(_ bytes: [UInt8]) throws(CheckpointProblem) -> CheckpointFile {
        try parse(document: try document(bytes))
    }

    /// The JSON document of a checkpoint's bytes, after a leading UTF-8 byte-order mark if
    /// there is one (an editor may add it; RFC 8259 lets a reader skip it). (`restore` lets the
    /// bytes go before the document becomes a checkpoint, so that the two are not in memory at
    /// once.)
    static func document(_ bytes: [UInt8]) throws(CheckpointProblem) -> JSONValue {
        do {
            return try JSONParser.parse(bytes, from: byteOrderMarkLength(bytes))
        } catch {
            throw .notJSON(detail: error.description)
        }
    }

    /// A checkpoint from its JSON document; every error names the field.
    static func parse(document: JSONValue) throws(CheckpointProblem) -> CheckpointFile {
        guard case .object(let object) = document, object["format"] == .string(formatName) else { throw .notACheckpoint }
        let top = JSONFields(object, path: "")
        let version = try top.int("version")
        guard readableVersions.contains(version) else {
            throw .unsupportedVersion(found: version, supported: readableVersions.upperBound)
        }
        let corpus = try top.object("corpus")
        let settings = try top.object("settings")
        let optimizer = try top.object("optimizer")
        let state = try top.object("state")
        let lastStep = try state.optionalObject("last_step")
        let validation = try state.optionalObject("validation_history")
        let random = try top.object("random")
        return CheckpointFile(
            version: version,
            rnnrepl: try top.string("rnnrepl"), cell: try top.string("cell"), vocabulary: try top.string("vocabulary"),
            corpus: CorpusRecord(path: try corpus.optionalString("path"), builtin: try corpus.optionalString("builtin"),
                                 characters: try corpus.int("characters"), bytes: try corpus.int("bytes"),
                                 checksum: try corpus.string("checksum"),
                                 trainingCharacters: try corpus.optionalInt("training_characters"),
                                 validation: try corpus.optionalDouble("validation")),
            settings: SettingsRecord(
                hidden: try settings.int("hidden"), seq: try settings.int("seq"), lr: try settings.double("lr"),
                clip: try settings.double("clip"), clipMode: try settings.string("clip-mode"),
                optimizer: try settings.string("optimizer"), seed: try settings.string("seed"), whh: try settings.string("whh"),
                scale: try settings.double("scale"), sigma: try settings.double("sigma"),
                forgetBias: try settings.optionalDouble("forget-bias"), update: try settings.bool("update"),
                zeroGrad: try settings.bool("zero-grad"), carry: try settings.bool("carry"),
                precision: try settings.int("precision"), width: try settings.optionalInt("width"),
                layers: try settings.optionalInt("layers"), batch: try settings.optionalInt("batch"),
                dropout: try settings.optionalDouble("dropout"), dtype: try settings.optionalString("dtype"),
                threads: try settings.optionalInt("threads"), warmup: try settings.optionalInt("warmup"),
                decay: try settings.optionalString("decay"), decaySteps: try settings.optionalInt("decay-steps"),
                decayFactor: try settings.optionalDouble("decay-factor"), lrMin: try settings.optionalDouble("lr-min")),
            parameters: try top.tensors("parameters"), gradients: try top.tensors("gradients"),
            optimizer: OptimizerRecord(kind: try optimizer.string("kind"), updates: try optimizer.int("updates"),
                                       memory: try optimizer.tensors("memory"),
                                       secondMoment: try optimizer.tensors("second_moment")),
            state: StateRecord(
                h: try state.numbers("h"), c: try state.optionalNumbers("c"), pointer: try state.int("pointer"),
                step: try state.int("step"), smoothLoss: try state.double("smooth_loss"),
                lastStep: try lastStep.map { (last) throws(CheckpointProblem) in
                    LastStepRecord(loss: try last.double("loss"), position: try last.int("position"),
                                   wrapped: try last.bool("wrapped"), gradientNorm: try last.double("gradient_norm"),
                                   clippedEntries: try last.int("clipped_entries"),
                                   learningRate: try last.optionalDouble("learning_rate"))
                },
                windowLengths: try state.optionalIntegerPairs("window_lengths"),
                validationSteps: try validation?.wholeNumbers("steps") ?? [],
                validationLosses: try validation?.numbers("losses") ?? []),
            lossHistory: try top.numbers("loss_history"),
            random: RandomRecord(sampling: try random.strings("sampling"), dropout: try random.optionalStrings("dropout")),
            keptRuns: try top.objects("kept_runs").map { (run) throws(CheckpointProblem) in
                // Older files kept the window's sums: per character they are those over seq.
                var losses: [Double]
                var key = "losses_per_char"
                if let perCharacter = try run.optionalNumbers(key) {
                    losses = perCharacter
                } else {
                    let seq = Double(try settings.int("seq"))
                    key = "losses"
                    losses = try run.numbers(key).map { $0 / seq }
                }
                return KeptRunRecord(name: try run.string("name"), losses: losses,
                                     gradientNorms: try run.optionalNumbers("gradient_norms"), lossesKey: key)
            })
    }
}

/// Reading the members of one JSON object, each error naming the field by its path
/// ("state.last_step.loss", "parameters.W_hh[3]").
struct JSONFields {
    let object: JSONObject
    let path: String

    init(_ object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    func field(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    private func wrong(_ key: String, _ detail: String) -> CheckpointProblem { .missingOrWrong(field: field(key), detail: detail) }

    func value(_ key: String) throws(CheckpointProblem) -> JSONValue {
        guard let value = object[key] else { throw wrong(key, "it is missing") }
        return value
    }

    func int(_ key: String) throws(CheckpointProblem) -> Int {
        let value = try value(key)
        guard case .number(let text) = value else { throw wrong(key, "expected a whole number, found \(value.kind)") }
        guard let number = Int(text) else { throw wrong(key, "expected a whole number, found \(text)") }
        return number
    }

    func double(_ key: String) throws(CheckpointProblem) -> Double {
        let value = try value(key)
        guard case .number(let text) = value, let number = Double(text) else { throw wrong(key, "expected a number, found \(value.kind)") }
        guard number.isFinite else { throw .nonFinite(name: field(key)) }
        return number
    }

    func string(_ key: String) throws(CheckpointProblem) -> String {
        let value = try value(key)
        guard case .string(let text) = value else { throw wrong(key, "expected a string, found \(value.kind)") }
        return text
    }

    func bool(_ key: String) throws(CheckpointProblem) -> Bool {
        let value = try value(key)
        guard case .bool(let flag) = value else { throw wrong(key, "expected true or false, found \(value.kind)") }
        return flag
    }

    func object(_ key: String) throws(CheckpointProblem) -> JSONFields {
        let value = try value(key)
        guard case .object(let inner) = value else { throw wrong(key, "expected an object, found \(value.kind)") }
        return JSONFields(inner, path: field(key))
    }

    func numbers(_ key: String) throws(CheckpointProblem) -> [Double] {
        let value = try value(key)
        guard case .numbers(let values) = value else { throw wrong(key, "expected a list of numbers, found \(value.kind)") }
        return values
    }

    func strings(_ key: String) throws(CheckpointProblem) -> [String] {
        switch try value(key) {
        case .numbers(let values) where values.isEmpty: return []
        case .array(let items):
            var result: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item else {
                    throw .missingOrWrong(field: field(key) + "[\(index)]", detail: "expected a string, found \(item.kind)")
                }
                result.append(text)
            }
            return result
        case let other: throw wrong(key, "expected a list of strings, found \(other.kind)")
        }
    }

    func objects(_ key: String) throws(CheckpointProblem) -> [JSONFields] {
        switch try value(key) {
        case .numbers(let values) where values.isEmpty: return []
        case .array(let items):
            var result: [JSONFields] = []
            for (index, item) in items.enumerated() {
                guard case .object(let inner) = item else {
                    throw .missingOrWrong(field: field(key) + "[\(index)]", detail: "expected an object, found \(item.kind)")
                }
                result.append(JSONFields(inner, path: field(key) + "[\(index)]"))
            }
            return result
        case let other: throw wrong(key, "expected a list of objects, found \(other.kind)")
        }
    }

    /// Matrices by name, each a list of rows of numbers (all rows as long as the first). The
    /// rows are copied once, into each matrix's flat buffer.
    func tensors(_ key: String) throws(CheckpointProblem) -> [String: CheckpointTensor] {
        let matrices = try object(key)
        var result: [String: CheckpointTensor] = [:]
        for name in matrices.object.keys {
            let items: [JSONValue]
            switch matrices.object[name]! {
            case .numbers(let values) where values.isEmpty: items = []
            case .array(let rows): items = rows
            case let other: throw .missingOrWrong(field: matrices.field(name), detail: "expected a list of rows, found \(other.kind)")
            }
            var lengths: [Int] = []
            for (index, item) in items.enumerated() {
                guard case .numbers(let row) = item else {
                    throw .missingOrWrong(field: matrices.field(name) + "[\(index)]", detail: "expected a list, found \(item.kind)")
                }
                lengths.append(row.count)
            }
            let columns = lengths.first ?? 0
            if let ragged = lengths.firstIndex(where: { $0 != columns }) {
                // The row that differs from the others (the first row itself when it is the odd one).
                let odd = ragged == 1 && lengths.count > 2 && lengths[2] == lengths[1] ? 0 : ragged
                let expected = lengths[odd == 0 ? 1 : 0]
                throw .raggedRow(name: matrices.field(name), row: odd, found: lengths[odd], expected: expected)
            }
            var values: [Double] = []
            values.reserveCapacity(items.count * columns)
            for case .numbers(let row) in items { values.append(contentsOf: row) }
            result[name] = CheckpointTensor(rows: items.count, columns: columns, values: values[...])
        }
        return result
    }

    func optionalString(_ key: String) throws(CheckpointProblem) -> String? {
        object[key] == nil ? nil : try string(key)
    }

    func optionalStrings(_ key: String) throws(CheckpointProblem) -> [String]? {
        object[key] == nil ? nil : try strings(key)
    }

    func optionalInt(_ key: String) throws(CheckpointProblem) -> Int? {
        object[key] == nil ? nil : try int(key)
    }

    func optionalDouble(_ key: String) throws(CheckpointProblem) -> Double? {
        object[key] == nil ? nil : try double(key)
    }

    func optionalNumbers(_ key: String) throws(CheckpointProblem) -> [Double]? {
        object[key] == nil ? nil : try numbers(key)
    }

    /// A list of whole numbers.
    func wholeNumbers(_ key: String) throws(CheckpointProblem) -> [Int] {
        let values = try numbers(key)
        guard values.allSatisfy({ $0 == $0.rounded() && abs($0) < 0x1p62 }) else {
            throw .missingOrWrong(field: field(key), detail: "expected whole numbers")
        }
        return values.map { Int($0) }
    }

    /// A list of [whole number, whole number] pairs, or nil when absent.
    func optionalIntegerPairs(_ key: String) throws(CheckpointProblem) -> [[Int]]? {
        guard let value = object[key] else { return nil }
        func wrong() -> CheckpointProblem { .missingOrWrong(field: field(key), detail: "expected a list of [step, length] pairs") }
        switch value {
        case .numbers(let values) where values.isEmpty: return []
        case .array(let items):
            var pairs: [[Int]] = []
            for item in items {
                guard case .numbers(let pair) = item, pair.count == 2, pair.allSatisfy({ $0 == $0.rounded() && abs($0) < 0x1p62 }) else {
                    throw wrong()
                }
                pairs.append(pair.map { Int($0) })
            }
            return pairs
        default: throw wrong()
        }
    }

    func optionalObject(_ key: String) throws(CheckpointProblem) -> JSONFields? {
        object[key] == nil ? nil : try object(key)
    }
}
