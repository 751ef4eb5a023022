import RNNCore
import RNNRendering

/// The characters an analysis reads, as indices of the model's vocabulary.
struct AnalysisInput {
    var indices: [Int]
    var scalars: [Unicode.Scalar]
    /// The position of the first character in the whole text or file (`from=`).
    var offset: Int
    /// How output names the text: a quoted text (shortened), or a file and the part read.
    var name: String
}

/// What `highlight` and `find-neurons` show: a unit's name as users type it and what it is.
struct ResolvedUnit {
    var probe: UnitProbe
    /// `h[3]`, `c@2[5]`.
    var label: String
    /// "c_t, the LSTM's cell state".
    var meaning: String
}

/// `highlight`, and what `find-neurons`, `saliency` and `plot states` share: the text, units.
extension Interpreter {
    // MARK: The text

    /// Reads an analysis's text (a file like `load`), picks the part `from=`/`length=`, and maps
    /// it onto the model's vocabulary. Nil when Ctrl-C stopped reading a file.
    func analysisInput(_ text: AnalysisText, command: String, limit: Int, minimum: Int = 1) throws(Diagnostic) -> AnalysisInput? {
        let trainer = session.trainer!
        // The whole text's length, and its characters from `from` to `end`.
        let total: Int, part: [Unicode.Scalar], context: String
        var corpus: Corpus?
        switch text.source.value {
        case .text(let value):
            total = value.unicodeScalars.count
            context = "text"
        case .file(let path):
            do {
                corpus = try Corpus.load(path: resolvePath(path), shouldStop: console.takeInterrupt)
            } catch .unreadable(_, .interrupted) {
                return nil
            } catch {
                throw Diagnostic(.corpus(error), at: text.source.range)
            }
            total = corpus!.count
            context = "file"
        }
        let from = text.from?.value ?? 0
        if let located = text.from, from >= max(total, 1) {
            throw Diagnostic(.partOutOfText(from: from, length: text.length?.value, characters: total), at: located.range)
        }
        if let length = text.length, length.value > total - from {  // (from + length could overflow)
            throw Diagnostic(.partOutOfText(from: from, length: length.value, characters: total), at: length.range)
        }
        let end = text.length.map { from + $0.value } ?? total
        if end - from > limit {
            throw Diagnostic(.textTooLong(command: command, characters: end - from, limit: limit), at: text.length?.range ?? text.source.range)
        }
        if let corpus {
            part = (from ..< end).map { corpus.vocabulary[corpus.indices[$0]] }
        } else if case .text(let value) = text.source.value {
            part = Array(value.unicodeScalars.dropFirst(from).prefix(end - from))
        } else {
            part = []
        }
        if part.isEmpty { throw Diagnostic(.emptyText(command: command), at: text.source.range) }
        if part.count < minimum {
            throw Diagnostic(.model(.textTooShort(context: context, characters: part.count, needed: minimum)), at: text.source.range)
        }
        var indices: [Int] = []
        indices.reserveCapacity(part.count)
        for (i, scalar) in part.enumerated() {
            guard let index = trainer.vocabulary.index(of: scalar) else {
                throw Diagnostic(.model(.unknownCharacter(context: context, scalar: scalar, position: from + i)), at: text.source.range)
            }
            indices.append(index)
        }
        let name: String
        switch text.source.value {
        case .text:
            name = shortQuoted(part) + (text.from == nil && text.length == nil ? "" : " (characters \(from) to \(end - 1))")
        case .file(let path):
            name = path + (from == 0 && end == total ? " (" + counted(total, "character") + ")"
                : " (characters " + NumberFormat.grouped(from) + " to " + NumberFormat.grouped(end - 1) + " of "
                    + NumberFormat.grouped(total) + ")")
        }
        return AnalysisInput(indices: indices, scalars: part, offset: from, name: name)
    }

    /// A text in quotes, its middle left out when it is long: "the cat sat … on the mat" (74 characters).
    func shortQuoted(_ scalars: [Unicode.Scalar]) -> String {
        func text(_ part: ArraySlice<Unicode.Scalar>) -> String {
            var result = ""
            result.unicodeScalars.append(contentsOf: part)
            return result
        }
        guard scalars.count > 40 else { return quoted(text(scalars[...])) }
        return quoted(text(scalars.prefix(24))).dropLast() + "…" + quoted(text(scalars.suffix(12))).dropFirst()
            + " (" + counted(scalars.count, "character") + ")"
    }

    // MARK: Units

    /// The unit a name such as `h[3]`, `c@2[5]` or `f[0]` stands for in this model.
    func resolveUnit(_ reference: NameReference) throws(Diagnostic) -> ResolvedUnit {
        let config = session.trainer!.config
        let kind = config.cell, layers = config.layers
        var base = reference.name, layer = 0
        if let at = reference.name.firstIndex(of: "@") {
            base = String(reference.name[..<at])
            let digits = reference.name[reference.name.index(after: at)...]
            if let number = Int(digits) {
                guard number >= 1 && number <= layers else {
                    throw Diagnostic(.layerOutOfRange(name: reference.name, layer: number, layers: layers), at: reference.range)
                }
                layer = number - 1
            } else {
                base = reference.name
            }
        }
        let gates = kind == .rnn ? [] : kind.gateNames
        let quantity: StateQuantity
        if base == "h" {
            quantity = .hidden
        } else if base == "c" && kind == .lstm {
            quantity = .cell
        } else if let k = gates.firstIndex(of: base) {
            quantity = .gate(k)
        } else {
            let owners = CellKind.allCases.filter { other in
                other != kind && (other == .lstm && base == "c" || other != .rnn && other.gateNames.contains(base))
            }
            if !owners.isEmpty {
                throw Diagnostic(.nameOfAnotherCell(name: base, cells: owners.map(\.rawValue), current: kind.rawValue), at: reference.range)
            }
            let choices = ["h"] + (kind == .lstm ? ["c"] : []) + gates
            throw Diagnostic(.notAUnit(name: reference.name, choices: choices, suggestion: closestMatch(to: base, in: choices)),
                             at: reference.range)
        }
        let component = reference.subscripts[0]
        guard case .index(let index) = component.value else { throw Diagnostic(.unitNeeded(name: base), at: component.range) }
        let size = config.hiddenSize
        let unit = index < 0 ? size + index : index
        guard unit >= 0 && unit < size else {
            throw Diagnostic(.subscriptOutOfRange(name: base, axis: "units", index: index, size: size), at: component.range)
        }
        let probe = UnitProbe(layer: layer, quantity: quantity, unit: unit)
        return ResolvedUnit(probe: probe, label: unitLabel(probe), meaning: quantityMeaning(quantity, kind: kind))
    }

    /// `h[3]` in a model of one layer, `h@2[3]` in one of several.
    func unitLabel(_ probe: UnitProbe) -> String {
        let config = session.trainer!.config
        let base: String
        switch probe.quantity {
        case .hidden: base = "h"
        case .cell: base = "c"
        case .gate(let k): base = config.cell.gateNames[k]
        }
        return ParameterLayout.name(base, layer: probe.layer, of: config.layers) + "[\(probe.unit)]"
    }

    func quantityMeaning(_ quantity: StateQuantity, kind: CellKind) -> String {
        switch quantity {
        case .hidden: return "h_t, the hidden state"
        case .cell: return "c_t, the LSTM's cell state"
        case .gate(let k):
            let name = kind.gateNames[k]
            let what = ["i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate",
                        "r": "reset gate", "u": "update gate", "n": "candidate"][name] ?? "gate"
            return name + "_t, the " + what
        }
    }

    /// The scale of a quantity's shades: by its bounds, or (c) by its largest |value| here.
    func shadeScale(_ quantity: StateQuantity, values: [Double]) -> ShadeScale {
        switch quantity.bounds(in: session.trainer!.config.cell) {
        case .signedUnit: return .diverging(bound: 1)
        case .unitInterval: return .sequential(upper: 1)
        case .unbounded:
            let largest = values.map(abs).max() ?? 0
            return .diverging(bound: largest > 0 ? largest : 1)
        }
    }

    /// "read from h = 0" (and c = 0), over every layer.
    var zeroStateWords: String { session.trainer!.config.cell == .lstm ? "h = 0 and c = 0" : "h = 0" }

    /// "'x' at position 12".
    func place(_ scalars: [Unicode.Scalar], _ i: Int, offset: Int) -> String {
        characterLabel(scalars[i]) + " (position " + NumberFormat.grouped(offset + i) + ")"
    }

    // MARK: highlight

    mutating func highlight(_ target: HighlightTarget, _ text: AnalysisText, command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        let unit: ResolvedUnit?
        switch target {
        case .unit(let reference): unit = try resolveUnit(reference)
        case .probability: unit = nil
        }
        guard let input = try analysisInput(text, command: "highlight", limit: Limits.highlightCharacters) else {
            write("interrupted: nothing was read\n")
            return .interrupted
        }
        let reader = session.trainer!.stateReader()
        let digits = max(precision - 1, 2)
        func number(_ x: Double) -> String { NumberFormat.fixed(x, decimals: digits) }
        if let unit {
            guard let values = reader.series(of: unit.probe, text: input.indices, shouldStop: console.takeInterrupt) else {
                write("interrupted: nothing was shown\n")
                return .interrupted
            }
            let low = values.indices.min { values[$0] < values[$1] }!, high = values.indices.max { values[$0] < values[$1] }!
            let header = "\(unit.label): \(unit.meaning), of unit \(unit.probe.unit) after each character of \(input.name), "
                + "read from \(zeroStateWords); lowest " + number(values[low]) + " after " + place(input.scalars, low, offset: input.offset)
                + ", highest " + number(values[high]) + " after " + place(input.scalars, high, offset: input.offset) + "\n"
            let shaded = HighlightedText(scalars: input.scalars, values: values, scale: shadeScale(unit.probe.quantity, values: values))
            writeStyled(header)
            emit(.highlight(shaded))
        } else {
            guard input.indices.count >= 2 else {
                throw Diagnostic(.model(.textTooShort(context: "text", characters: input.indices.count, needed: 2)), at: text.source.range)
            }
            guard let probabilities = reader.characterProbabilities(input.indices, shouldStop: console.takeInterrupt) else {
                write("interrupted: nothing was shown\n")
                return .interrupted
            }
            let lowest = probabilities.indices.min { probabilities[$0] < probabilities[$1] }!
            let mean = probabilities.reduce(0, +) / Double(probabilities.count)
            let header = "p: the probability the model gave each character of \(input.name) before reading it, from \(zeroStateWords) "
                + "(low: a surprise); mean " + number(mean) + ", lowest " + NumberFormat.general(probabilities[lowest], significant: 3)
                + " for " + place(input.scalars, lowest + 1, offset: input.offset) + "\n"
            let shaded = HighlightedText(scalars: input.scalars, values: [nil] + probabilities.map { $0 }, scale: .sequential(upper: 1),
                                         missingMeaning: "the first character, which nothing predicts")
            writeStyled(header)
            emit(.highlight(shaded))
        }
        return .completed
    }
}
