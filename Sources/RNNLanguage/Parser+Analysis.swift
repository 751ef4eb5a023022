/// Parsing `highlight`, `find-neurons`, `saliency` and the text of `plot states`.
extension CommandBuilder {
    /// The quoted text at positional `index`, or `file=PATH`, with `from=` and `length=`.
    func analysisText(positional index: Int, command: String, example: String) throws(Diagnostic) -> AnalysisText {
        let file = option("file")
        let source: Located<ScoreSource>
        if let file {
            if positionals.count > index {
                let extra = positionals[index].token
                throw Diagnostic(.textAndFile(command: command), at: extra.range)
            }
            source = Located(.file(file.text ?? file.lexeme), file.range)
        } else {
            guard positionals.count > index, let text = positionals[index].token.text else {
                throw Diagnostic(.missingArgument(command: command, expected: "a text or file=PATH, e.g. \(example)"), at: head.range)
            }
            source = Located(.text(text), positionals[index].token.range)
        }
        func located(_ key: String, minimum: Int) throws(Diagnostic) -> Located<Int>? {
            guard let token = option(key), let value = try integer(key, minimum: minimum) else { return nil }
            return Located(value, token.range)
        }
        return AnalysisText(source: source, from: try located("from", minimum: 0), length: try located("length", minimum: 1))
    }

    /// `highlight NAME[unit] "text"` | `highlight p "text"` (or file=PATH; from=, length=).
    func buildHighlight() throws(Diagnostic) -> CommandKind {
        let example = "highlight h[3] \"the cat sat\""
        guard let first = positionals.first else {
            throw Diagnostic(.missingArgument(command: "highlight", expected: "a unit and a text, e.g. \(example)"), at: head.range)
        }
        guard case .word(let name) = first.token.kind else {
            throw Diagnostic(.missingArgument(command: "highlight", expected: "a unit before the text, e.g. \(example)"),
                             at: first.token.range)
        }
        let target: HighlightTarget
        if name == "p" {
            if let subscriptComponent = first.subscripts.first {
                throw Diagnostic(.probabilityHasNoUnit, at: subscriptComponent.range)
            }
            target = .probability(first.token.range)
        } else {
            let reference = try self.reference(first)
            guard reference.subscripts.count == 1, case .index = reference.subscripts[0].value else {
                let at = reference.subscripts.count > 1 ? reference.subscripts[1].range
                    : reference.subscripts.first?.range ?? reference.range
                throw Diagnostic(.unitNeeded(name: name), at: at)
            }
            target = .unit(reference)
        }
        let text = try analysisText(positional: 1, command: "highlight", example: example)
        try allowPositionals(2)
        return .highlight(target, text)
    }

    /// `find-neurons pattern=REGEX|line-position "text"` (or file=PATH; from=, length=; top=K;
    /// show=N).
    func buildFindNeurons() throws(Diagnostic) -> CommandKind {
        let example = "find-neurons pattern=\"[(][^)]*[)]\" \"a (b c) d\""
        guard let token = option("pattern") else {
            throw Diagnostic(.missingArgument(command: "find-neurons", expected: "pattern=REGEX (or pattern=line-position) and a text, e.g. \(example)"),
                             at: head.range)
        }
        let value = token.text ?? token.lexeme
        let pattern: NeuronPattern
        if value == "line-position" {
            pattern = .linePosition
        } else {
            guard !value.isEmpty else {
                throw Diagnostic(.badValue(key: "pattern", text: token.lexeme,
                                           requirement: "a regular expression of at least one character, or line-position"),
                                 at: token.range)
            }
            if case .failure(let failure) = compilePattern(value) {
                throw Diagnostic(.invalidPattern(reason: failure.reason), at: patternRange(token, value: value, failure: failure))
            }
            pattern = .regex(value)
        }
        let text = try analysisText(positional: 0, command: "find-neurons", example: example)
        try allowPositionals(1)
        let top = try integer("top", maximum: Limits.findNeuronsTop) ?? 10
        let shown = try integer("show", minimum: 0, maximum: Limits.highlightCharacters) ?? Limits.findNeuronsShown
        return .findNeurons(Located(pattern, token.range), text, top: top, shown: shown)
    }

    /// `saliency "text" [t=T]` (or file=PATH; from=, length=).
    func buildSaliency() throws(Diagnostic) -> CommandKind {
        let text = try analysisText(positional: 0, command: "saliency", example: "saliency \"the cat (a grey one)\" t=12")
        try allowPositionals(1)
        let step = try option("t").map { (token) throws(Diagnostic) in Located(try integer("t", minimum: 0)!, token.range) }
        return .saliency(text, step: step)
    }

    /// Where in the script an error of the pattern `value` (the text of `token`) is: the column
    /// of the offending character inside the quotes (escapes such as \\ take two columns there),
    /// or the whole value when the regex parser gave no place.
    func patternRange(_ token: Token, value: String, failure: PatternFailure) -> SourceRange {
        guard let offset = failure.offset else { return token.range }
        let quoted: Bool
        if case .string = token.kind { quoted = true } else { quoted = false }
        let columns = lexemeColumns(token.lexeme, quoted: quoted)
        guard offset < columns.count else {
            // At the end of the pattern: the closing quote (or just after the word).
            return SourceRange(SourceLocation(line: token.location.line, column: token.location.column + token.lexeme.count - (quoted ? 1 : 0)),
                               length: 1)
        }
        let end = min(offset + max(failure.length, 1), columns.count)
        let startColumn = columns[offset], endColumn = end < columns.count ? columns[end] : token.lexeme.count - (quoted ? 1 : 0)
        return SourceRange(SourceLocation(line: token.location.line, column: token.location.column + startColumn),
                           length: max(1, endColumn - startColumn))
    }
}

/// For each character of a string token's value, its column (0-based, in characters) in the
/// token as written: an escape (\n, \\, \u{…}) is one character of the value and several of
/// the script.
func lexemeColumns(_ lexeme: String, quoted: Bool) -> [Int] {
    let characters = Array(lexeme)
    guard quoted else { return Array(0 ..< characters.count) }
    var columns: [Int] = []
    var i = 1
    while i < characters.count - 1 {
        columns.append(i)
        if characters[i] == "\\" && i + 1 < characters.count - 1 {
            i += 2
            if characters[i - 1] == "u", i < characters.count, characters[i] == "{" {
                while i < characters.count - 1 && characters[i] != "}" { i += 1 }
                i += 1
            }
        } else {
            i += 1
        }
    }
    return columns
}

/// Why a pattern is not a regular expression, and where (in characters of the pattern).
struct PatternFailure: Error {
    var reason: String
    var offset: Int?
    var length: Int
}

/// The pattern compiled with Swift's Regex (the syntax of Perl, PCRE and ICU), matching
/// Unicode scalar by scalar, as the model reads the text.
func compilePattern(_ pattern: String) -> Result<Regex<AnyRegexOutput>, PatternFailure> {
    do {
        return .success(try Regex(pattern).matchingSemantics(.unicodeScalar))
    } catch {
        // The standard library's parse errors carry the place as a range of String.Index in a
        // stored property `location.range`; its description is the reason alone.
        var offset: Int?, length = 1
        if let range = Mirror(reflecting: error).children.first(where: { $0.label == "location" })
            .flatMap({ Mirror(reflecting: $0.value).children.first { $0.label == "range" }?.value as? Range<String.Index> }),
           range.lowerBound >= pattern.startIndex, range.upperBound <= pattern.endIndex {
            offset = pattern[..<range.lowerBound].count
            length = max(1, pattern[range].count)
        }
        return .failure(PatternFailure(reason: String(describing: error), offset: offset, length: length))
    }
}
