/// Picks the next token from a step's logits: the one sampler chain behind the command line and
/// the server, with llama.cpp's common-sampler semantics.
///
/// The chain, in llama.cpp's default order:
/// 1. logit bias (`-infinity` bans a token),
/// 2. penalties over the last ``SamplingParameters/repeatLastN`` history tokens: repetition
///    (positive logits divided, negative ones multiplied), then frequency and presence
///    (subtracted, as OpenAI defines them),
/// 3. top-k, 4. typical, 5. top-p, 6. min-p, 7. temperature,
/// 8. a draw from the softmax of what is left.
///
/// With temperature ≤ 0 the chain stops after step 2 and returns the argmax (ties to the lowest
/// id); the truncation stages cannot change the argmax, except typical sampling, which llama.cpp
/// would apply first and which may drop the most likely token. Ties anywhere are broken towards
/// the lower token id, so results do not depend on sort stability.
///
/// Each non-greedy step consumes exactly one number from a ``Xoshiro256`` generator seeded with
/// ``seed``: the same seed, logits and history give the same tokens on every platform.
///
/// Steps 1–2 modify the logits buffer in place (that is how the log-probabilities see them); the
/// other stages work on the sampler's own scratch buffers, which are allocated on the first step
/// and reused, so a step allocates nothing vocabulary-sized. A value type: copying a sampler forks
/// its random stream.
public struct Sampler: Sendable {
    /// The validated parameters in use.
    public let parameters: SamplingParameters
    /// The number of logits every step must pass.
    public let vocabularySize: Int
    /// The seed of the random stream: the one asked for, or the one picked when none was (an API
    /// can report it so that a response can be reproduced).
    public let seed: UInt64

    private var random: Xoshiro256
    private let biasTokens: [Int]
    private let biasValues: [Float]
    private var penalties: RepetitionPenalties
    private var candidates = CandidateList()
    private var topCandidates = CandidateList()
    private var logitsCopy: [Float] = []
    private var historyScratch: [Int] = []

    /// A sampler for a model with `vocabularySize` logits per step; throws the first problem
    /// ``SamplingParameters/validated(vocabularySize:)`` finds.
    public init(parameters: SamplingParameters, vocabularySize: Int) throws(SamplingParameterError) {
        let parameters = try parameters.validated(vocabularySize: vocabularySize)
        self.parameters = parameters
        self.vocabularySize = vocabularySize
        // The system generator only ever picks a seed; the stream itself is always reproducible.
        seed = parameters.seed ?? UInt64.random(in: .min ... .max)
        random = Xoshiro256(seed: seed)
        let bias = parameters.logitBias.sorted { $0.key < $1.key }
        biasTokens = bias.map(\.key)
        biasValues = bias.map(\.value)
        penalties = RepetitionPenalties(
            repeatPenalty: parameters.repeatPenalty, frequencyPenalty: parameters.frequencyPenalty,
            presencePenalty: parameters.presencePenalty, lastN: parameters.repeatLastN)
    }

    // MARK: Sampling

    /// The next token for `logits` (``vocabularySize`` entries, modified in place by logit bias
    /// and penalties), given the tokens so far in `history` (prompt and generated, oldest first).
    ///
    /// If every token is banned (no logit above `-infinity`), returns token 0.
    public mutating func sample(_ logits: UnsafeMutableBufferPointer<Float>, history: some Collection<Int>) -> Int {
        precondition(logits.count == vocabularySize, "expected \(vocabularySize) logits, got \(logits.count)")
        adjust(logits, history: history)
        return choose(UnsafeBufferPointer(logits))
    }

    /// The same as sampling from a buffer, for logits in an array, which is left untouched (they
    /// are copied into a reused scratch buffer).
    public mutating func sample(_ logits: [Float], history: some Collection<Int>) -> Int {
        var copy = scratchCopy(of: logits)
        defer { logitsCopy = copy }
        return copy.withUnsafeMutableBufferPointer { sample($0, history: history) }
    }

    /// Samples like ``sample(_:history:)`` and also reports the token's log-probability and the
    /// `topLogprobs` most likely tokens' (see ``SampledToken`` for which distribution they
    /// describe). Costs one more vectorised pass over the vocabulary, plus a top-`topLogprobs`
    /// selection when that is positive. When every token is banned: token 0, logprob `-infinity`.
    public mutating func sampleWithLogprobs(
        _ logits: UnsafeMutableBufferPointer<Float>, history: some Collection<Int>, topLogprobs: Int
    ) -> SampledToken {
        precondition(logits.count == vocabularySize, "expected \(vocabularySize) logits, got \(logits.count)")
        adjust(logits, history: history)
        let adjusted = UnsafeBufferPointer(logits)
        let id = choose(adjusted)
        let normalizer = LogitScans.logSumExp(adjusted)
        var top: [(id: Int, logprob: Float)] = []
        if topLogprobs > 0 {
            let wanted = min(topLogprobs, vocabularySize)
            topCandidates.loadTopK(from: adjusted, k: wanted)
            topCandidates.sortBestFirst(prefix: wanted)
            top.reserveCapacity(wanted)
            for candidate in topCandidates.candidates.prefix(wanted) {
                top.append((id: Int(candidate.id), logprob: candidate.logit - normalizer))
            }
        }
        // With every token banned the normaliser is -infinity too; -inf − -inf would be NaN.
        let logprob = normalizer == -.infinity ? -.infinity : adjusted[id] - normalizer
        return SampledToken(id: id, logprob: logprob, top: top)
    }

    /// The same as ``sampleWithLogprobs(_:history:topLogprobs:)`` from a buffer, for logits in
    /// an array, which is left untouched.
    public mutating func sampleWithLogprobs(
        _ logits: [Float], history: some Collection<Int>, topLogprobs: Int
    ) -> SampledToken {
        var copy = scratchCopy(of: logits)
        defer { logitsCopy = copy }
        return copy.withUnsafeMutableBufferPointer {
            sampleWithLogprobs($0, history: history, topLogprobs: topLogprobs)
        }
    }

    // MARK: The chain

    /// Steps 1–2, in place: logit bias, then penalties.
    private mutating func adjust(_ logits: UnsafeMutableBufferPointer<Float>, history: some Collection<Int>) {
        for (token, bias) in zip(biasTokens, biasValues) {
            logits[token] += bias
        }
        guard penalties.isEnabled else { return }
        // Arrays and slices lend their storage; anything else is copied into a reused buffer.
        // Either way the penalties see a concrete buffer, never a generic collection.
        let lent: Void? = history.withContiguousStorageIfAvailable { penalties.apply(to: logits, history: $0) }
        guard lent == nil else { return }
        var window = historyScratch
        historyScratch = []
        defer { historyScratch = window }
        window.removeAll(keepingCapacity: true)
        if parameters.repeatLastN < 0 {
            window.append(contentsOf: history)
        } else {
            window.append(contentsOf: history.suffix(parameters.repeatLastN))
        }
        window.withUnsafeBufferPointer { penalties.apply(to: logits, history: $0) }
    }

    /// Steps 3–8 on the adjusted logits (or the argmax when greedy).
    private mutating func choose(_ logits: UnsafeBufferPointer<Float>) -> Int {
        if parameters.isGreedy { return LogitScans.argmax(logits) }
        // Drawn first, so a step uses exactly one number whatever the stages leave.
        let u = random.nextUnitInterval()
        candidates.loadTopK(from: logits, k: parameters.topK)
        candidates.keepTypical(parameters.typicalP)
        candidates.keepTopP(parameters.topP)
        candidates.keepMinP(parameters.minP)
        candidates.applyTemperature(parameters.temperature)
        return candidates.draw(uniform: u) ?? 0
    }

    /// `logits` copied into the reused scratch array (moved out of `self` so the caller can
    /// hand it back without a copy-on-write).
    private mutating func scratchCopy(of logits: [Float]) -> [Float] {
        var copy = logitsCopy
        logitsCopy = []
        if copy.count != logits.count {
            copy = [Float](repeating: 0, count: logits.count)
        }
        copy.withUnsafeMutableBufferPointer { destination in
            _ = destination.update(fromContentsOf: logits)
        }
        return copy
    }
}
