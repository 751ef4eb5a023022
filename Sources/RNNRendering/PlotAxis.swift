#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The y axis of a plot: the values at its bottom and top rows, and its ticks.
///
/// Ticks are `step` apart and `rowsPerStep` rows apart, so their labels sit on evenly spaced
/// rows: the axis is scaled to exactly `rowsPerStep` rows per step, and any tick's row is an
/// integer number of steps from any other's.
struct YAxis: Equatable {
    var low: Double
    var high: Double
    /// Tick values from the bottom up (in plot coordinates: log₁₀ y on a log scale).
    var ticks: [Double]
    var step: Double
    var rowsPerStep: Int

    /// The row (0 at the top) of a value on an axis `rows` tall.
    func row(of value: Double, rows: Int) -> Int {
        Int((fraction(value, from: high, to: low) * Double(rows - 1)).rounded())
    }
}

/// Lays out a y axis `rows` tall for data from `dataLow` to `dataHigh`.
///
/// Candidates are a step s (1, 2 or 5 times a power of ten; whole numbers only with
/// `wholeSteps`, as for decades on a log axis) and m rows per step, which make the axis
/// s·(rows − 1)/m tall. It starts on the row (a multiple of s/m) below the data, or ends
/// exactly at `lowEnd`/`highEnd` (explicit limits). The chosen one covers the data and fills
/// the most of the height, with about (rows − 1)/2 + 1 ticks (one a row up to 5 rows; at most
/// 8, at least 3 from 6 rows up), preferably from a tick up: a 14-row plot of 0.8…5.5 gets a
/// label every other row:
///
///     6 +              rows 1, 3, 5, …: ticks 1 apart, 2 rows each
///       |
///     5 +
///
/// With both ends given, the ends are exact and the ticks are the round values between them
/// (they may then fall a row off even spacing). Any finite data works: candidates whose
/// arithmetic would overflow are skipped, and when none is left the two ends of the data are
/// the ticks.
func evenYAxis(low dataLow: Double, high dataHigh: Double, rows: Int, lowEnd: Double? = nil, highEnd: Double? = nil,
               wholeSteps: Bool = false) -> YAxis {
    var dataLow = dataLow, dataHigh = dataHigh
    if dataLow == dataHigh {
        // One value: a little room on either side (within the finite numbers).
        let pad = dataLow == 0 ? 1 : abs(dataLow) * 0.1
        if (dataLow - pad).isFinite && dataLow - pad < dataLow { dataLow -= pad }
        if (dataHigh + pad).isFinite && dataHigh + pad > dataHigh { dataHigh += pad }
    }
    if let lowEnd, let highEnd {
        return fixedYAxis(low: lowEnd, high: highEnd, rows: rows, wholeSteps: wholeSteps)
    }
    let intervals = max(rows - 1, 1)
    // A label every other row (every row on a plot of 5 rows or fewer), 8 at most.
    let target = Double(rows <= 5 ? rows : min(8, intervals / 2 + 1))
    let halfRange = dataHigh / 2 - dataLow / 2
    var best: (score: Double, axis: YAxis)?
    for m in 1 ... intervals {
        let stepsTall = Double(intervals) / Double(m)
        // The smallest step that could cover the data in this many steps, and the next ones
        // (the start at a multiple of the step can need a larger one).
        let rough = 2 * halfRange / stepsTall
        guard rough.isNormal else { continue }
        for step in niceSteps(atLeast: rough, count: 3, wholeSteps: wholeSteps) {
            let halfSpan = step / 2 * stepsTall
            var low: Double, high: Double
            if let lowEnd {
                low = lowEnd
                high = 2 * (low / 2 + halfSpan)
            } else if let highEnd {
                high = highEnd
                low = 2 * (high / 2 - halfSpan)
            } else {
                // The row below the data: a whole number of rows from every tick.
                let rowValue = step / Double(m)
                low = floor(dataLow / rowValue + 1e-9) * rowValue
                high = 2 * (low / 2 + halfSpan)
            }
            guard low.isFinite && high.isFinite && halfSpan.isNormal,
                  low <= dataLow + abs(step) * 1e-9, high >= dataHigh - abs(step) * 1e-9 else { continue }
            let ticks = multiples(of: step, from: low, to: high)
            guard ticks.count >= min(3, max(1, rows / 2)) else { continue }
            // Fill the height, with about the target number of ticks, preferably from a tick up.
            let fill = halfRange / halfSpan
            let score = fill - 0.06 * abs(Double(ticks.count) - target) + (ticks.first == low ? 0.03 : 0)
            if best.map({ score > $0.score + 1e-12 }) ?? true {
                best = (score, YAxis(low: low, high: high, ticks: ticks, step: step, rowsPerStep: m))
            }
        }
    }
    if let best { return best.axis }
    // Nothing round fits (two subnormal numbers, the ends of the doubles): the data's ends.
    let low = lowEnd ?? dataLow, high = highEnd ?? dataHigh
    return YAxis(low: low, high: high, ticks: low < high ? [low, high] : [low], step: max(high / 2 - low / 2, 0) * 2,
                 rowsPerStep: intervals)
}

/// An axis with both ends given: round ticks between them.
private func fixedYAxis(low: Double, high: Double, rows: Int, wholeSteps: Bool) -> YAxis {
    let count = min(8, max(2, (rows - 1) / 2 + 1))
    var ticks = niceTicks(low, high, count: count).filter { $0 >= low - abs(low) * 1e-12 && $0 <= high + abs(high) * 1e-12 }
    if wholeSteps { ticks = ticks.filter { $0 == $0.rounded() } }
    if ticks.isEmpty { ticks = [low, high] }
    let step = ticks.count > 1 ? ticks[1] / 2 - ticks[0] / 2 : 0.5
    return YAxis(low: low, high: high, ticks: ticks, step: 2 * step, rowsPerStep: 0)
}

/// Steps of 1, 2 and 5 times a power of ten, the first `count` of them ≥ `value` (whole numbers
/// only with `wholeSteps`); finite ones only.
func niceSteps(atLeast value: Double, count: Int, wholeSteps: Bool = false) -> [Double] {
    guard value.isFinite && value > 0 else { return [] }
    var exponent = floor(log10(value))
    var steps: [Double] = []
    while steps.count < count {
        let magnitude = pow(10, exponent)
        guard magnitude.isFinite else { break }
        for mantissa in [1.0, 2, 5] {
            let step = mantissa * magnitude
            if step.isFinite && step >= value * (1 - 1e-12) && steps.count < count && (!wholeSteps || step >= 1) {
                steps.append(step)
            }
        }
        exponent += 1
    }
    return steps
}

/// The multiples of `step` from `low` to `high`, ascending (at most 1000).
func multiples(of step: Double, from low: Double, to high: Double) -> [Double] {
    let first = ceil(low / step - 1e-9)
    var ticks: [Double] = []
    var k = first
    while ticks.count < 1000 {
        let tick = k * step
        guard tick.isFinite, tick <= high + abs(step) * 1e-9 else { break }
        ticks.append(abs(tick) < abs(step) * 1e-9 ? 0 : tick)
        k += 1
    }
    return ticks
}

/// Where `value` lies on the way from `start` to `end`, from 0 to 1 (clamped), computed on
/// halves so that even −1.8e308…1.8e308 does not overflow; 0 when the two are equal.
func fraction(_ value: Double, from start: Double, to end: Double) -> Double {
    let span = end / 2 - start / 2
    guard span != 0 else { return 0 }
    let result = (value / 2 - start / 2) / span
    return result.isFinite ? min(1, max(0, result)) : 0
}

/// A tick's label with just enough decimals for ticks `step` apart (0.2 → "0.4", 5 → "15").
func tickLabel(_ value: Double, step: Double) -> String {
    let magnitude = abs(value)
    if magnitude >= 1e6 || (magnitude > 0 && magnitude < 1e-4) { return NumberFormat.general(value, significant: 4) }
    let decimals = step >= 1 || step <= 0 ? 0 : min(10, Int((-log10(step)).rounded(.up)))
    return NumberFormat.fixed(value, decimals: decimals)
}

/// The label of 10^exponent on a log axis: "0.001" to "1e+05" as C's %g writes them, from the
/// exponent's digits, so that 10^309 and 10^−324 (beyond the doubles) read "1e+309" and
/// "1e-324", never "inf" or "0". Fractional exponents (ticks inside a decade) are shown by
/// their value.
func logTickLabel(_ exponent: Double) -> String {
    guard exponent == exponent.rounded(), abs(exponent) < 1e6 else {
        return NumberFormat.general(pow(10, exponent), significant: 4)
    }
    let k = Int(exponent)
    if (-4 ... 5).contains(k) { return NumberFormat.general(pow(10, exponent), significant: 4) }
    return "1e" + (k < 0 ? "-" : "+") + (abs(k) < 10 ? "0" : "") + String(abs(k))
}

/// About `count` round tick values (1, 2 or 5 times a power of ten) covering [low, high].
///
/// Any finite bounds work: the steps are computed from halves so that the range never
/// overflows, ticks stay finite, and a range too narrow for distinct ticks (two subnormal
/// numbers, say) gives its two ends.
public func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    var low = low, high = high
    if low == high {
        let pad = low == 0 ? 1 : abs(low) * 0.1
        low -= pad
        high += pad
    }
    // The step nearest (in ratio) to range/(count−1) among 1, 2, 5 and 10 times a power of ten.
    let rough = (high / 2 - low / 2) / Double(max(count - 1, 1)) * 2
    guard rough.isNormal, rough > 0 else { return low < high ? [low, high] : [low] }
    let magnitude = pow(10, floor(log10(rough)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.filter(\.isFinite).min { abs(log($0 / rough)) < abs(log($1 / rough)) }!
    let first = floor(low / step + 1e-9) * step
    var ticks: [Double] = []
    var tick = first
    while (tick < high + step * 1e-9 || ticks.count < 2) && tick.isFinite && ticks.count < 1000 {
        ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
        tick = first + Double(ticks.count) * step
    }
    if let last = ticks.last, last < high - step * 1e-9 {
        ticks.append(tick.isFinite ? tick : high)
    }
    guard ticks.count >= 2 else {
        return low < high ? [low, high] : [low]
    }
    return ticks
}
