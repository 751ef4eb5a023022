import Foundation
import RNNCore

/// The checkpoint format: one JSON document holding everything a session needs to continue
/// exactly where it stopped. Version 2 (gated cells: `settings.forget-bias`, `state.c`); version 1
/// files (vanilla RNN only) are still read. The README documents every field.
///
/// Doubles are written in Swift's shortest round-trip form and read back by a correctly
/// rounding parser, so every value comes back bit for bit. 64-bit generator states and the
/// corpus checksum are hex strings, because many JSON readers keep numbers as doubles.
struct CheckpointFile: Codable, Equatable {
    static let formatName = "rnnrepl-checkpoint"
    static let currentVersion = 2
    static let readableVersions = 1 ... 2

    var format: String
    var version: Int
    var rnnrepl: String
    var cell: String
    /// Every character of the vocabulary, in index order.
    var vocabulary: String
    var corpus: CorpusRecord
    var settings: SettingsRecord
    /// Each parameter as a list of rows (row-major), keyed by its name.
    var parameters: [String: [[Double]]]
    /// The gradients of the last step (they matter when zero-grad=off lets them accumulate).
    var gradients: [String: [[Double]]]
    var optimizer: OptimizerRecord
    var state: StateRecord
    var lossHistory: [Double]
    var random: RandomRecord
    var keptRuns: [KeptRunRecord]

    enum CodingKeys: String, CodingKey {
        case format, version, rnnrepl, cell, vocabulary, corpus, settings, parameters, gradients, optimizer, state
        case lossHistory = "loss_history", random, keptRuns = "kept_runs"
    }

    struct CorpusRecord: Codable, Equatable {
        /// The absolute path of the text, or nil for a built-in corpus.
        var path: String?
        var builtin: String?
        var characters: Int
        var bytes: Int
        /// FNV-1a 64 of the text's bytes, "0x…".
        var checksum: String
    }

    struct SettingsRecord: Codable, Equatable {
        var hidden: Int
        var seq: Int
        var lr: Double
        var clip: Double
        var clipMode: String
        var optimizer: String
        var seed: String
        var whh: String
        var scale: Double
        var sigma: Double
        /// The LSTM's initial b_f (version 2; absent in version 1, which had no LSTM).
        var forgetBias: Double?
        var update: Bool
        var zeroGrad: Bool
        var carry: Bool
        var precision: Int
        var width: Int

        enum CodingKeys: String, CodingKey {
            case hidden, seq, lr, clip, clipMode = "clip-mode", optimizer, seed, whh, scale, sigma
            case forgetBias = "forget-bias", update
            case zeroGrad = "zero-grad", carry, precision, width
        }
    }

    struct OptimizerRecord: Codable, Equatable {
        var kind: String
        /// Adam's t: the number of updates so far.
        var updates: Int
        /// Adagrad's Σg² or Adam's first moment, by parameter name (empty for SGD).
        var memory: [String: [[Double]]]
        /// Adam's second moment (empty otherwise).
        var secondMoment: [String: [[Double]]]

        enum CodingKeys: String, CodingKey {
            case kind, updates, memory, secondMoment = "second_moment"
        }
    }

    struct StateRecord: Codable, Equatable {
        /// h carried into the next window.
        var h: [Double]
        /// The LSTM's cell state c carried into the next window (nil for other cells).
        var c: [Double]?
        /// p, where the next window starts.
        var pointer: Int
        var step: Int
        var smoothLoss: Double
        /// The last step's report (nil before the first step).
        var lastStep: LastStepRecord?

        enum CodingKeys: String, CodingKey {
            case h, c, pointer, step, smoothLoss = "smooth_loss", lastStep = "last_step"
        }
    }

    struct LastStepRecord: Codable, Equatable {
        var loss: Double
        var position: Int
        var wrapped: Bool
        var gradientNorm: Double
        var clippedEntries: Int

        enum CodingKeys: String, CodingKey {
            case loss, position, wrapped, gradientNorm = "gradient_norm", clippedEntries = "clipped_entries"
        }
    }

    struct RandomRecord: Codable, Equatable {
        /// The sampling generator's four xoshiro256** words, "0x…".
        var sampling: [String]
    }

    struct KeptRunRecord: Codable, Equatable {
        var name: String
        var losses: [Double]
        var gradientNorms: [Double]?

        enum CodingKeys: String, CodingKey {
            case name, losses, gradientNorms = "gradient_norms"
        }
    }
}

/// What can be wrong with a checkpoint file.
public enum CheckpointProblem: Error, Equatable, Sendable {
    case notJSON(detail: String)
    case notACheckpoint
    case unsupportedVersion(found: Int, supported: Int)
    case missingOrWrong(field: String, detail: String)
    case badVocabulary(String)
    case wrongShape(name: String, expected: String, found: String)
    case raggedRow(name: String, row: Int, found: Int, expected: Int)
    case nonFinite(name: String)
    case badSetting(String)
    case badState(String)
}

// MARK: - Writing

extension CheckpointFile {
    /// The checkpoint of a session with a model.
    init(session: Session, trainer: Trainer, corpusPath: String?) {
        let config = trainer.config
        let layout = trainer.parameters.layout
        func rows(_ values: [Double]) -> [String: [[Double]]] {
            var result: [String: [[Double]]] = [:]
            for entry in layout.entries {
                result[entry.name] = (0 ..< entry.rows).map { r in
                    Array(values[entry.offset + r * entry.columns ..< entry.offset + (r + 1) * entry.columns])
                }
            }
            return result
        }
        format = Self.formatName
        version = Self.currentVersion
        rnnrepl = rnnreplVersion
        cell = config.cell.rawValue
        vocabulary = trainer.vocabulary.string
        let builtinPrefix = "builtin "
        corpus = CorpusRecord(
            path: trainer.corpus.source.hasPrefix(builtinPrefix) ? nil : corpusPath,
            builtin: trainer.corpus.source.hasPrefix(builtinPrefix) ? String(trainer.corpus.source.dropFirst(builtinPrefix.count)) : nil,
            characters: trainer.corpus.count, bytes: trainer.corpus.byteCount, checksum: hexWord(trainer.corpus.checksum))
        settings = SettingsRecord(
            hidden: config.hiddenSize, seq: config.sequenceLength, lr: config.learningRate, clip: config.clip,
            clipMode: config.clipMode.rawValue, optimizer: config.optimizer.rawValue, seed: String(config.seed),
            whh: config.initialization.recurrent.rawValue, scale: config.initialization.recurrentScale,
            sigma: config.initialization.weightScale, forgetBias: config.initialization.forgetBias,
            update: config.applyUpdate, zeroGrad: config.zeroGradients,
            carry: config.carryHiddenState, precision: session.display.precision, width: session.display.width ?? DisplaySettings.transcriptWidth)
        parameters = rows(trainer.parameters.values)
        gradients = rows(trainer.gradients.values)
        optimizer = OptimizerRecord(
            kind: trainer.optimizer.kind.rawValue, updates: trainer.optimizer.updateCount,
            memory: trainer.optimizer.memory.isEmpty ? [:] : rows(trainer.optimizer.memory),
            secondMoment: trainer.optimizer.secondMoment.isEmpty ? [:] : rows(trainer.optimizer.secondMoment))
        let h = trainer.config.hiddenSize
        state = StateRecord(
            h: Array(trainer.hiddenState[..<h]), c: trainer.hiddenState.count > h ? Array(trainer.hiddenState[h...]) : nil,
            pointer: trainer.position, step: trainer.stepCount, smoothLoss: trainer.smoothLoss,
            lastStep: trainer.lastReport.map {
                LastStepRecord(loss: $0.loss, position: $0.position, wrapped: $0.wrapped,
                               gradientNorm: $0.clip.normBefore, clippedEntries: $0.clip.clippedEntries)
            })
        lossHistory = trainer.lossHistory
        random = RandomRecord(sampling: trainer.samplingGenerator.state.map(hexWord))
        keptRuns = session.keptRuns.map { KeptRunRecord(name: $0.name, losses: $0.losses, gradientNorms: $0.gradientNorms) }
    }

    /// The JSON text: keys in a fixed order, two-space indentation, each matrix row on one line.
    func json() -> String {
        let w = JSONWriter()
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
                }
            }
            w.field("settings") {
                w.object {
                    w.field("hidden", raw: String(settings.hidden))
                    w.field("seq", raw: String(settings.seq))
                    w.field("lr", raw: number(settings.lr))
                    w.field("clip", raw: number(settings.clip))
                    w.field("clip-mode", string: settings.clipMode)
                    w.field("optimizer", string: settings.optimizer)
                    w.field("seed", string: settings.seed)
                    w.field("whh", string: settings.whh)
                    w.field("scale", raw: number(settings.scale))
                    w.field("sigma", raw: number(settings.sigma))
                    if let forgetBias = settings.forgetBias { w.field("forget-bias", raw: number(forgetBias)) }
                    w.field("update", raw: String(settings.update))
                    w.field("zero-grad", raw: String(settings.zeroGrad))
                    w.field("carry", raw: String(settings.carry))
                    w.field("precision", raw: String(settings.precision))
                    w.field("width", raw: String(settings.width))
                }
            }
            let order = ParameterLayout.forCell(CellKind(rawValue: cell) ?? .rnn, vocabularySize: 1, hiddenSize: 1).names
            w.field("parameters") { w.matrices(parameters, order: order) }
            w.field("gradients") { w.matrices(gradients, order: order) }
            w.field("optimizer") {
                w.object {
                    w.field("kind", string: optimizer.kind)
                    w.field("updates", raw: String(optimizer.updates))
                    w.field("memory") { w.matrices(optimizer.memory, order: order) }
                    w.field("second_moment") { w.matrices(optimizer.secondMoment, order: order) }
                }
            }
            w.field("state") {
                w.object {
                    w.field("h", raw: numbers(state.h))
                    if let c = state.c { w.field("c", raw: numbers(c)) }
                    w.field("pointer", raw: String(state.pointer))
                    w.field("step", raw: String(state.step))
                    w.field("smooth_loss", raw: number(state.smoothLoss))
                    if let last = state.lastStep {
                        w.field("last_step") {
                            w.object {
                                w.field("loss", raw: number(last.loss))
                                w.field("position", raw: String(last.position))
                                w.field("wrapped", raw: String(last.wrapped))
                                w.field("gradient_norm", raw: number(last.gradientNorm))
                                w.field("clipped_entries", raw: String(last.clippedEntries))
                            }
                        }
                    }
                }
            }
            w.field("loss_history", raw: numbers(lossHistory))
            w.field("random") {
                w.object { w.field("sampling", raw: "[" + random.sampling.map(quotedJSON).joined(separator: ", ") + "]") }
            }
            w.field("kept_runs") {
                w.array(keptRuns) { run in
                    w.object {
                        w.field("name", string: run.name)
                        w.field("losses", raw: numbers(run.losses))
                        if let norms = run.gradientNorms { w.field("gradient_norms", raw: numbers(norms)) }
                    }
                }
            }
        }
        return w.text + "\n"
    }
}

/// A double in the shortest form that reads back to the same bits ("0.1", "1e-05", "5.0").
func number(_ x: Double) -> String { "\(x)" }

func numbers(_ values: [Double]) -> String { "[" + values.map(number).joined(separator: ", ") + "]" }

func hexWord(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

func parseHexWord(_ text: String) -> UInt64? {
    guard text.hasPrefix("0x") else { return nil }
    return UInt64(text.dropFirst(2), radix: 16)
}

/// `text` as a JSON string literal.
func quotedJSON(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

/// A small writer for readable JSON: nested objects indented, number arrays on one line.
/// A class, so that the closures that write nested values can write to the same text.
final class JSONWriter {
    private(set) var text = ""
    private var depth = 0
    private var first = [true]

    private var indent: String { String(repeating: "  ", count: depth) }

    private func separate() {
        if first[first.count - 1] {
            first[first.count - 1] = false
        } else {
            text += ","
        }
        text += "\n" + indent
    }

    func object(_ body: () -> Void) {
        text += "{"
        depth += 1
        first.append(true)
        body()
        let empty = first.removeLast()
        depth -= 1
        text += empty ? "}" : "\n" + indent + "}"
    }

    func array<T>(_ items: [T], _ body: (T) -> Void) {
        text += "["
        depth += 1
        first.append(true)
        for item in items {
            separate()
            body(item)
        }
        let empty = first.removeLast()
        depth -= 1
        text += empty ? "]" : "\n" + indent + "]"
    }

    func field(_ key: String, raw: String) {
        separate()
        text += quotedJSON(key) + ": " + raw
    }

    func field(_ key: String, string: String) {
        field(key, raw: quotedJSON(string))
    }

    func field(_ key: String, _ body: () -> Void) {
        separate()
        text += quotedJSON(key) + ": "
        body()
    }

    /// {"W_xh": [[row], [row]], …} with each row on its own line.
    func matrices(_ values: [String: [[Double]]], order: [String]) {
        object {
            for name in order {
                guard let rows = values[name] else { continue }
                field(name) {
                    array(rows) { row in text += numbers(row) }
                }
            }
        }
    }
}

// MARK: - Reading and validating

extension CheckpointFile {
    /// Parses and checks a checkpoint's text; nothing outside is touched.
    static func parse(_ bytes: [UInt8]) throws(CheckpointProblem) -> CheckpointFile {
        let data = Data(bytes)
        // First: is it JSON at all, and does it say it is a checkpoint?
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "the JSON ends too early or is malformed"
            throw .notJSON(detail: detail.hasSuffix(".") ? String(detail.dropLast()) : detail)
        }
        guard let top = object as? [String: Any], top["format"] as? String == formatName else { throw .notACheckpoint }
        guard let version = top["version"] as? Int else { throw .missingOrWrong(field: "version", detail: "a whole number is needed") }
        guard readableVersions.contains(version) else {
            throw .unsupportedVersion(found: version, supported: readableVersions.upperBound)
        }
        try checkWholeNumbers(in: top)
        do {
            return try JSONDecoder().decode(CheckpointFile.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .missingOrWrong(field: path(context.codingPath + [key]), detail: "it is missing")
        } catch let DecodingError.typeMismatch(type, context) {
            throw .missingOrWrong(field: path(context.codingPath), detail: "expected \(describeType(type))")
        } catch let DecodingError.valueNotFound(type, context) {
            throw .missingOrWrong(field: path(context.codingPath), detail: "expected \(describeType(type)), found null")
        } catch let DecodingError.dataCorrupted(context) {
            throw .missingOrWrong(field: path(context.codingPath), detail: context.debugDescription)
        } catch {
            throw .notJSON(detail: "\(error)")
        }
    }

    /// The fields that must be whole numbers, checked before decoding: JSONDecoder reports 1.5
    /// where an integer belongs as "not valid JSON", without saying which field.
    static let wholeNumberFields = ["corpus.characters", "corpus.bytes", "settings.hidden", "settings.seq",
                                    "settings.precision", "settings.width", "optimizer.updates", "state.pointer",
                                    "state.step", "state.last_step.position", "state.last_step.clipped_entries"]

    private static func checkWholeNumbers(in top: [String: Any]) throws(CheckpointProblem) {
        for field in wholeNumberFields {
            var value: Any? = top
            for key in field.split(separator: ".") { value = (value as? [String: Any])?[String(key)] }
            guard let number = value as? NSNumber, !(value is Bool) else { continue }  // absent or not a number: the decoder says so
            let x = number.doubleValue
            guard x == x.rounded(), abs(x) <= 0x1p53 else {
                throw .missingOrWrong(field: field, detail: "expected a whole number, found \(number)")
            }
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    private static func describeType(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type: "a number"
        case is Int.Type: "a whole number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default: "\(type)".hasPrefix("Array") ? "a list" : "a value of another kind"
        }
    }

    /// The training configuration the settings describe, checked as `init` checks it.
    func configuration() throws(CheckpointProblem) -> (TrainingConfig, DisplaySettings) {
        var config = TrainingConfig()
        guard let cellKind = CellKind(rawValue: cell) else { throw .badSetting("unknown cell '\(cell)'") }
        config.cell = cellKind
        config.hiddenSize = settings.hidden
        config.sequenceLength = settings.seq
        config.learningRate = settings.lr
        config.clip = settings.clip
        guard let mode = ClipMode(rawValue: settings.clipMode) else { throw .badSetting("unknown clip-mode '\(settings.clipMode)'") }
        config.clipMode = mode
        guard let kind = OptimizerKind(rawValue: settings.optimizer) else {
            throw .badSetting("unknown optimizer '\(settings.optimizer)'")
        }
        guard kind.rawValue == optimizer.kind else {
            throw .badSetting("settings.optimizer is '\(settings.optimizer)' but optimizer.kind is '\(optimizer.kind)'")
        }
        config.optimizer = kind
        guard let seed = UInt64(settings.seed) else { throw .badSetting("seed '\(settings.seed)' is not a whole number") }
        config.seed = seed
        guard let recurrent = RecurrentInitializer(rawValue: settings.whh) else { throw .badSetting("unknown whh '\(settings.whh)'") }
        if version >= 2 && settings.forgetBias == nil {
            throw .missingOrWrong(field: "settings.forget-bias", detail: "it is missing (version 2 writes it for every cell)")
        }
        config.initialization = Initialization(weightScale: settings.sigma, recurrent: recurrent, recurrentScale: settings.scale,
                                               forgetBias: settings.forgetBias ?? Initialization().forgetBias)
        if version == 1 && cellKind != .rnn { throw .badSetting("version 1 checkpoints hold only rnn models, not '\(cell)'") }
        config.applyUpdate = settings.update
        config.zeroGradients = settings.zeroGrad
        config.carryHiddenState = settings.carry
        do {
            try config.validate(vocabularySize: max(vocabulary.unicodeScalars.count, 2))
        } catch {
            throw .badSetting(error.description)
        }
        guard (0 ... 12).contains(settings.precision), (20 ... 1000).contains(settings.width) else {
            throw .badSetting("precision or width out of range")
        }
        // Files written before the width followed the page hold the old fixed default, 100: that
        // means "the page's width" now.
        return (config, DisplaySettings(precision: settings.precision,
                                        width: settings.width == DisplaySettings.transcriptWidth ? nil : settings.width))
    }

    /// The vocabulary, checked: distinct characters in increasing order, at least two.
    func checkedVocabulary() throws(CheckpointProblem) -> Vocabulary {
        let scalars = Array(vocabulary.unicodeScalars)
        guard scalars.count >= 2 else { throw .badVocabulary("it has fewer than 2 characters") }
        for i in 1 ..< scalars.count where scalars[i - 1].value >= scalars[i].value {
            throw .badVocabulary("it is not sorted by code point without repeats (at position \(i))")
        }
        return Vocabulary(scalars: scalars)
    }

    /// A flat buffer from matrices by name, each checked against the layout; nil when `matrices`
    /// is empty and `optional`.
    static func flatten(_ matrices: [String: [[Double]]], layout: ParameterLayout, field: String,
                        optional: Bool = false) throws(CheckpointProblem) -> [Double]? {
        if matrices.isEmpty && optional { return nil }
        var values = [Double](repeating: 0, count: layout.count)
        for entry in layout.entries {
            guard let rows = matrices[entry.name] else {
                throw .missingOrWrong(field: "\(field).\(entry.name)", detail: "it is missing")
            }
            // Rows of one wrong width make a wrong shape; rows of different widths, a ragged row.
            let widths = Set(rows.map(\.count))
            guard rows.count == entry.rows, widths.count > 1 || widths.first ?? entry.columns == entry.columns else {
                let found = "\(rows.count)×\(rows.first?.count ?? 0)"
                throw .wrongShape(name: "\(field).\(entry.name)", expected: "\(entry.rows)×\(entry.columns)", found: found)
            }
            if let row = rows.firstIndex(where: { $0.count != entry.columns }) {
                throw .raggedRow(name: "\(field).\(entry.name)", row: row, found: rows[row].count, expected: entry.columns)
            }
            for (r, row) in rows.enumerated() {
                for (c, value) in row.enumerated() {
                    guard value.isFinite else { throw .nonFinite(name: "\(field).\(entry.name)") }
                    values[entry.offset + r * entry.columns + c] = value
                }
            }
        }
        if let extra = matrices.keys.first(where: { layout.entry(named: $0) == nil }) {
            throw .missingOrWrong(field: "\(field).\(extra)", detail: "the \(layout.names.joined(separator: ", ")) model has no such parameter")
        }
        return values
    }
}

/// A checkpoint turned into the values a session is made of, every one of them checked.
struct RestoredCheckpoint {
    var vocabulary: Vocabulary
    var checksum: UInt64
    var config: TrainingConfig
    var display: DisplaySettings
    var parameters: Parameters
    var gradients: Parameters
    var optimizer: OptimizerState
    var hiddenState: [Double]
    var position: Int
    var stepCount: Int
    var smoothLoss: Double
    var lossHistory: [Double]
    var samplingGenerator: SeededGenerator
    var lastReport: StepReport?
    var keptRuns: [KeptRun]
}

extension CheckpointFile {
    /// Checks shapes, domains and finiteness of everything, without touching any session.
    func validated() throws(CheckpointProblem) -> RestoredCheckpoint {
        let vocabulary = try checkedVocabulary()
        guard let checksum = parseHexWord(corpus.checksum) else {
            throw .missingOrWrong(field: "corpus.checksum", detail: "expected a hex string such as \"0x1f2e…\"")
        }
        let (config, display) = try configuration()
        let layout = ParameterLayout.forCell(config.cell, vocabularySize: vocabulary.count, hiddenSize: config.hiddenSize)
        let parameters = Parameters(layout: layout, values: try Self.flatten(self.parameters, layout: layout, field: "parameters")!)
        let gradients = Parameters(layout: layout, values: try Self.flatten(self.gradients, layout: layout, field: "gradients")!)

        let needsMemory = config.optimizer != .sgd, needsSecond = config.optimizer == .adam
        let memory = try Self.flatten(optimizer.memory, layout: layout, field: "optimizer.memory", optional: !needsMemory)
        let second = try Self.flatten(optimizer.secondMoment, layout: layout, field: "optimizer.second_moment",
                                      optional: !needsSecond)
        if needsMemory != (memory != nil) || needsSecond != (second != nil) {
            throw .badState("the \(config.optimizer.rawValue) optimizer's memory does not match what it keeps")
        }
        if let memory, config.optimizer == .adagrad, memory.contains(where: { $0 < 0 }) {
            throw .badState("Adagrad's memory (a sum of squares) has a negative entry")
        }
        if let second, second.contains(where: { $0 < 0 }) {
            throw .badState("Adam's second moment (an average of squares) has a negative entry")
        }
        guard optimizer.updates >= 0 else { throw .badState("optimizer.updates is negative") }
        let optimizerState = OptimizerState(kind: config.optimizer, memory: memory ?? [], secondMoment: second ?? [],
                                            updateCount: optimizer.updates)

        let h = config.hiddenSize
        guard state.h.count == h else { throw .wrongShape(name: "state.h", expected: "1×\(h)", found: "1×\(state.h.count)") }
        guard state.h.allSatisfy(\.isFinite) else { throw .nonFinite(name: "state.h") }
        var carried = state.h
        if config.cell == .lstm {
            guard let c = state.c else { throw .missingOrWrong(field: "state.c", detail: "it is missing (an LSTM carries h and c)") }
            guard c.count == h else { throw .wrongShape(name: "state.c", expected: "1×\(h)", found: "1×\(c.count)") }
            guard c.allSatisfy(\.isFinite) else { throw .nonFinite(name: "state.c") }
            carried += c
        } else if state.c != nil {
            throw .missingOrWrong(field: "state.c", detail: "only an LSTM has a cell state (this checkpoint's cell is \(config.cell.rawValue))")
        }
        guard state.pointer >= 0 else { throw .badState("state.pointer is negative") }
        guard state.step >= 0 else { throw .badState("state.step is negative") }
        guard lossHistory.count == state.step else {
            throw .badState("loss_history has \(lossHistory.count) losses for \(state.step) steps")
        }
        guard lossHistory.allSatisfy(\.isFinite) else { throw .nonFinite(name: "loss_history") }
        guard state.smoothLoss.isFinite else { throw .nonFinite(name: "state.smooth_loss") }
        let words = random.sampling.compactMap(parseHexWord)
        guard words.count == 4 && random.sampling.count == 4, let generator = SeededGenerator(state: words) else {
            throw .missingOrWrong(field: "random.sampling", detail: "expected four nonzero hex words")
        }
        var lastReport: StepReport?
        if state.step > 0 && state.lastStep == nil {
            throw .missingOrWrong(field: "state.last_step", detail: "it is missing after \(state.step) steps")
        }
        if let last = state.lastStep {
            guard last.loss.isFinite, last.gradientNorm.isFinite, last.clippedEntries >= 0, last.position >= 0 else {
                throw .badState("state.last_step holds an impossible value")
            }
            lastReport = StepReport(step: state.step, loss: last.loss, smoothLoss: state.smoothLoss, position: last.position,
                                    wrapped: last.wrapped,
                                    clip: ClipReport(normBefore: last.gradientNorm, clippedEntries: last.clippedEntries),
                                    sequenceLength: config.sequenceLength)
        }
        var kept: [KeptRun] = []
        for run in keptRuns {
            guard run.losses.allSatisfy(\.isFinite), run.gradientNorms?.allSatisfy(\.isFinite) ?? true else {
                throw .nonFinite(name: "kept_runs \(run.name)")
            }
            // What `keep` writes: a loss curve, a profile of norms (≥ 0), or both; never nothing.
            guard !run.losses.isEmpty || run.gradientNorms != nil, run.gradientNorms.map({ !$0.isEmpty }) ?? true,
                  run.gradientNorms?.allSatisfy({ $0 >= 0 }) ?? true else {
                throw .badState("kept run '\(run.name)' has an empty loss curve or an empty or negative norm profile")
            }
            kept.append(KeptRun(name: run.name, losses: run.losses, gradientNorms: run.gradientNorms))
        }
        return RestoredCheckpoint(vocabulary: vocabulary, checksum: checksum, config: config, display: display,
                                  parameters: parameters, gradients: gradients, optimizer: optimizerState,
                                  hiddenState: carried, position: state.pointer, stepCount: state.step,
                                  smoothLoss: state.smoothLoss, lossHistory: lossHistory, samplingGenerator: generator,
                                  lastReport: lastReport, keptRuns: kept)
    }
}
