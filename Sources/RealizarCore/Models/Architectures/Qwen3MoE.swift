/// Qwen3-MoE: Qwen 3's attention (per-head q/k norms, NeoX RoPE) with a mixture-of-experts
/// feed-forward block: a softmax router picks `expert_used_count` of `expert_count` SwiGLU experts
/// per token and their weights are renormalised over the chosen ones (llama.cpp's
/// `build_moe_ffn` with `norm_w`).
enum Qwen3MoE: Architecture {
    static let names = ["qwen3moe"]

    static func configuration(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file)
        a.rotary = .halves
        a.experts = try experts(file)
        return a
    }

    static func experts(_ file: GGUFFile) throws -> DecoderArchitecture.Experts {
        func positive(_ key: String) throws -> Int {
            let value = try file.int("qwen3moe.\(key)")
            guard value > 0, value < 1 << 20 else { throw ModelError("\(file.file.fileName): qwen3moe.\(key) = \(value) is out of range") }
            return value
        }
        let experts = DecoderArchitecture.Experts(count: try positive("expert_count"), used: try positive("expert_used_count"),
                              hidden: try positive("expert_feed_forward_length"))
        guard experts.used <= experts.count else {
            throw ModelError("\(file.file.fileName): qwen3moe.expert_used_count = \(experts.used) exceeds expert_count = \(experts.count)")
        }
        return experts
    }

    static func build(_ a: DecoderArchitecture, _ g: inout GraphBuilder) throws {
        let w = g.weights
        let d = a.embeddingLength
        let experts = a.experts!
        func norm(_ name: String) throws -> NormWeights { try w.rmsNorm(name, count: d, epsilon: a.normEpsilon) }
        let table = try w.matrix("token_embd.weight", columns: d)
        let x = g.embed(table)
        let rotation = g.rotation(a.rotation())
        for i in 0..<a.blockCount {
            let p = "blk.\(i)."
            let shape = a.attentionShape()
            let attended = g.attention(layer: i, input: g.normalized(x, try norm(p + "attn_norm.weight")),
                                       try w.attention(p, shape: shape, width: d), shape: shape,
                                       rotation: rotation, normEpsilon: a.normEpsilon)
            g.add(x, attended)
            let h = g.normalized(x, try norm(p + "ffn_norm.weight"))
            let fed = g.tensor("projected", width: d)
            g.append(.mixtureOfExperts(MixtureOfExperts(
                input: h, output: fed,
                router: try w.matrix(p + "ffn_gate_inp.weight", rows: experts.count, columns: d),
                gate: try w.matrix(p + "ffn_gate_exps.weight", rows: experts.count * experts.hidden, columns: d),
                up: try w.matrix(p + "ffn_up_exps.weight", rows: experts.count * experts.hidden, columns: d),
                down: try w.matrix(p + "ffn_down_exps.weight", rows: experts.count * d, columns: experts.hidden),
                experts: experts.count, used: experts.used, hidden: experts.hidden, activation: .silu, normalizeWeights: true)))
            g.add(x, fed)
        }
        g.cache(layers: a.blockCount, rowWidth: a.headCountKV * a.headDimension)
        g.logits(x, norm: try norm("output_norm.weight"),
                 output: try w.optionalMatrix("output.weight", rows: w.rows(of: table), columns: d) ?? table)
    }
}
