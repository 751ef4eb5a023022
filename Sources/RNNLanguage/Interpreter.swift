import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a command ended.
public enum CommandOutcome: Equatable, Sendable {
    case completed
    /// `quit`.
    case quit
    /// Ctrl-C stopped a long command between two steps (its progress is kept).
    case interrupted
}

/// Runs commands against a session, writing results to a console.
///
/// Every command either completes or throws a `Diagnostic` and leaves the session as it was
/// (a multi-step command keeps the steps completed before the failing one).
public struct Interpreter {
    var session: Session
    let console: Console

    private init(session: Session, console: Console) {
        self.session = session
        self.console = console
    }

    /// Executes one command. On error `session` is unchanged except for completed steps.
    public static func execute(_ command: Command, session: inout Session, console: Console) throws(Diagnostic) -> CommandOutcome {
        var interpreter = Interpreter(session: session, console: console)
        defer { session = interpreter.session }
        do {
            return try interpreter.run(command)
        } catch {
            if !error.keepsProgress { interpreter.session = session }
            throw error.diagnostic
        }
    }

    /// A diagnostic, and whether work done before it (completed steps) stands.
    struct Failure: Error {
        var diagnostic: Diagnostic
        var keepsProgress = false
    }

    var precision: Int { session.display.precision }

    func fixed(_ x: Double) -> String { NumberFormat.fixed(x, decimals: precision) }

    /// Output at the session's width (`set width=`), or the page's.
    func emit(_ block: Block) { console.emit(block, width: session.display.width) }

    /// Result sentences (ASCII already): lines longer than the page wrap at spaces.
    func write(_ text: String) { emit(.text { wrapLines(text, width: $0.width) }) }

    /// The same for text whose symbols (·, ×, σ, ‖…) become ASCII when Unicode is off.
    func writeStyled(_ text: String) { emit(.text { wrapLines($0.style.text(text), width: $0.width) }) }

    /// Data shown exactly as it is, never wrapped (generated text, tables laid out already).
    func writeVerbatim(_ text: String) { emit(.plain(text)) }

    /// The page width a command formats for now (for text laid out in the interpreter).
    var pageWidth: Int { session.display.width ?? console.pageWidth }

    // MARK: Dispatch

    mutating func run(_ command: Command) throws(Failure) -> CommandOutcome {
        // Multi-step commands report their own failures (keeping completed steps).
        switch command.kind {
        case .step(let count, let trace):
            return try step(count: count, trace: trace, command: command)
        case .train(let options):
            return try train(options, command: command)
        case .quit:
            return .quit
        default:
            do {
                return try runSingle(command)
            } catch {
                throw Failure(diagnostic: error)
            }
        }
    }

    /// Commands that either complete or fail as a whole (grad-check and sample can be interrupted).
    mutating func runSingle(_ command: Command) throws(Diagnostic) -> CommandOutcome {
        switch command.kind {
        case .load(let source, let validation): return try load(source, validation: validation)
        case .initialize(let settings): return try initialize(settings, command: command)
        case .set(let settings): try set(settings, command: command)
        case .config: config()
        case .forward(let trace): try forward(trace: trace, command: command)
        case .backward(let trace, let lastOnly): try backward(trace: trace, lastOnly: lastOnly, command: command)
        case .show(let reference, let mode): try show(reference, mode: mode)
        case .gradCheck(let name, let checks, let delta, let method, let clipped):
            return try gradCheck(name: name, checks: checks, delta: delta, method: method, clipped: clipped, command: command)
        case .sample(let count, let temperature, let prime, let seed):
            return try sample(count: count, temperature: temperature, prime: prime, seed: seed, command: command)
        case .score(let source): return try score(source, command: command)
        case .evaluate: return try evaluate(command: command)
        case .plot(let kind, let options): return try plot(kind, options: options, command: command)
        case .highlight(let target, let text): return try highlight(target, text, command: command)
        case .findNeurons(let pattern, let text, let top, let shown):
            return try findNeurons(pattern, text, top: top, shown: shown, command: command)
        case .saliency(let text, let step): return try saliency(text, step: step, command: command)
        case .keep(let name): try keep(name, command: command)
        case .forget(let name): try forget(name)
        case .save(let path, let format): return try save(path, format: format, command: command)
        case .export(let path, let format): return try export(path, format: format, command: command)
        case .restore(let path, let corpus): try restore(path, corpus: corpus)
        case .echo(let text): emit(.prose(text))
        case .pause:
            emit(.pause)
            if console.isInteractive && !console.waitForEnter() {
                write("interrupted at a pause\n")
                return .interrupted
            }
        case .expect(let reference, let comparison, let value, let tolerance):
            try expect(reference, comparison, value, tolerance: tolerance)
        case .reset:
            let folder = session.baseDirectory
            session = Session()
            session.baseDirectory = folder
            write("session reset: no text, no model, default settings\n")
        case .help(let topic): try help(topic)
        case .step, .train, .quit: preconditionFailure("handled by run")
        }
        return .completed
    }

    func requireCorpus(_ command: Command) throws(Diagnostic) -> Corpus {
        guard let corpus = session.corpus else { throw Diagnostic(.noCorpus(command: commandName(command)), at: command.range) }
        return corpus
    }

    func requireModel(_ command: Command) throws(Diagnostic) {
        _ = try requireCorpus(command)
        guard session.trainer != nil else { throw Diagnostic(.noModel(command: commandName(command)), at: command.range) }
    }

    func commandName(_ command: Command) -> String {
        switch command.kind {
        case .initialize: "init"
        case .step: "step"
        case .forward: "forward"
        case .backward: "backward"
        case .train: "train"
        case .gradCheck: "grad-check"
        case .sample: "sample"
        case .score: "score"
        case .evaluate: "evaluate"
        case .plot: "plot"
        case .highlight: "highlight"
        case .findNeurons: "find-neurons"
        case .saliency: "saliency"
        case .keep: "keep"
        case .forget: "forget"
        case .save: "save"
        case .export: "export"
        default: "this command"
        }
    }

    func help(_ topic: Located<String>?) throws(Diagnostic) {
        guard let topic else {
            writeStyled(Help.overview())
            return
        }
        switch topic.value {
        case "grammar":
            writeStyled(Help.grammar + "\n")
        case "names":
            writeStyled(Help.describe(Help.spec(named: "show")!))
        default:
            guard let spec = Help.spec(named: topic.value) else {
                throw Diagnostic(.unknownHelpTopic(topic.value, suggestion: closestMatch(to: topic.value, in: Help.commandNames + ["grammar", "names"])),
                                 at: topic.range)
            }
            writeStyled(Help.describe(spec))
        }
    }
}

