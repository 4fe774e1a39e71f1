/// BERT encoders (all-MiniLM-L6-v2, BGE, E5, ...): learned positions plus the first token-type
/// row, a LayerNorm over the embeddings, then per block `x = LN(x + attention(x))` and
/// `x = LN(x + ffn(x))` (norms after the residual add), with every token attending to its whole
/// text and an erf GELU MLP. The pass ends in the final hidden states, pooled by the engine.
enum Bert: Architecture {
    static let names = ["bert"]

    static func configuration(_ file: GGUFFile) throws -> DecoderArchitecture {
        var a = try DecoderArchitecture.common(file, defaultEpsilonKey: "attention.layer_norm_epsilon")
        encoder(&a)
        // llama.cpp's pooling types: 1 mean, 2 CLS, 3 last.
        switch try file.optionalInt("bert.pooling_type") ?? 1 {
        case 2: a.pooling = .cls
        case 3: a.pooling = .last
        default: a.pooling = .mean
        }
        return a
    }

    private static func encoder(_ a: inout DecoderArchitecture) {
        a.normalization = .layer
        a.activation = .gelu
        a.rotary = .none
        a.causal = false
        a.pooling = .mean
    }

    static func build(_ a: DecoderArchitecture, _ g: inout GraphBuilder) throws {
        let w = g.weights
        let d = a.embeddingLength
        func norm(_ prefix: String) throws -> NormWeights { try w.layerNorm(prefix, count: d, epsilon: a.normEpsilon) }
        let table = try w.matrix("token_embd.weight", columns: d)
        let x = g.embed(table, positions: try w.matrix("position_embd.weight", columns: d))
        if w.has("token_types.weight") {
            g.append(.addRow(x, table: try w.matrix("token_types.weight", columns: d), row: 0))
        }
        g.normalize(x, into: x, try norm("token_embd_norm"))
        let shape = a.attentionShape()
        for i in 0..<a.blockCount {
            let p = "blk.\(i)."
            let attended = g.attention(layer: i, input: x, try w.attention(p, shape: shape, width: d), shape: shape,
                                       rotation: nil, normEpsilon: a.normEpsilon)
            g.add(x, attended)
            g.normalize(x, into: x, try norm(p + "attn_output_norm"))
            let fed = g.feedForward(input: x, try w.feedForward(p, width: d, hidden: a.feedForwardLength), activation: a.activation)
            g.add(x, fed)
            g.normalize(x, into: x, try norm(p + "layer_output_norm"))
        }
        g.cache(layers: a.blockCount, rowWidth: a.headCountKV * a.headDimension)
        g.hiddenStates(x)
    }
}

extension Bert {
    static let huggingFaceTypes = ["bert"]
    static let huggingFaceNames = HuggingFaceNames(
        global: [("embeddings.word_embeddings.weight", "token_embd.weight"),
                 ("embeddings.position_embeddings.weight", "position_embd.weight"),
                 ("embeddings.token_type_embeddings.weight", "token_types.weight"),
                 ("embeddings.LayerNorm.weight", "token_embd_norm.weight"), ("embeddings.LayerNorm.bias", "token_embd_norm.bias")],
        block: [("attention.self.query", "attn_q"), ("attention.self.key", "attn_k"), ("attention.self.value", "attn_v"),
                ("attention.output.dense", "attn_output"), ("attention.output.LayerNorm", "attn_output_norm"),
                ("intermediate.dense", "ffn_up"), ("output.dense", "ffn_down"), ("output.LayerNorm", "layer_output_norm")],
        blockPrefix: "encoder.layer.",
        // The pooler feeds BERT's next-sentence head, which sentence embeddings do not use.
        unused: ["embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"])

    static func configuration(huggingFace c: HuggingFaceConfig) throws -> DecoderArchitecture {
        if let type = try c.optionalString("position_embedding_type"), type != "absolute" {
            throw c.refuse("position_embedding_type", "\(type) is not implemented (only absolute)")
        }
        var a = try DecoderArchitecture.common(huggingFace: c, name: "bert", epsilonKey: "layer_norm_eps")
        let activation = a.activation
        encoder(&a)
        if c.has("hidden_act") { a.activation = activation }
        return a
    }
}
