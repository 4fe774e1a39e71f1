/// Qwen2 (biases on q/k/v) and Qwen3 (per-head q/k norms instead): RMS norms, SwiGLU, NeoX RoPE.
enum Qwen: Architecture {
    static let names = ["qwen2", "qwen3"]

    static func configuration(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file)
        a.rotary = .halves
        return a
    }

    static func build(_ a: DecoderArchitecture, _ g: inout GraphBuilder) throws {
        let table = try g.weights.matrix("token_embd.weight", columns: a.embeddingLength)
        let x = g.embed(table)
        try g.preNormDecoder(a, x: x, table: table, rotation: g.rotation(a.rotation()))
    }
}

extension Qwen {
    static let huggingFaceTypes = ["qwen2", "qwen3"]

    static func configuration(huggingFace c: HuggingFaceConfig) throws -> DecoderArchitecture {
        let type = try c.optionalString("model_type") ?? "qwen2"
        if try c.optionalBool("use_sliding_window") == true {
            throw c.refuse("use_sliding_window", "is true; Qwen's per-layer sliding window is not implemented for folders")
        }
        var a = try DecoderArchitecture.common(huggingFace: c, name: type)
        a.rotary = .halves
        return a
    }
}
