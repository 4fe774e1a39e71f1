/// Llama 2/3, Mistral, SmolLM2, TinyLlama: RMS norms, SwiGLU, grouped-query attention, RoPE on
/// adjacent pairs (llama.cpp's GGUF conversion permutes q/k for that), optional linear RoPE scaling,
/// and Llama 3.1's per-frequency divisors (`rope_freqs.weight`, llama.cpp's `freq_factors`).
enum Llama: Architecture {
    static let names = ["llama", "mistral"]

    static func configuration(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file)
        a.rotary = .adjacent
        return a
    }

    static func build(_ a: DecoderArchitecture, _ g: inout GraphBuilder) throws {
        let table = try g.weights.matrix("token_embd.weight", columns: a.embeddingLength)
        let x = g.embed(table)
        var rotation = a.rotation()
        rotation.factors = try g.weights.optionalVector("rope_freqs.weight", count: a.rotaryDimensions / 2)
        try g.preNormDecoder(a, x: x, table: table, rotation: g.rotation(rotation))
    }
}
