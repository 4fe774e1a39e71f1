import Foundation
import Testing
import RealizarEngine
import RealizarTestSupport

/// Perplexity on ../shared/reference/gemma-3-270m/perplexity-dev.txt within 1% of llama.cpp's.
@Suite(.serialized) struct PerplexityTests {
    static func check(_ model: TestModels.Name, expected: Double) throws {
        let loaded = try LoadedModel(path: TestModels.path(model))
        let text = try String(contentsOf: ProjectPaths.reference("gemma-3-270m/perplexity-dev.txt"), encoding: .utf8)
        let result = try Perplexity.measure(loaded, text: text, context: 512)
        print("\(model.rawValue): perplexity \(result.perplexity) ± \(result.standardError) over \(result.chunks) chunks (llama.cpp \(expected))")
        #expect(result.chunks == 14)
        #expect(abs(result.perplexity - expected) / expected <= 0.01, "perplexity \(result.perplexity) vs llama.cpp \(expected)")
    }

    @Test func gemmaPerplexityMatchesLlamaCpp() throws { try Self.check(.gemma, expected: 13.8844) }
    @Test func smolLM2PerplexityMatchesLlamaCpp() throws { try Self.check(.smolLM2, expected: 18.3914) }
}
