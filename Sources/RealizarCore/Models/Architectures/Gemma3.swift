/// Gemma 3: RMS norms before and after attention and feed-forward, per-head q/k norms, GeGLU,
/// embeddings scaled by sqrt(n_embd), NeoX RoPE, and five sliding-window layers for every global
/// one. The sliding-window layers have their own RoPE base (10,000 unless `rope.freq_base_swa`
/// says otherwise) and are never position-scaled: linear RoPE scaling (Gemma 3 4B–27B, factor 8)
/// applies to the global layers only, as in llama.cpp (`get_rope_freq_scale`, llama-model.cpp).
enum Gemma3: Architecture {
    static let names = ["gemma3"]

    static func configuration(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file)
        a.activation = .geluTanh
        a.rotary = .halves
        a.embeddingScale = Float(a.embeddingLength).squareRoot()
        a.localRopeBase = try file.optionalFloat("gemma3.rope.freq_base_swa") ?? 10_000
        if let window = try file.optionalInt("gemma3.attention.sliding_window") {
            guard window > 0 else { throw ModelError("\(file.file.fileName): gemma3.attention.sliding_window = \(window) must be positive") }
            a.slidingWindow = window
            let pattern = try file.optionalInt("gemma3.attention.sliding_window_pattern") ?? 6
            guard pattern > 0 else { throw ModelError("\(file.file.fileName): gemma3.attention.sliding_window_pattern must be positive") }
            a.slidingLayers = Set((0..<a.blockCount).filter { ($0 + 1) % pattern != 0 })
        }
        if let scalar = try file.optionalFloat("gemma3.attention.query_pre_attn_scalar"), scalar > 0 {
            a.attentionScale = 1 / scalar.squareRoot()
        } else if a.blockCount == 62 {
            // llama.cpp's converter writes no query_pre_attn_scalar; it takes 62 blocks for the 27B
            // model, whose scalar is n_embd / n_head (168) rather than the head dimension (128)
            // (src/models/gemma3.cpp, after gemma_pytorch's config).
            a.attentionScale = 1 / Float(a.embeddingLength / a.headCount).squareRoot()
        }
        a.finalLogitSoftcap = try file.optionalFloat("gemma3.final_logit_softcapping").flatMap { $0 > 0 ? $0 : nil }
        return a
    }

    static func build(_ a: DecoderArchitecture, _ g: inout GraphBuilder) throws {
        try g.sandwichNormDecoder(a, globalRotation: a.rotation(), localRotation: a.rotation(base: a.localRopeBase, scale: 1))
    }
}

extension Gemma3 {
    static let huggingFaceTypes = ["gemma3_text"]
    /// Norms around both sub-layers; every norm weight `w` of the checkpoint means `1 + w`.
    static let huggingFaceNames: HuggingFaceNames = {
        var names = HuggingFaceNames.decoder.replacing(block: [
            ("post_attention_layernorm", "post_attention_norm"), ("pre_feedforward_layernorm", "ffn_norm"),
            ("post_feedforward_layernorm", "post_ffw_norm"),
        ])
        names.transforms = Dictionary(uniqueKeysWithValues: ["attn_norm", "post_attention_norm", "ffn_norm", "post_ffw_norm",
                                                             "attn_q_norm", "attn_k_norm"].map { ("blk.*.\($0).weight", .addOne) })
        names.transforms["output_norm.weight"] = .addOne
        return names
    }()

    static func configuration(huggingFace c: HuggingFaceConfig) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(huggingFace: c, name: "gemma3")
        if !c.has("hidden_activation") && !c.has("hidden_act") { a.activation = .geluTanh }
        a.rotary = .halves
        a.embeddingScale = Float(a.embeddingLength).squareRoot()
        a.localRopeBase = try c.optionalFloat("rope_local_base_freq", in: 1...1e12) ?? 10_000
        if let window = try c.optionalSize("sliding_window") {
            a.slidingWindow = window
            if let types = try c.optionalStrings("layer_types") {
                guard types.count == a.blockCount else { throw c.refuse("layer_types", "has \(types.count) entries for \(a.blockCount) layers") }
                a.slidingLayers = Set(types.indices.filter { types[$0] == "sliding_attention" })
            } else {
                let pattern = try c.optionalSize("sliding_window_pattern") ?? 6
                a.slidingLayers = Set((0..<a.blockCount).filter { ($0 + 1) % pattern != 0 })
            }
        }
        if let scalar = try c.optionalFloat("query_pre_attn_scalar", in: 1e-6...1e9) { a.attentionScale = 1 / scalar.squareRoot() }
        a.finalLogitSoftcap = try c.optionalFloat("final_logit_softcapping", in: 1e-6...1e9)
        a.attentionLogitSoftcap = try c.optionalFloat("attn_logit_softcapping", in: 1e-6...1e9)
        return a
    }
}
