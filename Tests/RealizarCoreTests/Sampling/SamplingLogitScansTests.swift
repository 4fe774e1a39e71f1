import Foundation
@testable import RealizarCore
import Testing

/// The vectorised whole-vocabulary passes and the mass-steered selection behind top-p.
@Suite struct SamplingLogitScansTests {
    func randomLogits(_ count: Int, seed: UInt64, levels: UInt64 = 1 << 20) -> [Float] {
        var generator = Xoshiro256(seed: seed)
        return (0..<count).map { _ in Float(generator.next() % levels) / Float(levels) * 20 - 10 }
    }

    @Test(arguments: [1, 15, 16, 17, 33, 1000, 262_144])
    func argmaxMatchesAScalarScan(count: Int) {
        let logits = randomLogits(count, seed: UInt64(count), levels: 64)  // many ties
        var expected = 0
        for i in logits.indices where logits[i] > logits[expected] { expected = i }
        let actual = logits.withUnsafeBufferPointer(LogitScans.argmax)
        #expect(actual == expected, "expected \(expected) (\(logits[expected])), got \(actual)")
    }

    @Test func argmaxSkipsNaNInsideAChunkAndPrefersTheLowestIdAcrossChunks() {
        var logits = [Float](repeating: 0, count: 40)
        logits[3] = .nan
        logits[5] = 2
        logits[20] = 2
        logits[39] = 1
        let actual = logits.withUnsafeBufferPointer(LogitScans.argmax)
        #expect(actual == 5, "expected 5, got \(actual)")
    }

    @Test func exponentialIsAccurateOverItsRange() {
        var worst: Double = 0
        var worstAt: Float = 0
        var x: Float = -87
        while x <= 0 {
            let actual = Double(LogitScans.exponential(LogitScans.Lanes(repeating: x))[0])
            let expected = Foundation.exp(Double(x))
            let error = abs(actual - expected) / expected
            if error > worst { (worst, worstAt) = (error, x) }
            x += 0.001_37
        }
        #expect(worst < 3e-7, "relative error \(worst) at x = \(worstAt)")
    }

    @Test func exponentialOfMinusInfinityNaNAndUnderflowIsZero() {
        let lanes = LogitScans.exponential(LogitScans.Lanes(-.infinity, .nan, -88, -1000, 0, -87, -1, -0.0))
        let expected: [Float] = [0, 0, 0, 0, 1, Float(Foundation.exp(-87.0)), Float(Foundation.exp(-1.0)), 1]
        for lane in 0..<8 {
            let ok = lane == 5 || lane == 6
                ? abs(lanes[lane] - expected[lane]) <= expected[lane] * 3e-7 : lanes[lane] == expected[lane]
            #expect(ok, "lane \(lane): expected \(expected[lane]), got \(lanes[lane])")
        }
    }

    @Test(arguments: [1, 7, 8, 9, 1025, 262_144])
    func logSumExpMatchesADoublePrecisionReference(count: Int) {
        var logits = randomLogits(count, seed: 5)
        if count > 3 {
            logits[1] = -.infinity
            logits[2] = .nan
        }
        let top = logits.filter { !$0.isNaN }.max()!
        let reference = Double(top) + Foundation.log(logits.reduce(0.0) {
            $1.isNaN ? $0 : $0 + Foundation.exp(Double($1) - Double(top))
        })
        let actual = logits.withUnsafeBufferPointer(LogitScans.logSumExp)
        #expect(abs(Double(actual) - reference) < 1e-5, "expected \(reference), got \(actual)")
    }

    @Test func logSumExpOfOnlyBannedTokensIsMinusInfinity() {
        let logits: [Float] = [-.infinity, .nan, -.infinity]
        #expect(logits.withUnsafeBufferPointer(LogitScans.logSumExp) == -.infinity)
    }

    @Test(arguments: [0.05, 0.5, 0.9, 0.999])
    func shortestPrefixSelectionMatchesSortingThenSumming(target: Double) {
        let logits = randomLogits(20_000, seed: 9, levels: 4096)
        var list = CandidateList(logits: logits)
        list.computeProbabilities()
        // Reference: sort best first, add up until the target is reached.
        let sorted = list.candidates.sorted(by: SamplingCandidate.isBetter)
        var mass = 0.0
        var expectedCount = sorted.count
        for (index, candidate) in sorted.enumerated() {
            mass += Double(candidate.probability)
            if mass >= target {
                expectedCount = index + 1
                break
            }
        }
        list.keepShortestPrefix(in: BestFirst.self, reachingMass: target, strictly: false)
        let kept = Set(list.candidates.map(\.id))
        let expected = Set(sorted.prefix(expectedCount).map(\.id))
        // Summing in another order may move the cut by one token at most.
        #expect(
            abs(kept.count - expectedCount) <= 1 && (kept.isSubset(of: expected) || expected.isSubset(of: kept)),
            "kept \(kept.count) tokens, expected \(expectedCount)")
    }
}
