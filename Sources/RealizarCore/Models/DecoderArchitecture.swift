/// The hyper-parameters of a decoder-only model, as its architecture file reads them from the
/// metadata (`Models/Architectures/Gemma3.swift`, ...): what the graph is built from, and what
/// `realizar info` and `/api/show` report.
public struct DecoderArchitecture: Sendable {
    public enum Normalization: Sendable { case rms, layer }
    /// Which pairs of a head's dimensions RoPE rotates together.
    public enum RotaryStyle: Sendable {
        /// Adjacent pairs (2i, 2i+1): llama.cpp's "normal" RoPE, used by Llama GGUFs.
        case adjacent
        /// The first half against the second (i, i + d/2): "NeoX" RoPE (Gemma, Qwen, Phi-3).
        case halves
        /// Learned absolute positions instead (GPT-2).
        case none
    }

    public var name: String
    public var embeddingLength: Int
    public var blockCount: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var headCountKV: Int
    public var headDimension: Int
    public var contextLength: Int
    public var normEpsilon: Float
    public var normalization: Normalization = .rms
    public var activation: Activation = .silu
    public var rotary: RotaryStyle = .adjacent
    /// RoPE rotates the first `rotaryDimensions` of each head.
    public var rotaryDimensions: Int
    public var ropeBase: Float = 10_000
    /// RoPE base of sliding-window layers, where it differs (Gemma 3).
    public var localRopeBase: Float?
    /// Linear RoPE scaling factor (positions are divided by it), of the global layers only: the
    /// sliding-window layers of `localRopeBase` are never scaled.
    public var ropeScale: Float = 1
    /// RoPE's cosines and sines are multiplied by this (`rope.scaling.attn_factor`: LongRoPE's
    /// sqrt(1 + ln(scale) / ln(original context)) in Phi-3 128k), so attention scores grow by its square.
    public var ropeAttentionFactor: Float = 1
    /// The context the model was trained on before RoPE scaling extended it
    /// (`rope.scaling.original_context_length`, else `contextLength`): LongRoPE takes its long
    /// factors for caches larger than this.
    public var ropeOriginalContext: Int
    /// Tokens' embeddings are multiplied by this (Gemma: sqrt of the embedding length).
    public var embeddingScale: Float = 1
    /// Attention scores are multiplied by this (usually 1/sqrt(head dimension)).
    public var attentionScale: Float
    /// Keys older than this are invisible to sliding-window layers.
    public var slidingWindow: Int?
    /// Which layers use the sliding window.
    public var slidingLayers: Set<Int> = []
    /// Final logits are squashed by tanh(x / c) · c (Gemma 2).
    public var finalLogitSoftcap: Float?
    /// Attention scores are squashed the same way before the softmax (Gemma 2).
    public var attentionLogitSoftcap: Float?
    /// Mixture-of-experts feed-forward blocks: how many experts, how many run per token, and each
    /// expert's hidden width.
    public var experts: Experts?
    /// Whether a token attends only to earlier ones (decoders) or to its whole text (BERT).
    public var causal = true
    /// How a text's token states become one embedding, unless the model folder's
    /// sentence-transformers config says otherwise: mean for encoders, the last token for decoders.
    public var pooling: Pooling = .last

    public enum Pooling: String, Sendable, CaseIterable {
        case mean, cls, last
    }

    public struct Experts: Sendable, Equatable {
        public var count: Int
        public var used: Int
        public var hidden: Int
    }

    public init(name: String, embeddingLength: Int, blockCount: Int, feedForwardLength: Int, headCount: Int,
                headCountKV: Int, headDimension: Int, contextLength: Int, normEpsilon: Float) {
        self.name = name
        self.embeddingLength = embeddingLength
        self.blockCount = blockCount
        self.feedForwardLength = feedForwardLength
        self.headCount = headCount
        self.headCountKV = headCountKV
        self.headDimension = headDimension
        self.contextLength = contextLength
        self.ropeOriginalContext = contextLength
        self.normEpsilon = normEpsilon
        self.rotaryDimensions = headDimension
        self.attentionScale = 1 / Float(headDimension).squareRoot()
    }

    /// Reads the hyper-parameters every llama.cpp architecture shares (`<arch>.block_count`, ...),
    /// checking that they make sense together.
    /// `ropeScalingTypes` names RoPE scaling types beyond `linear` that the calling architecture
    /// implements itself; any other is refused, never ignored.
    public static func common(_ file: GGUFFile, defaultEpsilonKey: String = "attention.layer_norm_rms_epsilon",
                              ropeScalingTypes: Set<String> = []) throws -> DecoderArchitecture {
        let arch = file.architecture ?? "?"
        func key(_ name: String) -> String { "\(arch).\(name)" }
        func positive(_ name: String) throws -> Int {
            let value = try file.int(key(name))
            guard value > 0, value < 1 << 24 else { throw ModelError("\(file.file.fileName): \(key(name)) = \(value) is out of range") }
            return value
        }
        let embedding = try positive("embedding_length")
        let blocks = try positive("block_count")
        let heads = try positive("attention.head_count")
        let headsKV = try file.optionalInt(key("attention.head_count_kv")) ?? heads
        guard headsKV > 0, heads % headsKV == 0 else {
            throw ModelError("\(file.file.fileName): \(key("attention.head_count_kv")) = \(headsKV) does not divide \(key("attention.head_count")) = \(heads)")
        }
        let headDimension = try file.optionalInt(key("attention.key_length")) ?? (embedding / heads)
        guard headDimension > 0, headDimension % 2 == 0, headDimension <= 1024 else {
            throw ModelError("\(file.file.fileName): head dimension \(headDimension) is not a positive even number up to 1024")
        }
        if let valueLength = try file.optionalInt(key("attention.value_length")), valueLength != headDimension {
            throw ModelError("\(file.file.fileName): \(key("attention.value_length")) = \(valueLength) differs from the key length \(headDimension); not supported")
        }
        let context = try file.optionalInt(key("context_length")) ?? 2048
        guard context > 0, context <= DecoderModel.contextLimit else {
            throw ModelError("\(file.file.fileName): \(key("context_length")) = \(context) is out of range (1...\(DecoderModel.contextLimit))")
        }
        let epsilon = try file.optionalFloat(key(defaultEpsilonKey)) ?? 1e-5
        guard epsilon > 0, epsilon < 1 else { throw ModelError("\(file.file.fileName): \(key(defaultEpsilonKey)) = \(epsilon) is out of range") }
        var architecture = DecoderArchitecture(
            name: arch, embeddingLength: embedding, blockCount: blocks,
            feedForwardLength: try file.optionalInt(key("feed_forward_length")) == nil && file.optionalInt(key("expert_feed_forward_length")) != nil
                ? try positive("expert_feed_forward_length") : try positive("feed_forward_length"), headCount: heads, headCountKV: headsKV,
            headDimension: headDimension, contextLength: context,
            normEpsilon: epsilon)
        if let base = try file.optionalFloat(key("rope.freq_base")) {
            guard base > 0, base.isFinite else { throw ModelError("\(file.file.fileName): \(key("rope.freq_base")) = \(base) is out of range") }
            architecture.ropeBase = base
        }
        if let dimensions = try file.optionalInt(key("rope.dimension_count")) {
            guard dimensions > 0, dimensions <= headDimension, dimensions % 2 == 0 else {
                throw ModelError("\(file.file.fileName): \(key("rope.dimension_count")) = \(dimensions) must be even and at most the head dimension \(headDimension)")
            }
            architecture.rotaryDimensions = dimensions
        }
        if let original = try file.optionalInt(key("rope.scaling.original_context_length")) {
            guard original > 0, original <= 1 << 24 else {
                throw ModelError("\(file.file.fileName): \(key("rope.scaling.original_context_length")) = \(original) is out of range")
            }
            architecture.ropeOriginalContext = original
        }
        if let factor = try file.optionalFloat(key("rope.scaling.attn_factor")) {
            guard factor > 0, factor.isFinite else { throw ModelError("\(file.file.fileName): \(key("rope.scaling.attn_factor")) = \(factor) is out of range") }
            architecture.ropeAttentionFactor = factor
        }
        // As llama.cpp's llama_model::load_hparams: the type defaults to linear, and its factor
        // (or the older `rope.scale_linear`) applies whenever it is there.
        let scaling = try file.optionalString(key("rope.scaling.type")) ?? "linear"
        let factor = try file.optionalFloat(key("rope.scaling.factor")) ?? file.optionalFloat(key("rope.scale_linear"))
        switch scaling {
        case "none":
            break
        case "linear":
            if let factor, factor != 0 {
                guard factor > 0, factor.isFinite else { throw ModelError("\(file.file.fileName): \(key("rope.scaling.factor")) = \(factor) is out of range") }
                architecture.ropeScale = factor
            }
        case let other where ropeScalingTypes.contains(other):
            break
        default:
            throw ModelError("\(file.file.fileName): \(key("rope.scaling.type")) = \(scaling) is not implemented (this engine computes none and linear\(ropeScalingTypes.isEmpty ? "" : " and " + ropeScalingTypes.sorted().joined(separator: ", ")) for \(arch)); refusing the model rather than computing it wrong")
        }
        return architecture
    }
}

extension DecoderArchitecture {
    /// Reads the hyper-parameters Hugging Face's decoder configs share (`hidden_size`,
    /// `num_hidden_layers`, ...), with the same checks as the GGUF ones. `name` is the engine's
    /// architecture name. RoPE scaling beyond `linear` is refused unless the caller names it in
    /// `ropeScalingTypes` and reads it itself.
    public static func common(huggingFace c: HuggingFaceConfig, name: String, epsilonKey: String = "rms_norm_eps",
                              ropeScalingTypes: Set<String> = []) throws -> DecoderArchitecture {
        let embedding = try c.size("hidden_size")
        let heads = try c.size("num_attention_heads")
        let headsKV = try c.optionalSize("num_key_value_heads") ?? heads
        guard heads % headsKV == 0 else {
            throw c.refuse("num_key_value_heads", "= \(headsKV) does not divide num_attention_heads = \(heads)")
        }
        let headDimension = try c.optionalSize("head_dim") ?? embedding / heads
        guard headDimension % 2 == 0, headDimension <= 1024 else {
            throw c.refuse("head_dim", "= \(headDimension) is not an even number up to 1024")
        }
        let context = try c.optionalSize("max_position_embeddings") ?? 2048
        let epsilon = try c.optionalFloat(epsilonKey, in: Float.leastNonzeroMagnitude...0.5) ?? 1e-6
        var a = DecoderArchitecture(name: name, embeddingLength: embedding, blockCount: try c.size("num_hidden_layers"),
                                    feedForwardLength: try c.size("intermediate_size"), headCount: heads, headCountKV: headsKV,
                                    headDimension: headDimension, contextLength: context, normEpsilon: epsilon)
        if let base = try c.optionalFloat("rope_theta", in: Float.leastNonzeroMagnitude...Float.greatestFiniteMagnitude) {
            a.ropeBase = base
        }
        if let factor = try c.optionalFloat("partial_rotary_factor", in: 0.01...1) {
            a.rotaryDimensions = Int((Float(headDimension) * factor).rounded()) / 2 * 2
        }
        if let scaling = try c.optionalObject("rope_scaling") {
            let type = try scaling.optionalString("rope_type") ?? scaling.optionalString("type") ?? "default"
            switch type {
            case "default":
                break
            case "linear":
                a.ropeScale = try scaling.optionalFloat("factor", in: 1e-3...1e6) ?? 1
            case let other where ropeScalingTypes.contains(other):
                break
            default:
                throw c.refuse("rope_scaling", "type \(type) is not implemented for \(name) folders (this engine computes default and linear\(ropeScalingTypes.isEmpty ? "" : " and " + ropeScalingTypes.sorted().joined(separator: ", "))); refusing the model rather than computing it wrong")
            }
        }
        if let act = try c.optionalString("hidden_act") ?? c.optionalString("hidden_activation") {
            switch act {
            case "silu", "swish": a.activation = .silu
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast": a.activation = .geluTanh
            case "gelu": a.activation = .gelu
            default: throw c.refuse(c.has("hidden_act") ? "hidden_act" : "hidden_activation", "\(act) is not an activation this engine computes")
            }
        }
        return a
    }
}

