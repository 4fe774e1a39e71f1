import Foundation
@testable import RealizarCore
import Testing

/// The whole chain: greedy decoding, reproducibility, the distribution drawn from, log-probabilities.
@Suite struct SamplerTests {
    typealias Support = SamplingTestSupport
    let fourTokens = Support.logits(forProbabilities: [0.1, 0.2, 0.3, 0.4])

    /// Logits over a 1,000-token vocabulary flat enough that sampled sequences vary.
    func variedLogits(seed: UInt64) -> [Float] {
        var generator = Xoshiro256(seed: seed)
        return (0..<1000).map { _ in Float(generator.nextUnitInterval() * 3) }
    }

    func sequence(_ parameters: SamplingParameters, steps: Int = 50) throws -> [Int] {
        var sampler = try Sampler(parameters: parameters, vocabularySize: 1000)
        var history: [Int] = []
        for step in 0..<steps {
            history.append(sampler.sample(variedLogits(seed: UInt64(step)), history: history))
        }
        return history
    }

    // MARK: Greedy

    @Test func greedyPicksTheLargestLogit() throws {
        var sampler = try Sampler(parameters: .greedy, vocabularySize: 4)
        let chosen = sampler.sample(fourTokens, history: [Int]())
        #expect(chosen == 3, "expected 3, got \(chosen)")
    }

    @Test func greedyBreaksTiesTowardsTheLowestId() throws {
        var sampler = try Sampler(parameters: .greedy, vocabularySize: 5)
        let chosen = sampler.sample([1, 3, 0, 3, 3], history: [Int]())
        #expect(chosen == 1, "expected 1, got \(chosen)")
    }

    @Test func temperatureZeroWithDefaultTruncationIsGreedy() throws {
        var sampler = try Sampler(parameters: SamplingParameters(temperature: 0), vocabularySize: 1000)
        let logits = variedLogits(seed: 9)
        let expected = logits.indices.max { logits[$0] < logits[$1] }!
        for _ in 0..<5 {
            let chosen = sampler.sample(logits, history: [Int]())
            #expect(chosen == expected, "expected \(expected), got \(chosen)")
        }
    }

    @Test func greedyIgnoresNaN() throws {
        var sampler = try Sampler(parameters: .greedy, vocabularySize: 3)
        let chosen = sampler.sample([.nan, 1, 2], history: [Int]())
        #expect(chosen == 2, "expected 2, got \(chosen)")
    }

    @Test func greedyAppliesPenalties() throws {
        var parameters = SamplingParameters.greedy
        parameters.presencePenalty = 2
        var sampler = try Sampler(parameters: parameters, vocabularySize: 4)
        let chosen = sampler.sample(fourTokens, history: [3])
        #expect(chosen == 2, "token 3 is penalised below token 2: expected 2, got \(chosen)")
    }

    @Test func everyTokenBannedGivesTokenZero() throws {
        var parameters = SamplingParameters(seed: 1)
        parameters.logitBias = [0: -.infinity, 1: -.infinity]
        var sampler = try Sampler(parameters: parameters, vocabularySize: 2)
        let chosen = sampler.sample([1, 2], history: [Int]())
        #expect(chosen == 0, "expected the documented fallback 0, got \(chosen)")
    }

    // MARK: Reproducibility

    @Test func sameSeedGivesTheSameTokens() throws {
        let first = try sequence(SamplingParameters(temperature: 1.5, seed: 1234))
        let second = try sequence(SamplingParameters(temperature: 1.5, seed: 1234))
        #expect(first == second, "expected identical sequences:\n\(first)\n\(second)")
    }

    @Test func differentSeedsGiveDifferentTokens() throws {
        let first = try sequence(SamplingParameters(temperature: 1.5, seed: 1234))
        let second = try sequence(SamplingParameters(temperature: 1.5, seed: 1235))
        #expect(first != second, "seeds 1234 and 1235 gave the same 50 tokens: \(first)")
    }

    @Test func theReportedSeedOfAnUnseededSamplerReproducesIt() throws {
        let unseeded = try Sampler(parameters: SamplingParameters(temperature: 1.5), vocabularySize: 1000)
        let first = try sequence(SamplingParameters(temperature: 1.5, seed: unseeded.seed))
        var replay = unseeded
        var history: [Int] = []
        for step in 0..<50 {
            history.append(replay.sample(variedLogits(seed: UInt64(step)), history: history))
        }
        #expect(first == history, "seed \(unseeded.seed) did not reproduce the unseeded run")
    }

    @Test func arrayAndBufferEntryPointsAgree() throws {
        let parameters = SamplingParameters(temperature: 1.2, repeatPenalty: 1.3, seed: 99)
        var withArrays = try Sampler(parameters: parameters, vocabularySize: 1000)
        var withBuffers = withArrays
        var history: [Int] = []
        for step in 0..<30 {
            let logits = variedLogits(seed: UInt64(step))
            let fromArray = withArrays.sample(logits, history: history)
            var copy = logits
            let fromBuffer = copy.withUnsafeMutableBufferPointer { withBuffers.sample($0, history: history) }
            #expect(fromArray == fromBuffer, "step \(step): array gave \(fromArray), buffer \(fromBuffer)")
            history.append(fromArray)
        }
    }

    @Test func theArrayEntryPointLeavesTheLogitsAlone() throws {
        var parameters = SamplingParameters(repeatPenalty: 2, seed: 1)
        parameters.logitBias = [0: 1]
        var sampler = try Sampler(parameters: parameters, vocabularySize: 4)
        let logits = fourTokens
        _ = sampler.sample(logits, history: [1, 2])
        #expect(logits == fourTokens)
    }

    // MARK: The distribution drawn from

    @Test func drawsFollowTheDistribution() throws {
        var sampler = try Sampler(parameters: Support.plain.with(seed: 12345), vocabularySize: 4)
        let counts = Support.histogram(&sampler, logits: fourTokens, draws: 20_000)
        let statistic = Support.chiSquare(observed: counts, expected: [0.1, 0.2, 0.3, 0.4])
        // 3 degrees of freedom: 16.27 is the 0.1% critical value.
        #expect(statistic < 16.27, "chi-square \(statistic); counts \(counts) for 0.1/0.2/0.3/0.4 of 20,000")
    }

    @Test func drawsFollowTheTemperedDistribution() throws {
        var parameters = Support.plain.with(seed: 777)
        parameters.temperature = 0.5
        var sampler = try Sampler(parameters: parameters, vocabularySize: 4)
        let counts = Support.histogram(&sampler, logits: fourTokens, draws: 20_000)
        let squares = [0.01, 0.04, 0.09, 0.16]
        let expected = squares.map { $0 / 0.30 }
        let statistic = Support.chiSquare(observed: counts, expected: expected)
        #expect(statistic < 16.27, "chi-square \(statistic); counts \(counts), expected shares \(expected)")
    }

    @Test func drawsComeOnlyFromTokensSurvivingEveryStage() throws {
        // 0.5, 0.3, 0.1, 0.06, 0.04: top-k 4 drops token 4; top-p 0.85 over the rest keeps
        // 0-2 (0.521 + 0.3125 + 0.104); min-p 0.25 (of 0.5) then drops token 2 (0.1 < 0.125).
        let logits = Support.logits(forProbabilities: [0.5, 0.3, 0.1, 0.06, 0.04])
        let parameters = SamplingParameters(temperature: 1, topK: 4, topP: 0.85, minP: 0.25, seed: 5)
        var sampler = try Sampler(parameters: parameters, vocabularySize: 5)
        let counts = Support.histogram(&sampler, logits: logits, draws: 8000)
        #expect(counts[2] == 0 && counts[3] == 0 && counts[4] == 0, "only tokens 0 and 1 may come up: \(counts)")
        let statistic = Support.chiSquare(observed: Array(counts[0..<2]), expected: [0.625, 0.375])
        #expect(statistic < 10.83, "tokens 0 and 1 should come up 5:3; counts \(counts), chi-square \(statistic)")
    }

    @Test func defaultParametersOnALargeVocabularyDrawOnlyFromTheTopForty() throws {
        var generator = Xoshiro256(seed: 2)
        let logits = (0..<50_000).map { _ in Float(generator.nextUnitInterval()) }
        let topForty = Set(logits.indices.sorted { (logits[$0], -$0) > (logits[$1], -$1) }.prefix(40))
        var sampler = try Sampler(parameters: SamplingParameters(seed: 8), vocabularySize: 50_000)
        for _ in 0..<200 {
            let chosen = sampler.sample(logits, history: [Int]())
            #expect(topForty.contains(chosen), "token \(chosen) is not among the 40 most likely")
        }
    }

    // MARK: Log-probabilities

    @Test func logprobsAreTheLogSoftmaxOfTheAdjustedLogits() throws {
        var sampler = try Sampler(parameters: .greedy, vocabularySize: 4)
        let token = sampler.sampleWithLogprobs(fourTokens, history: [Int](), topLogprobs: 2)
        #expect(token.id == 3)
        #expect(abs(token.logprob - log(0.4)) < 1e-5, "expected ln 0.4 = \(log(0.4)), got \(token.logprob)")
        let top = token.top.map(\.id)
        let values = token.top.map(\.logprob)
        #expect(top == [3, 2], "expected [3, 2], got \(top)")
        #expect(Support.close(values, [log(0.4), log(0.3)]), "expected [ln 0.4, ln 0.3], got \(values)")
    }

    @Test func logprobsIgnoreTruncationAndTemperature() throws {
        // Top-k 1 forces token 3, temperature 0.3 sharpens: the reported logprob is still ln 0.4.
        let parameters = SamplingParameters(temperature: 0.3, topK: 1, seed: 4)
        var sampler = try Sampler(parameters: parameters, vocabularySize: 4)
        let token = sampler.sampleWithLogprobs(fourTokens, history: [Int](), topLogprobs: 4)
        #expect(token.id == 3)
        #expect(abs(token.logprob - log(0.4)) < 1e-5, "expected ln 0.4, got \(token.logprob)")
        #expect(token.top.map(\.id) == [3, 2, 1, 0], "got \(token.top.map(\.id))")
    }

    @Test func logprobsIncludeBiasAndPenalties() throws {
        // Bias ln 4 on token 0 makes it 0.4; presence penalty ln 2 on token 3 makes it 0.2:
        // weights 0.4, 0.2, 0.3, 0.2 over a total of 1.1.
        var parameters = SamplingParameters.greedy
        parameters.logitBias = [0: log(4)]
        parameters.presencePenalty = log(2)
        var sampler = try Sampler(parameters: parameters, vocabularySize: 4)
        let token = sampler.sampleWithLogprobs(fourTokens, history: [3], topLogprobs: 4)
        let byId = Dictionary(uniqueKeysWithValues: token.top.map { ($0.id, $0.logprob) })
        let expected: [Int: Float] = [0: log(0.4 / 1.1), 1: log(0.2 / 1.1), 2: log(0.3 / 1.1), 3: log(0.2 / 1.1)]
        for (id, value) in expected {
            #expect(abs((byId[id] ?? .nan) - value) < 1e-5, "token \(id): expected \(value), got \(byId[id] ?? .nan)")
        }
        #expect(token.id == 0 && abs(token.logprob - log(0.4 / 1.1)) < 1e-5, "got \(token.id), \(token.logprob)")
    }

    @Test func topLogprobsBreakTiesTowardsLowerIdsAndSkipBannedTokens() throws {
        var parameters = SamplingParameters.greedy
        parameters.logitBias = [1: -.infinity]
        var sampler = try Sampler(parameters: parameters, vocabularySize: 5)
        let token = sampler.sampleWithLogprobs([1, 2, 1, 1, 0], history: [Int](), topLogprobs: 10)
        let ids = token.top.map(\.id)
        #expect(ids == [0, 2, 3, 4], "expected [0, 2, 3, 4], got \(ids)")
    }

    @Test func everyTokenBannedReportsMinusInfinityNotNaN() throws {
        var parameters = SamplingParameters(seed: 1)
        parameters.logitBias = [0: -.infinity, 1: -.infinity]
        var sampler = try Sampler(parameters: parameters, vocabularySize: 2)
        let token = sampler.sampleWithLogprobs([1, 2], history: [Int](), topLogprobs: 2)
        #expect(token.id == 0 && token.logprob == -.infinity && token.top.isEmpty, "got \(token)")
    }

    @Test func zeroTopLogprobsReportsOnlyTheToken() throws {
        var sampler = try Sampler(parameters: .greedy, vocabularySize: 4)
        let token = sampler.sampleWithLogprobs(fourTokens, history: [Int](), topLogprobs: 0)
        #expect(token.top.isEmpty, "got \(token.top.count) top entries")
    }

    @Test func logprobsOverALargeVocabularySumToOne() throws {
        var generator = Xoshiro256(seed: 6)
        let logits = (0..<262_144).map { _ in Float(generator.nextUnitInterval() * 20 - 10) }
        var sampler = try Sampler(parameters: SamplingParameters(seed: 1), vocabularySize: logits.count)
        let token = sampler.sampleWithLogprobs(logits, history: [Int](), topLogprobs: 1)
        let total = logits.reduce(0.0) { $0 + exp(Double($1 - logits[token.id]) + Double(token.logprob)) }
        #expect(abs(total - 1) < 1e-4, "probabilities implied by the logprob sum to \(total)")
    }
}

extension SamplingParameters {
    /// A copy with another seed.
    func with(seed: UInt64) -> SamplingParameters {
        var copy = self
        copy.seed = seed
        return copy
    }
}
