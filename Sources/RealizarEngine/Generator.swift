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
        var state = try SequenceState(model: model, request: request)
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

        var generated: [Int] = []
        var text = ""
        let generationStart = Date()
        while true {
            let step = logits.withUnsafeMutableBufferPointer { state.advance(logits: $0) }
            if let token = step.token { generated.append(token) }
            if !step.text.isEmpty {
                text += step.text
                if !onText(step.text) && step.finishReason == nil {
                    state.cancel()
                    break
                }
            }
            guard step.finishReason == nil, let token = step.token else { break }
            try model.decoder.forward([token], cache: cache, into: &logits)
        }
        return GenerationResult(tokens: generated, text: text, finishReason: state.finishReason ?? .cancelled,
                                promptSeconds: promptSeconds, generationSeconds: Date().timeIntervalSince(generationStart))
    }
}
