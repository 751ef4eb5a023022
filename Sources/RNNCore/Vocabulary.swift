/// The characters a model knows, sorted by Unicode scalar value so that index i means the
/// same character on every run, whatever order the text introduced them in.
///
/// The unit is the Unicode scalar (not the grapheme cluster): "é" written as e + U+0301 is two
/// characters to the model, as it is to the article's byte-oriented NumPy code.
public struct Vocabulary: Equatable, Sendable {
    /// Index → character; strictly increasing scalar values.
    public let scalars: [Unicode.Scalar]
    private let indexByScalar: [Unicode.Scalar: Int]

    /// A vocabulary from already distinct characters (they are sorted here).
    public init<S: Sequence>(scalars: S) where S.Element == Unicode.Scalar {
        let sorted = Array(Set(scalars)).sorted { $0.value < $1.value }
        self.scalars = sorted
        var lookup: [Unicode.Scalar: Int] = [:]
        lookup.reserveCapacity(sorted.count)
        for (index, scalar) in sorted.enumerated() { lookup[scalar] = index }
        indexByScalar = lookup
    }

    /// The distinct characters of a text.
    public init(text: String) {
        self.init(scalars: text.unicodeScalars)
    }

    /// V, the vocabulary size.
    public var count: Int { scalars.count }

    public subscript(index: Int) -> Unicode.Scalar { scalars[index] }

    public func index(of scalar: Unicode.Scalar) -> Int? { indexByScalar[scalar] }

    /// The index of every character of `text`, or the first character the vocabulary lacks.
    public func encode(_ text: String) -> Result<[Int], UnknownCharacter> {
        var result: [Int] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for (position, scalar) in text.unicodeScalars.enumerated() {
            guard let index = indexByScalar[scalar] else {
                return .failure(UnknownCharacter(scalar: scalar, position: position))
            }
            result.append(index)
        }
        return .success(result)
    }

    public func decode<S: Sequence>(_ indices: S) -> String where S.Element == Int {
        var text = String.UnicodeScalarView()
        for index in indices { text.append(scalars[index]) }
        return String(text)
    }

    /// All characters in index order, as one string (the checkpoint's `vocabulary` field).
    public var string: String { decode(0 ..< count) }

    public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool { lhs.scalars == rhs.scalars }
}

/// A character outside the vocabulary, at a position counted in Unicode scalars from 0.
public struct UnknownCharacter: Error, Equatable, Sendable {
    public let scalar: Unicode.Scalar
    public let position: Int
}
