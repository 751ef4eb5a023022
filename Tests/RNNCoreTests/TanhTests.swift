import Foundation
import Testing
@testable import RNNCore

/// `tanhInPlace` must give exactly the C library's tanh: the golden transcripts and every
/// trained number depend on it.
@Suite struct TanhTests {
    static func ours(_ values: [Double]) -> [Double] {
        var result = [Double](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { a in
            result.withUnsafeMutableBufferPointer { tanhInPlace(a.baseAddress!, into: $0.baseAddress!, count: values.count) }
        }
        return result
    }

    @Test func bitIdenticalToTheLibraryOnMillionsOfValues() {
        var generator = SeededGenerator(seed: 12)
        var values: [Double] = []
        // Every binade from 2^-60 to 2^6, both signs, plus uniform values in the busy range.
        for _ in 0 ..< 1_000_000 {
            let exponent = Double(generator.nextInt(below: 67)) - 60
            let magnitude = (1 + generator.nextUniform()) * Foundation.pow(2, exponent)
            values.append(generator.nextUniform() < 0.5 ? -magnitude : magnitude)
            values.append(generator.nextUniform() * 8 - 4)
        }
        let mine = Self.ours(values)
        var mismatches = 0
        for (x, z) in zip(values, mine) where z.bitPattern != Foundation.tanh(x).bitPattern {
            mismatches += 1
        }
        #expect(mismatches == 0, "\(mismatches) of \(values.count) differ from the C library's tanh")
    }

    @Test func edgeCases() {
        let edges: [Double] = [0, -0.0, 0x1p-55, 0x1.fffffffffffffp-56, -0x1p-55, 1, -1, 0x1.fffffffffffffp-1, 22, -22,
                               0x1.5ffffffffffffp4, 100, -100, .infinity, -.infinity, .leastNonzeroMagnitude,
                               -.leastNormalMagnitude, 0.5, 1e-300, 21.999999]
        let mine = Self.ours(edges)
        for (x, z) in zip(edges, mine) {
            #expect(z.bitPattern == Foundation.tanh(x).bitPattern, "tanh(\(x)): \(z) vs \(Foundation.tanh(x))")
        }
        #expect(Self.ours([.nan])[0].isNaN)
    }
}
