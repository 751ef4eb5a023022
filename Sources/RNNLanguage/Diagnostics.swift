import RNNCore
import RNNRendering

/// Everything that can go wrong with a command, as data. The wording of every message is in
/// `message` below, in one switch.
public enum DiagnosticKind: Equatable, Sendable {
    // Syntax: found before anything runs (exit code 65).
    case unterminatedString
    case invalidEscape(String)
    case unknownCommand(String, suggestion: String?)
    case unknownOption(command: String, key: String, suggestion: String?)
    case duplicateOption(key: String)
    case missingValue(key: String)
    case badValue(key: String, text: String, requirement: String)
    case badChoice(key: String, text: String, choices: [String], suggestion: String?)
    case missingArgument(command: String, expected: String)
    case unexpectedArgument(command: String, text: String)
    case badCount(command: String, text: String)
    case badSubscript(text: String)
    case unclosedSubscript
    case badComparison(found: String)
    case badExpectedValue(text: String)
    /// `lr=0.1` on its own: a setting written without `set` (or an unknown word with `=`).
    case settingWithoutCommand(key: String, value: String, isSetting: Bool, suggestion: String?)
    /// `init =3`: an `=` with no key before it.
    case equalsWithoutKey
    /// `train 0s`, `train -5m`, `train 10x`.
    case badDuration(text: String)
    /// `train 100 best=b.json` without eval-every=.
    case optionNeedsAnother(option: String, needs: String)
    /// `plot loss log=on ymin=0`: a limit ≤ 0 on a log scale; `always`: the kind of plot is
    /// always on a log scale (run-norms).
    case limitNotOnLogScale(key: String, text: String, kind: String, always: Bool)
    /// `save run.json format=safetensors`: the name says one format, format= asks for another.
    case formatContradictsName(path: String, format: String, writes: String, nameSays: String)
    /// `highlight h "text"`, `highlight h[0:3] …`: one unit's index is needed.
    case unitNeeded(name: String)
    /// `highlight p[3] …`.
    case probabilityHasNoUnit
    /// `find-neurons pattern="a(b"`: `reason` is the regex parser's.
    case invalidPattern(reason: String)
    /// A quoted text and file= given together.
    case textAndFile(command: String)

    // Run time: the command was understood but cannot be carried out (exit code 70).
    case noCorpus(command: String)
    case noModel(command: String)
    /// Something a command needs has not been computed yet (or was cleared).
    case notYet(Prerequisite)
    case unknownName(String, suggestion: String?)
    /// `W_hh@3` in a model of 2 layers, or `W_hh@1` in a model of one.
    case noSuchLayer(name: String, layer: Int, layers: Int)
    /// `h@2`: the carried state of every layer is one matrix.
    case stateHasNoLayerSuffix(name: String, layer: Int, layers: Int)
    case unknownBuiltin(String, available: [String], suggestion: String?)
    case subscriptOutOfRange(name: String, axis: String, index: Int, size: Int)
    case badRange(name: String, axis: String, range: String, size: Int)
    case tooManySubscripts(name: String, given: Int, allowed: Int)
    case notACharacterAxis(name: String, axis: String)
    case characterNotInVocabulary(name: String, character: String)
    case notAScalar(name: String, rows: Int, columns: Int, example: String)
    /// A block of text (vocab, data, loss) where a number is needed.
    case notANumber(name: String, suggestion: String?)
    /// values/stats/heatmap asked of a block of text.
    case textHasNoMode(name: String, mode: String)
    /// mW_… or vW_… for an optimiser that keeps no such memory.
    case noOptimizerMemory(name: String, optimizer: String)
    /// `grad-check W_hh[0, 0]`: the check takes whole parameters.
    case unexpectedSubscript(command: String)
    /// A positional word that must be one of a few: `plot los`, `show W_hh heatmp`.
    case badKeyword(command: String, what: String, text: String, choices: [String], suggestion: String?)
    /// An option that the chosen kind of plot does not use.
    case optionNotForKind(command: String, kind: String, key: String, allowed: [String])
    case valueTooLarge(key: String, text: String, maximum: Int)
    /// `init cell=gru forget-bias=2`: a setting that the chosen cell has no use for.
    case settingNotForCell(key: String, cell: String, appliesTo: String)
    case noSuchKeptRun(name: String, kept: [String], suggestion: String?)
    /// `show c` on a GRU: a name that only another kind of cell has.
    case nameOfAnotherCell(name: String, cells: [String], current: String)
    case scriptNotUTF8(byteOffset: Int)
    case expectationFailed(name: String, actual: Double, comparison: Comparison, expected: Double, tolerance: Double)
    case unknownHelpTopic(String, suggestion: String?)
    case stepOutOfWindow(step: Int, steps: Int)
    /// `highlight W_hh[0] …`: not a state or gate with one value per unit.
    case notAUnit(name: String, choices: [String], suggestion: String?)
    /// `h@3[0]` in a model of 2 layers (or `@0`).
    case layerOutOfRange(name: String, layer: Int, layers: Int)
    /// An analysis of a text with no characters.
    case emptyText(command: String)
    /// An analysis of more characters than it reads.
    case textTooLong(command: String, characters: Int, limit: Int)
    /// `from=`/`length=` beyond the text's `characters`.
    case partOutOfText(from: Int, length: Int?, characters: Int)
    /// `saliency … t=40` for a text whose predictions end before.
    case predictionOutOfText(step: Int, characters: Int)
    /// find-neurons: a pattern that matches no character, or every one.
    case patternNeverVaries(pattern: String, matchesAll: Bool, characters: Int)
    /// find-neurons pattern=line-position on a text whose characters all sit at one position.
    case linePositionNeverVaries(characters: Int)
    /// `plot states`: every h_t is the same.
    case statesNeverVary(characters: Int)
    case corpus(CorpusError)
    case model(ModelError)

    // Checkpoints.
    case checkpointWrite(path: String, reason: String)
    case exportWrite(path: String, reason: String)
    case checkpointRead(path: String, reason: String)
    case checkpointInvalid(path: String, problem: CheckpointProblem)
    /// The checkpoint's numbers, or its model, would take more memory than is available here.
    case checkpointTooLarge(path: String, fileBytes: Int?, neededBytes: Double, availableBytes: Double, part: CheckpointPart)
    /// The text the checkpoint names has changed (its checksum differs) or cannot be read.
    case checkpointCorpusChanged(path: String, corpus: String)
    case checkpointCorpusUnreadable(path: String, corpus: String, reason: String)
    case checkpointVocabularyMismatch(corpus: String)
    /// The text is shorter than the position the checkpoint continues from.
    case checkpointCorpusTooShort(corpus: String, characters: Int, needed: Int, streams: Int)
}

extension DiagnosticKind: Error {}

/// What of a checkpoint would not fit in memory.
public enum CheckpointPart: Equatable, Sendable {
    /// The numbers of its text, parsed.
    case numbers
    /// The model they make.
    case model
    /// The tensors of a safetensors checkpoint, read as doubles.
    case tensors
}

extension CheckpointProblem {
    var message: String {
        switch self {
        case .notJSON(let detail): "it is not valid JSON (truncated or corrupt?): \(detail)"
        case .notACheckpoint: "it is JSON but not an rnnrepl checkpoint (no \"format\": \"rnnrepl-checkpoint\")"
        case .unsupportedVersion(let found, let supported):
            "it is version \(found) of the format; this rnnrepl reads versions 1 to \(supported)"
        case .missingOrWrong(let field, let detail): "field '\(field)': \(detail)"
        case .badVocabulary(let reason): "its vocabulary is not valid: \(reason)"
        case .wrongShape(let name, let expected, let found): "'\(name)' is \(found), but this model needs \(expected)"
        case .raggedRow(let name, let row, let found, let expected):
            "row \(row) of '\(name)' has \(found) numbers, but every row of it needs \(expected)"
        case .nonFinite(let name): "'\(name)' holds a value that is not a finite number"
        case .badSetting(let reason): "its settings are not valid: \(reason)"
        case .badState(let reason): "its training state is not valid: \(reason)"
        case .safetensorsTooShort(let size):
            "it is \(size) bytes long: neither JSON nor safetensors (whose first 8 bytes give its header's length)"
        case .safetensorsHeaderTooLarge(let length, let limit):
            "its safetensors header claims \(length) bytes, more than the \(limit) a safetensors header may have "
                + "(corrupt, or not a safetensors file); nothing was read beyond its first 8 bytes"
        case .safetensorsHeaderBeyondFile(let length, let size):
            "its safetensors header claims \(length) bytes, but the file has only \(size - 8) after the header's "
                + "length (truncated?)"
        case .safetensorsHeaderNotJSON(let detail): "its safetensors header is not valid JSON (corrupt?): \(detail)"
        case .safetensorsBadMetadata(let key, let detail):
            key.map { "__metadata__ '\($0)': \(detail)" } ?? "its safetensors __metadata__ is not valid: \(detail)"
        case .safetensorsBadEntry(let name, let detail): "tensor '\(name)': \(detail)"
        case .safetensorsOffsets(let name, let detail):
            (name.map { "tensor '\($0)': " } ?? "its tensors do not cover its data: ") + detail
        case .safetensorsNotACheckpoint(let format):
            "it is a safetensors file but not an rnnrepl checkpoint (its __metadata__ has "
                + (format.map { "\"format\": \(quotedJSON($0))" } ?? "no \"format\"") + ", not \"rnnrepl-checkpoint\")"
                + (format == "pt" ? ": PyTorch weights, such as 'export' writes, hold no training state to continue from" : "")
        case .unknownTensor(let name, let cell, let layers):
            "it holds a tensor '\(name)', which no checkpoint of " + (layers == 1 ? "a \(cell) model" : "a \(layers)-layer \(cell) model")
                + " has"
        case .missingTensor(let name): "the tensor '\(name)' is missing"
        case .wrongDType(let name, let expected, let found):
            "tensor '\(name)' is \(found), but a checkpoint stores it as \(expected)"
                + (found == "F32" ? " (a float32 model computes in float32 but keeps float64 weights, and resuming needs every bit)" : "")
        }
    }
}

extension WriteFailure {
    /// Why the file was not written, without its name (the messages name it).
    public var reason: String {
        switch self {
        case .notARegularFile(let kind): "it is \(kind), not a regular file"
        case .readOnly(let mode): "it is read-only (mode \(mode)): make it writable (chmod u+w) or save under another name"
        case .interrupted: "interrupted"
        case .symlinkLoop: "its symbolic links loop or are nested too deep"
        case .system(let reason): reason
        }
    }
}

/// What a command needed that is not there yet.
public enum Prerequisite: Equatable, Sendable {
    /// A name (x, y, a, hs, z, p, loss, perplexity) or command that reads the recorded window.
    case recordedWindow(name: String)
    /// ‖∂L/∂h_t‖ and friends: a backward pass over the recorded window.
    case backwardPass(name: String)
    /// `backward` needs a forward pass made with the current weights.
    case forwardWithCurrentWeights(stepSince: Bool)
    case trainingSteps(name: String)
    case gradientCheck
    case score(name: String)
    /// `neuron-r` before any `find-neurons`.
    case neuronSearch(name: String)
    case keptRuns
    case keptGradientNorms
    case somethingToKeep
    /// `evaluate`, `val-loss`, `train … eval-every=`: no held-out text.
    case heldOutText(name: String)
    /// `val-loss` before any evaluation.
    case evaluation(name: String)

    var message: String {
        switch self {
        case .recordedWindow(let name):
            "'\(name)' comes from the recorded window and there is none (none yet, or cleared when seq changed): "
                + "run 'step' or 'forward' first"
        case .backwardPass(let name):
            "'\(name)' comes from a backward pass and the recorded window has had none: run 'step', or 'forward' then 'backward'"
        case .forwardWithCurrentWeights(let stepSince):
            stepSince
                ? "backward needs a forward pass made with the current weights, and the last 'step' changed them after its "
                    + "forward pass: run 'forward' first"
                : "backward needs a forward pass: run 'forward' first"
        case .trainingSteps(let name):
            "'\(name)' needs training steps and there have been none: run 'step' or 'train' first"
        case .gradientCheck:
            "there has been no gradient check yet: run 'grad-check' first"
        case .score(let name):
            "'\(name)' is the result of 'score' and there has been none yet: run score \"some text\" first"
        case .neuronSearch(let name):
            "'\(name)' is the r of the strongest unit of 'find-neurons' and there has been none yet: run "
                + "find-neurons pattern=\"…\" \"some text\" first"
        case .keptRuns:
            "no loss curves have been kept yet: train, then 'keep NAME' (for each run to compare)"
        case .keptGradientNorms:
            "no ‖∂L/∂h_t‖ profiles have been kept yet: run 'backward' (or 'step'), then 'keep NAME'"
        case .somethingToKeep:
            "there is nothing to keep yet: run 'step', 'train' or 'backward' first"
        case .heldOutText(let name):
            "'\(name)' needs held-out text and none is set aside: load the text with validation=F, e.g. "
                + "load FILE validation=0.1 to hold out its last 10%"
        case .evaluation(let name):
            "'\(name)' is the result of an evaluation and there has been none yet: run 'evaluate', or train with eval-every="
        }
    }
}

/// A diagnostic and the source range it points at (nil when it concerns no particular text).
public struct Diagnostic: Error, Equatable, Sendable {
    public var kind: DiagnosticKind
    public var range: SourceRange?

    public init(_ kind: DiagnosticKind, at range: SourceRange?) {
        self.kind = kind
        self.range = range
    }

    /// Syntax errors are found before a script runs; the others while it runs.
    public var isSyntaxError: Bool {
        switch kind {
        case .unterminatedString, .invalidEscape, .unknownCommand, .unknownOption, .duplicateOption, .missingValue,
             .badValue, .badChoice, .missingArgument, .unexpectedArgument, .badCount, .badSubscript,
             .unclosedSubscript, .badComparison, .badExpectedValue, .unexpectedSubscript, .badKeyword,
             .optionNotForKind, .valueTooLarge, .scriptNotUTF8, .settingWithoutCommand, .equalsWithoutKey, .badDuration, .optionNeedsAnother,
             .limitNotOnLogScale, .formatContradictsName, .unitNeeded, .probabilityHasNoUnit, .invalidPattern, .textAndFile:
            true
        default:
            false
        }
    }

    public var message: String { kind.message }

    /// The full report:
    ///
    ///     lessons/02.rnn:14:8: error: unknown name 'W_h'; did you mean 'W_hh'?
    ///        14 | show W_h
    ///           |      ^~~
    ///
    /// Without a file name (the REPL) the first line is just `error: …`.
    public func render(source: String?, fileName: String?, style: TextStyle = .plain, width: Int = 100) -> String {
        render(source: source.map { SourceText($0) }, fileName: fileName, style: style, width: width)
    }

    /// The report with an excerpt from `source`, whose lines were split once (by the lexer's
    /// rule), so each report costs the length of one line, not of the whole source. The
    /// message wraps at `width` (continuation lines indented); an excerpt longer than the page
    /// shows the part around the caret, with `…` where it was cut.
    public func render(source: SourceText?, fileName: String?, style: TextStyle = .plain, width: Int = 100) -> String {
        var head = ""
        if let fileName {
            head = fileName + (range.map { ":\($0.start.line):\($0.start.column)" } ?? "") + ": "
        }
        let plain = wrapLines(head + "error: " + style.text(shorteningLongWords(message, ellipsis: style.unicode ? "…" : "...")),
                              width: max(width, 20), hanging: 4)
        // "error:" in red (found where it was put, also when a long file name wrapped).
        let errorWord = plain.hasPrefix(head + "error:")
            ? plain.index(plain.startIndex, offsetBy: head.count) ..< plain.index(plain.startIndex, offsetBy: head.count + 6)
            : plain.firstRange(of: "error:")
        var output = plain
        if let errorWord { output.replaceSubrange(errorWord, with: style.paint("error:", .red)) }
        output += "\n"
        if let range, let line = source?.line(range.start.line) {
            let number = String(range.start.line)
            let gutter = String(repeating: " ", count: number.count)
            let excerpt = ExcerptWindow(line: visibleExcerpt(line), column: range.start.column, length: range.length,
                                        columns: max(width - number.count - 4, 16), ellipsis: style.unicode ? "…" : "...")
            output += " \(number) | \(excerpt.text)\n"
            output += " \(gutter) | " + String(repeating: " ", count: excerpt.caretColumn)
                + style.paint("^" + String(repeating: "~", count: excerpt.underlineWidth - 1), .red) + "\n"
        }
        return output
    }
}

/// The part of a source line shown under an error: the whole line when it fits in `columns`,
/// else a window that keeps the marked text in view (its start, and as much of it and of the
/// text before it as fits), with an ellipsis on each side that was cut.
struct ExcerptWindow: Equatable {
    /// The line as shown.
    let text: String
    /// Display columns before the caret.
    let caretColumn: Int
    /// Columns of `^~~~` (at least 1).
    let underlineWidth: Int

    /// `column` is 1-based, in characters, like the diagnostic's range; `length` in characters.
    init(line: String, column: Int, length: Int, columns: Int, ellipsis: String) {
        let characters = Array(line)
        let start = min(max(column - 1, 0), characters.count)
        let end = min(start + max(length, 0), characters.count)
        func width(_ slice: ArraySlice<Character>) -> Int { displayColumns(String(slice)) }
        guard width(characters[...]) > columns else {
            text = line
            caretColumn = width(characters[..<start])
            underlineWidth = max(1, width(characters[start ..< end]))
            return
        }
        // Show about a third of the page before the caret, then as much after it as fits.
        let mark = ellipsis.count
        var first = start
        while first > 0 && width(characters[(first - 1) ..< start]) + mark < columns / 3 { first -= 1 }
        let budget = columns - (first > 0 ? mark : 0) - mark
        var last = start
        while last < characters.count && width(characters[first ..< (last + 1)]) <= budget { last += 1 }
        if last == characters.count && first > 0 {
            // The end is in view: use the room for more text before the caret.
            while first > 0 && width(characters[(first - 1) ..< last]) + mark <= columns { first -= 1 }
        }
        let before = first > 0 ? ellipsis : ""
        let after = last < characters.count ? ellipsis : ""
        text = before + String(characters[first ..< last]) + after
        caretColumn = before.count + width(characters[first ..< start])
        underlineWidth = max(1, min(width(characters[start ..< max(start, min(end, last))]), columns - caretColumn))
    }
}

/// `message` with every word longer than 200 characters (a token pasted by mistake, a line
/// of binary) cut to its first 60 and last 20 characters around a note of its length, so that
/// an error is never longer than a few lines. Our own wording has no such words.
func shorteningLongWords(_ message: String, ellipsis: String) -> String {
    guard message.count > 200 else { return message }
    var result = ""
    for (index, word) in message.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
        if index > 0 { result += " " }
        if word.count > 200 {
            // Quotes and punctuation around the word stay; the count is of the word inside them.
            let isMark: (Character) -> Bool = { "'\"()[],;:.".contains($0) }
            let opening = word.prefix(while: isMark), closing = String(word.reversed().prefix(while: isMark).reversed())
            let inner = word.dropFirst(opening.count).dropLast(closing.count)
            result += opening + inner.prefix(60) + ellipsis + " (\(NumberFormat.grouped(inner.count)) characters) " + ellipsis
                + inner.suffix(20) + closing
        } else {
            result += word
        }
    }
    return result
}

/// A source line as it can be shown under an error, one character for each character of the
/// line so that columns still match: whitespace of any kind (tab, form feed, U+2028, …) as a
/// space, other invisible characters (controls, format characters) as '?'.
func visibleExcerpt(_ line: String) -> String {
    String(line.map { character -> Character in
        if character.isWhitespace { return " " }
        let category = character.unicodeScalars.first!.properties.generalCategory
        return category == .control || category == .format ? "?" : character
    })
}

extension DiagnosticKind {
    /// " did you mean 'x'?" or nothing.
    /// "an rnn", "an lstm", "a gru", as the letters are read.
    static func cellWithArticle(_ cell: String) -> String { (cell == "gru" ? "a " : "an ") + cell }

    private static func hint(_ suggestion: String?) -> String {
        suggestion.map { "; did you mean '\($0)'?" } ?? ""
    }

    /// " (it holds U+FEFF, a byte-order mark, which does not show)" when a word holds an
    /// invisible character (pasted text, a file saved with a mark in the middle), else nothing.
    static func invisibleNote(_ word: String) -> String {
        guard let scalar = word.unicodeScalars.first(where: {
            $0.properties.generalCategory == .format || $0.properties.generalCategory == .control
        }) else { return "" }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return " (it holds " + code + (scalar == "\u{FEFF}" ? ", a byte-order mark," : ",") + " which does not show)"
    }

    public var message: String {
        switch self {
        case .unterminatedString:
            return "unterminated string: add the closing quote before the end of the line"
        case .invalidEscape(let code):
            if code.hasPrefix("u") && code.count > 1 {
                return "\\u{\(code.dropFirst())} is not a Unicode character (the largest is \\u{10FFFF}, and D800–DFFF are not characters)"
            }
            return "unknown escape '\\\(code)' in a string (use \\n \\t \\r \\0 \\\\ \\\" \\' or \\u{hex})"
        case .unknownCommand(let name, let suggestion):
            return "unknown command '\(name)'" + Self.invisibleNote(name) + Self.hint(suggestion)
                + (suggestion == nil ? " (type 'help' for the list)" : "")
        case .unknownOption(let command, let key, let suggestion):
            return "'\(command)' has no option '\(key)'" + Self.hint(suggestion)
                + (suggestion == nil ? " (see 'help \(command)')" : "")
        case .duplicateOption(let key):
            return "option '\(key)' is given twice"
        case .missingValue(let key):
            return "option '\(key)' needs a value: write \(key)=VALUE"
        case .badValue(let key, let text, let requirement):
            return "\(key)=\(text) is not allowed: \(key) must be \(requirement)"
        case .badChoice(let key, let text, let choices, let suggestion):
            return "\(key)=\(text) is not allowed: \(key) must be one of " + choices.joined(separator: ", ")
                + Self.hint(suggestion.map { "\(key)=\($0)" })
        case .missingArgument(let command, let expected):
            return "'\(command)' needs \(expected)"
        case .formatContradictsName(let path, let format, let writes, let nameSays):
            let name = path.split(separator: "/").last.map(String.init) ?? path
            let stem = name.lastIndex(of: ".").map { String(name[..<$0]) } ?? name
            return "format=\(format) writes \(writes), but the name '\(path)' says \(nameSays): name it \(stem)."
                + (writes == "JSON" ? "json" : "safetensors") + (format == "pytorch" ? "" : ", or leave format= out")
        case .unexpectedArgument(let command, let text):
            return "'\(command)' does not take '\(text)' here (see 'help \(command)')"
        case .badCount(let command, let text):
            return "'\(command)' expects a whole number ≥ 1, not '\(text)'"
        case .badSubscript(let text):
            return "'\(text)' is not a subscript: use an index (3), a character ('e'), or a range (0:5, :, 2:)"
        case .unclosedSubscript:
            return "subscript is not closed: add ']'"
        case .badComparison(let found):
            return "expected a comparison (≈, ~, <, >, <=, >=) after the name, found '\(found)'"
        case .badExpectedValue(let text):
            return "'\(text)' is not a number to compare with"
        case .settingWithoutCommand(let key, let value, let isSetting, let suggestion):
            if isSetting { return "'\(key)=\(value)' is a setting, not a command: write 'set \(key)=\(value)' (or 'init \(key)=\(value)')" }
            return "unknown command '\(key)'" + (suggestion.map { "; to change the setting '\($0)', write 'set \($0)=\(value)'" } ?? " (type 'help' for the list)")
        case .equalsWithoutKey:
            return "'=' needs a key before it, as in key=value"
        case .limitNotOnLogScale(let key, let text, let kind, let always):
            return "\(key)=\(text) cannot be drawn on a log scale, which shows values above 0 only"
                + (always ? " ('plot \(kind)' is always on a log scale)" : "") + ": give \(key) a value above 0"
                + (always ? "" : ", or leave out log=on")
        case .optionNeedsAnother(let option, let needs):
            return "\(option)= saves at evaluations, and there are none without \(needs)=: add \(needs)=K (every K steps)"
        case .unitNeeded(let name):
            return "'highlight' shades one unit: write \(name)[3] for unit 3 (or p alone for each character's probability)"
        case .probabilityHasNoUnit:
            return "p is the probability the model gave each character: it takes no unit (write highlight p \"text\")"
        case .invalidPattern(let reason):
            return "not a valid regular expression: \(reason) (Swift's Regex syntax, as in Perl; inside quotes write \\\\ "
                + "for one backslash, or a class such as [(] for a parenthesis)"
        case .textAndFile(let command):
            return "'\(command)' reads a quoted text or file=PATH, not both"
        case .badDuration(let text):
            return "'\(text)' is not a time to train for: write a number greater than 0 and s, m, h or d, "
                + "e.g. train 90s, train 10m, train 1.5h (or a number of steps: train 1000)"

        case .noCorpus(let command):
            return "'\(command)' needs a text: run 'load PATH' (or 'load builtin rhyme') first"
        case .noModel(let command):
            return "'\(command)' needs a model: run 'init' first (after 'load')"
        case .notYet(let prerequisite):
            return prerequisite.message
        case .unknownName(let name, let suggestion):
            return "unknown name '\(name)'" + Self.invisibleNote(name) + Self.hint(suggestion) + (suggestion == nil ? " (type 'help names')" : "")
        case .noSuchLayer(let name, let layer, let layers):
            return layers == 1
                ? "'\(name)': this model has one layer, whose names have no @ (\(name.prefix { $0 != "@" }))"
                : "'\(name)': this model has \(layers) layers, @1 to @\(layers) (layer \(layer) does not exist)"
        case .stateHasNoLayerSuffix(let name, let layer, let layers):
            let base = name.prefix { $0 != "@" }
            return layers == 1
                ? "'\(name)': this model has one layer; its state is '\(base)'"
                : "'\(name)': '\(base)' holds every layer's state, a row per layer: layer \(layer) is row \(layer - 1), '\(base)[\(layer - 1), :]'"
        case .unknownBuiltin(let name, let available, let suggestion):
            return "no built-in corpus '\(name)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
                + "; the built-in corpora are " + available.joined(separator: ", ")
        case .subscriptOutOfRange(let name, let axis, let index, let size):
            return "index \(index) is out of range for the \(axis) of \(name) (valid: 0 to \(size - 1), or −\(size) to −1)"
        case .badRange(let name, let axis, let range, let size):
            return "range \(range) selects none of the \(size) \(axis) of \(name)"
        case .tooManySubscripts(let name, let given, let allowed):
            return "\(name) takes at most \(allowed) subscript\(allowed == 1 ? "" : "s"), not \(given)"
        case .notACharacterAxis(let name, let axis):
            return "the \(axis) of \(name) are not characters: index them by number"
        case .characterNotInVocabulary(let name, let character):
            return "'\(character)' is not in the vocabulary, so \(name) has no entry for it"
        case .notAScalar(let name, let rows, let columns, let example):
            return "'\(name)' is \(rows)×\(columns), not a single number: select one entry, e.g. \(example)"
        case .notANumber(let name, let suggestion):
            return "'\(name)' is a block of text, not a number" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .textHasNoMode(let name, let mode):
            return "'\(name)' is shown as text: it has no \(mode) (show \(name) alone)"
        case .noOptimizerMemory(let name, let optimizer):
            return "\(optimizer) keeps no memory, so there is no '\(name)': mW_… exist with adagrad (Σg²) and adam "
                + "(first moment), vW_… with adam (second moment)"
        case .unexpectedSubscript(let command):
            return "'\(command)' takes a parameter's name without a subscript; use checks=N to choose how many entries"
        case .badKeyword(let command, let what, let text, let choices, let suggestion):
            return "'\(text)' is not \(what) of '\(command)'" + Self.hint(suggestion) + " (choose " + choices.joined(separator: ", ") + ")"
        case .optionNotForKind(let command, let kind, let key, let allowed):
            return "'\(command) \(kind)' does not use \(key)=" + (allowed.isEmpty ? "" : " (it takes " + allowed.map { $0 + "=" }.joined(separator: " ") + ")")
        case .valueTooLarge(let key, let text, let maximum):
            return "\(key)=\(text) is too large: at most \(maximum)"
        case .nameOfAnotherCell(let name, let cells, let current):
            return "'\(name)' belongs to " + cells.map { "cell=" + $0 }.joined(separator: " and ") + ", and this model is "
                + Self.cellWithArticle(current) + " (help show lists each cell's names)"
        case .noSuchKeptRun(let name, let kept, let suggestion):
            return "no kept run is named '\(name)'" + Self.hint(suggestion)
                + (kept.isEmpty ? " (none are kept)" : " (kept: " + kept.joined(separator: ", ") + ")")
        case .settingNotForCell(let key, let cell, let appliesTo):
            return "\(key) applies only to cell=\(appliesTo), and this init makes " + Self.cellWithArticle(cell)
                + ": leave \(key) out, or add cell=\(appliesTo)"
        case .scriptNotUTF8(let offset):
            return "the script is not valid UTF-8: the byte at offset \(offset) does not start a valid character"
        case .expectationFailed(let name, let actual, let comparison, let expected, let tolerance):
            let formattedActual = NumberFormat.general(actual, significant: 10)
            let formattedExpected = NumberFormat.general(expected, significant: 10)
            let wanted = comparison == .approximately
                ? "≈ \(formattedExpected) (±\(NumberFormat.general(tolerance, significant: 3)))"
                : "\(comparison.rawValue) \(formattedExpected)"
            return "expectation failed: \(name) is \(formattedActual), expected \(wanted)"
        case .unknownHelpTopic(let topic, let suggestion):
            return "no help on '\(topic)'" + Self.hint(suggestion) + " (type 'help' for the list)"
        case .stepOutOfWindow(let step, let steps):
            return "t=\(step) is outside the last window (t = 0 to \(steps - 1))"
        case .notAUnit(let name, let choices, let suggestion):
            return "'\(name)' is not a state or gate with units: highlight takes " + choices.joined(separator: ", ")
                + " (with @L for layer L of several), or p" + Self.hint(suggestion)
        case .layerOutOfRange(let name, let layer, let layers):
            let base = String(name.prefix { $0 != "@" })
            if layer < 1 { return "'\(name)': layers are numbered from 1 (the bottom), as in \(base)@1" }
            return "'\(name)' names layer \(layer), and this model has " + (layers == 1 ? "one layer: write \(base)"
                : "\(layers) layers: \(base)@1 to \(base)@\(layers)")
        case .emptyText(let command):
            return "the text is empty: '\(command)' needs characters to read"
        case .textTooLong(let command, let characters, let limit):
            return "the text has \(NumberFormat.grouped(characters)) characters, and '\(command)' reads at most "
                + "\(NumberFormat.grouped(limit)): choose a part with from= and length="
        case .partOutOfText(let from, let length, let characters):
            if from >= characters {
                return "from=\(from) is beyond the end of the text (\(NumberFormat.grouped(characters)) characters: from=0 to \(characters - 1))"
            }
            return "from=\(from) length=\(length ?? 0) runs past the end of the text (\(NumberFormat.grouped(characters)) characters): "
                + "at most length=\(characters - from) from there"
        case .predictionOutOfText(let step, let characters):
            return "t=\(step) is beyond the text: its \(characters) characters make predictions at t = 0 to \(characters - 2) "
                + "(the prediction at t is of character t+1)"
        case .patternNeverVaries(let pattern, let matchesAll, let characters):
            return "the pattern \(pattern) " + (matchesAll ? "covers every one" : "matches none")
                + " of the \(NumberFormat.grouped(characters)) characters: a correlation needs characters inside a match and "
                + "outside one"
        case .linePositionNeverVaries(let characters):
            return "all \(characters) characters are at the same position in their lines: there is nothing to correlate with"
        case .statesNeverVary(let characters):
            return "h_t is the same after each of the \(characters) characters: there is no direction to project on"
        case .corpus(let error):
            return error.description
        case .model(let error):
            return error.description
        case .checkpointWrite(let path, let reason):
            return "cannot save to '\(path)': \(reason); any file that was there is unchanged"
        case .exportWrite(let path, let reason):
            return "cannot export to '\(path)': \(reason); any file that was there is unchanged"
        case .checkpointRead(let path, let reason):
            return "cannot read the checkpoint '\(path)': \(reason)"
        case .checkpointInvalid(let path, let problem):
            return "'\(path)' cannot be restored: \(problem.message); nothing was changed"
        case .checkpointTooLarge(let path, let size, let needed, let available, let part):
            let file = "'\(path)'" + (size.map { " (" + formatBytes(Double($0)) + ")" } ?? "")
            switch part {
            case .numbers:
                return "\(file) cannot be restored here: parsing its numbers takes about \(formatBytes(needed)) of memory, "
                    + "more than the \(formatBytes(available)) available; nothing was changed"
            case .tensors:
                return "\(file) cannot be restored here: reading its tensors takes about \(formatBytes(needed)) of memory, "
                    + "more than the \(formatBytes(available)) available; nothing was changed"
            case .model:
                return "\(file) cannot be restored here: its model needs about \(formatBytes(needed)) of memory, and a model "
                    + "may use at most half of the \(formatBytes(available)) available; nothing was changed"
            }
        case .checkpointCorpusChanged(let path, let corpus):
            return "the text the checkpoint was trained on, '\(corpus)', has changed since (its checksum differs); "
                + "nothing was changed: to continue on another text with the same vocabulary, restore \(path) corpus=FILE"
        case .checkpointCorpusUnreadable(let path, let corpus, let reason):
            return "cannot read the checkpoint's text '\(corpus)' (\(reason)); nothing was changed: "
                + "restore \(path) corpus=FILE names the text to use"
        case .checkpointVocabularyMismatch(let corpus):
            return "'\(corpus)' has a different vocabulary from the checkpoint's: a model only knows the characters "
                + "it was trained on; nothing was changed"
        case .checkpointCorpusTooShort(let corpus, let characters, let needed, let streams):
            return (streams == 1 ? "'\(corpus)' has \(characters) characters"
                    : "each of the \(streams) streams reads \(characters) characters of '\(corpus)'")
                + "; the checkpoint needs at least \(needed) (its position in "
                + "the text, and one window of seq + 1): nothing was changed"
        }
    }
}
