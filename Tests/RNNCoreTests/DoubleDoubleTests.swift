import Testing
@testable import RNNCore

@Suite struct DoubleDoubleTests {
    /// (function, x, (hi, lo) of the true value from a 50-digit mpmath calculation)
    static let cases: [(String, Double, (Double, Double))] = [
        ("exp", 0.1, (1.1051709180756477, -8.149523913327619e-17)),
        ("exp", -5.3, (0.004991593906910217, 1.3751301980752005e-19)),
        ("exp", 20.75, (1027094726.7424176, -3.6241465623341326e-09)),
        ("expm1", 1e-10, (1.00000000005e-10, 3.3900133221217734e-27)),
        ("expm1", -0.3, (-0.2591817793182821, -1.805530505953e-18)),
        ("log", 3.0, (1.0986122886681098, -9.07129723500153e-17)),
        ("log", 0.001, (-6.907755278982137, -2.1613487097372872e-16)),
        ("tanh", 0.37, (0.35399171247704597, 1.8621929507245997e-17)),
        ("tanh", -2.5, (-0.9866142981514303, 2.4529238788172874e-17)),
        ("tanh", 1e-08, (1e-08, -3.3333333333333335e-25)),
        // σ from a 60-digit Decimal calculation of 1/(1 + e^−x).
        ("sigmoid", 0.5, (0.6224593312018546, -2.855738705812305e-17)),
        ("sigmoid", -3.25, (0.03732688734412946, 3.0619034980603494e-18)),
        ("sigmoid", -40, (4.248354255291589e-18, 1.063261941480036e-34)),
        ("sigmoid", 45, (1.0, -2.8625185805493937e-20)),
    ]

    @Test(arguments: cases)
    func elementaryFunctionsHave30Digits(name: String, x: Double, expected: (Double, Double)) {
        let input = DoubleDouble(x)
        let result: DoubleDouble = switch name {
        case "exp": .exp(input)
        case "expm1": .expm1(input)
        case "log": .log(input)
        case "sigmoid": .sigmoid(input)
        default: .tanh(input)
        }
        let truth = DoubleDouble(hi: expected.0, lo: expected.1)
        let error = (result - truth).double
        #expect(abs(error) <= abs(expected.0) * 1e-30, "\(name)(\(x)) = \(result), want \(truth)")
    }

    @Test func arithmeticKeepsTheLowWord() {
        // (1 + 2⁻⁶⁰) − 1 is lost in double but kept here.
        let tiny = 0x1p-60
        #expect(((DoubleDouble(1) + DoubleDouble(tiny)) - DoubleDouble(1)).double == tiny)
        // 1/3 · 3 = 1 to 32 digits.
        let third = DoubleDouble(1) / DoubleDouble(3)
        #expect(abs((third * DoubleDouble(3) - DoubleDouble(1)).double) < 1e-31)
        // The product's error term is exact: 134217729² = 18014398777917441 needs 55 bits.
        let square = DoubleDouble(134_217_729) * DoubleDouble(134_217_729)
        #expect(square.hi == 18_014_398_777_917_440 && square.lo == 1)
    }

    @Test func sigmoidSaturatesWithoutOverflow() {
        // e^800 overflows: σ(−800) must still be 0 (as the fast kernel gives), not ∞ − ∞.
        #expect(DoubleDouble.sigmoid(DoubleDouble(-800)).double == 0)
        #expect(DoubleDouble.sigmoid(DoubleDouble(800)).double == 1)
    }

    @Test func logSumExpIsStableForLargeLogits() {
        let z = [1000.0, 1000.0].map(DoubleDouble.init)
        #expect(abs((DoubleDouble.logSumExp(z) - DoubleDouble(1000) - DoubleDouble.log(DoubleDouble(2))).double) < 1e-28)
    }
}
