/// GPT-2: learned absolute positions, LayerNorm with biases, fused q/k/v, GELU MLP without a gate,
/// biases everywhere.
enum GPT2 {
    static func architecture(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file, defaultEpsilonKey: "attention.layer_norm_epsilon")
        a.normalization = .layer
        a.activation = .geluTanh
        a.rotary = .none
        return a
    }
}
