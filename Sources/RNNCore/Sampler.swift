#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws an index from softmax(z / temperature) (z: 1×n logits), or the argmax when the
/// temperature is 0 (the first maximum on ties).
///
///     q_j = exp(z_j/τ) / Σ_k exp(z_k/τ);  draw u ~ U[0,1), return the first j with Σ_{k≤j} q_k > u
///
/// `scratch` holds n values.
public func drawIndex(logits z: UnsafePointer<Double>, count n: Int, temperature: Double,
                      scratch q: UnsafeMutablePointer<Double>, generator: inout SeededGenerator) -> Int {
    if temperature == 0 {
        var best = 0
        for j in 1 ..< n where z[j] > z[best] { best = j }
        return best
    }
    for j in 0 ..< n { q[j] = z[j] / temperature }
    _ = softmax(q, n, into: q)
    let u = generator.nextUniform()
    var cumulative = 0.0
    var lastPossible = 0
    for j in 0 ..< n {
        cumulative += q[j]
        if q[j] > 0 { lastPossible = j }
        if cumulative > u { return j }
    }
    return lastPossible  // u fell in the rounding gap of Σq below 1
}

/// The result of generating text.
public struct SampleResult: Equatable, Sendable {
    /// The generated characters (not including the prime).
    public let indices: [Int]
    /// false when generation was stopped before `count` characters.
    public var complete = true
}

/// Generates `count` characters: h starts at zero, each prime character is fed in turn (warming
/// h up), then every drawn character is fed back to draw the next.
///
/// - Parameters:
///   - prime: at least one vocabulary index; the first draw predicts what follows the last one.
///   - temperature: > 0 divides the logits (low: conservative, high: adventurous); 0 is argmax.
///   - shouldStop: asked every 1000 characters; yes ends the sample early.
public func sample(_ model: any TextModel, prime: [Int], count: Int, temperature: Double, generator: inout SeededGenerator,
                   shouldStop: () -> Bool = { false }) -> SampleResult {
    precondition(!prime.isEmpty, "sampling needs at least one prime character")
    let v = model.vocabularySize
    var state = [Double](repeating: 0, count: model.stateSize)
    var logits = [Double](repeating: 0, count: v)
    var scratch = [Double](repeating: 0, count: v)
    var output: [Int] = []
    output.reserveCapacity(min(count, 1 << 20))
    var complete = true
    state.withUnsafeMutableBufferPointer { h in
        logits.withUnsafeMutableBufferPointer { z in
            scratch.withUnsafeMutableBufferPointer { q in
                guard feed(prime, to: model, state: h.baseAddress!, logits: z.baseAddress!, shouldStop: shouldStop) else {
                    complete = false
                    return
                }
                for i in 0 ..< count {
                    if i % 1000 == 999 && shouldStop() {
                        complete = false
                        break
                    }
                    let next = drawIndex(logits: z.baseAddress!, count: v, temperature: temperature,
                                         scratch: q.baseAddress!, generator: &generator)
                    output.append(next)
                    model.advance(input: next, state: h.baseAddress!, logits: z.baseAddress!)
                }
            }
        }
    }
    return SampleResult(indices: output, complete: complete)
}

/// The teaching cells' sampling, as before (a cell and its parameters).
public func sample(cell: any RecurrentCell, parameters: Parameters, prime: [Int], count: Int, temperature: Double,
                   generator: inout SeededGenerator, shouldStop: () -> Bool = { false }) -> SampleResult {
    sample(CellTextModel(cell: cell, parameters: parameters), prime: prime, count: count, temperature: temperature,
           generator: &generator, shouldStop: shouldStop)
}

/// The distribution of the character after `prime` (h from zero), at a temperature τ > 0:
/// softmax(z / τ). nil when `shouldStop` (asked every 1000 prime characters) said stop.
public func nextCharacterProbabilities(_ model: any TextModel, prime: [Int], temperature: Double,
                                       shouldStop: () -> Bool = { false }) -> [Double]? {
    precondition(!prime.isEmpty && temperature > 0, "needs a prime and a positive temperature")
    let v = model.vocabularySize
    var state = [Double](repeating: 0, count: model.stateSize)
    var logits = [Double](repeating: 0, count: v)
    let fed = state.withUnsafeMutableBufferPointer { h in
        logits.withUnsafeMutableBufferPointer { z in
            feed(prime, to: model, state: h.baseAddress!, logits: z.baseAddress!, shouldStop: shouldStop)
        }
    }
    guard fed else { return nil }
    var scaled = logits.map { $0 / temperature }
    scaled.withUnsafeMutableBufferPointer { q in _ = softmax(q.baseAddress!, v, into: q.baseAddress!) }
    return scaled
}

/// Feeds the characters `prime` through `model` one by one (state and logits updated in place),
/// asking `shouldStop` every 1000 characters; false when it said stop.
private func feed(_ prime: [Int], to model: any TextModel, state: UnsafeMutablePointer<Double>,
                  logits: UnsafeMutablePointer<Double>, shouldStop: () -> Bool) -> Bool {
    for (i, x) in prime.enumerated() {
        if i % 1000 == 999 && shouldStop() { return false }
        model.advance(input: x, state: state, logits: logits)
    }
    return true
}

/// How well a model predicts a text.
public struct ScoreResult: Equatable, Sendable {
    /// Σ −log p(c_{i+1} | c_0…c_i) over the text, in nats.
    public let loss: Double
    /// The number of predictions: characters − 1.
    public let predictions: Int
    /// Loss per predicted character.
    public var lossPerCharacter: Double { loss / Double(predictions) }
    /// exp(loss per character): the effective number of equally likely choices.
    public var perplexity: Double { exp(lossPerCharacter) }
    /// Bits per character: loss per character / ln 2.
    public var bitsPerCharacter: Double { lossPerCharacter / log(2.0) }
}

/// Scores `text` (at least 2 indices), starting from h = 0: every character predicts the next.
public func score(cell: any RecurrentCell, parameters: Parameters, text: [Int]) -> ScoreResult {
    score(CellTextModel(cell: cell, parameters: parameters), text: text, shouldStop: { false })!
}

/// The same for any model, asking `shouldStop` as it goes; nil when it said stop.
public func score(_ model: any TextModel, text: [Int], shouldStop: () -> Bool) -> ScoreResult? {
    precondition(text.count >= 2, "scoring needs at least two characters")
    return model.score(count: text.count, index: { text[$0] }, shouldStop: shouldStop)
}

/// Scores the characters `range` of an encoded text, the same way: read once from the first
/// character with h = 0 (and c = 0), the state carried through, Σ −ln p(next character) over
/// the range's n − 1 predictions. nil when `shouldStop` said stop. This is `evaluate`'s
/// validation loss.
public func score(_ model: any TextModel, indices: EncodedText, range: Range<Int>,
                  shouldStop: () -> Bool = { false }) -> ScoreResult? {
    precondition(range.count >= 2 && range.upperBound <= indices.count, "scoring needs at least two characters")
    return model.score(count: range.count, index: { indices[range.lowerBound + $0] }, shouldStop: shouldStop)
}

/// What a model that ignores context can do: each character predicted by how often it occurs
/// in the training text, add-one smoothed so no character gets probability 0:
///
///     q_c = (count_c + 1) / (N + V),   entropy of the frequencies  H = −Σ_c f_c ln f_c,  f_c = count_c / N
///
/// The loss of a model that has learnt only the character frequencies is about H; an RNN must
/// beat it to have learnt anything about order.
public struct UnigramBaseline: Equatable, Sendable {
    /// H = −Σ f_c ln f_c over the training text's frequencies, nats per character.
    public let entropy: Double
    /// −mean ln q(next character) over the held-out text's n − 1 predictions (nil without one).
    public let validationLoss: Double?

    public init(corpus: Corpus) {
        let v = corpus.vocabulary.count
        var counts = [Int](repeating: 0, count: v)
        for i in 0 ..< corpus.trainingCount { counts[corpus.indices[i]] += 1 }
        let n = Double(corpus.trainingCount)
        var entropy = 0.0
        for count in counts where count > 0 {
            let f = Double(count) / n
            entropy -= f * log(f)
        }
        self.entropy = entropy
        if let range = corpus.validationRange, range.count >= 2 {
            var total = 0.0
            for i in range.lowerBound + 1 ..< range.upperBound {
                total -= log(Double(counts[corpus.indices[i]] + 1) / (n + Double(v)))
            }
            validationLoss = total / Double(range.count - 1)
        } else {
            validationLoss = nil
        }
    }
}
