/// GPT-2: learned absolute positions, LayerNorm with biases, fused q/k/v, GELU MLP without a gate,
/// biases everywhere.
enum GPT2: Architecture {
    static let names = ["gpt2"]

    static func configuration(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file, defaultEpsilonKey: "attention.layer_norm_epsilon")
        a.normalization = .layer
        a.activation = .geluTanh
        a.rotary = .none
        return a
    }

    static func build(_ a: DecoderArchitecture, _ g: inout GraphBuilder) throws {
        let d = a.embeddingLength
        let table = try g.weights.matrix("token_embd.weight", columns: d)
        let positions = try g.weights.matrix("position_embd.weight", columns: d)
        let x = g.embed(table, positions: positions)
        try g.preNormDecoder(a, x: x, table: table, rotation: nil)
    }
}
