import Foundation

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

extension Llama {
    static let huggingFaceTypes = ["llama", "mistral"]

    /// Hugging Face checkpoints keep q/k unpermuted, so their RoPE pairs dimension i with i + d/2.
    static func configuration(huggingFace c: HuggingFaceConfig) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(huggingFace: c, name: "llama", ropeScalingTypes: ["llama3"])
        a.rotary = .halves
        if let window = try c.optionalSize("sliding_window") {
            a.slidingWindow = window
            a.slidingLayers = Set(0..<a.blockCount)
        }
        return a
    }

    /// Llama 3.1's frequency divisors, as llama.cpp's converter writes `rope_freqs.weight`.
    static func derivedTensors(huggingFace c: HuggingFaceConfig, _ a: DecoderArchitecture) throws -> [(String, [Float])] {
        guard let scaling = try c.optionalObject("rope_scaling"),
              try (scaling.optionalString("rope_type") ?? scaling.optionalString("type")) == "llama3" else { return [] }
        let factor = try scaling.optionalFloat("factor", in: 1...1e4) ?? 8
        let low = try scaling.optionalFloat("low_freq_factor", in: 1e-3...1e4) ?? 1
        let high = try scaling.optionalFloat("high_freq_factor", in: 1e-3...1e4) ?? 4
        let original = Float(try scaling.optionalSize("original_max_position_embeddings") ?? 8192)
        guard high > low else { throw c.refuse("rope_scaling.high_freq_factor", "must exceed low_freq_factor") }
        let dimensions = a.rotaryDimensions
        let factors = stride(from: 0, to: dimensions, by: 2).map { i -> Float in
            let frequency = 1 / pow(Double(a.ropeBase), Double(i) / Double(dimensions))
            let wavelength = Float(2 * Double.pi / frequency)
            if wavelength < original / high { return 1 }
            if wavelength > original / low { return factor }
            let smooth = (original / wavelength - low) / (high - low)
            return 1 / ((1 - smooth) / factor + smooth)
        }
        return [("rope_freqs.weight", factors)]
    }
}
