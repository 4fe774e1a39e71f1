/// Phi-3: fused q/k/v, gate and up stacked in one matrix, RMS norms, NeoX RoPE, optional sliding
/// window, and LongRoPE (Phi-3 128k, Phi-3.5): `rope_factors_short`/`_long` divide the frequencies,
/// the long ones for sequences whose context exceeds `rope.scaling.original_context_length` (as
/// llama.cpp's `get_rope_factors` chooses by the sequence's context), and `rope.scaling.attn_factor`
/// scales cosines and sines.
enum Phi3: Architecture {
    static let names = ["phi3"]

    static func configuration(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file, ropeScalingTypes: ["longrope"])
        a.rotary = .halves
        if let window = try file.optionalInt("phi3.attention.sliding_window"), window > 0 {
            a.slidingWindow = window
            a.slidingLayers = Set(0..<a.blockCount)
        }
        return a
    }

    static func build(_ a: DecoderArchitecture, _ g: inout GraphBuilder) throws {
        let table = try g.weights.matrix("token_embd.weight", columns: a.embeddingLength)
        let x = g.embed(table)
        var rotation = a.rotation()
        rotation.shortFactors = try g.weights.optionalVector("rope_factors_short.weight", count: a.rotaryDimensions / 2)
        rotation.longFactors = try g.weights.optionalVector("rope_factors_long.weight", count: a.rotaryDimensions / 2)
        try g.preNormDecoder(a, x: x, table: table, rotation: g.rotation(rotation), stackedFeedForward: true)
    }
}

extension Phi3 {
    static let huggingFaceTypes = ["phi3"]
    static let huggingFaceNames = HuggingFaceNames.decoder.replacing(block: [("self_attn.qkv_proj", "attn_qkv"), ("mlp.gate_up_proj", "ffn_up")])

    /// LongRoPE folders (Phi-3 128k) are refused by the shared reader: their factors would have to
    /// be derived from `rope_scaling` as llama.cpp's converter does.
    static func configuration(huggingFace c: HuggingFaceConfig) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(huggingFace: c, name: "phi3", epsilonKey: "rms_norm_eps")
        a.rotary = .halves
        if let window = try c.optionalSize("sliding_window") {
            a.slidingWindow = window
            a.slidingLayers = Set(0..<a.blockCount)
        }
        return a
    }
}
