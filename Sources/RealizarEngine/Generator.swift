import Foundation
import RealizarCore
import RealizarTokenizers

/// What to generate.
public struct GenerationRequest: Sendable {
    public var prompt: [Int]
    public var maxTokens: Int
    public var sampling: SamplingParameters
    public var stop: [String]
    /// Context size of the sequence (prompt plus generated tokens).
    public var context: Int

    public init(prompt: [Int], maxTokens: Int, sampling: SamplingParameters = SamplingParameters(), stop: [String] = [], context: Int) {
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stop = stop
        self.context = context
    }
}

/// What came out, and why it ended.
public struct GenerationResult: Sendable {
    public enum FinishReason: String, Sendable, Codable {
        /// The model produced an end-of-generation token.
        case endOfGeneration = "stop"
        /// A stop string matched.
        case stopSequence = "stop_sequence"
        /// `maxTokens` or the context was reached.
        case length
        /// The caller asked to stop.
        case cancelled
    }

    public var tokens: [Int]
    public var text: String
    public var finishReason: FinishReason
    public var promptSeconds: Double
    public var generationSeconds: Double
}

/// The generate loop shared by the CLI and the server: prompt processing in batches, then one
/// token at a time through the sampler chain, detokenized as a stream with stop strings held back.
public struct Generator {
    public let model: LoadedModel
    /// Prompt tokens per forward pass.
    public var batchSize = 512

    public init(model: LoadedModel) {
        self.model = model
    }

    /// Runs `request`; `onText` receives each piece of final text as it becomes final and may
    /// return false to stop.
    public func generate(_ request: GenerationRequest, onText: (String) -> Bool = { _ in true }) throws -> GenerationResult {
        try model.validate(prompt: request.prompt, context: request.context)
        var sampler = try Sampler(parameters: request.sampling, vocabularySize: model.decoder.vocabularySize)
        let cache = model.decoder.makeCache(capacity: request.context)

        let promptStart = Date()
        var logits: [Float] = []
        var offset = 0
        while offset < request.prompt.count {
            let end = min(offset + batchSize, request.prompt.count)
            try model.decoder.forward(Array(request.prompt[offset..<end]), cache: cache, into: &logits)
            offset = end
        }
        let promptSeconds = Date().timeIntervalSince(promptStart)

        var history = request.prompt
        var generated: [Int] = []
        var text = ""
        var detokenizer = StreamingDetokenizer(tokenizer: model.tokenizer)
        var matcher = StopSequenceMatcher(stopSequences: request.stop)
        var reason = GenerationResult.FinishReason.length
        let generationStart = Date()
        generation: while generated.count < request.maxTokens {
            let token = logits.withUnsafeMutableBufferPointer { sampler.sample($0, history: history) }
            if model.tokenizer.isEndOfGeneration(token) {
                reason = .endOfGeneration
                break
            }
            generated.append(token)
            history.append(token)
            let output = matcher.feed(detokenizer.append(token))
            if !output.text.isEmpty {
                text += output.text
                if !onText(output.text) {
                    reason = .cancelled
                    break generation
                }
            }
            if output.stopSequence != nil {
                reason = .stopSequence
                break
            }
            guard generated.count < request.maxTokens, cache.count < cache.capacity else { break }
            try model.decoder.forward([token], cache: cache, into: &logits)
        }
        if reason != .stopSequence && reason != .cancelled {
            let rest = matcher.feed(detokenizer.finish())
            var tail = rest.text
            if rest.stopSequence == nil { tail += matcher.finish() } else { reason = .stopSequence }
            if !tail.isEmpty {
                text += tail
                _ = onText(tail)
            }
        }
        return GenerationResult(tokens: generated, text: text, finishReason: reason,
                                promptSeconds: promptSeconds, generationSeconds: Date().timeIntervalSince(generationStart))
    }
}
