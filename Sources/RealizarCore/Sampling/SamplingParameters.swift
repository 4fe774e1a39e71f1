/// How the next token is chosen from a step's logits: the settings of llama.cpp's common sampler,
/// shared by the command line and the server (OpenAI and Ollama request fields map onto these).
///
/// Defaults are llama.cpp's (`common_params_sampling`). Each stage has a value that switches it
/// off, noted per field. Construct freely, then call ``validated(vocabularySize:)`` (the
/// ``Sampler`` initializer does) before use: an API request can carry anything.
public struct SamplingParameters: Sendable, Equatable {
    /// Divides the logits before the draw: below 1 sharpens, above 1 flattens.
    /// `≤ 0` means greedy (the most likely token after bias and penalties, no randomness).
    public var temperature: Float = 0.8
    /// Keep only the `topK` most likely tokens. `≤ 0` disables.
    public var topK: Int = 40
    /// Nucleus sampling: keep the smallest set of most likely tokens whose probability reaches
    /// `topP`. In (0, 1]; `1` disables.
    public var topP: Float = 0.95
    /// Keep tokens whose probability is at least `minP` times the most likely one's. In [0, 1];
    /// `0` disables.
    public var minP: Float = 0.05
    /// Locally typical sampling (Meister et al., 2022): keep tokens whose surprisal is closest to
    /// the distribution's entropy until their mass exceeds `typicalP`. In (0, 1]; `1` disables.
    public var typicalP: Float = 1
    /// Repetition penalty on tokens seen in the last ``repeatLastN`` tokens: positive logits are
    /// divided by it, negative ones multiplied (llama.cpp's rule, so a penalty always makes a
    /// token less likely). Greater than 0; `1` disables.
    public var repeatPenalty: Float = 1
    /// How many of the most recent history tokens the penalties look at. `0` disables the
    /// penalties; `-1` means the whole history.
    public var repeatLastN: Int = 64
    /// OpenAI's frequency penalty: subtracted from a token's logit once per occurrence in the
    /// window. `0` disables.
    public var frequencyPenalty: Float = 0
    /// OpenAI's presence penalty: subtracted once from the logit of every token present in the
    /// window. `0` disables.
    public var presencePenalty: Float = 0
    /// Added to the logits of the given token ids before anything else; `-infinity` bans a token.
    public var logitBias: [Int: Float] = [:]
    /// Seed of the random draw; `nil` picks a random one per ``Sampler``.
    public var seed: UInt64? = nil

    /// llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties.
    public init() {}

    /// Every field, each defaulting to llama.cpp's value.
    public init(
        temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
        typicalP: Float = 1, repeatPenalty: Float = 1, repeatLastN: Int = 64,
        frequencyPenalty: Float = 0, presencePenalty: Float = 0, logitBias: [Int: Float] = [:],
        seed: UInt64? = nil
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.typicalP = typicalP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.logitBias = logitBias
        self.seed = seed
    }

    /// Always the most likely token (after logit bias and penalties): temperature 0, every
    /// truncation stage off.
    public static let greedy = SamplingParameters(temperature: 0, topK: 0, topP: 1, minP: 0)

    /// Whether the draw is replaced by an argmax.
    public var isGreedy: Bool { temperature <= 0 }

    /// Whether a token is the argmax of the raw logits: greedy, with no bias or penalty to move
    /// them first.
    public var isPlainArgmax: Bool {
        isGreedy && logitBias.isEmpty && repeatPenalty == 1 && frequencyPenalty == 0 && presencePenalty == 0
    }

    /// A field of ``SamplingParameters``, named in validation errors.
    public enum Field: String, Sendable, CaseIterable, CustomStringConvertible {
        case temperature, topK, topP, minP, typicalP, repeatPenalty, repeatLastN
        case frequencyPenalty, presencePenalty, logitBias

        public var description: String { rawValue }
    }

    /// These parameters checked against a vocabulary, or the first problem found.
    ///
    /// Rejected: NaN or infinite values anywhere (except a `-infinity` logit bias, which bans a
    /// token); `topP` and `typicalP` outside (0, 1]; `minP` outside [0, 1]; `repeatPenalty ≤ 0`;
    /// `repeatLastN < -1`; logit bias ids outside the vocabulary. A negative temperature is
    /// clamped to 0 (greedy), as llama.cpp's `--temp` does, rather than rejected; `topK` above the
    /// vocabulary size simply keeps everything.
    public func validated(vocabularySize: Int) throws(SamplingParameterError) -> SamplingParameters {
        guard vocabularySize > 0 else { throw .invalidVocabularySize(vocabularySize) }
        var result = self
        try Self.requireFinite(temperature, .temperature)
        result.temperature = max(temperature, 0)
        try Self.requireFinite(topP, .topP)
        guard topP > 0, topP <= 1 else { throw .outOfRange(.topP, value: Double(topP), allowed: "(0, 1]") }
        try Self.requireFinite(minP, .minP)
        guard minP >= 0, minP <= 1 else { throw .outOfRange(.minP, value: Double(minP), allowed: "[0, 1]") }
        try Self.requireFinite(typicalP, .typicalP)
        guard typicalP > 0, typicalP <= 1 else {
            throw .outOfRange(.typicalP, value: Double(typicalP), allowed: "(0, 1]")
        }
        try Self.requireFinite(repeatPenalty, .repeatPenalty)
        guard repeatPenalty > 0 else {
            throw .outOfRange(.repeatPenalty, value: Double(repeatPenalty), allowed: "greater than 0")
        }
        guard repeatLastN >= -1 else {
            throw .outOfRange(.repeatLastN, value: Double(repeatLastN), allowed: "-1 (whole history) or more")
        }
        try Self.requireFinite(frequencyPenalty, .frequencyPenalty)
        try Self.requireFinite(presencePenalty, .presencePenalty)
        // Sorted so that the first bad entry reported does not depend on dictionary order.
        for (token, bias) in logitBias.sorted(by: { $0.key < $1.key }) {
            guard token >= 0, token < vocabularySize else {
                throw .logitBiasTokenOutOfRange(token: token, vocabularySize: vocabularySize)
            }
            guard !bias.isNaN, bias != .infinity else { throw .invalidLogitBias(token: token, bias: bias) }
        }
        return result
    }

    private static func requireFinite(_ value: Float, _ field: Field) throws(SamplingParameterError) {
        guard value.isFinite else { throw .notFinite(field, value: value) }
    }
}

/// Keys are the Swift property names; an API layer maps its own field names (`top_p`,
/// `repeat_penalty`, ...) onto these. Note that `JSONEncoder` refuses a `-infinity` logit bias
/// unless given a `nonConformingFloatEncodingStrategy`.
extension SamplingParameters: Codable {
    private enum CodingKeys: String, CodingKey {
        case temperature, topK, topP, minP, typicalP, repeatPenalty, repeatLastN
        case frequencyPenalty, presencePenalty, logitBias, seed
    }

    /// Missing keys take their defaults, so `{"temperature": 0}` decodes to greedy-with-defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = SamplingParameters()
        temperature = try container.decodeIfPresent(Float.self, forKey: .temperature) ?? defaults.temperature
        topK = try container.decodeIfPresent(Int.self, forKey: .topK) ?? defaults.topK
        topP = try container.decodeIfPresent(Float.self, forKey: .topP) ?? defaults.topP
        minP = try container.decodeIfPresent(Float.self, forKey: .minP) ?? defaults.minP
        typicalP = try container.decodeIfPresent(Float.self, forKey: .typicalP) ?? defaults.typicalP
        repeatPenalty = try container.decodeIfPresent(Float.self, forKey: .repeatPenalty) ?? defaults.repeatPenalty
        repeatLastN = try container.decodeIfPresent(Int.self, forKey: .repeatLastN) ?? defaults.repeatLastN
        frequencyPenalty =
            try container.decodeIfPresent(Float.self, forKey: .frequencyPenalty) ?? defaults.frequencyPenalty
        presencePenalty =
            try container.decodeIfPresent(Float.self, forKey: .presencePenalty) ?? defaults.presencePenalty
        logitBias = try container.decodeIfPresent([Int: Float].self, forKey: .logitBias) ?? defaults.logitBias
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(temperature, forKey: .temperature)
        try container.encode(topK, forKey: .topK)
        try container.encode(topP, forKey: .topP)
        try container.encode(minP, forKey: .minP)
        try container.encode(typicalP, forKey: .typicalP)
        try container.encode(repeatPenalty, forKey: .repeatPenalty)
        try container.encode(repeatLastN, forKey: .repeatLastN)
        try container.encode(frequencyPenalty, forKey: .frequencyPenalty)
        try container.encode(presencePenalty, forKey: .presencePenalty)
        try container.encode(logitBias, forKey: .logitBias)
        try container.encodeIfPresent(seed, forKey: .seed)
    }
}
