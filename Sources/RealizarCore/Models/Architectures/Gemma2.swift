/// Gemma 2: Gemma's norms before and after attention and feed-forward, GeGLU, embeddings scaled by
/// sqrt(n_embd), NeoX RoPE with one base, sliding windows on every other layer (the even ones),
/// and soft-capped attention scores and final logits.
enum Gemma2: Architecture {
    static let names = ["gemma2"]

    static func configuration(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file)
        a.activation = .geluTanh
        a.rotary = .halves
        a.embeddingScale = Float(a.embeddingLength).squareRoot()
        a.localRopeBase = try file.optionalFloat("gemma2.rope.freq_base_swa")
        // Gemma 2's window is 4,096 unless the file says otherwise (as in llama.cpp).
        let window = try file.optionalInt("gemma2.attention.sliding_window") ?? 4096
        guard window > 0 else { throw ModelError("\(file.file.fileName): gemma2.attention.sliding_window = \(window) must be positive") }
        a.slidingWindow = window
        a.slidingLayers = Set((0..<a.blockCount).filter { $0 % 2 == 0 })
        // llama.cpp scales Gemma 2 27B's scores by its width per head, the others by the head size.
        if a.blockCount == 46 {
            a.attentionScale = 1 / Float(a.embeddingLength / a.headCount).squareRoot()
        }
        a.attentionLogitSoftcap = try positive(file, "gemma2.attn_logit_softcapping") ?? 50
        a.finalLogitSoftcap = try positive(file, "gemma2.final_logit_softcapping") ?? 30
        return a
    }

    private static func positive(_ file: GGUFFile, _ key: String) throws -> Float? {
        guard let value = try file.optionalFloat(key) else { return nil }
        guard value > 0, value.isFinite else { throw ModelError("\(file.file.fileName): \(key) = \(value) must be positive") }
        return value
    }

    static func build(_ a: DecoderArchitecture, _ g: inout GraphBuilder) throws {
        try g.sandwichNormDecoder(a, globalRotation: a.rotation(), localRotation: a.rotation(base: a.localRopeBase))
    }
}
