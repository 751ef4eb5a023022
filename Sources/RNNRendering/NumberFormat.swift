#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deterministic number formatting (C's correctly rounded printf), with −0 shown as 0.
public enum NumberFormat {
    /// `x` with exactly `decimals` digits after the point: fixed(3.14159, 2) = "3.14". Magnitudes
    /// of 1e15 and more (a diverged model) are written in scientific notation instead of as
    /// hundreds of digits.
    public static func fixed(_ x: Double, decimals: Int) -> String {
        if abs(x) >= 1e15 && x.isFinite { return scientific(x, digits: max(decimals, 2)) }
        return special(x) ?? printf("%.*f", x, decimals)
    }

    /// `x` in scientific notation with `digits` after the point: scientific(12345, 2) = "1.23e+04".
    public static func scientific(_ x: Double, digits: Int) -> String {
        special(x) ?? printf("%.*e", x, digits)
    }

    /// The shortest of fixed/scientific with `significant` digits (C's %g), e.g. 0.001 or 1.5e-07.
    public static func general(_ x: Double, significant: Int = 6) -> String {
        special(x) ?? printf("%.*g", x, significant)
    }

    /// An integer with thousands separators: 1234567 → "1,234,567".
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var result = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return n < 0 ? "-" + result : result
    }

    /// A duration for humans: 0.42 s, 12.3 s, 4 min 05 s, 1 h 02 min.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite && seconds >= 0 else { return "?" }
        guard seconds < 1e12 else { return NumberFormat.general(seconds / 3600, significant: 3) + " h" }
        if seconds < 10 { return fixed(seconds, decimals: 2) + " s" }
        if seconds < 60 { return fixed(seconds, decimals: 1) + " s" }
        let total = Int(seconds.rounded())
        if total < 3600 { return "\(total / 60) min " + twoDigits(total % 60) + " s" }
        return "\(total / 3600) h " + twoDigits(total / 60 % 60) + " min"
    }

    /// A rate with a sensible number of digits: 12.3, 1,234, 56.7k, 1.23M.
    public static func rate(_ value: Double) -> String {
        guard value.isFinite else { return "?" }
        if value < 100 { return fixed(value, decimals: 1) }
        if value < 100_000 { return grouped(Int(value.rounded())) }
        if value < 100_000_000 { return fixed(value / 1000, decimals: 1) + "k" }
        return fixed(value / 1_000_000, decimals: 1) + "M"
    }

    private static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    private static func special(_ x: Double) -> String? {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return nil
    }

    private static func printf(_ format: String, _ x: Double, _ precision: Int) -> String {
        let value = x == 0 ? 0 : x  // −0 prints as 0
        var buffer = [CChar](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBufferPointer { pointer in
            withVaList([Int32(precision), value]) { vsnprintf(pointer.baseAddress!, 64, format, $0) }
        }
        if count >= 64 {  // only for huge fixed-point numbers: retry with room
            buffer = [CChar](repeating: 0, count: Int(count) + 1)
            _ = buffer.withUnsafeMutableBufferPointer { pointer in
                withVaList([Int32(precision), value]) { vsnprintf(pointer.baseAddress!, Int(count) + 1, format, $0) }
            }
        }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // A value that rounds to zero would print as "-0.00": drop the sign.
        if text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
            return String(text.dropFirst())
        }
        return text
    }
}

/// How a block of numbers is written: all fixed with d decimals, or all scientific.
public struct ValueFormat: Equatable, Sendable {
    public var decimals: Int
    public var scientific: Bool

    public init(decimals: Int, scientific: Bool) {
        self.decimals = decimals
        self.scientific = scientific
    }

    /// NumPy's rule, simplified: scientific when the largest magnitude is ≥ 1e5, or when every
    /// nonzero value would print as zero at this precision.
    public static func choose(for values: some Sequence<Double>, precision: Int) -> ValueFormat {
        var largest = 0.0
        for value in values where value.isFinite { largest = max(largest, abs(value)) }
        let tiny = largest > 0 && largest < 0.5 * power10(-precision)
        return ValueFormat(decimals: precision, scientific: largest >= 1e5 || tiny)
    }

    public func format(_ x: Double) -> String {
        scientific ? NumberFormat.scientific(x, digits: max(decimals - 1, 1)) : NumberFormat.fixed(x, decimals: decimals)
    }
}

func power10(_ n: Int) -> Double {
    var result = 1.0
    for _ in 0 ..< abs(n) { result *= 10 }
    return n < 0 ? 1 / result : result
}

/// Pads `text` on the left (right-aligns) to `width` characters.
public func leftPad(_ text: String, _ width: Int) -> String {
    let count = text.count
    return count >= width ? text : String(repeating: " ", count: width - count) + text
}

/// Pads `text` on the right (left-aligns) to `width` characters.
public func rightPad(_ text: String, _ width: Int) -> String {
    let count = text.count
    return count >= width ? text : text + String(repeating: " ", count: width - count)
}
