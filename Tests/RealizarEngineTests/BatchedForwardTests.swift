import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// Several sequences in one forward pass get the logits each would get alone, bit for bit (as the
/// README promises: each output is computed by the same operations whatever shares the batch).
@Suite struct BatchedForwardTests {
    /// 0 when the two are the same bits, else the largest |Δ| (infinite when lengths differ).
    static func largestDifference(_ a: ArraySlice<Float>, _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).contains { $0.bitPattern != $1.bitPattern } ? zip(a, b).map { abs($0 - $1) }.max()! : 0
    }

    @Test func batchedSequencesMatchSeparateRuns() throws {
        let model = try LoadedModel(path: TestModels.path(.smolLM2))
        let decoder = model.decoder
        let vocabulary = decoder.vocabularySize
        let prompts = ["The capital of France is", "def fibonacci(n):", "Once upon a time, in a land far away,"].map { model.tokenize($0) }

        // Alone: each prompt, then one more token.
        var promptLogits: [[Float]] = []
        var stepLogits: [[Float]] = []
        for prompt in prompts {
            let cache = try decoder.makeCache(capacity: 64)
            promptLogits.append(try decoder.forward(prompt, cache: cache))
            stepLogits.append(try decoder.forward([42], cache: cache))
        }

        // Together: the first two prefill in one pass; then the third prefills in the same pass as
        // the first two decode (prefill interleaved with decode); then the third decodes.
        let caches = try prompts.map { _ in try decoder.makeCache(capacity: 64) }
        var logits: [Float] = []
        try decoder.forward(batch: [SequenceBatch(cache: caches[0], tokens: prompts[0], wantsLogits: false),
                                    SequenceBatch(cache: caches[1], tokens: prompts[1])], logits: &logits)
        #expect(logits.count == vocabulary)
        #expect(Self.largestDifference(logits[...], promptLogits[1]) == 0)

        try decoder.forward(batch: [SequenceBatch(cache: caches[0], tokens: [42]),
                                    SequenceBatch(cache: caches[1], tokens: [42]),
                                    SequenceBatch(cache: caches[2], tokens: prompts[2])], logits: &logits)
        #expect(logits.count == 3 * vocabulary)
        #expect(Self.largestDifference(logits[0..<vocabulary], stepLogits[0]) == 0)
        #expect(Self.largestDifference(logits[vocabulary..<(2 * vocabulary)], stepLogits[1]) == 0)
        #expect(Self.largestDifference(logits[(2 * vocabulary)...], promptLogits[2]) == 0)

        try decoder.forward(batch: [SequenceBatch(cache: caches[2], tokens: [42])], logits: &logits)
        #expect(Self.largestDifference(logits[...], stepLogits[2]) == 0)
        #expect(caches.map(\.count) == prompts.map { $0.count + 1 })
    }

    @Test func aCacheTwiceInOneBatchIsRefused() throws {
        let model = try LoadedModel(path: TestModels.path(.smolLM2))
        let cache = try model.decoder.makeCache(capacity: 8)
        var logits: [Float] = []
        #expect(throws: ModelError.self) {
            try model.decoder.forward(batch: [SequenceBatch(cache: cache, tokens: [1]), SequenceBatch(cache: cache, tokens: [2])], logits: &logits)
        }
        #expect(cache.count == 0)
    }
}
