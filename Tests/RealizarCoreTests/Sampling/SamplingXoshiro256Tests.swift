@testable import RealizarCore
import Testing

/// The sampler's random generator against the reference C implementations.
@Suite struct SamplingXoshiro256Tests {
    @Test func splitMix64MatchesTheReferenceSequence() {
        // Reference: splitmix64.c (Vigna), seed 1234567.
        var generator = SplitMix64(seed: 1_234_567)
        let actual = (0..<5).map { _ in generator.next() }
        let expected: [UInt64] = [
            6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
            4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
        ]
        #expect(actual == expected, "expected \(expected), got \(actual)")
    }

    @Test func xoshiro256StarStarMatchesTheReferenceSequence() {
        // Reference: xoshiro256starstar.c (Blackman and Vigna) from the state {1, 2, 3, 4}.
        var generator = Xoshiro256(state: (1, 2, 3, 4))
        let actual = (0..<6).map { _ in generator.next() }
        let expected: [UInt64] = [
            11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360,
            607_988_272_756_665_600,
        ]
        #expect(actual == expected, "expected \(expected), got \(actual)")
    }

    @Test func seedingGoesThroughSplitMix64() {
        // State = four SplitMix64 outputs of the seed; first outputs computed with the reference code.
        var generator = Xoshiro256(seed: 42)
        let actual = (0..<4).map { _ in generator.next() }
        let expected: [UInt64] = [
            1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009,
            17_057_574_109_182_124_193,
        ]
        #expect(actual == expected, "expected \(expected), got \(actual)")
    }

    @Test func unitIntervalStaysInZeroToOneAndIsUniform() {
        var generator = Xoshiro256(seed: 7)
        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 {
            let u = generator.nextUnitInterval()
            #expect(u >= 0 && u < 1, "\(u) is outside [0, 1)")
            buckets[Int(u * 10)] += 1
        }
        let statistic = SamplingTestSupport.chiSquare(observed: buckets, expected: Array(repeating: 0.1, count: 10))
        // 9 degrees of freedom: 27.88 is the 0.1% critical value.
        #expect(statistic < 27.88, "chi-square \(statistic) for buckets \(buckets)")
    }
}
