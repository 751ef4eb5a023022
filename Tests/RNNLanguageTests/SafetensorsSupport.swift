import Foundation
@testable import RNNCore
@testable import RNNLanguage

/// A safetensors file taken apart with Foundation alone (not with the code under test), to
/// read what rnnrepl wrote and to make files that it must refuse.
struct SafetensorsParts {
    /// The header as JSONSerialization reads it: "__metadata__" and one object per tensor.
    var header: [String: Any]
    /// The bytes after the header.
    var data: [UInt8]

    init(_ bytes: [UInt8]) throws {
        let length = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        header = try JSONSerialization.jsonObject(with: Data(bytes[8 ..< 8 + length])) as! [String: Any]
        data = Array(bytes[(8 + length)...])
    }

    init(path: String) throws { try self.init(Array(try Data(contentsOf: URL(fileURLWithPath: path)))) }

    var metadata: [String: String] {
        get { header["__metadata__"] as? [String: String] ?? [:] }
        set { header["__metadata__"] = newValue }
    }

    /// Tensor names in the order of their data.
    var names: [String] { header.keys.filter { $0 != "__metadata__" }.sorted { offsets($0).begin < offsets($1).begin } }

    func entry(_ name: String) -> [String: Any] { header[name] as! [String: Any] }
    func offsets(_ name: String) -> (begin: Int, end: Int) {
        let pair = entry(name)["data_offsets"] as! [Int]
        return (pair[0], pair[1])
    }
    func shape(_ name: String) -> [Int] { entry(name)["shape"] as! [Int] }
    func dtype(_ name: String) -> String { entry(name)["dtype"] as! String }

    /// A tensor's values as doubles (F64, F32 or I64, little-endian).
    func values(_ name: String) -> [Double] {
        let (begin, end) = offsets(name)
        let bytes = Array(data[begin ..< end])
        switch dtype(name) {
        case "F64": return stride(from: 0, to: bytes.count, by: 8).map { Double(bitPattern: word(bytes, $0, 8)) }
        case "F32": return stride(from: 0, to: bytes.count, by: 4).map { Double(Float(bitPattern: UInt32(word(bytes, $0, 4)))) }
        case "I64": return stride(from: 0, to: bytes.count, by: 8).map { Double(Int64(bitPattern: word(bytes, $0, 8))) }
        default: fatalError("dtype \(dtype(name))")
        }
    }

    private func word(_ bytes: [UInt8], _ start: Int, _ count: Int) -> UInt64 {
        bytes[start ..< start + count].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func setField(_ name: String, _ key: String, _ value: Any) {
        var fields = entry(name)
        fields[key] = value
        header[name] = fields
    }

    /// Overwrites value `index` of an F64 tensor.
    mutating func setValue(_ name: String, _ index: Int, _ value: Double) {
        let start = offsets(name).begin + 8 * index
        for i in 0 ..< 8 { data[start + i] = UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt64(i))) }
    }

    /// Removes a tensor and its bytes; the tensors after it move up.
    mutating func remove(_ name: String) {
        let (begin, end) = offsets(name)
        data.removeSubrange(begin ..< end)
        header[name] = nil
        for other in names where offsets(other).begin >= end {
            let (b, e) = offsets(other)
            setField(other, "data_offsets", [b - (end - begin), e - (end - begin)])
        }
    }

    /// Adds an F64 tensor at the end of the data.
    mutating func append(_ name: String, shape: [Int], values: [Double]) {
        let begin = data.count
        for value in values { for i in 0 ..< 8 { data.append(UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt64(i)))) } }
        header[name] = ["dtype": "F64", "shape": shape, "data_offsets": [begin, data.count]]
    }

    /// The header's JSON text (keys sorted).
    func headerText() throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// The file: the 8-byte length, the header (changed by `edit` as text, if given), the data.
    func bytes(editingHeader edit: (String) -> String = { $0 }) throws -> [UInt8] {
        let text = Array(edit(try headerText()).utf8)
        return (0 ..< 8).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) } + text + data
    }
}

/// The checkpoint at `path` read by the code under test, without the checks of `validated`.
func readSafetensorsCheckpoint(_ path: String) throws -> CheckpointFile {
    let file = try RandomAccessFile(path: path)
    let header: SafetensorsHeader
    do {
        header = try SafetensorsHeader.read(from: file)
    } catch {
        switch error {
        case .unreadable(let failure): throw failure
        case .invalid(let problem): throw problem
        }
    }
    return try SafetensorsCheckpoint.plan(header).read(from: file, shouldStop: { false })
}

/// Writes `checkpoint` as safetensors at `path`, as `save` does after its checks.
func writeSafetensorsCheckpoint(_ checkpoint: CheckpointFile, to path: String) throws {
    try writeAtomically(to: path) { (file) throws(WriteFailure) in
        try SafetensorsWriter.write(checkpoint.safetensorsTensors(), metadata: checkpoint.safetensorsMetadata(), to: file)
    }
}
