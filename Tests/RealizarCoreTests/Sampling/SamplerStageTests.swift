import Foundation
@testable import RealizarCore
import Testing

/// Each truncation stage on small hand-worked examples; most are llama.cpp's own cases from
/// tests/test-sampling.cpp (probabilities 0.1, 0.2, 0.3, 0.4 for tokens 0-3).
@Suite struct SamplerStageTests {
    typealias Support = SamplingTestSupport
    let fourTokens = Support.logits(forProbabilities: [0.1, 0.2, 0.3, 0.4])

    func topK(_ logits: [Float], _ k: Int) -> CandidateList {
        var list = CandidateList()
        logits.withUnsafeBufferPointer { list.loadTopK(from: $0, k: k) }
        return list
    }

    // MARK: Top-k

    @Test func topKOneKeepsTheMostLikelyToken() {
        let kept = Support.ids(topK(fourTokens, 1))
        #expect(kept == [3], "expected [3], got \(kept)")
    }

    @Test func topKThreeKeepsTheThreeMostLikelyBestFirst() {
        let list = topK(fourTokens, 3)
        let probabilities = Support.renormalisedProbabilities(list)
        #expect(Support.ids(list) == [3, 2, 1], "got \(Support.ids(list))")
        // 0.4, 0.3, 0.2 renormalised over 0.9.
        #expect(Support.close(probabilities, [0.44444, 0.33333, 0.22222]), "got \(probabilities)")
    }

    @Test func topKAtOrAboveTheVocabularyOrZeroKeepsEveryToken() {
        for k in [0, -1, 4, 10] {
            let kept = Support.ids(topK(fourTokens, k)).sorted()
            #expect(kept == [0, 1, 2, 3], "k = \(k): got \(kept)")
        }
    }

    @Test func topKBreaksTiesAtTheBoundaryTowardsLowerIds() {
        let kept = Support.ids(topK([1, 2, 2, 2, 0], 2))
        #expect(kept == [1, 2], "expected [1, 2], got \(kept)")
    }

    @Test func topKNeverKeepsBannedOrNaNTokens() {
        let kept = Support.ids(topK([-.infinity, 1, .nan, -.infinity, 0.5], 4))
        #expect(kept == [1, 4], "expected [1, 4], got \(kept)")
    }

    @Test func topKMatchesAFullSortOnALargeRandomVocabulary() {
        var generator = Xoshiro256(seed: 11)
        // Coarse values so that many ties exercise the id tie-break.
        let logits = (0..<20_000).map { _ in Float(Int(generator.next() % 200)) / 10 }
        let expected = logits.indices.sorted { (logits[$0], -$0) > (logits[$1], -$1) }.prefix(300)
        let actual = Support.ids(topK(logits, 300))
        #expect(actual == Array(expected), "first difference at index \(Array(zip(actual, expected)).firstIndex { $0 != $1 } ?? -1)")
    }

    // MARK: Top-p

    @Test func topPKeepsTheSmallestSetReachingP() {
        var list = Support.candidates(fourTokens)
        list.keepTopP(0.65)  // 0.4 < 0.65 <= 0.4 + 0.3
        let probabilities = Support.renormalisedProbabilities(list)
        #expect(Support.ids(list) == [3, 2], "got \(Support.ids(list))")
        #expect(Support.close(probabilities, [0.571429, 0.428571]), "got \(probabilities)")
    }

    @Test func topPJustAboveTwoTokensKeepsThree() {
        var list = Support.candidates(fourTokens)
        list.keepTopP(0.75)
        #expect(Support.ids(list) == [3, 2, 1], "got \(Support.ids(list))")
    }

    @Test func topPOneKeepsEverything() {
        var list = Support.candidates(fourTokens)
        list.keepTopP(1)
        #expect(Support.ids(list) == [0, 1, 2, 3], "got \(Support.ids(list))")
    }

    @Test func topPBelowTheFirstTokenKeepsOnlyIt() {
        var list = Support.candidates(fourTokens)
        list.keepTopP(0.01)
        #expect(Support.ids(list) == [3], "got \(Support.ids(list))")
    }

    @Test func topPOnALargeFlatListKeepsTheMinimalPrefix() {
        // 5,000 tokens with logits i/1000: top-p 0.9 needs far more than the first 256, so the
        // selection must look past its first guess.
        let logits = (0..<5_000).map { Float($0) / 1000 }
        var list = Support.candidates(logits)
        list.keepTopP(0.9)
        let kept = Set(Support.ids(list))
        let weights = logits.map { Foundation.exp(Double($0)) }
        let total = weights.reduce(0, +)
        // The kept set must be the best tokens (the highest ids here)...
        let lowest = kept.min() ?? 0
        #expect(kept.count == 5_000 - lowest, "kept \(kept.count) tokens, lowest id \(lowest): not a top set")
        // ...reaching 0.9 of the mass, and one token fewer must not.
        let mass = kept.reduce(0) { $0 + weights[$1] } / total
        let massWithoutWorst = mass - weights[lowest] / total
        #expect(mass >= 0.9 - 1e-6 && massWithoutWorst < 0.9 + 1e-6, "mass \(mass), without the worst \(massWithoutWorst)")
    }

    // MARK: Min-p

    @Test func minPKeepsTokensAtLeastPTimesTheBest() {
        // Best is 0.4: p = 0.26 cuts below 0.104, 0.51 below 0.204, 0.76 below 0.304.
        let cases: [(Float, [Int])] = [
            (0.24, [0, 1, 2, 3]), (0.26, [1, 2, 3]), (0.49, [1, 2, 3]), (0.51, [2, 3]), (0.74, [2, 3]),
            (0.76, [3]), (1.0, [3]),
        ]
        for (p, expected) in cases {
            var list = Support.candidates(fourTokens)
            list.keepMinP(p)
            #expect(Support.ids(list) == expected, "min-p \(p): expected \(expected), got \(Support.ids(list))")
        }
    }

    @Test func minPZeroKeepsEverything() {
        var list = Support.candidates(fourTokens)
        list.keepMinP(0)
        #expect(Support.ids(list) == [0, 1, 2, 3], "got \(Support.ids(list))")
    }

    // MARK: Typical

    @Test func typicalKeepsTheDominantTokenOfAPeakedDistribution() {
        // Entropy 0.168 nats: token 0's surprisal (0.030) is far closer than the others' (4.6).
        var list = Support.candidates(Support.logits(forProbabilities: [0.97, 0.01, 0.01, 0.01]))
        list.keepTypical(0.5)
        #expect(Support.ids(list) == [0], "got \(Support.ids(list))")
    }

    @Test func typicalCanDropTheMostLikelyToken() {
        // Entropy 1.332 nats: the 0.2 tokens' surprisal (1.609) is closer than 0.4's (0.916), and
        // three of them (0.6) exceed p = 0.5 before token 0 is reached.
        var list = Support.candidates(Support.logits(forProbabilities: [0.4, 0.2, 0.2, 0.2]))
        list.keepTypical(0.5)
        #expect(Support.ids(list) == [1, 2, 3], "got \(Support.ids(list))")
    }

    @Test func typicalOneKeepsEverything() {
        var list = Support.candidates(fourTokens)
        list.keepTypical(1)
        #expect(Support.ids(list) == [0, 1, 2, 3], "got \(Support.ids(list))")
    }

    // MARK: Temperature

    @Test func temperatureOneLeavesTheDistributionAlone() {
        var list = Support.candidates(fourTokens)
        list.applyTemperature(1)
        let probabilities = Support.renormalisedProbabilities(list)
        #expect(Support.close(probabilities, [0.1, 0.2, 0.3, 0.4]), "got \(probabilities)")
    }

    @Test func temperatureHalfSquaresTheProbabilities() {
        // p^(1/T) renormalised: 0.2² : 0.8² = 0.04 : 0.64.
        var list = Support.candidates(Support.logits(forProbabilities: [0.2, 0.8]))
        list.applyTemperature(0.5)
        let probabilities = Support.renormalisedProbabilities(list)
        #expect(Support.close(probabilities, [0.04 / 0.68, 0.64 / 0.68]), "got \(probabilities)")
    }

    @Test func temperatureTwoFlattensTheDistribution() {
        // √0.2 : √0.8 = 1 : 2.
        var list = Support.candidates(Support.logits(forProbabilities: [0.2, 0.8]))
        list.applyTemperature(2)
        let probabilities = Support.renormalisedProbabilities(list)
        #expect(Support.close(probabilities, [1.0 / 3, 2.0 / 3]), "got \(probabilities)")
    }

    // MARK: Draw

    @Test func drawWalksTheCumulativeDistribution() {
        // Cumulative 0.1, 0.3, 0.6, 1.0 in id order.
        let cases: [(Double, Int)] = [(0, 0), (0.09, 0), (0.11, 1), (0.29, 1), (0.31, 2), (0.59, 2), (0.61, 3), (0.999_999, 3)]
        for (u, expected) in cases {
            var list = Support.candidates(fourTokens)
            let drawn = list.draw(uniform: u)
            #expect(drawn == expected, "u = \(u): expected \(expected), got \(String(describing: drawn))")
        }
    }

    @Test func drawFromAnEmptyListIsNil() {
        var list = CandidateList(logits: [-.infinity, -.infinity])
        #expect(list.draw(uniform: 0.5) == nil)
    }
}
