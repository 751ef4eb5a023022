import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a name in `show` or `expect` stands for.
enum NamedValue {
    /// A matrix, and whether its rows / columns are the vocabulary's characters.
    case matrix(LabeledMatrix, characterRows: Bool, characterColumns: Bool)
    case scalar(Double)
    /// A block of text (vocab, data, loss), laid out for a page width.
    case text((Int) -> String)
}

/// Resolves names against a session: parameters and their gradients and memories, the
/// recorded window, and single numbers.
struct NameResolver {
    let session: Session

    /// Names of single numbers.
    static let scalarNames = ["step", "loss-per-char", "smooth-loss", "smooth-loss-per-char", "recent-loss",
                              "recent-loss-per-char", "perplexity", "pointer", "grad-norm", "grad-check",
                              "val-loss", "val-perplexity", "best-val-loss", "unigram-entropy", "unigram-val-loss",
                              "score", "score-perplexity", "neuron-r", "params", "vocab-size"]
    /// Names of per-window records.
    static let recordNames = ["x", "y", "hs", "z", "p", "dhnorm"]
    static let textNames = ["vocab", "data", "loss"]

    /// Every name the session could resolve now (for suggestions and completion).
    static func allNames(session: Session) -> [String] {
        let config = session.trainer?.config ?? session.config
        let layout = ParameterLayout.forModel(config.cell, vocabularySize: 2, hiddenSize: 1, layers: config.layers)
        let parameters = layout.names
        var names = parameters + parameters.map { "d" + $0 } + parameters.map { "m" + $0 }
        if config.optimizer == .adam { names += parameters.map { "v" + $0 } }
        let cellNames = session.trainer?.record.recordedNames ?? recordedNames(of: config.cell)
        return names + (config.cell == .lstm ? ["h", "c"] : ["h"]) + recordNames + cellNames + textNames + scalarNames
    }

    /// The matrix or number `reference` names, subscripts applied.
    func resolve(_ reference: NameReference, command: String) throws(Diagnostic) -> NamedValue {
        let value = try lookUp(reference, command: command)
        guard !reference.subscripts.isEmpty else { return value }
        guard case .matrix(let matrix, let characterRows, let characterColumns) = value else {
            throw Diagnostic(.tooManySubscripts(name: reference.name, given: reference.subscripts.count, allowed: 0),
                             at: reference.subscripts[0].range)
        }
        return try applySubscripts(reference, to: matrix, characterRows: characterRows, characterColumns: characterColumns)
    }

    private func unknown(_ reference: NameReference) -> Diagnostic {
        let names = Self.allNames(session: session)
        // Other conventions' gate letters: PyTorch's GRU update gate z is u here, and the LSTM's
        // candidate is often called c (W_xc) where PyTorch and rnnrepl say g.
        let cell = session.trainer?.config.cell ?? session.config.cell
        let gateAlias: (from: Character, to: Character)? = cell == .gru ? ("z", "u") : (cell == .lstm ? ("c", "g") : nil)
        if let (from, to) = gateAlias, reference.name.last == from, reference.name.contains("_") {
            let renamed = String(reference.name.dropLast()) + String(to)
            if names.contains(renamed) { return Diagnostic(.unknownName(reference.name, suggestion: renamed), at: reference.range) }
        }
        if let at = reference.name.firstIndex(of: "@"), let layer = Int(reference.name[reference.name.index(after: at)...]), layer >= 1 {
            let base = String(reference.name[..<at])
            let layers = session.trainer?.config.layers ?? session.config.layers
            if base == "h" || (base == "c" && cell == .lstm) {
                return Diagnostic(.stateHasNoLayerSuffix(name: reference.name, layer: layer, layers: layers), at: reference.range)
            }
            let bases = Set(names.map { String($0.prefix { $0 != "@" }) })
            if bases.contains(base) && (layers == 1 || layer > layers) {
                return Diagnostic(.noSuchLayer(name: reference.name, layer: layer, layers: layers), at: reference.range)
            }
        }
        let owners = CellKind.allCases.filter { $0 != cell && Self.cellNames(of: $0).contains(reference.name) }
        if !owners.isEmpty {
            return Diagnostic(.nameOfAnotherCell(name: reference.name, cells: owners.map(\.rawValue), current: cell.rawValue),
                              at: reference.range)
        }
        return Diagnostic(.unknownName(reference.name, suggestion: closestMatch(to: reference.name, in: names)), at: reference.range)
    }

    /// The names particular to a kind of cell: its parameters (with d, m, v), records and c.
    static func cellNames(of cell: CellKind) -> Set<String> {
        let parameters = ParameterLayout.forCell(cell, vocabularySize: 2, hiddenSize: 1).names
        var names = Set(parameters.flatMap { [$0, "d" + $0, "m" + $0, "v" + $0] } + recordedNames(of: cell))
        if cell == .lstm { names.insert("c") }
        return names
    }

    private func requireModel(_ reference: NameReference, _ command: String) throws(Diagnostic) -> Trainer {
        if session.corpus == nil { throw Diagnostic(.noCorpus(command: command), at: reference.range) }
        guard let trainer = session.trainer else { throw Diagnostic(.noModel(command: command), at: reference.range) }
        return trainer
    }

    private func requireRecord(_ reference: NameReference, _ command: String, backward: Bool = false) throws(Diagnostic) -> (Trainer, RecordedWindow) {
        let trainer = try requireModel(reference, command)
        guard let window = trainer.recordedWindow else {
            throw Diagnostic(.notYet(.recordedWindow(name: reference.name)), at: reference.range)
        }
        if backward && !window.backwardDone {
            throw Diagnostic(.notYet(.backwardPass(name: reference.name)), at: reference.range)
        }
        return (trainer, window)
    }

    private func characterLabels(_ vocabulary: Vocabulary) -> [String] {
        vocabulary.scalars.map(characterLabel)
    }

    private func lookUp(_ reference: NameReference, command: String) throws(Diagnostic) -> NamedValue {
        let name = reference.name
        let config = session.trainer?.config ?? session.config
        let parameterNames = ParameterLayout.forModel(config.cell, vocabularySize: 2, hiddenSize: 1, layers: config.layers).names

        // Parameters, gradients (d), optimiser memories (m, v).
        for (prefix, what) in [("", "parameters"), ("d", "gradients"), ("m", "memory"), ("v", "second moment")] {
            guard name.hasPrefix(prefix), parameterNames.contains(String(name.dropFirst(prefix.count))) else { continue }
            let base = String(name.dropFirst(prefix.count))
            let trainer = try requireModel(reference, command)
            let entry = trainer.parameters.layout.entry(named: base)!
            let values: [Double]
            switch what {
            case "parameters": values = Array(trainer.parameters.values[entry.range])
            case "gradients": values = Array(trainer.gradients.values[entry.range])
            case "memory":
                guard !trainer.optimizer.memory.isEmpty else {
                    throw Diagnostic(.noOptimizerMemory(name: name, optimizer: trainer.optimizer.kind.rawValue), at: reference.range)
                }
                values = Array(trainer.optimizer.memory[entry.range])
            default:
                guard !trainer.optimizer.secondMoment.isEmpty else {
                    throw Diagnostic(.noOptimizerMemory(name: name, optimizer: trainer.optimizer.kind.rawValue), at: reference.range)
                }
                values = Array(trainer.optimizer.secondMoment[entry.range])
            }
            // Rows of input weights and columns of output weights are characters.
            let characterRows = entry.rows == trainer.vocabulary.count && entry.name.hasPrefix("W_x")
            let characterColumns = entry.columns == trainer.vocabulary.count && (entry.name.hasSuffix("y"))
            let labels = characterLabels(trainer.vocabulary)
            let note = characterRows ? "rows: characters" : (characterColumns ? "columns: characters" : nil)
            return .matrix(LabeledMatrix(name: name, rows: entry.rows, columns: entry.columns, values: values,
                                         rowLabels: characterRows ? labels : nil,
                                         columnLabels: characterColumns ? labels : nil, note: note),
                           characterRows: characterRows, characterColumns: characterColumns)
        }

        switch name {
        case "h":
            return .matrix(carriedState("h", try requireModel(reference, command)), characterRows: false, characterColumns: false)

        case "c" where (session.trainer?.config.cell ?? session.config.cell) == .lstm:
            return .matrix(carriedState("c", try requireModel(reference, command)), characterRows: false, characterColumns: false)

        case "x", "y", "hs", "z", "p", "dhnorm":
            let (trainer, _) = try requireRecord(reference, command, backward: name == "dhnorm")
            let cell = trainer.record
            let steps = cell.steps, v = trainer.vocabulary.count
            let rowLabels = (0 ..< steps).map { t in
                "\(t) " + characterLabel(trainer.vocabulary[name == "y" ? cell.target(at: t) : cell.input(at: t)])
            }
            let labels = characterLabels(trainer.vocabulary)
            switch name {
            case "x", "y":
                var values = [Double](repeating: 0, count: steps * v)
                for t in 0 ..< steps { values[t * v + (name == "x" ? cell.input(at: t) : cell.target(at: t))] = 1 }
                return .matrix(LabeledMatrix(name: name, rows: steps, columns: v, values: values, rowLabels: rowLabels,
                                             columnLabels: labels, note: name == "x" ? "one-hot inputs x_t" : "one-hot targets y_t"),
                               characterRows: false, characterColumns: true)
            case "hs":
                let values = (0 ..< steps).flatMap { cell.hiddenState(at: $0) }
                return .matrix(LabeledMatrix(name: "hs", rows: steps, columns: trainer.config.hiddenSize, values: values,
                                             rowLabels: rowLabels, note: "h_t for each step"),
                               characterRows: false, characterColumns: false)
            case "z", "p":
                let values = (0 ..< steps).flatMap { name == "z" ? cell.logits(at: $0) : cell.probabilities(at: $0) }
                return .matrix(LabeledMatrix(name: name, rows: steps, columns: v, values: values, rowLabels: rowLabels,
                                             columnLabels: labels, note: name == "z" ? "logits z_t" : "probabilities p_t"),
                               characterRows: false, characterColumns: true)
            default:
                let norms = cell.hiddenGradientNorms
                return .matrix(LabeledMatrix(name: "dhnorm", rows: 1, columns: norms.count, values: norms,
                                             note: "‖∂L/∂h_t‖ for t = 0…\(norms.count - 1)"),
                               characterRows: false, characterColumns: false)
            }

        case "vocab":
            guard let corpus = session.corpus else { throw Diagnostic(.noCorpus(command: command), at: reference.range) }
            let vocabulary = corpus.vocabulary
            return .text { vocabularyTable(vocabulary, width: $0) }

        case "data":
            let trainer = try requireModel(reference, command)
            let t = trainer.config.sequenceLength
            let (start, wraps) = trainer.nextWindowStart
            var text = "next window: characters \(start) to \(start + t - 1) (p = \(start)"
            text += wraps ? ", wrapped to the start; h will be reset)\n" : ")\n"
            let inputs = Array(trainer.corpus.text(in: start ..< start + t).unicodeScalars)
            let targets = Array(trainer.corpus.text(in: start + 1 ..< start + t + 1).unicodeScalars)
            return .text { width in text + windowLines(inputs: inputs, targets: targets, firstIndex: start, width: width) }

        case "loss":
            if command == "expect" {
                let (trainer, _) = try requireRecord(reference, command)
                return .scalar(trainer.recordedLoss)
            }
            let trainer = try requireModel(reference, command)
            let t = Double(trainer.config.sequenceLength)
            var text = ""
            if trainer.recordedWindow != nil {
                let loss = trainer.recordedLoss
                text += "loss of the last window: " + fixed(loss) + " = " + fixed(loss / t) + " per char, perplexity "
                    + fixed(exp(loss / t)) + "\n"
            }
            text += "step \(trainer.stepCount), smooth loss " + fixed(trainer.smoothLoss) + " = "
                + fixed(trainer.smoothLossPerCharacter) + " per char"
            text += trainer.stepCount == 0
                ? " (its start: −ln(1/V)⋅T = ln \(trainer.vocabulary.count) ⋅ \(Int(t)))\n"
                : "\n"
            return .text { wrapLines(text, width: $0) }

        case "step":
            return .scalar(Double(try requireModel(reference, command).stepCount))
        case "smooth-loss":
            return .scalar(try requireModel(reference, command).smoothLoss)
        case "recent-loss", "recent-loss-per-char":
            let trainer = try requireModel(reference, command)
            guard !trainer.lossHistory.isEmpty else {
                throw Diagnostic(.notYet(.trainingSteps(name: name)), at: reference.range)
            }
            let recent = (name == "recent-loss" ? trainer.lossHistory : trainer.lossesPerCharacter).suffix(100)
            return .scalar(recent.reduce(0, +) / Double(recent.count))
        case "val-loss", "val-perplexity":
            let trainer = try requireModel(reference, command)
            guard let last = trainer.validationHistory.last else {
                if trainer.corpus.validationRange == nil { throw Diagnostic(.notYet(.heldOutText(name: name)), at: reference.range) }
                throw Diagnostic(.notYet(.evaluation(name: name)), at: reference.range)
            }
            return .scalar(name == "val-loss" ? last.loss : exp(last.loss))
        case "best-val-loss":
            let trainer = try requireModel(reference, command)
            guard let best = trainer.bestValidation else { throw Diagnostic(.notYet(.evaluation(name: name)), at: reference.range) }
            return .scalar(best.loss)
        case "unigram-entropy", "unigram-val-loss":
            guard let corpus = session.corpus else { throw Diagnostic(.noCorpus(command: command), at: reference.range) }
            let unigram = UnigramBaseline(corpus: corpus)
            if name == "unigram-entropy" { return .scalar(unigram.entropy) }
            guard let loss = unigram.validationLoss else { throw Diagnostic(.notYet(.heldOutText(name: name)), at: reference.range) }
            return .scalar(loss)
        case "smooth-loss-per-char":
            return .scalar(try requireModel(reference, command).smoothLossPerCharacter)
        case "loss-per-char":
            let (trainer, _) = try requireRecord(reference, command)
            return .scalar(trainer.recordedLoss / Double(trainer.record.steps))
        case "perplexity":
            let (trainer, _) = try requireRecord(reference, command)
            return .scalar(exp(trainer.recordedLoss / Double(trainer.record.steps)))
        case "pointer":
            return .scalar(Double(try requireModel(reference, command).position))
        case "grad-norm":
            let trainer = try requireModel(reference, command)
            guard let report = trainer.lastReport else {
                throw Diagnostic(.notYet(.trainingSteps(name: name)), at: reference.range)
            }
            return .scalar(report.clip.normBefore)
        case "grad-check":
            guard let check = session.lastGradientCheck else {
                throw Diagnostic(.notYet(.gradientCheck), at: reference.range)
            }
            return .scalar(check.parameters.map(\.worstRelativeError).max() ?? 0)
        case "score":
            guard let score = session.lastScore else {
                throw Diagnostic(.notYet(.score(name: name)), at: reference.range)
            }
            return .scalar(score.lossPerCharacter)
        case "score-perplexity":
            guard let score = session.lastScore else {
                throw Diagnostic(.notYet(.score(name: name)), at: reference.range)
            }
            return .scalar(score.perplexity)
        case "neuron-r":
            guard let r = session.lastNeuronCorrelation else {
                throw Diagnostic(.notYet(.neuronSearch(name: name)), at: reference.range)
            }
            return .scalar(r)
        case "params":
            return .scalar(Double(try requireModel(reference, command).parameters.layout.count))
        case "vocab-size":
            guard let corpus = session.corpus else { throw Diagnostic(.noCorpus(command: command), at: reference.range) }
            return .scalar(Double(corpus.vocabulary.count))
        default:
            // Cell-specific records ("a" for the vanilla RNN; gates for gated cells).
            if let trainer = session.trainer, trainer.record.recordedNames.contains(name) {
                let (trainer, _) = try requireRecord(reference, command)
                let cell = trainer.record
                let rows = (0 ..< cell.steps).map { cell.recorded(name, at: $0)! }
                let rowLabels = (0 ..< cell.steps).map { "\($0) " + characterLabel(trainer.vocabulary[cell.input(at: $0)]) }
                return .matrix(LabeledMatrix(name: name, rows: rows.count, columns: rows.first?.count ?? 0,
                                             values: rows.flatMap { $0 }, rowLabels: rowLabels),
                               characterRows: false, characterColumns: false)
            }
            if session.trainer == nil && recordedNames(of: session.config.cell).contains(name) {
                _ = try requireModel(reference, command)
            }
            throw unknown(reference)
        }
    }

    /// The first stream's carried h (or c), one row per layer.
    private func carriedState(_ name: String, _ trainer: Trainer) -> LabeledMatrix {
        let config = trainer.config, size = trainer.stateSize, n = config.hiddenSize
        let offset = name == "h" ? 0 : n
        var values: [Double] = []
        for l in 0 ..< config.layers {
            let first = l * config.batchSize * size + offset
            values += trainer.hiddenState[first ..< first + n]
        }
        var note = name == "h" ? "the state carried into the next window" : "the LSTM's cell state carried into the next window"
        if config.layers > 1 { note += "; row l is layer l + 1" }
        if config.batchSize > 1 { note += "; the first of \(config.batchSize) streams" }
        return LabeledMatrix(name: name, rows: config.layers, columns: n, values: values, note: note)
    }

    private func fixed(_ x: Double) -> String { NumberFormat.fixed(x, decimals: session.display.precision) }

    // MARK: Subscripts

    private func applySubscripts(_ reference: NameReference, to matrix: LabeledMatrix,
                                 characterRows: Bool, characterColumns: Bool) throws(Diagnostic) -> NamedValue {
        let components = reference.subscripts
        let isVector = matrix.rows == 1
        guard components.count <= (isVector ? 1 : 2) else {
            throw Diagnostic(.tooManySubscripts(name: reference.name, given: components.count, allowed: isVector ? 1 : 2),
                             at: components[isVector ? 1 : 2].range)
        }
        var rows = 0 ..< matrix.rows, columns = 0 ..< matrix.columns
        if isVector {
            columns = try select(components[0], size: matrix.columns, axis: "entries", name: reference.name,
                                 characters: characterColumns)
        } else {
            rows = try select(components[0], size: matrix.rows, axis: "rows", name: reference.name, characters: characterRows)
            if components.count == 2 {
                columns = try select(components[1], size: matrix.columns, axis: "columns", name: reference.name,
                                     characters: characterColumns)
            }
        }
        var values: [Double] = []
        for r in rows { for c in columns { values.append(matrix[r, c]) } }
        let sliced = LabeledMatrix(name: reference.text, rows: rows.count, columns: columns.count, values: values,
                                   rowLabels: matrix.rowLabels.map { Array($0[rows]) },
                                   columnLabels: matrix.columnLabels.map { Array($0[columns]) },
                                   rowOffset: rows.lowerBound, columnOffset: columns.lowerBound, note: matrix.note)
        return .matrix(sliced, characterRows: characterRows, characterColumns: characterColumns)
    }

    /// The indices one subscript component selects on an axis of `size`.
    private func select(_ component: Located<SubscriptComponent>, size: Int, axis: String, name: String,
                        characters: Bool) throws(Diagnostic) -> Range<Int> {
        switch component.value {
        case .index(let index):
            let resolved = index < 0 ? size + index : index
            guard resolved >= 0 && resolved < size else {
                throw Diagnostic(.subscriptOutOfRange(name: name, axis: axis, index: index, size: size), at: component.range)
            }
            return resolved ..< resolved + 1
        case .character(let text):
            guard characters, let vocabulary = session.trainer?.vocabulary else {
                throw Diagnostic(.notACharacterAxis(name: name, axis: axis), at: component.range)
            }
            guard let index = vocabulary.index(of: text.unicodeScalars.first!) else {
                throw Diagnostic(.characterNotInVocabulary(name: name, character: text), at: component.range)
            }
            return index ..< index + 1
        case .range(let lower, let upper):
            let start = lower.map { $0 < 0 ? size + $0 : $0 } ?? 0
            let end = upper.map { $0 < 0 ? size + $0 : $0 } ?? size
            guard start >= 0, end <= size, start < end else {
                if start < 0 || start >= size {
                    throw Diagnostic(.subscriptOutOfRange(name: name, axis: axis, index: lower ?? 0, size: size), at: component.range)
                }
                if end > size || end < 0 {
                    throw Diagnostic(.subscriptOutOfRange(name: name, axis: axis, index: upper ?? size, size: size), at: component.range)
                }
                let typed = (lower.map(String.init) ?? "") + ":" + (upper.map(String.init) ?? "")
                throw Diagnostic(.badRange(name: name, axis: axis, range: typed, size: size), at: component.range)
            }
            return start ..< end
        }
    }
}

/// The per-step records a kind of cell keeps ("a"; i f g o cs; r u n hn).
func recordedNames(of cell: CellKind) -> [String] {
    makeCell(cell, vocabularySize: 2, hiddenSize: 1, capacity: 1).recordedNames
}

/// A text with its invisible characters escaped, in double quotes: "the cat\n".
/// The window's inputs above its targets, each pair of lines as long as the page allows (a
/// long window continues in further pairs, each saying where it starts), so that the target
/// under each character is the character after it.
func windowLines(inputs: [Unicode.Scalar], targets: [Unicode.Scalar], firstIndex: Int, width: Int) -> String {
    func piece(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return quoted(text)
    }
    /// Columns of one character inside the quotes ("\\n" takes two).
    func columns(_ scalar: Unicode.Scalar) -> Int { displayColumns(quoted(String(Character(scalar)))) - 2 }
    var text = "", start = 0
    while start < inputs.count {
        // The longest run from `start` whose two quoted lines both fit after the 11-column label.
        var end = start + 1
        var inputColumns = 2 + columns(inputs[start]), targetColumns = 2 + columns(targets[start])
        while end < inputs.count {
            let nextInput = inputColumns + columns(inputs[end]), nextTarget = targetColumns + columns(targets[end])
            guard max(nextInput, nextTarget) + 11 <= width else { break }
            (inputColumns, targetColumns) = (nextInput, nextTarget)
            end += 1
        }
        let from = start == 0 ? "" : "  (from character \(firstIndex + start))"
        text += "  inputs   " + piece(inputs[start ..< end]) + from + "\n"
        text += "  targets  " + piece(targets[start ..< end]) + "\n"
        start = end
    }
    return text
}

func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}

/// The vocabulary as "index character" pairs, several to a line: eight, or as many as fit in
/// `width` columns.
func vocabularyTable(_ vocabulary: Vocabulary, width: Int = DisplaySettings.transcriptWidth) -> String {
    let perLine = max(1, min(8, (width - 1) / 11))
    var text = wrapLines("vocabulary: \(vocabulary.count) characters, sorted by code point (index character)", width: width) + "\n"
    let cells = vocabulary.scalars.enumerated().map { index, scalar in
        leftPad(String(index), 3) + " " + rightPad(characterLabel(scalar), 6)
    }
    for start in stride(from: 0, to: cells.count, by: perLine) {
        text += " " + cells[start ..< min(start + perLine, cells.count)].joined(separator: " ").trimmingTrailingSpaces() + "\n"
    }
    return text
}
