import Foundation
@testable import RealizarCore
import Testing

/// Logit bias and the repetition, frequency and presence penalties.
@Suite struct SamplingPenaltyAndBiasTests {
    typealias Support = SamplingTestSupport

    func penalised(
        _ logits: [Float], history: [Int], repeat repeatPenalty: Float = 1, frequency: Float = 0,
        presence: Float = 0, lastN: Int = 64
    ) -> [Float] {
        var penalties = RepetitionPenalties(
            repeatPenalty: repeatPenalty, frequencyPenalty: frequency, presencePenalty: presence, lastN: lastN)
        var result = logits
        result.withUnsafeMutableBufferPointer { logits in
            history.withUnsafeBufferPointer { penalties.apply(to: logits, history: $0) }
        }
        return result
    }

    func softmax(_ logits: [Float]) -> [Float] {
        let top = logits.max()!
        let weights = logits.map { Foundation.exp(Double($0 - top)) }
        let total = weights.reduce(0, +)
        return weights.map { Float($0 / total) }
    }

    // MARK: Penalties

    @Test func repeatPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        let actual = penalised([2, -2, 3], history: [0, 1], repeat: 2)
        #expect(actual == [1, -4, 3], "expected [1, -4, 3], got \(actual)")
    }

    @Test func repeatPenaltyCountsATokenOnceWhateverItsFrequency() {
        let actual = penalised([2, 2], history: [0, 0, 0], repeat: 2)
        #expect(actual == [1, 2], "expected [1, 2], got \(actual)")
    }

    @Test func frequencyPenaltyScalesWithCountAndPresenceIsFlat() {
        // Token 0 seen 3 times: 3 × 0.5 + 1; token 2 once: 0.5 + 1.
        let actual = penalised([5, 5, 5], history: [0, 0, 2, 0], frequency: 0.5, presence: 1)
        #expect(actual == [2.5, 5, 3.5], "expected [2.5, 5, 3.5], got \(actual)")
    }

    @Test func penaltiesMatchLlamaCppExample() {
        // tests/test-sampling.cpp: five tokens at 0.2, history {0, 1, 2, 0, 0}, frequency 5, presence 5.
        let logits = Support.logits(forProbabilities: [0.2, 0.2, 0.2, 0.2, 0.2])
        let actual = softmax(penalised(logits, history: [0, 1, 2, 0, 0], frequency: 5, presence: 5))
        let expected: [Float] = [0.000000, 0.000023, 0.000023, 0.499977, 0.499977]
        #expect(Support.close(actual, expected), "expected \(expected), got \(actual)")
    }

    @Test func repeatPenaltyMatchesLlamaCppExample() {
        // tests/test-sampling.cpp: repeat penalty 50 on tokens 0-2 of five equally likely ones.
        let logits = Support.logits(forProbabilities: [0.2, 0.2, 0.2, 0.2, 0.2])
        let actual = softmax(penalised(logits, history: [0, 1, 2], repeat: 50))
        #expect(Support.close(actual, [0, 0, 0, 0.5, 0.5]), "got \(actual)")
    }

    @Test func penaltiesLookOnlyAtTheLastNTokens() {
        let actual = penalised([1, 1, 1], history: [0, 1, 2], presence: 1, lastN: 1)
        #expect(actual == [1, 1, 0], "expected [1, 1, 0], got \(actual)")
    }

    @Test func lastNMinusOneLooksAtTheWholeHistory() {
        let history = [0] + Array(repeating: 1, count: 500)
        let actual = penalised([1, 1, 1], history: history, presence: 1, lastN: -1)
        #expect(actual == [0, 0, 1], "expected [0, 0, 1], got \(actual)")
    }

    @Test func lastNZeroDisablesPenalties() {
        let actual = penalised([1, 1, 1], history: [0, 1], repeat: 2, frequency: 1, presence: 1, lastN: 0)
        #expect(actual == [1, 1, 1], "expected [1, 1, 1], got \(actual)")
    }

    @Test func historyIdsOutsideTheVocabularyAreIgnored() {
        let actual = penalised([1, 1], history: [-1, 7, 1], presence: 1)
        #expect(actual == [1, 0], "expected [1, 0], got \(actual)")
    }

    @Test func countsDoNotLeakFromOneStepToTheNext() {
        var penalties = RepetitionPenalties(repeatPenalty: 1, frequencyPenalty: 1, presencePenalty: 0, lastN: 64)
        var first: [Float] = [0, 0, 0]
        first.withUnsafeMutableBufferPointer { logits in
            [0, 0, 1].withUnsafeBufferPointer { penalties.apply(to: logits, history: $0) }
        }
        var second: [Float] = [0, 0, 0]
        second.withUnsafeMutableBufferPointer { logits in
            [2].withUnsafeBufferPointer { penalties.apply(to: logits, history: $0) }
        }
        #expect(first == [-2, -1, 0], "first step: got \(first)")
        #expect(second == [0, 0, -1], "second step: expected [0, 0, -1], got \(second)")
    }

    @Test func historyWithoutContiguousStorageIsPenalisedTheSame() throws {
        // A range lends no buffer, so the sampler copies the window; the result must not change.
        var parameters = SamplingParameters.greedy
        parameters.presencePenalty = 10
        parameters.repeatLastN = 2
        var sampler = try Sampler(parameters: parameters, vocabularySize: 4)
        let logits: [Float] = [3, 2.9, 2.8, 0]
        let fromRange = sampler.sample(logits, history: 0..<2)
        let fromArray = sampler.sample(logits, history: [0, 1])
        let wholeRange = sampler.sample(logits, history: 0..<1)
        #expect(fromRange == 2 && fromArray == 2, "tokens 0 and 1 are penalised: got \(fromRange) and \(fromArray)")
        #expect(wholeRange == 1, "only token 0 is penalised: got \(wholeRange)")
    }

    @Test func repeatLastNLimitsANonContiguousHistoryToo() throws {
        var parameters = SamplingParameters.greedy
        parameters.presencePenalty = 10
        parameters.repeatLastN = 1
        var sampler = try Sampler(parameters: parameters, vocabularySize: 4)
        let chosen = sampler.sample([3, 2.9, 2.8, 0], history: (0..<2).reversed())  // 1, 0: only 0 counts
        #expect(chosen == 1, "only the last token (0) is penalised: expected 1, got \(chosen)")
    }

    // MARK: Logit bias, through the sampler

    @Test func logitBiasIsAddedBeforeChoosing() throws {
        var parameters = SamplingParameters.greedy
        parameters.logitBias = [0: 5]
        var sampler = try Sampler(parameters: parameters, vocabularySize: 3)
        var logits: [Float] = [1, 2, 3]
        let chosen = logits.withUnsafeMutableBufferPointer { sampler.sample($0, history: [Int]()) }
        #expect(chosen == 0, "expected token 0 (1 + 5 beats 3), got \(chosen)")
        #expect(logits == [6, 2, 3], "bias is applied in place: got \(logits)")
    }

    @Test func minusInfinityBiasBansAToken() throws {
        var parameters = SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0, seed: 3)
        parameters.logitBias = [2: -.infinity]
        var sampler = try Sampler(parameters: parameters, vocabularySize: 3)
        let counts = Support.histogram(&sampler, logits: [0, 0, 10], draws: 2000)
        #expect(counts[2] == 0, "banned token 2 was drawn \(counts[2]) times; counts \(counts)")
        #expect(counts[0] > 0 && counts[1] > 0, "the others should share the draws: \(counts)")
    }

    @Test func biasComesBeforePenalties() throws {
        // Token 1: (0.5 + 1) / 2 = 0.75 < 1 when bias comes first; penalty first would give
        // 0.25 + 1 = 1.25 > 1.
        var parameters = SamplingParameters.greedy
        parameters.logitBias = [1: 1]
        parameters.repeatPenalty = 2
        var sampler = try Sampler(parameters: parameters, vocabularySize: 2)
        let chosen = sampler.sample([1, 0.5], history: [1])
        #expect(chosen == 0, "expected token 0, got \(chosen)")
    }
}
