/// Qwen2 (biases on q/k/v) and Qwen3 (per-head q/k norms instead): RMS norms, SwiGLU, NeoX RoPE.
enum Qwen {
    static func architecture(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file)
        a.rotary = .halves
        return a
    }
}
