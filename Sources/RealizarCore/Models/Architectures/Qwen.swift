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
