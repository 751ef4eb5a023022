import Testing
@testable import RNNCore

@Suite struct RandomTests {
    @Test func splitMixMatchesReferenceVectors() {
        // Published SplitMix64 output for seed 0.
        var mixer = SplitMix64(seed: 0)
        #expect(mixer.next() == 0xE220_A839_7B1D_CDAF)
        #expect(mixer.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(mixer.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func xoshiroMatchesReferenceImplementation() throws {
        // The reference C xoshiro256** from state {1, 2, 3, 4}.
        var generator = try #require(SeededGenerator(state: [1, 2, 3, 4]))
        let expected: [UInt64] = [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240,
                                  1_216_172_134_540_287_360, 607_988_272_756_665_600]
        #expect((0 ..< 6).map { _ in generator.next() } == expected)
    }

    @Test func seedingGoesThroughSplitMix() {
        // Reference C: xoshiro256** seeded with four SplitMix64(42) outputs.
        var generator = SeededGenerator(seed: 42)
        #expect(generator.next() == 1_546_998_764_402_558_742)
        #expect(generator.next() == 6_990_951_692_964_543_102)
        #expect(generator.next() == 12_544_586_762_248_559_009)
    }

    @Test func allZeroStateIsRefused() {
        #expect(SeededGenerator(state: [0, 0, 0, 0]) == nil)
        #expect(SeededGenerator(state: [1, 2, 3]) == nil)
    }

    @Test func uniformIsInUnitIntervalWithTheRightMean() {
        var generator = SeededGenerator(seed: 3)
        var sum = 0.0
        let n = 100_000
        for _ in 0 ..< n {
            let u = generator.nextUniform()
            #expect(u >= 0 && u < 1)
            sum += u
        }
        // Standard error of the mean is √(1/12/n) ≈ 0.0009; allow 5 of them.
        #expect(abs(sum / Double(n) - 0.5) < 0.0046)
    }

    @Test func gaussianMatchesPolarMethodWithLibmLog() {
        // The reference C polar method with glibc's log, seed 42; ours uses portableLog.
        var generator = SeededGenerator(seed: 42)
        let expected = [-0.72621913824478568, 0.22162270150359331, 0.46417731016247366]
        for value in expected {
            let draw = generator.nextGaussian()
            #expect(relativeError(draw, value) < 1e-15, "\(draw) vs \(value)")
        }
    }

    @Test func gaussianHasUnitVarianceAndZeroMean() {
        var generator = SeededGenerator(seed: 11)
        let n = 200_000
        var values: [Double] = []
        for _ in 0 ..< n { values.append(generator.nextGaussian()) }
        let statistics = ValueStatistics(values)
        // Standard errors: mean √(1/n) ≈ 0.0022, std ≈ √(1/2n) ≈ 0.0016; allow 5 of them.
        #expect(abs(statistics.mean) < 0.011)
        #expect(abs(statistics.standardDeviation - 1) < 0.008)
        let beyondTwo = values.filter { abs($0) > 2 }.count
        // P(|z| > 2) = 0.0455; binomial standard error ≈ 0.00047.
        #expect(abs(Double(beyondTwo) / Double(n) - 0.0455) < 0.0024)
    }

    @Test(arguments: [1e-300, 1e-10, 0.001, 0.1, 0.5, 0.7071, 0.9999999, 1, 1.5, 2, 10, 12345.678, 1e300])
    func portableLogAgreesWithLibm(x: Double) {
        let expected = Foundation_log(x)
        #expect(abs(portableLog(x) - expected) <= 4 * expected.ulp.magnitude + 1e-300, "log(\(x))")
    }

    @Test func integersAreUnbiased() {
        var generator = SeededGenerator(seed: 5)
        var counts = [Int](repeating: 0, count: 3)
        let n = 90_000
        for _ in 0 ..< n { counts[generator.nextInt(below: 3)] += 1 }
        // Each count ~ Binomial(n, 1/3): standard deviation ≈ 141; allow 5 of them.
        for count in counts { #expect(abs(count - n / 3) < 710) }
    }

    @Test func sameSeedSameStream() {
        var a = SeededGenerator(seed: 99), b = SeededGenerator(seed: 99)
        #expect((0 ..< 10).map { _ in a.nextGaussian() } == (0 ..< 10).map { _ in b.nextGaussian() })
    }
}
