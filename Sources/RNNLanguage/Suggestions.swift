/// The optimal-string-alignment edit distance: insertions, deletions, substitutions and swaps of
/// two neighbouring characters each cost 1 ("W_h" → "W_hh" is 1, "stpe" → "step" is 1).
/// Characters are Unicode scalars (names and keys are ASCII; this keeps the comparison cheap).
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previousPrevious = [Int](repeating: 0, count: y.count + 1)
    var previous = Array(0 ... y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1 ... x.count {
        current[0] = i
        for j in 1 ... y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                current[j] = min(current[j], previousPrevious[j - 2] + 1)
            }
        }
        (previousPrevious, previous, current) = (previous, current, previousPrevious)
    }
    return previous[y.count]
}

/// The candidate nearest to `word` when it is plausibly a typo of it: at most 2 edits, and fewer
/// edits than half the word's length (so "x" does not suggest "lr"). Among equally near ones, a
/// candidate that starts with the word wins ("W_h" → "W_hh", not "W_xh"), then the earlier one.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
    var best: (String, Int)?
    let lowered = word.lowercased(), length = word.count
    for candidate in candidates where candidate != word {
        // A suggestion is at most 2 edits away, so longer or shorter words by 3 cannot be one.
        guard abs(candidate.count - length) <= 2 else { continue }
        // Twice the distance, minus one for a shared start: breaks ties without beating a nearer one.
        let score = 2 * editDistance(lowered, candidate.lowercased()) - (candidate.hasPrefix(word) ? 1 : 0)
        if score < (best?.1 ?? Int.max) { best = (candidate, score) }
    }
    guard let (candidate, score) = best else { return nil }
    let distance = (score + 1) / 2
    let limit = min(2, max(1, (max(word.count, candidate.count) - 1) / 2))
    return distance <= limit ? candidate : nil
}
