import RNNCore
import RNNRendering

/// A value with the source range it came from (for error carets at run time).
public struct Located<Value: Equatable & Sendable>: Equatable, Sendable {
    public var value: Value
    public var range: SourceRange

    public init(_ value: Value, _ range: SourceRange) {
        self.value = value
        self.range = range
    }
}

/// One component of a subscript: `3`, `'e'` (a character on a character axis), `0:5`, `:`.
public enum SubscriptComponent: Equatable, Sendable {
    case index(Int)
    case character(String)
    case range(Int?, Int?)
}

/// A name as written in `show`, `expect`, …: `W_hh`, `h[3]`, `W_hh[0:5, 0:5]`, `W_xh['e']`.
public struct NameReference: Equatable, Sendable {
    public var name: String
    public var range: SourceRange
    public var subscripts: [Located<SubscriptComponent>]

    public init(name: String, range: SourceRange, subscripts: [Located<SubscriptComponent>] = []) {
        self.name = name
        self.range = range
        self.subscripts = subscripts
    }

    /// The name with its subscripts, as users typed it.
    public var text: String {
        guard !subscripts.isEmpty else { return name }
        let parts = subscripts.map { component -> String in
            switch component.value {
            case .index(let i): return String(i)
            case .character(let c): return characterLabel(c.unicodeScalars.first!)
            case .range(let a, let b): return (a.map(String.init) ?? "") + ":" + (b.map(String.init) ?? "")
            }
        }
        return name + "[" + parts.joined(separator: ", ") + "]"
    }
}

/// Where `load` reads from.
public enum LoadSource: Equatable, Sendable {
    case file(String)
    case builtin(String)
}

/// What `score` scores: a quoted text, or a whole file (`score file=PATH`).
public enum ScoreSource: Equatable, Sendable {
    case text(String)
    case file(String)
}

/// The text an analysis reads (`highlight`, `find-neurons`, `saliency`, `plot states`): a quoted
/// text or a file's characters, and optionally a part of it (`from=` characters in, `length=`
/// characters long). The model reads the part from the zero state.
public struct AnalysisText: Equatable, Sendable {
    public var source: Located<ScoreSource>
    public var from: Located<Int>?
    public var length: Located<Int>?

    public init(source: Located<ScoreSource>, from: Located<Int>? = nil, length: Located<Int>? = nil) {
        self.source = source
        self.from = from
        self.length = length
    }
}

/// What `highlight` shades each character by.
public enum HighlightTarget: Equatable, Sendable {
    /// One unit of a state or gate: `h[3]`, `c@2[5]`, `f[0]`.
    case unit(NameReference)
    /// `p`: the probability the model gave each character before reading it.
    case probability(SourceRange)
}

/// The per-character signal `find-neurons` correlates every unit with.
public enum NeuronPattern: Equatable, Sendable {
    /// 1 for a character inside a match of the regular expression (Swift's Regex syntax), else 0.
    case regex(String)
    /// Characters since the last line break.
    case linePosition
}

/// How long `train` runs: a number of steps, or a time (`train 10m`).
public enum TrainLimit: Equatable, Sendable {
    case steps(Int)
    /// Seconds of training; it stops between two steps once they have passed.
    case duration(Double)
}

/// The options of `train`.
public struct TrainOptions: Equatable, Sendable {
    public var limit: TrainLimit
    public var sampleEvery: Int?
    public var printEvery: Int?
    public var sampleLength = 200
    /// Evaluate on the held-out text every K steps (and at the end).
    public var evalEvery: Int?
    /// Save the session at every evaluation.
    public var checkpoint: Located<String>?
    /// Save the session whenever the validation loss is the lowest so far.
    public var best: Located<String>?

    public init(limit: TrainLimit, sampleEvery: Int? = nil, printEvery: Int? = nil, sampleLength: Int = 200,
                evalEvery: Int? = nil, checkpoint: Located<String>? = nil, best: Located<String>? = nil) {
        self.limit = limit
        self.sampleEvery = sampleEvery
        self.printEvery = printEvery
        self.sampleLength = sampleLength
        self.evalEvery = evalEvery
        self.checkpoint = checkpoint
        self.best = best
    }
}

/// How `show` draws a value.
public enum ShowMode: String, CaseIterable, Sendable {
    case values, stats, heatmap
}

/// What `plot` draws.
public enum PlotKind: String, CaseIterable, Sendable {
    /// Raw and smoothed loss per step.
    case loss
    /// ‖∂L/∂h_t‖ for each step t of the last backward pass.
    case gradNorms = "grad-norms"
    /// The next-character probabilities p_t (top k) at one step of the last window.
    case probs
    /// The loss curves kept with `keep NAME`, overlaid.
    case runs
    /// The ‖∂L/∂h_t‖ profiles kept with `keep NAME`, overlaid (log scale).
    case runNorms = "run-norms"
    /// h_t over a text, projected on its first two principal components.
    case states

    /// The options this kind of plot uses.
    var options: [String] {
        switch self {
        case .loss, .gradNorms, .runs: ["width", "height", "log", "ymin", "ymax"]
        case .probs: ["width", "t", "top", "prime", "temperature"]
        case .runNorms: ["width", "height", "ymin", "ymax"]
        case .states: ["width", "height", "file", "from", "length"]
        }
    }
}

/// The comparison of an `expect`.
public enum Comparison: String, Sendable, Equatable {
    case approximately = "≈"
    case less = "<"
    case greater = ">"
    case lessOrEqual = "<="
    case greaterOrEqual = ">="

    /// The spellings accepted in scripts.
    static let spellings: [String: Comparison] = [
        "≈": .approximately, "~": .approximately, "~=": .approximately, "==": .approximately,
        "<": .less, ">": .greater, "<=": .lessOrEqual, ">=": .greaterOrEqual, "≤": .lessOrEqual, "≥": .greaterOrEqual,
    ]
}

/// Which part of a step to trace (`step trace`, `forward trace`, `backward trace`).
public enum TracePart: String, Sendable, Equatable {
    case forward, backward, full
}

/// A parsed command, ready to run.
public enum CommandKind: Equatable, Sendable {
    /// `load PATH [validation=F]`: F holds out the text's last fraction for `evaluate`.
    case load(Located<LoadSource>, validation: Located<Double>?)
    case initialize([Located<Setting>])
    case set([Located<Setting>])
    case config
    case step(count: Int, trace: Bool)
    case forward(trace: Bool)
    case backward(trace: Bool, lastOnly: Bool)
    case train(TrainOptions)
    /// nil mode: the default (values for matrices, the text for text blocks).
    case show(NameReference, ShowMode?)
    /// `clipped`: compare the gradient clipped as the update would use it (a lesson's demonstration).
    case gradCheck(name: NameReference?, checks: Int?, delta: Double, method: NumericDerivative, clipped: Bool)
    case sample(count: Int, temperature: Double, prime: Located<String>?, seed: UInt64?)
    case score(Located<ScoreSource>)
    /// The loss per character on the held-out text.
    case evaluate
    case plot(PlotKind, PlotOptions)
    /// `highlight NAME[unit] "text"`, `highlight p "text"`: each character shaded by a value.
    case highlight(HighlightTarget, AnalysisText)
    /// `find-neurons pattern=… "text"`: the units that follow a pattern, best first; the best
    /// one shades the first `shown` characters.
    case findNeurons(Located<NeuronPattern>, AnalysisText, top: Int, shown: Int)
    /// `saliency "text" [t=…]`: how much each character moves the prediction at step t.
    case saliency(AnalysisText, step: Located<Int>?)
    case keep(Located<String>)
    /// `forget NAME` drops one kept run; `forget` alone drops them all.
    case forget(Located<String>?)
    /// `save PATH [format=safetensors|json]` (without format=: JSON for a name ending in .json).
    case save(Located<String>, format: CheckpointFormat?)
    /// `export PATH format=pytorch`: the weights for another framework.
    case export(Located<String>, format: ExportFormat)
    /// `restore PATH [corpus=FILE]`.
    case restore(Located<String>, corpus: Located<String>?)
    case echo(String)
    case pause
    case expect(NameReference, Comparison, value: Double, tolerance: Double)
    case reset
    case help(topic: Located<String>?)
    case quit
}

/// The two forms of a checkpoint: the same fields, numbers in binary or in text.
public enum CheckpointFormat: String, CaseIterable, Sendable {
    /// Every matrix and list of numbers a tensor, everything else metadata (SafetensorsWriter.swift).
    case safetensors
    /// Every number in its shortest round-trip text (CheckpointJSON.swift).
    case json

    /// The form a name asks for when no format= is given: JSON for "….json", else safetensors.
    public static func forName(_ path: String) -> CheckpointFormat { suggested(by: path) ?? .safetensors }

    /// The form a name's extension says, if it says one (".json", ".safetensors").
    public static func suggested(by path: String) -> CheckpointFormat? {
        let name = path.lowercased()
        if name.hasSuffix(".json") { return .json }
        if name.hasSuffix(".safetensors") { return .safetensors }
        return nil
    }

    /// The name in messages.
    public var displayName: String { self == .json ? "JSON" : "safetensors" }
}

/// What `export` writes.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// A PyTorch state_dict in safetensors (PyTorchExport.swift).
    case pytorch
}

/// Options of `plot`.
public struct PlotOptions: Equatable, Sendable {
    public var width: Int?
    public var height: Int?
    public var logScale = false
    /// `plot probs`: the step t and how many characters to show.
    public var step: Int?
    public var top = 10
    /// `plot probs`: the distribution after this text instead of a step of the window.
    public var prime: Located<String>?
    public var temperature = 1.0
    /// Explicit limits of the y axis (`ymin=`, `ymax=`): the plot says what lies beyond.
    public var yMin: Double?
    public var yMax: Double?
    /// `plot states`: the text whose states are drawn.
    public var text: AnalysisText?

    public init(width: Int? = nil, height: Int? = nil, logScale: Bool = false, step: Int? = nil, top: Int = 10,
                prime: Located<String>? = nil, temperature: Double = 1) {
        self.width = width
        self.height = height
        self.logScale = logScale
        self.step = step
        self.top = top
        self.prime = prime
        self.temperature = temperature
    }
}

public struct Command: Equatable, Sendable {
    public var kind: CommandKind
    /// The command word.
    public var range: SourceRange
    /// The whole command in the source, in characters (notebook pages show it).
    public var span: Range<Int>

    public init(_ kind: CommandKind, range: SourceRange, span: Range<Int> = 0 ..< 0) {
        self.kind = kind
        self.range = range
        self.span = span
    }
}
