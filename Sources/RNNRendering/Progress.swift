/// Where a long run stands.
public struct ProgressState: Equatable, Sendable {
    public var done: Int
    public var total: Int
    /// Seconds since the run started.
    public var elapsed: Double
    /// The last step's loss and the smooth loss, per character.
    public var loss: Double?
    public var smoothLoss: Double?
    /// A run bounded by time (`train 10m`): the seconds it may take; `total` is then unknown.
    public var duration: Double?
    /// The last validation loss per character, when training evaluates.
    public var validationLoss: Double?

    public init(done: Int, total: Int, elapsed: Double, loss: Double? = nil, smoothLoss: Double? = nil,
                duration: Double? = nil, validationLoss: Double? = nil) {
        self.done = done
        self.total = total
        self.elapsed = elapsed
        self.loss = loss
        self.smoothLoss = smoothLoss
        self.duration = duration
        self.validationLoss = validationLoss
    }

    /// Steps per second so far.
    public var rate: Double { elapsed > 0 ? Double(done) / elapsed : 0 }
    /// The fraction done: of the steps, or of the time.
    public var fraction: Double {
        if let duration { return duration > 0 ? min(1, elapsed / duration) : 1 }
        return total > 0 ? min(1, Double(done) / Double(total)) : 1
    }
    /// Seconds left at the current rate (or of the time given).
    public var remaining: Double {
        if let duration { return max(0, duration - elapsed) }
        return rate > 0 ? Double(total - done) / rate : .nan
    }
}

/// A tqdm-style progress line for a terminal `width` columns wide, redrawn in place, so it
/// must never wrap:
///
///      42%|████▎     | 420/1000 [00:03<00:04, 131.2 steps/s, loss 1.513/char, smooth 1.744/char]
///
/// The line takes at most `width − 3` columns: the last column is left free (a line that
/// fills it wraps on some terminals), and two more for the "^C" a terminal echoes when Ctrl-C
/// stops the run. When the line is too long, the bar shrinks (to 10 cells), then the least
/// important fields go: the smooth loss, the validation loss, the loss, the speed, the times;
/// the percentage and the count stay. Training by the clock shows the time's fraction and the
/// steps so far. The times are elapsed<remaining as tqdm writes them; a remainder beyond 99
/// hours reads "00:05, >99h left".
public func formatProgress(_ state: ProgressState, width terminalWidth: Int = 100, style: TextStyle = .plain) -> String {
    let width = terminalWidth - progressMargin
    let fraction = state.fraction
    let percent = leftPad("\(Int((fraction * 100).rounded(.down)))%", 4)
    let count = state.duration == nil ? "\(state.done)/\(state.total)" : "\(state.done) steps"
    // Fields after the count, most important first.
    let times = state.remaining >= maximumClockSeconds
        ? clock(state.elapsed) + ", " + clock(state.remaining) + " left"
        : clock(state.elapsed) + "<" + clock(state.remaining)
    var fields = [times, NumberFormat.rate(state.rate) + " steps/s"]
    if let loss = state.loss { fields.append("loss " + NumberFormat.fixed(loss, decimals: 3) + "/char") }
    if let validation = state.validationLoss { fields.append("val " + NumberFormat.fixed(validation, decimals: 3) + "/char") }
    if let smooth = state.smoothLoss { fields.append("smooth " + NumberFormat.fixed(smooth, decimals: 3) + "/char") }

    func line(bar cells: Int, fields: [String]) -> String {
        var text = percent + "|" + drawBar(fraction, width: cells) + "| " + count
        if !fields.isEmpty { text += " [" + fields.joined(separator: ", ") + "]" }
        return text
    }
    func drawBar(_ fraction: Double, width: Int) -> String {
        var bar: String
        if style.unicode {
            let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
            let units = Int((fraction * Double(width * 8)).rounded(.down))
            bar = String(repeating: "█", count: units / 8)
            if units % 8 > 0 && bar.count < width { bar.append(eighths[units % 8 - 1]) }
        } else {
            bar = String(repeating: "#", count: Int((fraction * Double(width)).rounded(.down)))
        }
        return rightPad(bar, width)
    }
    var kept = fields
    while true {
        let fixed = line(bar: 0, fields: kept).count
        let room = width - fixed
        if room >= 10 || kept.isEmpty {
            let text = line(bar: max(1, min(24, room)), fields: kept)
            return text.count <= width ? text : String(text.prefix(max(1, width)))
        }
        kept.removeLast()
    }
}

/// Columns a progress line leaves free at the end of the terminal's line: the last one, and
/// two for an echoed "^C".
public let progressMargin = 3

/// Times from here on are written ">99h".
let maximumClockSeconds = 99.0 * 3600

/// mm:ss (or h:mm:ss), as tqdm writes times; "?" when unknown, ">99h" beyond 99 hours (a
/// huge step count at a slow rate must not overflow an integer).
func clock(_ seconds: Double) -> String {
    guard seconds.isFinite && seconds >= 0 else { return "?" }
    guard seconds < maximumClockSeconds else { return ">99h" }
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
    let mmss = (minutes < 10 ? "0" : "") + "\(minutes):" + (secs < 10 ? "0" : "") + "\(secs)"
    return hours > 0 ? "\(hours):" + mmss : mmss
}
