/// Llama 2/3, Mistral, SmolLM2, TinyLlama: RMS norms, SwiGLU, grouped-query attention, RoPE on
/// adjacent pairs (llama.cpp's GGUF conversion permutes q/k for that), optional linear RoPE scaling.
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
        try g.preNormDecoder(a, x: x, table: table, rotation: g.rotation(a.rotation()))
    }
}
