/// Phi-3: fused q/k/v, gate and up stacked in one matrix, RMS norms, NeoX RoPE, optional sliding window.
enum Phi3: Architecture {
    static let names = ["phi3"]

    static func configuration(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file)
        a.rotary = .halves
        if let window = try file.optionalInt("phi3.attention.sliding_window"), window > 0 {
            a.slidingWindow = window
            a.slidingLayers = Set(0..<a.blockCount)
        }
        return a
    }

    static func build(_ a: DecoderArchitecture, _ g: inout GraphBuilder) throws {
        let table = try g.weights.matrix("token_embd.weight", columns: a.embeddingLength)
        let x = g.embed(table)
        try g.preNormDecoder(a, x: x, table: table, rotation: g.rotation(a.rotation()), stackedFeedForward: true)
    }
}
