import RNNCore

/// The safetensors container (Hugging Face's format for weights), written and read by hand:
///
///     bytes 0 ..< 8        N, the header's length: an unsigned 64-bit little-endian integer
///     bytes 8 ..< 8 + N    the header: a UTF-8 JSON object (padded with spaces to a multiple of 8)
///                            "__metadata__": {"key": "value", …}          strings only (optional)
///                            "NAME": {"dtype": "F64", "shape": [r, c], "data_offsets": [begin, end]}
///     bytes 8 + N …        the data: every tensor's values, row-major, little-endian, tensor
///                          after tensor with no gap; offsets count from the data's first byte
///
/// A tensor of `dtype` with `shape` [d₀, d₁, …] takes d₀·d₁·…·size(dtype) bytes (a scalar,
/// shape [], one value). Nothing in the file is code: reading it cannot run anything.
/// `SafetensorsHeader.parse` checks every claim of the header against the file's size before
/// a byte of data is read; `SafetensorsWriter` (SafetensorsWriter.swift) writes the format.
enum SafetensorsDType: String, CaseIterable, Sendable {
    case f64 = "F64"
    case f32 = "F32"
    case i64 = "I64"

    /// Bytes per value.
    var size: Int {
        switch self {
        case .f64, .i64: 8
        case .f32: 4
        }
    }
}

/// One tensor as the header describes it.
struct SafetensorsEntry: Equatable, Sendable {
    var name: String
    var dtype: SafetensorsDType
    var shape: [Int]
    /// Where its bytes are, counted from the start of the data.
    var begin: Int
    var end: Int

    /// The number of values: the product of the shape.
    var count: Int { shape.reduce(1, *) }

    /// The shape as the file writes it, "[2, 3, 10]".
    var shapeText: String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}

/// A checked safetensors header: its tensors in the order of their data, its metadata.
struct SafetensorsHeader: Equatable, Sendable {
    /// The largest header read: the safetensors library's own limit (100 MB), far beyond what
    /// names and shapes need, and a bound on the memory a hostile length can ask for.
    static let largestHeader = 100_000_000

    /// In data order (the first tensor's bytes first).
    var entries: [SafetensorsEntry]
    var metadata: [String: String]
    /// Where the data starts in the file: 8 + the header's length.
    var dataStart: Int

    func entry(named name: String) -> SafetensorsEntry? { entries.first { $0.name == name } }

    /// The header's length from a file's first 8 bytes (nil for fewer bytes).
    static func headerLength(_ prefix: some Collection<UInt8>) -> UInt64? {
        guard prefix.count >= 8 else { return nil }
        return prefix.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// Reads and checks the header of `file`: its length against the file's size and the limit
    /// before the header is read, then every tensor's dtype, shape and offsets against the data
    /// that follows. Nothing of the data is read.
    static func read(from file: RandomAccessFile) throws(CheckpointReadError) -> SafetensorsHeader {
        let start: [UInt8]
        do {
            start = try file.bytes(at: 0, count: min(8, file.size))
        } catch {
            throw .unreadable(error)
        }
        guard let length = headerLength(start) else { throw .invalid(.safetensorsTooShort(fileBytes: file.size)) }
        guard length <= UInt64(largestHeader) else {
            throw .invalid(.safetensorsHeaderTooLarge(headerBytes: length, limit: largestHeader))
        }
        guard Int(length) <= file.size - 8 else {
            throw .invalid(.safetensorsHeaderBeyondFile(headerBytes: Int(length), fileBytes: file.size))
        }
        let header: [UInt8]
        do {
            header = try file.bytes(at: 8, count: Int(length))
        } catch {
            throw .unreadable(error)
        }
        do {
            return try parse(header, dataBytes: file.size - 8 - Int(length))
        } catch {
            throw .invalid(error)
        }
    }

    /// Checks a header's JSON text against the `dataBytes` that follow it: an object whose
    /// members are "__metadata__" (strings to strings) and tensors, each with exactly a known
    /// dtype, a shape of whole numbers and data_offsets [begin, end] that hold its values; the
    /// tensors, in the order of their offsets, must cover the data exactly, each starting where
    /// the one before ends.
    static func parse(_ header: [UInt8], dataBytes: Int) throws(CheckpointProblem) -> SafetensorsHeader {
        let document: JSONValue
        do {
            document = try JSONParser.parse(header)
        } catch {
            throw .safetensorsHeaderNotJSON(detail: error.description)
        }
        guard case .object(let object) = document else { throw .safetensorsHeaderNotJSON(detail: "it is \(document.kind), not an object") }
        var metadata: [String: String] = [:]
        var entries: [SafetensorsEntry] = []
        for name in object.keys {
            let value = object[name]!
            if name == "__metadata__" {
                guard case .object(let members) = value else {
                    throw .safetensorsBadMetadata(key: nil, detail: "it is \(value.kind), not an object of strings")
                }
                for key in members.keys {
                    guard case .string(let text) = members[key]! else {
                        throw .safetensorsBadMetadata(key: key, detail: "its value is \(members[key]!.kind), but metadata values are strings")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try entry(name, value))
        }
        // In data order: each tensor starts where the one before it ends, from 0 to the end.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for (index, entry) in entries.enumerated() {
            guard entry.end <= dataBytes else {
                throw .safetensorsOffsets(name: entry.name, detail: "its data_offsets [\(entry.begin), \(entry.end)] reach beyond the "
                    + "\(dataBytes) bytes of data in the file (truncated?)")
            }
            guard entry.begin == position else {
                let previous = index == 0 ? "the data starts at 0" : "'\(entries[index - 1].name)' ends at \(position)"
                throw .safetensorsOffsets(name: entry.name, detail: "its data starts at \(entry.begin), but \(previous): "
                    + (entry.begin < position ? "the two overlap" : "there is a gap between them"))
            }
            position = entry.end
        }
        guard position == dataBytes else {
            throw .safetensorsOffsets(name: nil, detail: "the tensors end at byte \(position) of the data, but the file holds "
                + "\(dataBytes) bytes of data after its header: \(dataBytes - position) bytes belong to no tensor")
        }
        return SafetensorsHeader(entries: entries, metadata: metadata, dataStart: 8 + header.count)
    }

    /// One tensor's entry, checked on its own: exactly the three fields, a dtype rnnrepl reads,
    /// a shape of whole numbers, offsets that hold shape × dtype size bytes.
    private static func entry(_ name: String, _ value: JSONValue) throws(CheckpointProblem) -> SafetensorsEntry {
        func wrong(_ detail: String) -> CheckpointProblem { .safetensorsBadEntry(name: name, detail: detail) }
        guard case .object(let fields) = value else { throw wrong("it is \(value.kind), not an object with dtype, shape and data_offsets") }
        if let extra = fields.keys.first(where: { !["dtype", "shape", "data_offsets"].contains($0) }) {
            throw wrong("it has a field '\(extra)'; a tensor has only dtype, shape and data_offsets")
        }
        guard case .string(let dtypeText)? = fields["dtype"] else { throw wrong("its dtype is missing or not a string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeText) else {
            throw wrong("its dtype is \(dtypeText); rnnrepl reads " + SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        /// Whole numbers from 0 to 2⁵³ (beyond, doubles skip integers; the file limit is far below).
        func wholeNumbers(_ key: String) throws(CheckpointProblem) -> [Int] {
            guard case .numbers(let values)? = fields[key] else { throw wrong("its \(key) is missing or not a list of whole numbers") }
            guard values.allSatisfy({ $0 >= 0 && $0 <= 0x1p53 && $0 == $0.rounded() }) else {
                throw wrong("its \(key) \(numbersText(values)) holds a value that is not a whole number from 0 to 2^53")
            }
            return values.map { Int($0) }
        }
        let shape = try wholeNumbers("shape")
        let offsets = try wholeNumbers("data_offsets")
        guard offsets.count == 2, offsets[0] <= offsets[1] else {
            throw wrong("its data_offsets \(offsets) are not [begin, end] with begin <= end")
        }
        // The size of the shape, without overflow (a hostile shape can multiply past Int.max).
        var bytes = dtype.size
        for dimension in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow && product <= 1 << 53 else { throw wrong("its shape \(shape) is too large for any file") }
            bytes = product
        }
        guard offsets[1] - offsets[0] == bytes else {
            throw wrong("its shape \(shape) of \(dtype.rawValue) takes \(bytes) bytes, but its data_offsets \(offsets) hold "
                + "\(offsets[1] - offsets[0])")
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }
}

/// Why a checkpoint could not be read: the file could not be read, or what it holds is wrong.
enum CheckpointReadError: Error {
    case unreadable(ReadFailure)
    case invalid(CheckpointProblem)
}

// MARK: - Values

/// The values of tensors, read straight from the file into the arrays that keep them (a
/// little-endian machine copies the bytes as they are).
extension RandomAccessFile {
    /// An F64 tensor's values; an F32 tensor's, widened exactly. (The caller has checked the dtype.)
    func doubles(_ entry: SafetensorsEntry, dataStart: Int) throws(ReadFailure) -> [Double] {
        let count = entry.count
        var problem: ReadFailure?
        let values: [Double]
        switch entry.dtype {
        case .f64:
            values = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                do throws(ReadFailure) {
                    try read(at: dataStart + entry.begin, into: UnsafeMutableRawBufferPointer(buffer))
                    #if _endian(big)
                    for i in 0 ..< count { buffer[i] = Double(bitPattern: UInt64(littleEndian: buffer[i].bitPattern)) }
                    #endif
                } catch {
                    problem = error
                }
                initialized = count
            }
        case .f32:
            var singles = [Float](repeating: 0, count: count)
            singles.withUnsafeMutableBytes { buffer in
                do throws(ReadFailure) {
                    try read(at: dataStart + entry.begin, into: buffer)
                } catch {
                    problem = error
                }
            }
            values = singles.map { Double(Float(bitPattern: UInt32(littleEndian: $0.bitPattern))) }
        case .i64:
            preconditionFailure("an I64 tensor is read with integers(_:dataStart:)")
        }
        if let problem { throw problem }
        return values
    }

    /// An I64 tensor's values.
    func integers(_ entry: SafetensorsEntry, dataStart: Int) throws(ReadFailure) -> [Int] {
        var values = [Int64](repeating: 0, count: entry.count)
        var problem: ReadFailure?
        values.withUnsafeMutableBytes { buffer in
            do throws(ReadFailure) {
                try read(at: dataStart + entry.begin, into: buffer)
            } catch {
                problem = error
            }
        }
        if let problem { throw problem }
        return values.map { Int(Int64(littleEndian: $0)) }
    }
}
