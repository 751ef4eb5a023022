import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage

/// Lesson 3 prints a full BPTT step. This recomputes every printed number of the first step
/// from the equations, with plain arrays and loops that share no code with RNNCore's kernels,
/// and compares them with what the lesson printed (to its 4 decimals).
@Suite struct BPTTRecomputeTests {
    /// All decimal numbers in a piece of text, in order.
    static func numbers(in text: Substring) -> [Double] {
        let regex = try! NSRegularExpression(pattern: #"-?\d+\.\d+(?:e[-+]\d+)?"#)
        let string = String(text)
        return regex.matches(in: string, range: NSRange(string.startIndex..., in: string)).map {
            Double(string[Range($0.range, in: string)!])!
        }
    }

    /// The numbers after " = " on the line of `section` whose equation starts with `label`, and on
    /// the lines that continue it (long values wrap onto deeply indented lines with no " = ").
    static func printed(_ label: String, in section: [Substring]) -> [Double]? {
        guard let index = section.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }),
              let equals = section[index].range(of: " = ", options: .backwards) else { return nil }
        var values = numbers(in: section[index][equals.upperBound...])
        var next = index + 1
        while next < section.count, section[next].hasPrefix(String(repeating: " ", count: 20)),
              !section[next].contains(" = ") {
            values += numbers(in: section[next])
            next += 1
        }
        return values
    }

    @Test func everyNumberOfTheFirstStepIsRecomputed() throws {
        let output = try lessonTranscript("03-bptt.rnn").output
        let start = try #require(output.range(of: "=== step 1 ===")), end = try #require(output.range(of: "\nWhat to see, from the top."))
        let section = output[start.upperBound ..< end.lowerBound].split(separator: "\n")

        // The lesson's model: load data/hello.txt; init hidden=3 seq=4 sigma=0.5 whh=random scale=0.5 lr=0.1 seed=3.
        let vocabulary: [Character] = ["\n", " ", "d", "e", "h", "l", "o", "r", "w"]
        let text = Array("hello world\n").map { vocabulary.firstIndex(of: $0)! }
        let (v, n, steps) = (9, 3, 4)
        var generator = SeededGenerator(seed: 3)
        let initial = Initialization(weightScale: 0.5, recurrent: .random, recurrentScale: 0.5)
            .parameters(for: .rnn(vocabularySize: v, hiddenSize: n), generator: &generator)
        func rows(_ name: String) -> [[Double]] {
            let m = initial.matrix(named: name)!
            return (0 ..< m.rows).map { m.row($0) }
        }
        let wxh = rows("W_xh"), whh = rows("W_hh"), why = rows("W_hy")
        let bh = [Double](repeating: 0, count: n), by = [Double](repeating: 0, count: v)

        // Forward, written out from the equations.
        var hs: [[Double]] = [[Double](repeating: 0, count: n)]  // hs[t + 1] = h_t
        var ps: [[Double]] = []
        for t in 0 ..< steps {
            let x = text[t], y = text[t + 1]
            var a = [Double](repeating: 0, count: n)
            for j in 0 ..< n {
                a[j] = wxh[x][j] + bh[j]
                for i in 0 ..< n { a[j] += hs[t][i] * whh[i][j] }
            }
            let h = a.map { Foundation.tanh($0) }
            var z = by
            for k in 0 ..< v { for i in 0 ..< n { z[k] += h[i] * why[i][k] } }
            let e = z.map { Foundation.exp($0) }
            let p = e.map { $0 / e.reduce(0, +) }
            hs.append(h)
            ps.append(p)
            try expectClose(Self.printed("a_\(t) (their sum)", in: section), a, "a_\(t)")
            try expectClose(Self.printed("h_\(t) = tanh", in: section), h, "h_\(t)")
            try expectClose(Self.printed("z_\(t) = ", in: section), z, "z_\(t)")
            try expectClose(Self.printed("p_\(t) = softmax", in: section), p, "p_\(t)")
            // "target y_t = 'e': p_t['e'] = 0.1445, loss_t = -log 0.1445 = 1.9346"
            let targetLine = try #require(section.first { $0.contains("target y_\(t) = ") })
            try expectClose(Array(Self.numbers(in: targetLine).suffix(1)), [-Foundation.log(p[y])], "loss_\(t)")
        }

        // Backward, from t = T−1 down to 0.
        var dWhh = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var dby = [Double](repeating: 0, count: v)
        var dhNext = [Double](repeating: 0, count: n)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let y = text[t + 1], h = hs[t + 1], hPrevious = hs[t]
            var dy = ps[t]
            dy[y] -= 1
            for k in 0 ..< v { dby[k] += dy[k] }
            var dh = dhNext
            for i in 0 ..< n { for k in 0 ..< v { dh[i] += why[i][k] * dy[k] } }
            let dhRaw = (0 ..< n).map { (1 - h[$0] * h[$0]) * dh[$0] }
            for i in 0 ..< n { for j in 0 ..< n { dWhh[i][j] += hPrevious[i] * dhRaw[j] } }
            dhNext = (0 ..< n).map { i in (0 ..< n).reduce(0) { $0 + whh[i][$1] * dhRaw[$1] } }
            try expectClose(Self.printed("dy_\(t) = ", in: section), dy, "dy_\(t)")
            try expectClose(Self.printed("dh_\(t) = ", in: section), dh, "dh_\(t)")
            // dh_raw and dh_next lines repeat for every t: take the t-th from the end.
            // dh_raw and dh_next lines repeat for every t: read the part of the trace after "t=T".
            let from = try #require(section.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "t=\(t)" })
            let part = Array(section[from...])
            try expectClose(Self.printed("dh_raw = ", in: part), dhRaw, "dh_raw at t=\(t)")
            try expectClose(Self.printed("dh_next = ", in: part), dhNext, "dh_next at t=\(t)")
        }

        // The gradient block: dW_hh's rows and db_y.
        let block = output[output.range(of: "gradients of the window (after clipping)")!.upperBound...].split(separator: "\n")
        let whhStart = try #require(block.firstIndex { $0.hasPrefix("  dW_hh") })
        for i in 0 ..< n {
            try expectClose(Array(Self.numbers(in: block[whhStart + 2 + i]).suffix(n)), dWhh[i], "dW_hh row \(i)")
        }
        let byStart = try #require(block.firstIndex { $0.hasPrefix("  db_y") })
        try expectClose(Self.numbers(in: block[byStart + 2]), dby, "db_y")
    }

    /// Printed values are rounded to 4 decimals: they must be within half a unit of the last place.
    func expectClose(_ printed: [Double]?, _ recomputed: [Double], _ what: String) throws {
        let values = try #require(printed, "\(what) was not printed")
        #expect(values.count == recomputed.count, "\(what): \(values.count) values printed, \(recomputed.count) computed")
        for (shown, exact) in zip(values, recomputed) {
            #expect(abs(shown - exact) <= 0.00005 + 1e-12, "\(what): printed \(shown), recomputed \(exact)")
        }
    }
}
