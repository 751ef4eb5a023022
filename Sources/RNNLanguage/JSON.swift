/// A small, strict JSON reader and writer (RFC 8259) for checkpoints and safetensors headers.
///
/// Strict where a checkpoint needs it: a key that appears twice in an object is an error (two
/// readers could otherwise disagree on which one counts); integers are read exactly as 64-bit
/// integers; doubles are read by Swift's correctly rounding parser, so a value written in its
/// shortest round-trip form comes back bit for bit. Arrays of numbers are kept as `[Double]`,
/// so a matrix of a million entries costs 8 MB, not a million boxed values.
indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    /// A number as written (exact integers and correctly rounded doubles are read from it).
    case number(String)
    case string(String)
    /// An array of numbers only (the common case: rows of matrices, loss histories).
    case numbers([Double])
    case array([JSONValue])
    case object(JSONObject)

    /// The kind of value, for messages: "a string", "a list", …
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "true or false"
        case .number: "a number"
        case .string: "a string"
        case .numbers, .array: "a list"
        case .object: "an object"
        }
    }
}

/// An object's members in the order written; keys are unique.
struct JSONObject: Equatable {
    private(set) var keys: [String] = []
    private(set) var values: [String: JSONValue] = [:]

    subscript(key: String) -> JSONValue? { values[key] }

    /// Adds a member; false when the key is already there.
    mutating func insert(_ key: String, _ value: JSONValue) -> Bool {
        guard values[key] == nil else { return false }
        keys.append(key)
        values[key] = value
        return true
    }
}

/// What is wrong with a JSON text, and where (1-based line and column of the byte).
struct JSONError: Error, Equatable {
    var message: String
    var line: Int
    var column: Int

    var description: String { "\(message) at line \(line), column \(column)" }
}

/// Parses UTF-8 JSON text. `maximumDepth` bounds nesting (a hostile file cannot exhaust the stack).
struct JSONParser {
    private let bytes: [UInt8]
    private var start = 0
    private var index = 0
    private let maximumDepth: Int

    /// Parses `bytes` from `start` (past a byte-order mark, say: lines and columns count from
    /// there).
    static func parse(_ bytes: [UInt8], from start: Int = 0, maximumDepth: Int = 64) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
        parser.start = start
        parser.index = start
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the end of the JSON value") }
        return value
    }

    private init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    private func error(_ message: String) -> JSONError {
        var line = 1, column = 1
        for byte in bytes[start ..< min(index, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONError(message: message, line: line, column: column)
    }

    /// The character at `index` as a message shows it: 'x' when it is visible, U+FEFF (a
    /// byte-order mark) or U+0007 when not, "byte 0xFF" when the bytes are not UTF-8 (a byte
    /// is never shown as the Latin-1 character it would be, such as 'ï').
    private func characterHere() -> String {
        let lead = bytes[index]
        let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
        guard length > 0, index + length <= bytes.count,
              let scalar = String(validating: bytes[index ..< index + length], as: UTF8.self)?.unicodeScalars.first else {
            return "byte 0x" + String(lead, radix: 16, uppercase: true) + " (not UTF-8)"
        }
        if scalar == "\u{FEFF}" { return "U+FEFF (a byte-order mark)" }
        let category = scalar.properties.generalCategory
        if category == .control || category == .format || scalar.properties.isWhitespace {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        return "'\(scalar)'"
    }

    private var atEnd: Bool { index >= bytes.count }
    private var current: UInt8 { bytes[index] }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONError) {
        guard !atEnd else { throw error("the text ends where \(what) was expected (truncated?)") }
        guard current == byte else { throw error("expected \(what)") }
        index += 1
    }

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard !atEnd else { throw error("the text ends where a value was expected (truncated?)") }
        switch current {
        case UInt8(ascii: "{"):
            guard depth < maximumDepth else { throw error("nested more than \(maximumDepth) deep") }
            return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["):
            guard depth < maximumDepth else { throw error("nested more than \(maximumDepth) deep") }
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
            return .number(try parseNumberText())
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try parseLiteral("null")
            return .null
        default:
            throw error("unexpected character \(characterHere()) where a value was expected")
        }
    }

    private mutating func parseLiteral(_ word: String) throws(JSONError) {
        for byte in word.utf8 {
            guard !atEnd, current == byte else { throw error("expected '\(word)'") }
            index += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSONObject {
        index += 1  // {
        var object = JSONObject()
        skipWhitespace()
        if !atEnd && current == UInt8(ascii: "}") {
            index += 1
            return object
        }
        while true {
            skipWhitespace()
            guard !atEnd else { throw error("the text ends inside an object (truncated?)") }
            guard current == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
            let keyStart = index
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after a key")
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if !object.insert(key, value) {
                index = keyStart
                throw error("the key \"\(key)\" appears twice in the same object")
            }
            skipWhitespace()
            guard !atEnd else { throw error("the text ends inside an object (truncated?)") }
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' after a member of an object")
            return object
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        index += 1  // [
        var numbers: [Double] = []
        var values: [JSONValue]?
        skipWhitespace()
        if !atEnd && current == UInt8(ascii: "]") {
            index += 1
            return .numbers([])
        }
        while true {
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if values == nil, case .number(let text) = value {
                numbers.append(try double(text))
            } else {
                if values == nil { values = numbers.map { .number(numberText($0)) } }
                values!.append(value)
            }
            skipWhitespace()
            guard !atEnd else { throw error("the text ends inside a list (truncated?)") }
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']' after an element of a list")
            return values.map { .array($0) } ?? .numbers(numbers)
        }
    }

    private func double(_ text: String) throws(JSONError) -> Double {
        guard let value = Double(text) else { throw error("'\(text)' is not a number") }
        return value
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func parseNumberText() throws(JSONError) -> String {
        let start = index
        func digits() -> Int {
            let from = index
            while !atEnd && current >= UInt8(ascii: "0") && current <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        if current == UInt8(ascii: "-") { index += 1 }
        guard !atEnd else { throw error("the text ends inside a number (truncated?)") }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw error("a number needs digits")
        }
        if !atEnd && current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("a number needs digits after its decimal point") }
        }
        if !atEnd && (current == UInt8(ascii: "e") || current == UInt8(ascii: "E")) {
            index += 1
            if !atEnd && (current == UInt8(ascii: "+") || current == UInt8(ascii: "-")) { index += 1 }
            guard digits() > 0 else { throw error("a number needs digits in its exponent") }
        }
        return String(decoding: bytes[start ..< index], as: UTF8.self)
    }

    private mutating func parseString() throws(JSONError) -> String {
        index += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flush(_ end: Int) { scalars.append(contentsOf: String(decoding: bytes[runStart ..< end], as: UTF8.self).unicodeScalars) }
        while true {
            guard !atEnd else { throw error("the text ends inside a string (truncated?)") }
            let byte = current
            if byte == UInt8(ascii: "\"") {
                flush(index)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw error("a control character inside a string must be escaped") }
            if byte == UInt8(ascii: "\\") {
                flush(index)
                index += 1
                guard !atEnd else { throw error("the text ends inside a string (truncated?)") }
                let escape = current
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800 ..< 0xDC00).contains(code) {
                        // A surrogate pair: \uD83D\uDE00.
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("a lone surrogate \\u\(String(code, radix: 16)) is not a character")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00 ..< 0xE000).contains(low) else { throw error("a surrogate pair needs its second half") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("\\u\(String(code, radix: 16)) is not a character") }
                    scalars.append(scalar)
                default:
                    index -= 1
                    let shown = characterHere()
                    throw error("unknown escape " + (shown.hasPrefix("'") ? "'\\" + shown.dropFirst() : "\\ then " + shown) + " in a string")
                }
                runStart = index
                continue
            }
            index += 1
        }
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index ..< index + 4], as: UTF8.self), radix: 16),
              bytes[index ..< index + 4].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
        else { throw error("\\u needs four hex digits") }
        index += 4
        return value
    }
}
