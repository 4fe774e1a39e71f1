/// Llama 2/3, Mistral, SmolLM2, TinyLlama: RMS norms, SwiGLU, grouped-query attention, RoPE on
/// adjacent pairs (llama.cpp's GGUF conversion permutes q/k for that), optional linear RoPE scaling.
enum Llama {
    static func architecture(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file)
        a.rotary = .adjacent
        return a
    }
}
