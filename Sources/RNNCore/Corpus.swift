#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A training text: its vocabulary and every character as a vocabulary index.
///
/// Indices take 1 byte per character when V ≤ 256 and 2 bytes otherwise, so a 50 MB book
/// costs 50–100 MB, never the 8 bytes per character of an `[Int]`.
public struct Corpus: Sendable {
    /// Where the text came from: a file path, or a name such as `builtin:hello`.
    public let source: String
    public let vocabulary: Vocabulary
    public let indices: EncodedText
    /// Size of the UTF-8 text in bytes (after a leading byte-order mark, if any, is dropped).
    public let byteCount: Int
    /// FNV-1a 64-bit hash of those bytes: checkpoints use it to recognise the same text.
    public let checksum: UInt64
    /// The text started with a UTF-8 byte-order mark (EF BB BF), which is not part of the corpus.
    public let hadByteOrderMark: Bool

    /// The number of characters (Unicode scalars).
    public var count: Int { indices.count }

    /// The characters training reads: the first `trainingCount` of the text. The rest, when
    /// `load … validation=F` held some out, is the validation text (`evaluate`).
    public private(set) var trainingCount = 0

    /// The held-out characters, if any.
    public var validationRange: Range<Int>? { trainingCount < count ? trainingCount ..< count : nil }

    /// The same text with its last ⌊n·fraction⌋ characters held out for validation (0 < fraction
    /// < 1); the vocabulary stays the whole text's. Both parts must hold at least one window.
    public func holdingOut(fraction: Double, sequenceLength: Int) throws(CorpusError) -> Corpus {
        precondition(fraction > 0 && fraction < 1, "a fraction strictly between 0 and 1")
        var split = self
        split.trainingCount = count - Int((Double(count) * fraction).rounded(.down))
        try split.validate(sequenceLength: sequenceLength)
        return split
    }

    /// The same text with the first `characters` for training and the rest held out (checkpoints
    /// restore the split exactly); `count` means nothing held out.
    public func splitting(atCharacter characters: Int) -> Corpus {
        precondition(characters >= 1 && characters <= count, "a split inside the text")
        var split = self
        split.trainingCount = characters
        return split
    }

    /// Reads and encodes a UTF-8 file (a regular file or a FIFO, at most `ReadLimit.corpus`
    /// bytes); `shouldStop` can interrupt a long or blocked read.
    public static func load(path: String, shouldStop: () -> Bool = { false }) throws(CorpusError) -> Corpus {
        let bytes: [UInt8]
        do {
            bytes = try readWholeFile(path, limit: ReadLimit.corpus, memoryFactor: ReadLimit.corpusMemoryFactor,
                                      shouldStop: shouldStop)
        } catch {
            throw .unreadable(path: path, failure: error)
        }
        return try Corpus(utf8: bytes, source: path)
    }

    /// Encodes a text already in memory (the built-in corpora, tests).
    public init(text: String, source: String) throws(CorpusError) {
        try self.init(utf8: Array(text.utf8), source: source)
    }

    /// Validates and encodes UTF-8 bytes in two passes: the first checks every sequence and
    /// marks which scalars occur (so the sorted vocabulary is known), the second writes indices.
    public init(utf8 rawBytes: [UInt8], source: String) throws(CorpusError) {
        let skip = byteOrderMarkLength(rawBytes)
        let scan = try rawBytes.withUnsafeBufferPointer { (buffer) throws(CorpusError) -> UTF8Scan in
            try UTF8Scan(UnsafeBufferPointer(rebasing: buffer[skip...]), source: source, offsetBase: skip)
        }
        guard scan.characterCount > 0 else { throw .empty(source: source) }
        let present = scan.presentScalars()
        guard present.count >= 2 else { throw .tooFewDistinctCharacters(source: source, found: present.count) }
        guard present.count <= Int(UInt16.max) + 1 else {
            throw .tooManyDistinctCharacters(source: source, found: present.count)
        }
        vocabulary = Vocabulary(scalars: present)
        self.source = source
        hadByteOrderMark = skip > 0
        byteCount = rawBytes.count - skip
        checksum = scan.checksum
        indices = rawBytes.withUnsafeBufferPointer { buffer in
            scan.encode(UnsafeBufferPointer(rebasing: buffer[skip...]), sortedScalars: present)
        }
        trainingCount = indices.count
    }

    /// Checks that training windows of `sequenceLength` fit: a window needs T inputs plus one
    /// target, in the training part, and the held-out part (if any) must hold one window too.
    /// With B streams, each reads ⌊training characters / B⌋ of them, and needs one window too.
    public func validate(sequenceLength: Int, streams: Int) throws(CorpusError) {
        try validate(sequenceLength: sequenceLength)
        if streams > 1 && trainingCount / streams < sequenceLength + 1 {
            throw .streamTooShort(source: source, streams: streams, characters: trainingCount / streams, needed: sequenceLength + 1)
        }
    }

    public func validate(sequenceLength: Int) throws(CorpusError) {
        if validationRange == nil {
            if count < sequenceLength + 1 {
                throw .tooShort(source: source, characters: count, needed: sequenceLength + 1)
            }
            return
        }
        for (part, characters) in [("training", trainingCount), ("held-out", count - trainingCount)]
        where characters < sequenceLength + 1 {
            throw .splitTooShort(source: source, part: part, characters: characters, needed: sequenceLength + 1)
        }
    }

    /// The characters at `range` as text.
    public func text(in range: Range<Int>) -> String {
        vocabulary.decode(range.map { indices[$0] })
    }
}

/// Vocabulary indices of a whole text, one or two bytes each.
public enum EncodedText: Sendable, Equatable {
    case narrow([UInt8])
    case wide([UInt16])

    public var count: Int {
        switch self {
        case .narrow(let values): values.count
        case .wide(let values): values.count
        }
    }

    public var bytesPerCharacter: Int {
        switch self {
        case .narrow: 1
        case .wide: 2
        }
    }

    public subscript(position: Int) -> Int {
        switch self {
        case .narrow(let values): Int(values[position])
        case .wide(let values): Int(values[position])
        }
    }

    /// Copies `count` indices starting at `start` into `destination` (the training window).
    public func copy(from start: Int, count: Int, into destination: UnsafeMutablePointer<Int32>) {
        switch self {
        case .narrow(let values):
            values.withUnsafeBufferPointer { source in
                for i in 0 ..< count { destination[i] = Int32(source[start + i]) }
            }
        case .wide(let values):
            values.withUnsafeBufferPointer { source in
                for i in 0 ..< count { destination[i] = Int32(source[start + i]) }
            }
        }
    }
}

// MARK: - UTF-8

/// The byte offset of the first byte that does not start a valid UTF-8 character, or nil when
/// all of `bytes` is valid UTF-8 (scripts are checked with this).
public func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
    bytes.withUnsafeBufferPointer { buffer -> Int? in
        var i = 0
        while i < buffer.count {
            if buffer[i] < 0x80 {
                i += 1
            } else if let (_, length) = decodeMultibyte(buffer, at: i) {
                i += length
            } else {
                return i
            }
        }
        return nil
    }
}

/// The first pass over the bytes: validation (Unicode 15, table 3-7), character count,
/// which scalars occur, and the checksum.
struct UTF8Scan {
    /// present[v] is true when scalar value v occurs; 0x110000 flags, about 1 MB, freed after loading.
    private(set) var present: [Bool]
    private(set) var characterCount = 0
    private(set) var checksum: UInt64 = 0xCBF2_9CE4_8422_2325

    init(_ bytes: UnsafeBufferPointer<UInt8>, source: String, offsetBase: Int) throws(CorpusError) {
        var present = [Bool](repeating: false, count: 0x11_0000)
        var count = 0
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        let n = bytes.count
        var i = 0
        try present.withUnsafeMutableBufferPointer { (seen) throws(CorpusError) in
            while i < n {
                let lead = bytes[i]
                if lead < 0x80 {  // ASCII: the common case
                    seen[Int(lead)] = true
                    hash = (hash ^ UInt64(lead)) &* 0x100_0000_01B3
                    count += 1
                    i += 1
                    continue
                }
                guard let (scalar, length) = decodeMultibyte(bytes, at: i) else {
                    throw .invalidUTF8(source: source, byteOffset: offsetBase + i, byte: lead)
                }
                seen[Int(scalar)] = true
                for k in 0 ..< length { hash = (hash ^ UInt64(bytes[i + k])) &* 0x100_0000_01B3 }
                count += 1
                i += length
            }
        }
        self.present = present
        characterCount = count
        checksum = hash
    }

    func presentScalars() -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        for value in 0 ..< present.count where present[value] {
            scalars.append(Unicode.Scalar(UInt32(value))!)
        }
        return scalars
    }

    /// The second pass: the bytes are known to be valid, so decoding needs no checks.
    func encode(_ bytes: UnsafeBufferPointer<UInt8>, sortedScalars: [Unicode.Scalar]) -> EncodedText {
        var indexOf = [UInt16](repeating: 0, count: present.count)
        for (index, scalar) in sortedScalars.enumerated() { indexOf[Int(scalar.value)] = UInt16(index) }
        if sortedScalars.count <= 256 {
            let values = [UInt8](unsafeUninitializedCapacity: characterCount) { output, initialized in
                indexOf.withUnsafeBufferPointer { table in
                    forEachScalar(bytes) { k, scalar in output[k] = UInt8(truncatingIfNeeded: table[Int(scalar)]) }
                }
                initialized = characterCount
            }
            return .narrow(values)
        } else {
            let values = [UInt16](unsafeUninitializedCapacity: characterCount) { output, initialized in
                indexOf.withUnsafeBufferPointer { table in
                    forEachScalar(bytes) { k, scalar in output[k] = table[Int(scalar)] }
                }
                initialized = characterCount
            }
            return .wide(values)
        }
    }
}

/// Decodes a multi-byte sequence starting at `i`: (scalar value, byte length), or nil when the
/// sequence is malformed (bad lead byte, overlong form, surrogate, above U+10FFFF, truncated).
@inline(__always)
private func decodeMultibyte(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int)? {
    let lead = bytes[i]
    let n = bytes.count
    @inline(__always) func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> UInt32? {
        guard i + k < n else { return nil }
        let byte = bytes[i + k]
        return (byte >= low && byte <= high) ? UInt32(byte & 0x3F) : nil
    }
    switch lead {
    case 0xC2 ... 0xDF:
        guard let b1 = continuation(1) else { return nil }
        return ((UInt32(lead & 0x1F) << 6) | b1, 2)
    case 0xE0 ... 0xEF:
        let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80   // E0: no overlong forms
        let high: UInt8 = lead == 0xED ? 0x9F : 0xBF  // ED: no surrogates
        guard let b1 = continuation(1, low, high), let b2 = continuation(2) else { return nil }
        return ((UInt32(lead & 0x0F) << 12) | (b1 << 6) | b2, 3)
    case 0xF0 ... 0xF4:
        let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80   // F0: no overlong forms
        let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF  // F4: nothing above U+10FFFF
        guard let b1 = continuation(1, low, high), let b2 = continuation(2), let b3 = continuation(3) else { return nil }
        return ((UInt32(lead & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3, 4)
    default:
        return nil  // 80–C1 (continuation or overlong lead) and F5–FF never start a character
    }
}

/// Calls `body(k, scalarValue)` for the k-th scalar of valid UTF-8.
@inline(__always)
private func forEachScalar(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, UInt32) -> Void) {
    var i = 0
    var k = 0
    let n = bytes.count
    while i < n {
        let lead = bytes[i]
        if lead < 0x80 {
            body(k, UInt32(lead)); i += 1
        } else if lead < 0xE0 {
            body(k, (UInt32(lead & 0x1F) << 6) | UInt32(bytes[i + 1] & 0x3F)); i += 2
        } else if lead < 0xF0 {
            body(k, (UInt32(lead & 0x0F) << 12) | (UInt32(bytes[i + 1] & 0x3F) << 6) | UInt32(bytes[i + 2] & 0x3F))
            i += 3
        } else {
            body(k, (UInt32(lead & 0x07) << 18) | (UInt32(bytes[i + 1] & 0x3F) << 12)
                | (UInt32(bytes[i + 2] & 0x3F) << 6) | UInt32(bytes[i + 3] & 0x3F))
            i += 4
        }
        k += 1
    }
}
