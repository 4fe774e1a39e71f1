import RealizarCore
import RealizarTokenizers

/// What one decoding step of a sequence produced.
public struct SequenceStep: Sendable {
    /// The token sampled this step, unless the step ended the sequence without one (an
    /// end-of-generation token is not counted or reported).
    public var token: Int?
    /// The sampled token with its log-probability and the most likely alternatives, when asked for.
    public var sampled: SampledToken?
    /// Text that became final (possibly empty: held back for UTF-8 or a possible stop string).
    public var text: String
    /// Set when this step ended the sequence.
    public var finishReason: GenerationResult.FinishReason?
}

/// One sequence's generation logic, step by step, without the model: the sampler chain, the
/// streaming detokenizer, stop strings, the token and context limits, optional log-probabilities
/// and an optional grammar constraint (JSON object, JSON Schema or GBNF). The single-sequence ``Generator`` and the batching
/// ``Scheduler`` both drive it, so both produce the same tokens and text for the same request.
public struct SequenceState: Sendable {
    public let request: GenerationRequest
    /// How many alternatives to report per token; nil: no log-probabilities at all.
    public let topLogprobs: Int?
    /// Tokens generated so far (never an end-of-generation token).
    public private(set) var generatedCount = 0
    /// Prompt and generated tokens, oldest first (what the penalties look at).
    public private(set) var history: [Int]
    public private(set) var finishReason: GenerationResult.FinishReason?

    private var sampler: Sampler
    private var detokenizer: StreamingDetokenizer
    private var matcher: StopSequenceMatcher
    private let tokenizer: any Tokenizer
    private var constraint: GrammarMatcher?
    private let masks: GrammarTokenMasks?
    private let vocabulary: TokenVocabulary?
    private var mask: [UInt64] = []

    /// The seed the sampler uses (the one asked for, or the one it picked).
    public var seed: UInt64 { sampler.seed }

    /// Throws when the sampling parameters are invalid for this model, or the constraint does
    /// not compile (``JSONSchemaError``, ``GrammarError``). A constraint needs `vocabulary`.
    public init(model: LoadedModel, request: GenerationRequest, topLogprobs: Int? = nil,
                constraint: OutputConstraint? = nil, vocabulary: TokenVocabulary? = nil, rendersControlTokens: Bool = false) throws {
        precondition(constraint == nil || vocabulary != nil, "a constraint needs the token vocabulary")
        self.request = request
        self.topLogprobs = topLogprobs.map { max(0, $0) }
        sampler = try Sampler(parameters: request.sampling, vocabularySize: model.decoder.vocabularySize)
        tokenizer = model.tokenizer
        detokenizer = StreamingDetokenizer(tokenizer: model.tokenizer, renderSpecial: rendersControlTokens)
        matcher = StopSequenceMatcher(stopSequences: request.stop)
        history = request.prompt
        history.reserveCapacity(request.prompt.count + max(0, min(request.maxTokens, request.context)))
        if let constraint, let vocabulary {
            let grammar = try constraint.compile()
            self.constraint = GrammarMatcher(grammar, maxDepth: constraint.maxDepth)
            masks = vocabulary.masks(for: grammar)
        } else {
            masks = nil
        }
        self.vocabulary = vocabulary
    }

    public var isFinished: Bool { finishReason != nil }

    /// Whether the next token is the argmax of the raw logits alone (plain greedy sampling, no
    /// log-probabilities, no constraint): then `advance(argmax:)` may take it from the backend.
    public var needsOnlyArgmax: Bool { request.sampling.isPlainArgmax && topLogprobs == nil && constraint == nil }

    /// Samples the next token from `logits` (the last position's, `vocabularySize` floats,
    /// modified in place) and advances. After a step with a `finishReason`, do not call again.
    public mutating func advance(logits: UnsafeMutableBufferPointer<Float>) -> SequenceStep {
        precondition(finishReason == nil, "the sequence has finished")
        if request.maxTokens <= 0 { return finish(.length) }
        guard let sampled = choose(logits) else { return finish(.endOfGeneration) }
        return accept(sampled)
    }

    /// Advances with `argmax`, the largest logit's id (only when `needsOnlyArgmax`): the token
    /// `advance(logits:)` would have sampled.
    public mutating func advance(argmax: Int) -> SequenceStep {
        precondition(finishReason == nil, "the sequence has finished")
        precondition(needsOnlyArgmax, "the sampler needs the logits")
        if request.maxTokens <= 0 { return finish(.length) }
        return accept(SampledToken(id: argmax, logprob: 0, top: []))
    }

    private mutating func accept(_ sampled: SampledToken) -> SequenceStep {
        let token = sampled.id
        if tokenizer.isEndOfGeneration(token) { return finish(.endOfGeneration) }
        generatedCount += 1
        history.append(token)
        if let vocabulary, constraint != nil {
            vocabulary.withPiece(token) { _ = constraint!.advance($0) }
        }
        let output = matcher.feed(detokenizer.append(token))
        var step = SequenceStep(token: token, sampled: topLogprobs == nil ? nil : sampled, text: output.text)
        if output.stopSequence != nil {
            finishReason = .stopSequence
            step.finishReason = .stopSequence
        } else if constraint?.mustEnd == true {
            step.text += finishText(.endOfGeneration)
            step.finishReason = finishReason
        } else if generatedCount >= request.maxTokens || history.count > request.context {
            step.text += finishText(.length)
            step.finishReason = finishReason
        }
        return step
    }

    /// Ends the sequence at the caller's request; held-back text is dropped.
    public mutating func cancel() {
        if finishReason == nil { finishReason = .cancelled }
    }

    private mutating func finish(_ reason: GenerationResult.FinishReason) -> SequenceStep {
        let text = finishText(reason)
        return SequenceStep(token: nil, sampled: nil, text: text, finishReason: finishReason)
    }

    /// Releases what the detokenizer and the stop matcher hold back; a stop string can still
    /// complete in that tail, which then becomes the reason.
    private mutating func finishText(_ reason: GenerationResult.FinishReason) -> String {
        finishReason = reason
        let rest = matcher.feed(detokenizer.finish())
        if rest.stopSequence != nil {
            finishReason = .stopSequence
            return rest.text
        }
        return rest.text + matcher.finish()
    }

    private mutating func sampleOnce(_ logits: UnsafeMutableBufferPointer<Float>) -> SampledToken {
        if let topLogprobs {
            return sampler.sampleWithLogprobs(logits, history: history, topLogprobs: topLogprobs)
        }
        return SampledToken(id: sampler.sample(logits, history: history), logprob: 0, top: [])
    }

    /// A token from the sampler chain; under a constraint, from the logits with every token the
    /// grammar does not allow next masked (nil when none is allowed).
    private mutating func choose(_ logits: UnsafeMutableBufferPointer<Float>) -> SampledToken? {
        guard constraint != nil, let masks, let vocabulary else { return sampleOnce(logits) }
        constraint!.fillMask(masks, vocabulary: vocabulary, into: &mask)
        var anyAllowed = false
        mask.withUnsafeBufferPointer { bits in
            for w in 0..<bits.count {
                let word = bits[w]
                if word != 0 { anyAllowed = true }
                if word == ~0 { continue }
                let base = w << 6
                for bit in 0..<64 where word & (1 << UInt64(bit)) == 0 {
                    let id = base + bit
                    if id < logits.count { logits[id] = -.infinity }
                }
            }
        }
        for id in (mask.count << 6)..<max(mask.count << 6, logits.count) { logits[id] = -.infinity }
        guard anyAllowed else { return nil }
        let sampled = sampleOnce(logits)
        let id = sampled.id
        guard id >= 0, id < mask.count << 6, mask[id >> 6] & (1 << UInt64(id & 63)) != 0 else { return nil }
        return sampled
    }
}
