/// Where a long run stands.
public struct ProgressState: Equatable, Sendable {
    public var done: Int
    public var total: Int
    /// Seconds since the run started.
    public var elapsed: Double
    public var loss: Double?
    public var smoothLoss: Double?

    public init(done: Int, total: Int, elapsed: Double, loss: Double? = nil, smoothLoss: Double? = nil) {
        self.done = done
        self.total = total
        self.elapsed = elapsed
        self.loss = loss
        self.smoothLoss = smoothLoss
    }

    /// Steps per second so far.
    public var rate: Double { elapsed > 0 ? Double(done) / elapsed : 0 }
    /// Seconds left at the current rate.
    public var remaining: Double { rate > 0 ? Double(total - done) / rate : .nan }
}

/// A tqdm-style progress line (to be redrawn in place on a terminal):
///
///      42%|████▎     | 420/1000 [00:03<00:04, 131.2 steps/s, loss 45.21, smooth 52.33]
public func formatProgress(_ state: ProgressState, barWidth: Int = 24, style: TextStyle = .plain) -> String {
    let fraction = state.total > 0 ? min(1, Double(state.done) / Double(state.total)) : 1
    let percent = Int((fraction * 100).rounded(.down))
    var bar: String
    if style.unicode {
        let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let units = Int((fraction * Double(barWidth * 8)).rounded(.down))
        bar = String(repeating: "█", count: units / 8)
        if units % 8 > 0 && bar.count < barWidth { bar.append(eighths[units % 8 - 1]) }
    } else {
        bar = String(repeating: "#", count: Int((fraction * Double(barWidth)).rounded(.down)))
    }
    bar = rightPad(bar, barWidth)
    var text = leftPad("\(percent)%", 4) + "|" + bar + "| \(state.done)/\(state.total) ["
    text += clock(state.elapsed) + "<" + clock(state.remaining) + ", " + NumberFormat.rate(state.rate) + " steps/s"
    if let loss = state.loss { text += ", loss " + NumberFormat.fixed(loss, decimals: 2) }
    if let smooth = state.smoothLoss { text += ", smooth " + NumberFormat.fixed(smooth, decimals: 2) }
    return text + "]"
}

/// mm:ss (or h:mm:ss), as tqdm writes times; "?" when unknown.
func clock(_ seconds: Double) -> String {
    guard seconds.isFinite && seconds >= 0 else { return "?" }
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
    let mmss = (minutes < 10 ? "0" : "") + "\(minutes):" + (secs < 10 ? "0" : "") + "\(secs)"
    return hours > 0 ? "\(hours):" + mmss : mmss
}
