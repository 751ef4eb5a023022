/// What the REPL may offer for the word under the cursor.
public enum Completions: Equatable, Sendable {
    /// These words (already filtered by the typed prefix).
    case words([String])
    /// File names (the line reader completes them from the file system).
    case files
}

/// Tab completion for a line, from the command table: command names first, then option keys
/// (with `=`), their values after `key=`, names for `show`/`expect`/`grad-check`, keywords, and
/// file paths after `load`.
public func completions(line: String, cursor: Int, session: Session) -> Completions {
    let upToCursor = String(line.prefix(cursor))
    // Only the command the cursor is in matters.
    let current = upToCursor.split(separator: ";", omittingEmptySubsequences: false).last.map(String.init) ?? ""
    let words = current.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
    let word = words.last ?? ""
    let earlier = words.dropLast().filter { !$0.isEmpty }

    func matching(_ candidates: [String]) -> Completions {
        .words(Array(Set(candidates.filter { $0.hasPrefix(word) })).sorted())
    }

    guard let commandName = earlier.first else { return matching(Help.commandNames) }
    guard let spec = Help.spec(named: commandName) else { return .words([]) }

    // key=prefix → the key's values.
    if let equals = word.firstIndex(of: "=") {
        let key = String(word[..<equals]), typed = String(word[word.index(after: equals)...])
        var values = SettingKey(rawValue: key)?.choices ?? []
        switch key {
        case "method": values = ["precise", "plain"]
        case "log", "clipped": values = ["on", "off"]
        case "format": values = spec.name == "export" ? ExportFormat.allCases.map(\.rawValue) : CheckpointFormat.allCases.map(\.rawValue)
        case "pattern": values = ["line-position"]
        default: break
        }
        return .words(values.filter { $0.hasPrefix(typed) }.map { key + "=" + $0 }.sorted())
    }

    switch spec.name {
    case "save", "restore", "export":
        return earlier.count == 1 ? .files : matching(spec.options.map { $0 + "=" })
    case "load":
        if earlier.count == 1 { return word.isEmpty || !"builtin".hasPrefix(word) ? .files : matching(["builtin"]) }
        if earlier.count == 2 && earlier[1] == "builtin" { return matching(BuiltinCorpus.names) }
        return .words([])
    case "show", "expect":
        if earlier.count == 1 { return matching(NameResolver.allNames(session: session)) }
        return matching(spec.name == "show" ? spec.keywords : ["≈", "<", ">", "<=", ">="] + spec.options.map { $0 + "=" })
    case "grad-check":
        let parameters = ParameterLayoutNames.names(session: session)
        return matching((earlier.count == 1 ? parameters : []) + spec.options.map { $0 + "=" })
    case "highlight":
        if earlier.count == 1 { return matching(unitNames(session: session) + ["p"]) }
        return matching(spec.options.map { $0 + "=" })
    case "help":
        return matching(Help.commandNames + ["grammar", "names"])
    case "forget":
        return earlier.count == 1 ? matching(session.keptRuns.map(\.name)) : .words([])
    default:
        return matching(spec.options.map { $0 + "=" } + spec.keywords)
    }
}

import RNNCore

enum ParameterLayoutNames {
    static func names(session: Session) -> [String] {
        let config = session.trainer?.config ?? session.config
        return ParameterLayout.forCell(config.cell, vocabularySize: 2, hiddenSize: 1).names
    }
}

/// The states and gates `highlight` shades, as typed before the unit's index: h, c (lstm), the
/// gates; with several layers each with @1 … @L.
func unitNames(session: Session) -> [String] {
    let config = session.trainer?.config ?? session.config
    let bases = ["h"] + (config.cell == .lstm ? ["c"] : []) + (config.cell == .rnn ? [] : config.cell.gateNames)
    guard config.layers > 1 else { return bases }
    return bases.flatMap { base in (1 ... config.layers).map { base + "@\($0)" } }
}
