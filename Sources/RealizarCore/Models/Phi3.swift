/// Phi-3: fused q/k/v, gate and up stacked in one matrix, RMS norms, NeoX RoPE, optional sliding window.
enum Phi3 {
    static func architecture(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file)
        a.rotary = .halves
        if let window = try file.optionalInt("phi3.attention.sliding_window"), window > 0 {
            a.slidingWindow = window
            a.slidingLayers = Set(0..<a.blockCount)
        }
        return a
    }
}
