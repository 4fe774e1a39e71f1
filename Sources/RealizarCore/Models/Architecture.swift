/// One model family: how its file's metadata reads as a configuration, and its forward pass in
/// shared layers. Each lives in one file of `Models/Architectures/` and one line of
/// `ModelRegistry`; nothing outside that file knows its name.
public protocol Architecture {
    /// The `general.architecture` values it runs.
    static var names: [String] { get }
    /// The hyper-parameters, read and checked.
    static func configuration(_ metadata: GGUFFile) throws -> DecoderArchitecture
    /// Declares the weights and records the forward pass.
    static func build(_ configuration: DecoderArchitecture, _ graph: inout GraphBuilder) throws

    /// The `model_type` values of a Hugging Face `config.json` it runs (none by default).
    static var huggingFaceTypes: [String] { get }
    /// Its tensors' names in a Hugging Face checkpoint.
    static var huggingFaceNames: HuggingFaceNames { get }
    /// The hyper-parameters from a model folder's `config.json`, read and checked.
    static func configuration(huggingFace config: HuggingFaceConfig) throws -> DecoderArchitecture
    /// Tensors `config.json` implies that a checkpoint does not hold (f32 values by llama.cpp name).
    static func derivedTensors(huggingFace config: HuggingFaceConfig, _ configuration: DecoderArchitecture) throws -> [(String, [Float])]
}

extension Architecture {
    public static var huggingFaceTypes: [String] { [] }
    public static var huggingFaceNames: HuggingFaceNames { .decoder }
    public static func configuration(huggingFace config: HuggingFaceConfig) throws -> DecoderArchitecture {
        throw ModelError("\(config.path): \(names[0]) models are run from GGUF files only")
    }
    public static func derivedTensors(huggingFace config: HuggingFaceConfig, _ configuration: DecoderArchitecture) throws -> [(String, [Float])] {
        []
    }
}

extension DecoderArchitecture {
    /// Heads, head size and scale of every attention layer; `window` for sliding-window ones.
    public func attentionShape(window: Int? = nil) -> AttentionShape {
        var shape = AttentionShape(heads: headCount, kvHeads: headCountKV, headDimension: headDimension, scale: attentionScale,
                                   window: window, softCap: attentionLogitSoftcap)
        shape.causal = causal
        return shape
    }

    /// RoPE over the configured dimensions with `base` and `scale` (the model's unless given).
    public func rotation(base: Float? = nil, scale: Float? = nil) -> RotaryEmbedding {
        var rotation = RotaryEmbedding(style: rotary, dimensions: rotaryDimensions, base: base ?? ropeBase, scale: scale ?? ropeScale)
        rotation.magnitude = ropeAttentionFactor
        rotation.originalContext = ropeOriginalContext
        return rotation
    }
}

extension GraphBuilder {
    /// The pre-norm decoder most families share: per block, `x += attention(norm(x))` then
    /// `x += ffn(norm(x))`, with llama.cpp's tensor names; then the output layer (tied to the
    /// embedding when the file has no `output.weight`). Norms are LayerNorms with biases when the
    /// configuration says so, else RMS norms.
    public mutating func preNormDecoder(_ a: DecoderArchitecture, x: TensorRef, table: MatrixRef, rotation: RotaryRef?,
                                        stackedFeedForward: Bool = false) throws {
        let w = weights
        let d = a.embeddingLength
        func norm(_ prefix: String) throws -> NormWeights {
            a.normalization == .layer ? try w.layerNorm(prefix, count: d, epsilon: a.normEpsilon)
                : try w.rmsNorm(prefix + ".weight", count: d, epsilon: a.normEpsilon)
        }
        for i in 0..<a.blockCount {
            let p = "blk.\(i)."
            let window = a.slidingLayers.contains(i) ? a.slidingWindow : nil
            let attended = attention(layer: i, input: normalized(x, try norm(p + "attn_norm")),
                                     try w.attention(p, shape: a.attentionShape(window: window), width: d),
                                     shape: a.attentionShape(window: window), rotation: rotation, normEpsilon: a.normEpsilon)
            add(x, attended)
            let fed = feedForward(input: normalized(x, try norm(p + "ffn_norm")),
                                  try w.feedForward(p, width: d, hidden: a.feedForwardLength, stacked: stackedFeedForward),
                                  activation: a.activation)
            add(x, fed)
        }
        cache(layers: a.blockCount, rowWidth: a.headCountKV * a.headDimension)
        logits(x, norm: try norm("output_norm"),
               output: try w.optionalMatrix("output.weight", rows: w.rows(of: table), columns: d) ?? table,
               bias: try w.optionalVector("output.bias", count: w.rows(of: table)), softCap: a.finalLogitSoftcap)
    }
}

extension GraphBuilder {
    /// Gemma's decoder: norms before and after each sub-layer (`post_attention_norm`,
    /// `post_ffw_norm`), sliding-window layers rotated by `localRotation`, the others by
    /// `globalRotation`, embeddings scaled, and the output tied unless the file has its own.
    public mutating func sandwichNormDecoder(_ a: DecoderArchitecture, globalRotation: RotaryEmbedding,
                                             localRotation: RotaryEmbedding) throws {
        let w = weights
        let d = a.embeddingLength
        func norm(_ name: String) throws -> NormWeights {
            try w.rmsNorm(name, count: d, epsilon: a.normEpsilon)
        }
        let table = try w.matrix("token_embd.weight", columns: d)
        let x = embed(table, scale: a.embeddingScale)
        let global = rotation(globalRotation)
        let local = rotation(localRotation)
        for i in 0..<a.blockCount {
            let p = "blk.\(i)."
            let sliding = a.slidingLayers.contains(i)
            let shape = a.attentionShape(window: sliding ? a.slidingWindow : nil)
            let attended = attention(layer: i, input: normalized(x, try norm(p + "attn_norm.weight")),
                                     try w.attention(p, shape: shape, width: d), shape: shape,
                                     rotation: sliding ? local : global, normEpsilon: a.normEpsilon)
            normalize(attended, into: attended, try norm(p + "post_attention_norm.weight"))
            add(x, attended)
            let fed = feedForward(input: normalized(x, try norm(p + "ffn_norm.weight")),
                                  try w.feedForward(p, width: d, hidden: a.feedForwardLength), activation: a.activation)
            normalize(fed, into: fed, try norm(p + "post_ffw_norm.weight"))
            add(x, fed)
        }
        cache(layers: a.blockCount, rowWidth: a.headCountKV * a.headDimension)
        logits(x, norm: try norm("output_norm.weight"),
               output: try w.optionalMatrix("output.weight", rows: w.rows(of: table), columns: d) ?? table,
               softCap: a.finalLogitSoftcap)
    }
}
