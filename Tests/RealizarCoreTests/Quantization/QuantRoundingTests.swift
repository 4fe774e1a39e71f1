@testable import RealizarCore
import Testing

/// The branch-free rounding helpers against the library functions they replace.
@Suite struct QuantRoundingTests {
    @Test func roundedAwayMatchesRoundfNearHalves() {
        var values: [Float] = [0, -0.0, 0.5, -0.5, 1.5, -1.5, 126.5, -127.5, 127.49, 127.5, 200, -200, .infinity, -.infinity]
        for k in -130...130 {
            let half = Float(k) + 0.5
            var below = half, above = half
            for _ in 0..<4 {
                below = below.nextDown
                above = above.nextUp
                values += [below, above]
            }
            values.append(half)
            values.append(Float(k))
        }
        var random = QuantTestRandom(seed: 11)
        for _ in 0..<100_000 { values.append((random.uniform() - 0.5) * 300) }
        for value in values {
            let expected = Int8(max(-128, min(127, value.rounded(.toNearestOrAwayFromZero))))
            #expect(QuantRounding.roundedAwayInt8(value) == expected, "\(value)")
        }
        #expect(QuantRounding.roundedAwayInt8(.nan) == -128)
    }

    @Test func nearestIntRoundsTiesToEven() {
        #expect(QuantRounding.nearestInt(0.5) == 0)
        #expect(QuantRounding.nearestInt(1.5) == 2)
        #expect(QuantRounding.nearestInt(-2.5) == -2)
        #expect(QuantRounding.nearestInt(Float(2.5).nextUp) == 3)
        #expect(QuantRounding.nearestInt(-4_194_303) == -4_194_303)
        var random = QuantTestRandom(seed: 5)
        for _ in 0..<100_000 {
            let value = (random.uniform() - 0.5) * 1000
            #expect(QuantRounding.nearestInt(value) == Int32(value.rounded(.toNearestOrEven)))
        }
    }

    @Test func truncationClampsLikeC() {
        #expect(QuantRounding.truncated(15.99, clampedTo: 0, 15) == 15)
        #expect(QuantRounding.truncated(16.5, clampedTo: 0, 15) == 15)
        #expect(QuantRounding.truncated(-0.7, clampedTo: 0, 15) == 0)
        #expect(QuantRounding.truncated(7.9999, clampedTo: 0, 15) == 7)
        #expect(QuantRounding.truncated(.nan, clampedTo: 0, 31) == 0)
    }
}
