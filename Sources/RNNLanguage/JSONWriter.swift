// Writing JSON: numbers in their shortest round-trip form, strings escaped, and a writer for
// readable, streamed checkpoints. (Reading is JSON.swift.)

/// A double in the shortest form that reads back to the same bits ("0.1", "1e-05", "5.0").
func numberText(_ x: Double) -> String { "\(x)" }

func numbersText(_ values: some Collection<Double>) -> String { "[" + values.map(numberText).joined(separator: ", ") + "]" }

/// `text` as a JSON string literal.
func quotedJSON(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

/// A small writer for readable JSON: nested objects indented, number arrays on one line.
/// A class, so that the closures that write nested values can write to the same text.
///
/// With `flush`, the text is handed over whenever it passes `flushSize` bytes at the end of a
/// matrix row, and starts again empty: a big checkpoint goes to its file as it is written,
/// never whole in memory. `flush` returns false to stop the writing (Ctrl-C, a failed write).
final class JSONWriter {
    private(set) var text = ""
    private var depth = 0
    private var first = [true]
    private let flush: ((String) -> Bool)?
    private let flushSize: Int
    /// A flush said stop: what is written after it is dropped.
    private(set) var stopped = false

    init(flushSize: Int = 1 << 20, flush: ((String) -> Bool)? = nil) {
        self.flush = flush
        self.flushSize = flushSize
    }

    /// Ends the text with `suffix` and hands over what is left.
    func finish(_ suffix: String) {
        text += suffix
        flushIfNeeded(force: true)
    }

    /// Hands the text over if it is long enough (or `force`), and starts it again.
    func flushIfNeeded(force: Bool = false) {
        guard let flush, !stopped, force || text.utf8.count >= flushSize else { return }
        if !flush(text) { stopped = true }
        text = ""
    }

    private var indent: String { String(repeating: "  ", count: depth) }

    private func separate() {
        if first[first.count - 1] {
            first[first.count - 1] = false
        } else {
            text += ","
        }
        text += "\n" + indent
    }

    func object(_ body: () -> Void) {
        text += "{"
        depth += 1
        first.append(true)
        body()
        let empty = first.removeLast()
        depth -= 1
        text += empty ? "}" : "\n" + indent + "}"
    }

    func array<T>(_ items: [T], _ body: (T) -> Void) {
        text += "["
        depth += 1
        first.append(true)
        for item in items {
            separate()
            body(item)
        }
        let empty = first.removeLast()
        depth -= 1
        text += empty ? "]" : "\n" + indent + "]"
    }

    func field(_ key: String, raw: String) {
        separate()
        text += quotedJSON(key) + ": " + raw
    }

    func field(_ key: String, string: String) {
        field(key, raw: quotedJSON(string))
    }

    func field(_ key: String, _ body: () -> Void) {
        separate()
        text += quotedJSON(key) + ": "
        body()
    }

    /// A matrix (rows × columns, row-major) as a list of rows, each on its own line.
    func matrix(_ values: ArraySlice<Double>, columns: Int) {
        let starts = columns == 0 ? [] : Array(stride(from: values.startIndex, to: values.endIndex, by: columns))
        array(starts) { start in
            text += numbersText(values[start ..< start + columns])
            flushIfNeeded()
        }
    }
}
