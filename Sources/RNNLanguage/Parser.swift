import RNNCore

/// Commands and the syntax errors found on the way (one per faulty command).
public struct ParseResult: Sendable {
    public var commands: [Command]
    public var errors: [Diagnostic]
}

/// Tokens → commands, in the manner of a recursive-descent parser that recovers at each
/// command separator, so one typo gives one error and the rest of a script is still checked.
public struct Parser {
    /// An argument before its command gives it a meaning.
    enum Argument {
        case option(key: Token, equals: Token, value: Token?)
        case positional(Token, subscripts: [Located<SubscriptComponent>])

        var range: SourceRange {
            switch self {
            case .option(let key, _, let value):
                let end = value.map { $0.range.start.column + $0.range.length } ?? key.range.start.column + key.range.length + 1
                return SourceRange(key.location, length: end - key.location.column)
            case .positional(let token, _):
                return token.range
            }
        }
    }

    private var tokens: [Token]
    private var current = 0
    /// Suggestions already worked out for unknown command words (a script that repeats a typo
    /// pays for the edit distances once).
    private var commandSuggestions: [String: String?] = [:]

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    /// Parses a whole source. A lexical error stops at once (the token stream is not trustworthy
    /// beyond it); other errors skip to the next command.
    public static func parse(_ source: String) -> ParseResult {
        parse(SourceText(source))
    }

    public static func parse(_ source: SourceText) -> ParseResult {
        let tokens: [Token]
        do {
            tokens = try Lexer.tokenize(source)
        } catch {
            return ParseResult(commands: [], errors: [error])
        }
        var parser = Parser(tokens: tokens)
        var commands: [Command] = []
        var errors: [Diagnostic] = []
        while !parser.isAtEnd {
            do {
                if let command = try parser.parseCommand() { commands.append(command) }
            } catch {
                errors.append(error)
            }
            parser.synchronize()
        }
        return ParseResult(commands: commands, errors: errors)
    }

    // MARK: Token stream

    private var isAtEnd: Bool { tokens[current].kind == .end }
    private var peek: Token { tokens[current] }

    private mutating func advance() -> Token {
        let token = tokens[current]
        if !isAtEnd { current += 1 }
        return token
    }

    private func atCommandEnd() -> Bool {
        peek.kind == .separator || peek.kind == .end
    }

    /// Skips to just after the next separator (the rest of a faulty command, or the separator
    /// after a good one).
    private mutating func synchronize() {
        while !isAtEnd {
            if advance().kind == .separator { return }
        }
    }

    // MARK: Commands

    mutating func parseCommand() throws(Diagnostic) -> Command? {
        while peek.kind == .separator { _ = advance() }
        if isAtEnd { return nil }
        let head = advance()
        guard case .word(let name) = head.kind else {
            throw Diagnostic(.unknownCommand(head.lexeme, suggestion: nil), at: head.range)
        }
        if peek.kind == .equals && peek.offset == head.offset + head.lexeme.count {
            // `lr=0.1` alone: a setting typed without `set`.
            let equals = advance()
            let value = atCommandEnd() ? "" : advance().lexeme
            throw Diagnostic(.settingWithoutCommand(key: name, value: value, isSetting: SettingKey(rawValue: name) != nil,
                                                    suggestion: closestMatch(to: name, in: SettingKey.allCases.map(\.rawValue))),
                             at: SourceRange(head.location, length: equals.range.start.column + 1 - head.location.column))
        }
        var arguments: [Argument] = []
        while !atCommandEnd() { arguments.append(try parseArgument()) }
        let previous = tokens[current - 1]
        let span = head.offset ..< previous.offset + previous.lexeme.count
        guard let spec = Help.spec(named: name) else {
            if commandSuggestions[name] == nil { commandSuggestions[name] = closestMatch(to: name, in: Help.commandNames) }
            throw Diagnostic(.unknownCommand(name, suggestion: commandSuggestions[name]!), at: head.range)
        }
        if spec.name == "expect", case .option(_, let equals, _)? = arguments.first(where: {
            if case .option(let key, _, _) = $0 { key.text != "tol" } else { false }
        }) {
            // `expect loss = 8`: a comparison was meant, not an option.
            throw Diagnostic(.badComparison(found: "="), at: equals.range)
        }
        if spec.name != "echo" { try checkOptions(arguments, spec: spec) }
        let kind = try CommandBuilder(name: spec.name, head: head, arguments: arguments).build()
        return Command(kind, range: head.range, span: span)
    }

    private mutating func parseArgument() throws(Diagnostic) -> Argument {
        let token = advance()
        switch token.kind {
        case .word(let text):
            if peek.kind == .equals {
                let equals = advance()
                if atCommandEnd() || !(peek.text != nil) {
                    throw Diagnostic(.missingValue(key: text), at: SourceRange(equals.location, length: 1))
                }
                return .option(key: token, equals: equals, value: advance())
            }
            if peek.kind == .leftBracket {
                return .positional(token, subscripts: try parseSubscripts())
            }
            return .positional(token, subscripts: [])
        case .string:
            return .positional(token, subscripts: [])
        case .equals:
            throw Diagnostic(.equalsWithoutKey, at: token.range)
        default:
            throw Diagnostic(.badSubscript(text: token.lexeme), at: token.range)
        }
    }

    /// `[` subscript { `,` subscript } `]`
    private mutating func parseSubscripts() throws(Diagnostic) -> [Located<SubscriptComponent>] {
        let open = advance()
        var components: [Located<SubscriptComponent>] = []
        while true {
            components.append(try parseSubscript())
            if peek.kind == .comma {
                _ = advance()
                continue
            }
            if peek.kind == .rightBracket {
                _ = advance()
                return components
            }
            if atCommandEnd() { throw Diagnostic(.unclosedSubscript, at: open.range) }
            throw Diagnostic(.badSubscript(text: peek.lexeme), at: peek.range)
        }
    }

    /// INDEX | 'c' | [START] `:` [END]
    private mutating func parseSubscript() throws(Diagnostic) -> Located<SubscriptComponent> {
        let start = peek
        if case .string(let text) = start.kind {
            _ = advance()
            guard text.unicodeScalars.count == 1 else { throw Diagnostic(.badSubscript(text: start.lexeme), at: start.range) }
            return Located(.character(text), start.range)
        }
        var lower: Int?
        if case .word(let text) = start.kind {
            guard let value = Int(text) else { throw Diagnostic(.badSubscript(text: text), at: start.range) }
            _ = advance()
            lower = value
        }
        guard peek.kind == .colon else {
            guard let lower else {
                if atCommandEnd() { throw Diagnostic(.unclosedSubscript, at: start.range) }
                throw Diagnostic(.badSubscript(text: start.lexeme), at: start.range)
            }
            return Located(.index(lower), start.range)
        }
        let colon = advance()
        var upper: Int?
        var end = colon.range
        if case .word(let text) = peek.kind {
            guard let value = Int(text) else { throw Diagnostic(.badSubscript(text: text), at: peek.range) }
            end = advance().range
            upper = value
        }
        let from = lower == nil ? colon.location : start.location
        return Located(.range(lower, upper), SourceRange(from, length: end.start.column + end.length - from.column))
    }

    /// Every option key must be one the command knows, and appear once.
    private func checkOptions(_ arguments: [Argument], spec: CommandSpec) throws(Diagnostic) {
        var seen: Set<String> = []
        for argument in arguments {
            guard case .option(let key, _, _) = argument, let name = key.text else { continue }
            guard spec.options.contains(name) else {
                throw Diagnostic(.unknownOption(command: spec.name, key: name, suggestion: closestMatch(to: name, in: spec.options)),
                                 at: key.range)
            }
            guard seen.insert(name).inserted else { throw Diagnostic(.duplicateOption(key: name), at: key.range) }
        }
    }
}

/// A time such as `90s`, `10m`, `1.5h` or `2d` in seconds; nil when the text is not one (a
/// negative or zero time is returned as such, for the caller to refuse).
func parseDuration(_ text: String) -> Double? {
    guard let unit = text.last, let scale = ["s": 1.0, "m": 60, "h": 3600, "d": 86400][String(unit)] else { return nil }
    guard let value = parseNumber(String(text.dropLast())) else { return nil }
    return value * scale
}

/// Upper bounds that keep a typo from asking for gigabytes.
enum Limits {
    static let sampleLength = 1_000_000
    static let plotWidth = 1000
    static let plotHeight = 500
    /// Characters an analysis reads (`find-neurons`; Ctrl-C stops a long one).
    static let analysisCharacters = 1_000_000
    /// Characters `highlight` shows, and `find-neurons` shows of its best unit.
    static let highlightCharacters = 5_000
    static let findNeuronsShown = 400
    /// Units `find-neurons` lists.
    static let findNeuronsTop = 100
    /// Characters `saliency` backpropagates through (one window of this many steps).
    static let saliencyCharacters = 1_000
    /// Points `plot states` draws (its PCA is over these states).
    static let stateCharacters = 2_000
}

/// Turns a command's arguments into its typed form, checking each value.
struct CommandBuilder {
    let name: String
    let head: Token
    let arguments: [Parser.Argument]

    var options: [(key: Token, value: Token)] {
        arguments.compactMap { if case .option(let key, _, let value?) = $0 { (key, value) } else { nil } }
    }

    var positionals: [(token: Token, subscripts: [Located<SubscriptComponent>])] {
        arguments.compactMap { if case .positional(let token, let subscripts) = $0 { (token, subscripts) } else { nil } }
    }

    func option(_ key: String) -> Token? {
        options.first { $0.key.text == key }?.value
    }

    /// Fails on any positional argument beyond the first `count`.
    func allowPositionals(_ count: Int) throws(Diagnostic) {
        if positionals.count > count {
            let extra = positionals[count].token
            throw Diagnostic(.unexpectedArgument(command: name, text: extra.lexeme), at: extra.range)
        }
    }

    func count(_ token: Token, maximum: Int = Int.max) throws(Diagnostic) -> Int {
        guard case .word(let text) = token.kind, let n = Int(text), n >= 1 else {
            throw Diagnostic(.badCount(command: name, text: token.lexeme), at: token.range)
        }
        if n > maximum { throw Diagnostic(.valueTooLarge(key: name, text: token.lexeme, maximum: maximum), at: token.range) }
        return n
    }

    /// An option's value as a number satisfying `check`, described by `requirement`.
    func number(_ key: String, requirement: String, _ check: (Double) -> Bool) throws(Diagnostic) -> Double? {
        guard let token = option(key) else { return nil }
        guard let text = token.text, let value = parseNumber(text), value.isFinite, check(value) else {
            throw Diagnostic(.badValue(key: key, text: token.lexeme, requirement: requirement), at: token.range)
        }
        return value
    }

    func integer(_ key: String, minimum: Int = 1, maximum: Int = Int.max) throws(Diagnostic) -> Int? {
        guard let token = option(key) else { return nil }
        guard let text = token.text, let value = Int(text), value >= minimum else {
            throw Diagnostic(.badValue(key: key, text: token.lexeme, requirement: "a whole number ≥ \(minimum)"), at: token.range)
        }
        if value > maximum { throw Diagnostic(.valueTooLarge(key: key, text: token.lexeme, maximum: maximum), at: token.range) }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws(Diagnostic) -> T? where T.RawValue == String {
        guard let token = option(key) else { return nil }
        guard let text = token.text, let value = T(rawValue: text) else {
            let choices = T.allCases.map(\.rawValue)
            throw Diagnostic(.badChoice(key: key, text: token.lexeme, choices: choices,
                                        suggestion: closestMatch(to: token.lexeme, in: choices)), at: token.range)
        }
        return value
    }

    private func settings() throws(Diagnostic) -> [Located<Setting>] {
        var result: [Located<Setting>] = []
        for (key, value) in options {
            let settingKey = SettingKey(rawValue: key.text!)!
            switch Setting.parse(key: settingKey, text: value.text ?? value.lexeme) {
            case .success(let setting):
                result.append(Located(setting, SourceRange(key.location, length: value.range.start.column + value.range.length - key.location.column)))
            case .failure(let kind):
                throw Diagnostic(kind, at: value.range)
            }
        }
        return result
    }

    func reference(_ positional: (token: Token, subscripts: [Located<SubscriptComponent>])) throws(Diagnostic) -> NameReference {
        guard case .word(let text) = positional.token.kind else {
            throw Diagnostic(.unexpectedArgument(command: name, text: positional.token.lexeme), at: positional.token.range)
        }
        return NameReference(name: text, range: positional.token.range, subscripts: positional.subscripts)
    }

    /// An optional trailing `trace` keyword (and nothing else).
    private func traceFlag(afterCount allowed: Int) throws(Diagnostic) -> Bool {
        guard positionals.count > allowed else { return false }
        let token = positionals[allowed].token
        guard token.text == "trace" else {
            throw Diagnostic(.unexpectedArgument(command: name, text: token.lexeme), at: token.range)
        }
        try allowPositionals(allowed + 1)
        return true
    }

    func build() throws(Diagnostic) -> CommandKind {
        switch name {
        case "load":
            guard let first = positionals.first, let text = first.token.text else {
                throw Diagnostic(.missingArgument(command: "load", expected: "a path (or builtin NAME)"), at: head.range)
            }
            var validation: Located<Double>?
            if let token = option("validation") {
                guard let text = token.text, let value = parseNumber(text), value > 0 && value < 1 else {
                    throw Diagnostic(.badValue(key: "validation", text: token.lexeme,
                                               requirement: "a fraction strictly between 0 and 1, e.g. 0.1 to hold out the last 10%"),
                                     at: token.range)
                }
                validation = Located(value, token.range)
            }
            if case .word("builtin") = first.token.kind {
                guard positionals.count >= 2, let corpus = positionals[1].token.text else {
                    throw Diagnostic(.missingArgument(command: "load builtin",
                                                      expected: "a name: " + BuiltinCorpus.names.joined(separator: ", ")),
                                     at: first.token.range)
                }
                try allowPositionals(2)
                return .load(Located(.builtin(corpus), positionals[1].token.range), validation: validation)
            }
            try allowPositionals(1)
            return .load(Located(.file(text), first.token.range), validation: validation)

        case "init":
            try allowPositionals(0)
            return .initialize(try settings())

        case "set":
            try allowPositionals(0)
            let values = try settings()
            if values.isEmpty {
                throw Diagnostic(.missingArgument(command: "set", expected: "at least one key=value (see 'config')"), at: head.range)
            }
            return .set(values)

        case "config", "pause", "reset", "quit":
            try allowPositionals(name == "pause" ? 1 : 0)
            switch name {
            case "config": return .config
            case "pause": return .pause
            case "reset": return .reset
            default: return .quit
            }

        case "step":
            var steps = 1
            var index = 0
            if let first = positionals.first, first.token.text != "trace" {
                steps = try count(first.token)
                index = 1
            }
            return .step(count: steps, trace: try traceFlag(afterCount: index))

        case "forward":
            return .forward(trace: try traceFlag(afterCount: 0))

        case "backward":
            var trace = false, lastOnly = false
            for positional in positionals {
                switch positional.token.text {
                case "trace" where !trace: trace = true
                case "last" where !lastOnly: lastOnly = true
                default:
                    throw Diagnostic(.unexpectedArgument(command: name, text: positional.token.lexeme), at: positional.token.range)
                }
            }
            return .backward(trace: trace, lastOnly: lastOnly)

        case "train":
            guard let first = positionals.first else {
                throw Diagnostic(.missingArgument(command: "train", expected: "a number of steps or a time, e.g. train 1000 or train 10m"),
                                 at: head.range)
            }
            try allowPositionals(1)
            let limit: TrainLimit
            if let seconds = parseDuration(first.token.text ?? "") {
                guard seconds > 0 && seconds.isFinite else {
                    throw Diagnostic(.badDuration(text: first.token.lexeme), at: first.token.range)
                }
                limit = .duration(seconds)
            } else if let text = first.token.text, text.last.map({ "smhd".contains($0) || $0.isLetter }) == true,
                      text.first.map({ $0.isNumber || $0 == "-" || $0 == "." }) == true {
                throw Diagnostic(.badDuration(text: first.token.lexeme), at: first.token.range)
            } else {
                limit = .steps(try count(first.token))
            }
            func path(_ key: String) -> Located<String>? { option(key).map { Located($0.text ?? $0.lexeme, $0.range) } }
            return .train(TrainOptions(limit: limit, sampleEvery: try integer("sample-every"), printEvery: try integer("print-every"),
                                       sampleLength: try integer("sample-length", maximum: Limits.sampleLength) ?? 200,
                                       evalEvery: try integer("eval-every"), checkpoint: path("checkpoint"), best: path("best")))

        case "show":
            guard let first = positionals.first else {
                throw Diagnostic(.missingArgument(command: "show", expected: "a name, e.g. show W_hh (help names)"), at: head.range)
            }
            var mode: ShowMode?
            if positionals.count >= 2 {
                let token = positionals[1].token
                guard let text = token.text, let parsed = ShowMode(rawValue: text) else {
                    let choices = ShowMode.allCases.map(\.rawValue)
                    throw Diagnostic(.badKeyword(command: "show", what: "a way to show", text: token.lexeme, choices: choices,
                                                 suggestion: closestMatch(to: token.lexeme, in: choices)), at: token.range)
                }
                mode = parsed
            }
            try allowPositionals(2)
            return .show(try reference(first), mode)

        case "grad-check":
            try allowPositionals(1)
            let target = try positionals.first.map { (positional) throws(Diagnostic) in try reference(positional) }
            if let first = target?.subscripts.first {
                throw Diagnostic(.unexpectedSubscript(command: "grad-check"), at: first.range)
            }
            var clipped = false
            if let token = option("clipped") {
                switch token.text {
                case "on", "true", "yes": clipped = true
                case "off", "false", "no": clipped = false
                default: throw Diagnostic(.badValue(key: "clipped", text: token.lexeme, requirement: "on or off"), at: token.range)
                }
            }
            return .gradCheck(name: target, checks: try integer("checks"),
                              delta: try number("delta", requirement: "a number > 0 and ≤ 1", { $0 > 0 && $0 <= 1 }) ?? 1e-5,
                              method: try choice("method", NumericDerivative.self) ?? .precise, clipped: clipped)

        case "sample":
            try allowPositionals(1)
            let length = try positionals.first.map { (positional) throws(Diagnostic) in
                try count(positional.token, maximum: Limits.sampleLength)
            } ?? 200
            let prime = option("prime").map { Located($0.text ?? $0.lexeme, $0.range) }
            if let prime, prime.value.isEmpty {
                throw Diagnostic(.badValue(key: "prime", text: "\"\"", requirement: "at least one character"), at: prime.range)
            }
            var seed: UInt64?
            if let token = option("seed") {
                guard let text = token.text, let value = UInt64(text) else {
                    throw Diagnostic(.badValue(key: "seed", text: token.lexeme, requirement: SettingKey.seed.requirement), at: token.range)
                }
                seed = value
            }
            return .sample(count: length,
                           temperature: try number("temperature", requirement: "a finite number ≥ 0", { $0 >= 0 }) ?? 1,
                           prime: prime, seed: seed)

        case "score":
            if let token = option("file") {
                try allowPositionals(0)
                return .score(Located(.file(token.text ?? token.lexeme), token.range))
            }
            guard let first = positionals.first, let text = first.token.text else {
                throw Diagnostic(.missingArgument(command: "score", expected: "a text, e.g. score \"the cat\", or file=PATH"),
                                 at: head.range)
            }
            try allowPositionals(1)
            return .score(Located(.text(text), first.token.range))

        case "evaluate":
            try allowPositionals(0)
            return .evaluate

        case "plot":
            guard let first = positionals.first else {
                throw Diagnostic(.missingArgument(command: "plot", expected: "what to plot: " + PlotKind.allCases.map(\.rawValue).joined(separator: ", ")),
                                 at: head.range)
            }
            guard let text = first.token.text, let kind = PlotKind(rawValue: text) else {
                let choices = PlotKind.allCases.map(\.rawValue)
                throw Diagnostic(.badKeyword(command: "plot", what: "something to plot", text: first.token.lexeme, choices: choices,
                                             suggestion: closestMatch(to: first.token.lexeme, in: choices)), at: first.token.range)
            }
            let allowed = kind.options
            for (key, _) in self.options where !allowed.contains(key.text ?? "") {
                throw Diagnostic(.optionNotForKind(command: "plot", kind: kind.rawValue, key: key.lexeme, allowed: allowed), at: key.range)
            }
            var options = PlotOptions()
            // `plot states "text"`: the second positional is the text.
            if kind == .states {
                options.text = try analysisText(positional: 1, command: "plot states", example: "plot states \"the cat (a grey one)\"")
            }
            try allowPositionals(kind == .states ? 2 : 1)
            options.width = try integer("width", minimum: 10, maximum: Limits.plotWidth)
            options.height = try integer("height", minimum: 3, maximum: Limits.plotHeight)
            if let token = option("log") {
                switch token.text {
                case "on", "true", "yes": options.logScale = true
                case "off", "false", "no": options.logScale = false
                default: throw Diagnostic(.badValue(key: "log", text: token.lexeme, requirement: "on or off"), at: token.range)
                }
            }
            options.step = try integer("t", minimum: 0)
            options.top = try integer("top", maximum: Limits.plotHeight) ?? 10
            options.prime = option("prime").map { Located($0.text ?? $0.lexeme, $0.range) }
            if let prime = options.prime, prime.value.isEmpty {
                throw Diagnostic(.badValue(key: "prime", text: "\"\"", requirement: "at least one character"), at: prime.range)
            }
            options.temperature = try number("temperature", requirement: "a finite number > 0", { $0 > 0 }) ?? 1
            options.yMin = try number("ymin", requirement: "a finite number", { _ in true })
            options.yMax = try number("ymax", requirement: "a finite number", { _ in true })
            if let low = options.yMin, let high = options.yMax, low >= high, let token = option("ymax") {
                throw Diagnostic(.badValue(key: "ymax", text: token.lexeme, requirement: "greater than ymin"), at: token.range)
            }
            // A log scale has no place for 0 or below: say so rather than ignore the limit.
            if options.logScale || kind == .runNorms {
                for (key, limit) in [("ymin", options.yMin), ("ymax", options.yMax)] {
                    if let limit, limit <= 0, let token = option(key) {
                        throw Diagnostic(.limitNotOnLogScale(key: key, text: token.lexeme, kind: kind.rawValue,
                                                             always: kind == .runNorms), at: token.range)
                    }
                }
            }
            return .plot(kind, options)

        case "save", "restore", "export":
            let example = ["save": "save run.safetensors", "restore": "restore run.safetensors",
                           "export": "export model.safetensors format=pytorch"][name]!
            guard let first = positionals.first, let path = first.token.text else {
                throw Diagnostic(.missingArgument(command: name, expected: "a file name, e.g. \(example)"), at: head.range)
            }
            try allowPositionals(1)
            let file = Located(path, first.token.range)
            switch name {
            case "save":
                let format = try choice("format", CheckpointFormat.self)
                if let format, let named = CheckpointFormat.suggested(by: path), named != format, let token = option("format") {
                    throw Diagnostic(.formatContradictsName(path: path, format: format.rawValue, writes: format.displayName,
                                                            nameSays: named.displayName), at: token.range)
                }
                return .save(file, format: format)
            case "export":
                guard let format = try choice("format", ExportFormat.self) else {
                    throw Diagnostic(.missingArgument(command: name, expected: "format=" + ExportFormat.allCases.map(\.rawValue)
                        .joined(separator: "|") + ", e.g. \(example)"), at: head.range)
                }
                if CheckpointFormat.suggested(by: path) == .json, let token = option("format") {
                    throw Diagnostic(.formatContradictsName(path: path, format: format.rawValue, writes: "safetensors",
                                                            nameSays: "JSON"), at: token.range)
                }
                return .export(file, format: format)
            default:
                return .restore(file, corpus: option("corpus").map { Located($0.text ?? $0.lexeme, $0.range) })
            }

        case "keep":
            guard let first = positionals.first, let label = first.token.text else {
                throw Diagnostic(.missingArgument(command: "keep", expected: "a name for the run, e.g. keep adagrad"), at: head.range)
            }
            try allowPositionals(1)
            return .keep(Located(label, first.token.range))

        case "forget":
            try allowPositionals(1)
            guard let first = positionals.first else { return .forget(nil) }
            guard let label = first.token.text else {
                throw Diagnostic(.missingArgument(command: "forget", expected: "the name of a kept run, or nothing to forget them all"),
                                 at: first.token.range)
            }
            return .forget(Located(label, first.token.range))

        case "echo":
            // Everything is text here, key=value included.
            let words = arguments.map { argument -> String in
                switch argument {
                case .positional(let token, _): token.text ?? token.lexeme
                case .option(let key, _, let value): key.lexeme + "=" + (value.flatMap(\.text) ?? "")
                }
            }
            return .echo(words.joined(separator: " "))

        case "expect":
            guard positionals.count >= 3 else {
                throw Diagnostic(.missingArgument(command: "expect", expected: "NAME ≈ VALUE, e.g. expect loss ≈ 32.96 tol=0.01"),
                                 at: head.range)
            }
            try allowPositionals(3)
            let target = try reference(positionals[0])
            let operatorToken = positionals[1].token
            guard let comparison = operatorToken.text.flatMap({ Comparison.spellings[$0] }) else {
                throw Diagnostic(.badComparison(found: operatorToken.lexeme), at: operatorToken.range)
            }
            let valueToken = positionals[2].token
            guard let text = valueToken.text, let value = parseNumber(text), value.isFinite else {
                throw Diagnostic(.badExpectedValue(text: valueToken.lexeme), at: valueToken.range)
            }
            let tolerance = try number("tol", requirement: "a finite number ≥ 0", { $0 >= 0 }) ?? 1e-6
            return .expect(target, comparison, value: value, tolerance: tolerance)

        case "highlight":
            return try buildHighlight()

        case "find-neurons":
            return try buildFindNeurons()

        case "saliency":
            return try buildSaliency()

        case "help":
            try allowPositionals(1)
            return .help(topic: positionals.first.map { Located($0.token.text ?? $0.token.lexeme, $0.token.range) })

        default:
            preconditionFailure("no builder for command \(name)")
        }
    }
}
