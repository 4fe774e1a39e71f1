import Foundation
import RealizarCore
import Testing

/// Defaults, validation and decoding of sampling parameters.
@Suite struct SamplingParametersTests {
    func rejection(_ parameters: SamplingParameters, vocabularySize: Int = 100) -> SamplingParameterError? {
        do {
            _ = try parameters.validated(vocabularySize: vocabularySize)
            return nil
        } catch {
            return error
        }
    }

    func with(_ change: (inout SamplingParameters) -> Void) -> SamplingParameters {
        var parameters = SamplingParameters()
        change(&parameters)
        return parameters
    }

    @Test func defaultsAreLlamaCppDefaults() {
        let parameters = SamplingParameters()
        #expect(parameters.temperature == 0.8 && parameters.topK == 40 && parameters.topP == 0.95)
        #expect(parameters.minP == 0.05 && parameters.typicalP == 1)
        #expect(parameters.repeatPenalty == 1 && parameters.repeatLastN == 64)
        #expect(parameters.frequencyPenalty == 0 && parameters.presencePenalty == 0)
        #expect(parameters.logitBias.isEmpty && parameters.seed == nil)
    }

    @Test func greedyHasZeroTemperatureAndNoTruncation() {
        let greedy = SamplingParameters.greedy
        #expect(greedy.isGreedy && greedy.temperature == 0)
        #expect(greedy.topK == 0 && greedy.topP == 1 && greedy.minP == 0)
    }

    @Test func defaultsValidateUnchanged() throws {
        let parameters = SamplingParameters()
        #expect(try parameters.validated(vocabularySize: 10) == parameters)
    }

    @Test func negativeTemperatureIsClampedToGreedy() throws {
        let validated = try with { $0.temperature = -0.5 }.validated(vocabularySize: 10)
        #expect(validated.temperature == 0, "expected 0, got \(validated.temperature)")
    }

    @Test func nonFiniteTemperatureIsRejected() {
        for value in [Float.nan, .infinity, -.infinity] {
            let error = rejection(with { $0.temperature = value })
            #expect(error?.field == .temperature, "temperature \(value): got \(String(describing: error))")
        }
    }

    @Test func topPOutsideZeroToOneIsRejected() {
        for value: Float in [0, -0.1, 1.01, .nan] {
            let error = rejection(with { $0.topP = value })
            #expect(error?.field == .topP, "topP \(value): got \(String(describing: error))")
        }
    }

    @Test func minPOutsideZeroToOneIsRejected() {
        for value: Float in [-0.01, 1.5, .infinity] {
            let error = rejection(with { $0.minP = value })
            #expect(error?.field == .minP, "minP \(value): got \(String(describing: error))")
        }
        #expect(rejection(with { $0.minP = 0 }) == nil)
        #expect(rejection(with { $0.minP = 1 }) == nil)
    }

    @Test func typicalPOutsideZeroToOneIsRejected() {
        for value: Float in [0, 2] {
            let error = rejection(with { $0.typicalP = value })
            #expect(error?.field == .typicalP, "typicalP \(value): got \(String(describing: error))")
        }
    }

    @Test func nonPositiveRepeatPenaltyIsRejected() {
        for value: Float in [0, -1, .nan] {
            let error = rejection(with { $0.repeatPenalty = value })
            #expect(error?.field == .repeatPenalty, "repeatPenalty \(value): got \(String(describing: error))")
        }
    }

    @Test func repeatLastNBelowMinusOneIsRejected() {
        let error = rejection(with { $0.repeatLastN = -2 })
        #expect(error == .outOfRange(.repeatLastN, value: -2, allowed: "-1 (whole history) or more"))
        #expect(rejection(with { $0.repeatLastN = -1 }) == nil)
    }

    @Test func nonFinitePenaltiesAreRejected() {
        #expect(rejection(with { $0.frequencyPenalty = .infinity })?.field == .frequencyPenalty)
        #expect(rejection(with { $0.presencePenalty = .nan })?.field == .presencePenalty)
    }

    @Test func logitBiasForATokenOutsideTheVocabularyIsRejected() {
        for token in [100, -1] {
            let error = rejection(with { $0.logitBias = [token: 1] }, vocabularySize: 100)
            #expect(
                error == .logitBiasTokenOutOfRange(token: token, vocabularySize: 100),
                "token \(token): got \(String(describing: error))")
        }
    }

    @Test func nanOrPlusInfinityLogitBiasIsRejectedButMinusInfinityBans() {
        #expect(rejection(with { $0.logitBias = [3: .infinity] }) == .invalidLogitBias(token: 3, bias: .infinity))
        #expect(rejection(with { $0.logitBias = [3: .nan] })?.field == .logitBias)
        #expect(rejection(with { $0.logitBias = [3: -.infinity] }) == nil)
    }

    @Test func emptyVocabularyIsRejected() {
        #expect(rejection(SamplingParameters(), vocabularySize: 0) == .invalidVocabularySize(0))
    }

    @Test func samplerInitializerValidates() {
        #expect(throws: SamplingParameterError.outOfRange(.topP, value: Double(Float(1.5)), allowed: "(0, 1]")) {
            _ = try Sampler(parameters: with { $0.topP = 1.5 }, vocabularySize: 10)
        }
    }

    @Test func errorDescriptionsNameTheFieldAndValue() {
        let description = String(describing: rejection(with { $0.topP = 1.5 })!)
        #expect(description == "sampling parameter topP must be (0, 1], got 1.5", "got \(description)")
        let biasDescription = String(describing: rejection(with { $0.logitBias = [7: 1] }, vocabularySize: 5)!)
        #expect(biasDescription.contains("logitBias") && biasDescription.contains("7"), "got \(biasDescription)")
    }

    @Test func decodingFillsMissingFieldsWithDefaults() throws {
        let json = Data(#"{"temperature": 0, "logitBias": {"5": -100}, "seed": 42}"#.utf8)
        let decoded = try JSONDecoder().decode(SamplingParameters.self, from: json)
        var expected = SamplingParameters(temperature: 0, seed: 42)
        expected.logitBias = [5: -100]
        #expect(decoded == expected, "got \(decoded)")
    }

    @Test func encodingRoundTrips() throws {
        let parameters = SamplingParameters(
            temperature: 1.1, topK: 7, topP: 0.5, minP: 0.1, typicalP: 0.9, repeatPenalty: 1.2, repeatLastN: -1,
            frequencyPenalty: 0.3, presencePenalty: -0.2, logitBias: [1: 2, 30: -5], seed: 123)
        let decoded = try JSONDecoder().decode(SamplingParameters.self, from: JSONEncoder().encode(parameters))
        #expect(decoded == parameters, "got \(decoded)")
    }
}
