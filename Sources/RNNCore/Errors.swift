#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of the numeric core, as data. All of their wording is in `description` below, in
/// one place; the language layer adds the file, line and column.

/// A text that cannot become a training corpus.
public enum CorpusError: Error, Equatable, Sendable {
    /// The file could not be read: missing, a directory or a device (reading /dev/zero would
    /// never end), more than `ReadLimit.corpus` bytes, Ctrl-C while reading (a FIFO that waits
    /// for its writer, a large file: nothing was loaded), or what the system said.
    case unreadable(path: String, failure: ReadFailure)
    case empty(source: String)
    /// `byte` at `byteOffset` (counted from 0 in the file) does not start a valid UTF-8 sequence.
    case invalidUTF8(source: String, byteOffset: Int, byte: UInt8)
    case tooFewDistinctCharacters(source: String, found: Int)
    case tooManyDistinctCharacters(source: String, found: Int)
    /// Training needs T + 1 characters for one window (T inputs, each with its next character).
    case tooShort(source: String, characters: Int, needed: Int)
    /// `validation=F` left the training or the held-out part shorter than one window.
    case splitTooShort(source: String, part: String, characters: Int, needed: Int)
    /// `batch=B` left each stream shorter than one window.
    case streamTooShort(source: String, streams: Int, characters: Int, needed: Int)
}

/// A request the model cannot carry out; nothing was changed when one is thrown.
public enum ModelError: Error, Equatable, Sendable {
    /// A hyperparameter outside its domain, e.g. hidden = 0; `requirement` says what is allowed.
    case invalidSetting(name: String, value: String, requirement: String)
    /// The model would need more than its share of the memory still available.
    case modelTooLarge(weightBytes: Double, recordBytes: Double, bytesAvailable: Double)
    /// `context` names the input: "prime", "text", …; `position` counts Unicode scalars from 0.
    case unknownCharacter(context: String, scalar: Unicode.Scalar, position: Int)
    case textTooShort(context: String, characters: Int, needed: Int)
    /// The forward pass produced NaN or ±∞; the step was refused and nothing was changed.
    case nonFiniteLoss(step: Int, loss: Double, learningRate: Double)
    case nonFiniteGradient(step: Int, parameter: String, learningRate: Double)
    /// The update would make a parameter or the optimizer's memory ±∞ or NaN; refused.
    case nonFiniteUpdate(step: Int, parameter: String, learningRate: Double)
    /// The loss of the window is NaN or ±∞ at the current weights: there is nothing to differentiate.
    case gradientCheckOnNonFiniteLoss(loss: Double)
    /// Ctrl-C stopped the work before it finished; nothing was changed.
    case interrupted
}

extension CorpusError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unreadable(let path, let failure):
            "cannot read '\(path)': \(failure)"
        case .empty(let source):
            "'\(source)' is empty: a corpus needs some text"
        case .invalidUTF8(let source, let offset, let byte):
            "'\(source)' is not valid UTF-8: byte 0x\(hex(byte)) at byte offset \(offset) does not start a valid character"
        case .tooFewDistinctCharacters(let source, let found):
            "'\(source)' has \(found) distinct character\(found == 1 ? "" : "s"); a model needs at least 2 to predict anything"
        case .tooManyDistinctCharacters(let source, let found):
            "'\(source)' has \(found) distinct characters; at most 65536 are supported"
        case .tooShort(let source, let characters, let needed):
            "'\(source)' has \(characters) characters; one training window needs \(needed) (seq + 1): lower seq or use a longer text"
        case .streamTooShort(let source, let streams, let characters, let needed):
            "with \(streams) streams, each reads \(characters) characters of '\(source)', fewer than one window needs "
                + "(seq + 1 = \(needed)): choose a smaller batch or a smaller seq"
        case .splitTooShort(let source, let part, let characters, let needed):
            "the \(part) part of '\(source)' would have \(characters) characters, fewer than one window needs "
                + "(seq + 1 = \(needed)): choose a " + (part == "training" ? "smaller" : "larger") + " validation fraction or a smaller seq"
        }
    }
}

extension ReadFailure: CustomStringConvertible {
    /// What went wrong, without the file's name (every message that uses it names the file):
    /// the one wording of a failed read, for texts, scripts, checkpoints and piped lines.
    public var description: String {
        switch self {
        case .notFound: "no such file"
        case .isDirectory: "it is a directory, not a file"
        case .notAFile(let kind): "it is \(kind), not a file"
        case .tooLarge(let limit): "it is larger than \(formatLimit(limit)), the most rnnrepl reads here (is it the file you meant?)"
        case .notEnoughMemory(let size, let needed, let available):
            "it is \(formatBytes(Double(size))), and reading it takes about \(formatBytes(needed)) of memory, more than "
                + "the \(formatBytes(available)) available: nothing was read"
        case .lineTooLong(let limit): "the line is longer than \(formatLimit(limit)), the most rnnrepl reads as one line"
        case .interrupted: "interrupted: nothing was read"
        case .changedWhileReading: "it became shorter while it was being read (is something writing it?): nothing was kept"
        case .system(let reason): reason
        }
    }
}

extension ModelError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidSetting(let name, let value, let requirement):
            "\(name)=\(value) is not allowed: \(name) must be \(requirement)"
        case .modelTooLarge(let weights, let record, let available):
            "this model needs about \(formatBytes(weights + record)) of memory (\(formatBytes(weights)) for its weights, "
                + "their gradients and the optimizer's memory, \(formatBytes(record)) to record a window), and a model may "
                + "use at most half of the \(formatBytes(available)) available: nothing was allocated; choose a smaller "
                + (record > weights ? "seq (or hidden)" : "hidden size")
        case .unknownCharacter(let context, let scalar, let position):
            "the \(context) has \(describe(scalar)) at position \(position), which is not in the vocabulary"
        case .textTooShort(let context, let characters, let needed):
            "the \(context) has \(characters) character\(characters == 1 ? "" : "s"); at least \(needed) are needed"
        case .nonFiniteLoss(let step, let loss, let rate):
            "step \(step + 1) refused: the loss is \(nonFiniteName(loss)) (the weights diverged); parameters are unchanged: "
                + "lower the learning rate (now \(rate)) or clip harder"
        case .gradientCheckOnNonFiniteLoss(let loss):
            "cannot check gradients: the loss of the window is \(nonFiniteName(loss)) at the current weights (they have diverged): "
                + "run init again, with a lower learning rate"
        case .interrupted:
            "interrupted: nothing was changed"
        case .nonFiniteUpdate(let step, let parameter, let rate):
            "step \(step + 1) refused: the update would make \(parameter) (or its optimizer memory) infinite or NaN "
                + "(the weights diverged); parameters are unchanged: lower the learning rate (now \(rate)) or clip harder"
        case .nonFiniteGradient(let step, let parameter, let rate):
            "step \(step + 1) refused: the gradient of \(parameter) is not finite; parameters are unchanged: "
                + "lower the learning rate (now \(rate)) or clip harder"
        }
    }
}

func nonFiniteName(_ x: Double) -> String {
    x.isNaN ? "NaN" : (x > 0 ? "+∞" : "−∞")
}

/// A character as users should see it in a message: printable ones quoted, others by code point.
public func describe(_ scalar: Unicode.Scalar) -> String {
    switch scalar {
    case "\n": return "'\\n'"
    case "\t": return "'\\t'"
    case "\r": return "'\\r'"
    case " ": return "' '"
    default:
        if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
            return "U+\(hex(scalar.value, digits: 4))"
        }
        return "'\(scalar)'"
    }
}

func hex<T: BinaryInteger>(_ value: T, digits: Int = 2) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}

/// 1536 → "1.5 KB", in powers of 1024 (1 MB = 1,048,576 bytes), with one decimal as C's
/// printf rounds it: the one way sizes are written (models, checkpoints, texts, speeds).
public func formatBytes(_ bytes: Double) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB"]
    var value = bytes
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    guard value.isFinite else { return "?" }
    if unit == 0 { return "\(Int(value)) bytes" }
    var buffer = [CChar](repeating: 0, count: 64)
    _ = buffer.withUnsafeMutableBufferPointer { pointer in
        withVaList([value]) { vsnprintf(pointer.baseAddress!, 64, "%.1f", $0) }
    }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + " " + units[unit]
}
