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
    /// Relative paths in `load` are resolved against this folder (the running script's).
    public var baseDirectory: String?
    public var lastGradientCheck: GradientCheckResult?
    public var lastScore: ScoreResult?
    /// Pearson's r of the strongest unit of the last `find-neurons` (`neuron-r`).
    public var lastNeuronCorrelation: Double?
    /// The fraction of the text held out with `load … validation=F` (checkpoints keep it).
    public var validationFraction: Double?
    /// Loss curves and ‖∂L/∂h_t‖ profiles saved with `keep NAME`, in the order first kept.
    public var keptRuns: [KeptRun] = []
    /// Whether an `expect` that passes says so. Lessons check their own numbers silently (a
    /// failed check is an error); `--show-checks` and lines typed at the REPL prompt show them.
    public var showsPassingChecks = false

    public init() {}

    /// A new model, or none: the results of the old one (`grad-check`, `score`, `neuron-r`) go
    /// with it, so that `expect` never reads a number another model produced.
    public mutating func replaceModel(with trainer: Trainer?) {
        self.trainer = trainer
        lastGradientCheck = nil
        lastScore = nil
        lastNeuronCorrelation = nil
    }
}

/// A run saved for comparison plots.
public struct KeptRun: Equatable, Sendable {
    public var name: String
    /// The loss of every step, per character (the window's loss / T), so that runs with
    /// different window lengths compare.
    public var losses: [Double]
    /// ‖∂L/∂h_t‖ of the last backward pass, if there was one.
    public var gradientNorms: [Double]?
}

/// Where the interpreter's output goes. The executable renders to the terminal; tests and
/// golden transcripts collect; a notebook page records the same blocks as HTML.
public protocol Console: AnyObject {
    /// Results (standard output): each sink renders the block for itself, at once. `width`
    /// overrides the sink's page width (`set width=`).
    func emit(_ block: Block, width: Int?)
    /// Errors, warnings and timing (standard error).
    func emitError(_ block: Block)
    /// A transient progress line (redrawn in place); only called when `showsProgress`.
    func progress(_ state: ProgressState)
    /// Clears the transient line: what comes next (the summary, a sample) starts there, and no
    /// stale bar is left above it.
    func finishProgress()
    /// Whether `train` draws a progress bar instead of printing log lines.
    var showsProgress: Bool { get }
    /// Whether a person is there to press Enter (`pause`).
    var isInteractive: Bool { get }
    /// Waits for Enter; false when Ctrl-C came instead (the script then stops).
    func waitForEnter() -> Bool
    /// True once after Ctrl-C: long commands stop at their next safe point.
    func takeInterrupt() -> Bool
    /// Monotonic seconds, for speeds and `train DURATION`.
    func now() -> Double
    /// Characters per line of the page now (a terminal's columns, `--width`, or 100).
    var pageWidth: Int { get }
}

extension Console {
    /// Results at the sink's own width.
    public func emit(_ block: Block) { emit(block, width: nil) }

    /// Plain text on standard error (timing, notes), wrapped at the page's width like results.
    public func writeError(_ text: String) { emitError(.text { wrapLines(text, width: $0.width) }) }
}

/// A console that records everything as the transcript renders it (tests, golden
/// transcripts): plain ASCII at 100 characters a line unless told otherwise.
public final class CapturingConsole: Console {
    public private(set) var output = ""
    public private(set) var errors = ""
    /// Every block emitted, in order (tests look at structure).
    public private(set) var blocks: [Block] = []
    public var context: RenderContext
    /// Ctrl-C after this many calls of `takeInterrupt` (tests of interruption).
    public var interruptAfterChecks: Int?
    /// What `waitForEnter` answers (false: as if Ctrl-C was pressed at the pause).
    public var interactive = false
    public var enterPressed = true
    private var checks = 0
    private var clock = 0.0
    /// Seconds the fake clock advances per reading.
    public var tick = 0.001

    public init(context: RenderContext = .transcript) {
        self.context = context
    }

    public func emit(_ block: Block, width: Int?) {
        blocks.append(block)
        var context = self.context
        if let width { context.width = width }
        output += renderText(block, context: context)
    }

    public func emitError(_ block: Block) { errors += renderText(block, context: context) }
    public func progress(_ state: ProgressState) {}
    public func finishProgress() {}
    public var showsProgress: Bool { false }
    public var isInteractive: Bool { interactive }
    public var pageWidth: Int { context.width }

    public func waitForEnter() -> Bool { enterPressed }

    public func takeInterrupt() -> Bool {
        checks += 1
        if let limit = interruptAfterChecks, checks > limit {
            interruptAfterChecks = nil
            return true
        }
        return false
    }

    /// A fake clock that advances `tick` seconds per reading, so speeds are reproducible.
    public func now() -> Double {
        clock += tick
        return clock
    }
}
