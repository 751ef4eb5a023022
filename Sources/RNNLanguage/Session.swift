import RNNCore
import RNNRendering

/// Everything a REPL or script has built up: the text, the model and the settings.
///
/// A value type: a command works on a copy of what it changes and commits at the end, so a
/// failing command leaves the session exactly as it was.
public struct Session {
    public var corpus: Corpus?
    public var trainer: Trainer?
    /// Settings for the next `init` (and a mirror of the model's own once it exists).
    public var config = TrainingConfig()
    public var display = DisplaySettings()
    public var style = TextStyle.plain
    /// Relative paths in `load` are resolved against this folder (the running script's).
    public var baseDirectory: String?
    public var lastGradientCheck: GradientCheckResult?
    public var lastScore: ScoreResult?
    /// Loss curves and ‖∂L/∂h_t‖ profiles saved with `keep NAME`, in the order first kept.
    public var keptRuns: [KeptRun] = []

    public init(style: TextStyle = .plain) {
        self.style = style
    }
}

/// A run saved for comparison plots.
public struct KeptRun: Equatable, Sendable {
    public var name: String
    /// The loss of every step.
    public var losses: [Double]
    /// ‖∂L/∂h_t‖ of the last backward pass, if there was one.
    public var gradientNorms: [Double]?
}

/// Where the interpreter's output goes. The executable writes to the terminal; tests collect.
public protocol Console: AnyObject {
    /// Results: standard output.
    func write(_ text: String)
    /// Errors and timing: standard error.
    func writeError(_ text: String)
    /// A transient progress line (redrawn in place); only called when `showsProgress`.
    func progress(_ state: ProgressState)
    /// Ends the transient line, leaving its last state visible.
    func finishProgress()
    /// Whether `train` draws a progress bar instead of printing log lines.
    var showsProgress: Bool { get }
    /// Whether a person is there to press Enter (`pause`).
    var isInteractive: Bool { get }
    func waitForEnter()
    /// True once after Ctrl-C: long commands stop between two steps.
    func takeInterrupt() -> Bool
    /// Monotonic seconds, for speeds.
    func now() -> Double
}

/// A console that records everything (tests, golden transcripts).
public final class CapturingConsole: Console {
    public private(set) var output = ""
    public private(set) var errors = ""
    public var interruptAfterChecks: Int?
    private var checks = 0
    private var clock = 0.0

    public init() {}

    public func write(_ text: String) { output += text }
    public func writeError(_ text: String) { errors += text }
    public func progress(_ state: ProgressState) {}
    public func finishProgress() {}
    public var showsProgress: Bool { false }
    public var isInteractive: Bool { false }
    public func waitForEnter() {}

    public func takeInterrupt() -> Bool {
        checks += 1
        if let limit = interruptAfterChecks, checks > limit {
            interruptAfterChecks = nil
            return true
        }
        return false
    }

    /// A fake clock that advances 1 ms per reading, so speeds are reproducible.
    public func now() -> Double {
        clock += 0.001
        return clock
    }
}
