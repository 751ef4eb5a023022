import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Below this |r| no unit is said to follow a pattern: r² < 0.09, the unit's value shares less
/// than a tenth of its variance with the pattern.
let weakestCorrelation = 0.3

extension Interpreter {
    // MARK: find-neurons

    /// `find-neurons`: Pearson's r between every unit (h, and the LSTM's c, of every layer) and a
    /// per-character signal over the text, the strongest listed and the best one highlighted.
    mutating func findNeurons(_ pattern: Located<NeuronPattern>, _ text: AnalysisText, top: Int, shown: Int,
                              command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        guard let input = try analysisInput(text, command: "find-neurons", limit: Limits.analysisCharacters, minimum: 2) else {
            write("interrupted: nothing was read\n")
            return .interrupted
        }
        let n = input.scalars.count
        let signal: [Double], marks: [Bool]?, what: String
        switch pattern.value {
        case .regex(let source):
            guard case .success(let regex) = compilePattern(source) else {
                throw Diagnostic(.invalidPattern(reason: "it does not compile"), at: pattern.range)
            }
            guard let inside = matchMarksInterruptibly(regex, in: input.scalars, shouldStop: console.takeInterrupt) else {
                write("interrupted: nothing was correlated; the pattern was still being matched (one that backtracks "
                      + "without end keeps a core busy until it finishes or rnnrepl quits)\n")
                return .interrupted
            }
            let count = inside.filter { $0 }.count
            guard count > 0 && count < n else {
                throw Diagnostic(.patternNeverVaries(pattern: quoted(source), matchesAll: count == n, characters: n), at: pattern.range)
            }
            signal = inside.map { $0 ? 1 : 0 }
            marks = inside
            what = "1 inside a match of \(quoted(source)), 0 outside (" + NumberFormat.grouped(count) + " of "
                + counted(n, "character") + " inside)"
        case .linePosition:
            signal = linePositions(input.scalars)
            guard signal.contains(where: { $0 != signal[0] }) else {
                throw Diagnostic(.linePositionNeverVaries(characters: n), at: pattern.range)
            }
            marks = nil
            what = "the character's position in its line (characters since the last line break, up to "
                + NumberFormat.grouped(Int(signal.max()!)) + ")"
        }
        let reader = session.trainer!.stateReader()
        guard let correlations = reader.correlations(input.indices, with: signal, shouldStop: console.takeInterrupt) else {
            write("interrupted: nothing was correlated\n")
            return .interrupted
        }
        // Strongest first; a tie keeps the order of the units.
        let ranked = correlations.enumerated().filter { $0.element.r != nil }
            .sorted { abs($0.element.r!) > abs($1.element.r!) || (abs($0.element.r!) == abs($1.element.r!) && $0.offset < $1.offset) }
            .map(\.element)
        let config = session.trainer!.config
        let scanned = (config.cell == .lstm ? "h and c" : "h") + (config.layers == 1 ? "" : " of each of the \(config.layers) layers")
        var report = "find-neurons: Pearson's r between each unit's value after a character and the signal " + what
            + ", over " + input.name + " read from " + zeroStateWords + "; " + counted(correlations.count, "unit") + " (" + scanned + ")"
        let constant = correlations.count - ranked.count
        if constant > 0 {
            report += "; " + counted(constant, "unit") + (constant == 1 ? " does" : " do") + " not change over the text (no r)"
        }
        writeStyled(report + "\n")
        guard let best = ranked.first else {
            session.lastNeuronCorrelation = nil
            write("no unit changes over this text: there is nothing to correlate\n")
            return .completed
        }
        let digits = max(precision - 1, 2)
        let rows = ranked.prefix(top).enumerated().map { rank, item in
            [String(rank + 1), unitLabel(item.probe), NumberFormat.fixed(item.r!, decimals: digits)]
        }
        write(formatTable(header: ["rank", "unit", "r"], rows: rows, rightAligned: [0, 2], indent: 2))
        session.lastNeuronCorrelation = best.r!
        let strongest = abs(best.r!)
        let label = unitLabel(best.probe), r = NumberFormat.fixed(best.r!, decimals: digits)
        let verdict: String
        if strongest < weakestCorrelation {
            verdict = "No unit follows this signal: the largest |r| is " + NumberFormat.fixed(strongest, decimals: digits) + ", below "
                + NumberFormat.general(weakestCorrelation) + " (r² = " + percent(strongest * strongest)
                + " of the unit's variance goes with the signal). The nearest is \(label)" + (shown > 0 ? ", shown below" : "")
        } else {
            let strength = strongest >= 0.7 ? "closely" : (strongest >= 0.5 ? "clearly but in part" : "weakly")
            let following = ranked.filter { abs($0.r!) >= 0.5 }.count
            verdict = "\(label) follows it \(strength) (r = \(r), r² = " + percent(strongest * strongest) + " of its variance); "
                + (following == 0 ? "no unit reaches |r| = 0.5" : counted(following, "unit") + (following == 1 ? " reaches" : " reach")
                    + " |r| ≥ 0.5")
                + (best.r! < 0 ? ". Its r is negative: it is low where the signal is high" : "")
        }
        guard shown > 0 else {
            writeStyled(verdict + ".\n")
            return .completed
        }
        // The best unit over the beginning of the text.
        let shown = min(n, shown)
        let part = Array(input.indices.prefix(shown))
        guard let values = reader.series(of: best.probe, text: part, shouldStop: console.takeInterrupt) else {
            write("interrupted: the best unit is not shown\n")
            return .interrupted
        }
        let shaded = HighlightedText(scalars: Array(input.scalars.prefix(shown)), values: values,
                                     scale: shadeScale(best.probe.quantity, values: values),
                                     marks: marks.map { Array($0.prefix(shown)) }, marksMeaning: "the characters inside a match")
        writeStyled(verdict + ".\n\(label) after each character" + (shown < n ? " (the first " + NumberFormat.grouped(shown) + ")" : "")
                    + ":\n")
        emit(.highlight(shaded))
        return .completed
    }

    /// "12.3%".
    func percent(_ fraction: Double) -> String { NumberFormat.fixed(100 * fraction, decimals: 1) + "%" }
}

/// `matchMarks` on a thread of its own, so that Ctrl-C is heard while it runs: a regular
/// expression can backtrack for an exponential time (`([a-z ]*)*x`) and Swift's matcher has no
/// way to be stopped. On Ctrl-C this returns nil at once and leaves the thread to finish (or
/// to run until the program exits); the session is untouched either way.
func matchMarksInterruptibly(_ regex: Regex<AnyRegexOutput>, in scalars: [Unicode.Scalar],
                             shouldStop: () -> Bool) -> [Bool]? {
    final class Job: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>
        let scalars: [Unicode.Scalar]
        let lock = MutexBox()
        var result: [Bool]?
        init(_ regex: Regex<AnyRegexOutput>, _ scalars: [Unicode.Scalar]) { self.regex = regex; self.scalars = scalars }
    }
    let job = Job(regex, scalars)
    var thread = pthread_t()
    let context = Unmanaged.passRetained(job).toOpaque()
    let started = pthread_create(&thread, nil, { context in
        let job = Unmanaged<Job>.fromOpaque(context!).takeRetainedValue()
        blockHandledSignalsOnThisThread()
        let marks = matchMarks(job.regex, in: job.scalars)
        job.lock.locked { job.result = marks }
        return nil
    }, context)
    guard started == 0 else {
        // No thread to be had: match here (Ctrl-C is then heard only at the end).
        Unmanaged<Job>.fromOpaque(context).release()
        return matchMarks(regex, in: scalars)
    }
    pthread_detach(thread)
    var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
    while true {
        if let marks = job.lock.locked({ job.result }) { return marks }
        if shouldStop() { return nil }
        nanosleep(&pause, nil)
        pause.tv_nsec = min(20_000_000, pause.tv_nsec * 2)
    }
}

/// A pthread mutex as a class (the regex job's result crosses threads under it).
final class MutexBox: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    deinit { pthread_mutex_destroy(mutex); mutex.deallocate() }
    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}

/// For each character of `text`, whether it lies inside a match of `regex` (anchors ^ and $
/// match at line breaks too). Matches are searched for in order, without overlaps, on the text
/// as Unicode scalars; an empty match covers no character.
func matchMarks(_ regex: Regex<AnyRegexOutput>, in scalars: [Unicode.Scalar]) -> [Bool] {
    var text = ""
    text.unicodeScalars.append(contentsOf: scalars)
    var marks = [Bool](repeating: false, count: scalars.count)
    // Scalar offsets of match bounds, found by walking forward from the last bound.
    var cursor = text.startIndex, offset = 0
    func position(of index: String.Index) -> Int {
        offset += text.unicodeScalars.distance(from: cursor, to: index)
        cursor = index
        return offset
    }
    for match in text.matches(of: regex.anchorsMatchLineEndings()) {
        let lower = position(of: match.range.lowerBound), upper = position(of: match.range.upperBound)
        for i in lower ..< upper { marks[i] = true }
    }
    return marks
}
