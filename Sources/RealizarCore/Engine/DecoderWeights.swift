/// The tensors of a decoder-only model, looked up by llama.cpp's names and checked for shape.
public struct DecoderWeights: Sendable {
    public struct Layer: Sendable {
        var attentionNorm: [Float]
        var attentionNormBias: [Float]?
        /// Either separate q/k/v projections or one fused `attn_qkv`.
        var query, key, value: WeightMatrix?
        var fusedQKV: WeightMatrix?
        var queryBias, keyBias, valueBias, fusedQKVBias: [Float]?
        var queryNorm, keyNorm: [Float]?
        var output: WeightMatrix
        var outputBias: [Float]?
        var postAttentionNorm: [Float]?
        var feedForwardNorm: [Float]
        var feedForwardNormBias: [Float]?
        /// nil for ungated MLPs (GPT-2), and for Phi-3 whose `ffn_up` holds gate and up stacked.
        var gate: WeightMatrix?
        var up: WeightMatrix
        var upBias: [Float]?
        var down: WeightMatrix
        var downBias: [Float]?
        var postFeedForwardNorm: [Float]?
    }

    public let tokenEmbedding: WeightMatrix
    public let positionEmbedding: WeightMatrix?
    public let layers: [Layer]
    public let outputNorm: [Float]
    public let outputNormBias: [Float]?
    /// The output projection: `output.weight`, or the token embedding when tied.
    public let output: WeightMatrix
    public let outputBias: [Float]?
    /// Divisors of the RoPE frequencies, one per rotated pair: `rope_freqs.weight` (Llama 3.1's
    /// "llama3" scaling, written by llama.cpp's converter). They apply at every position.
    public let ropeFrequencyFactors: [Float]?
    /// LongRoPE's divisors (Phi-3 128k): `rope_factors_short.weight` for contexts up to
    /// `DecoderArchitecture.ropeOriginalContext`, `rope_factors_long.weight` past it.
    public let ropeShortFactors, ropeLongFactors: [Float]?

    /// Looks up every tensor `architecture` needs in `file`.
    public init(file: GGUFFile, architecture a: DecoderArchitecture) throws {
        let reader = TensorLookup(file: file)
        let d = a.embeddingLength
        let qDim = a.headCount * a.headDimension
        let kvDim = a.headCountKV * a.headDimension
        tokenEmbedding = try reader.matrix("token_embd.weight", columns: d)
        positionEmbedding = try reader.optionalMatrix("position_embd.weight", rows: a.contextLength, columns: d)
        let layerNorm = a.normalization == .layer
        if let extra = file.tensors.first(where: { Self.blockIndex(of: $0.name).map { $0 >= a.blockCount } ?? false }) {
            throw ModelError("\(file.file.fileName): tensor \(extra.name) belongs to a block past \(a.name).block_count = \(a.blockCount)")
        }
        var layers: [Layer] = []
        for i in 0..<a.blockCount {
            let p = "blk.\(i)."
            let fused = try reader.optionalMatrix(p + "attn_qkv.weight", rows: qDim + 2 * kvDim, columns: d)
            let gate = try reader.optionalMatrix(p + "ffn_gate.weight", rows: a.feedForwardLength, columns: d)
            let gated = gate != nil || a.name == "phi3"
            layers.append(Layer(
                attentionNorm: try reader.vector(p + "attn_norm.weight", count: d),
                attentionNormBias: layerNorm ? try reader.vector(p + "attn_norm.bias", count: d) : nil,
                query: fused == nil ? try reader.matrix(p + "attn_q.weight", rows: qDim, columns: d) : nil,
                key: fused == nil ? try reader.matrix(p + "attn_k.weight", rows: kvDim, columns: d) : nil,
                value: fused == nil ? try reader.matrix(p + "attn_v.weight", rows: kvDim, columns: d) : nil,
                fusedQKV: fused,
                queryBias: try reader.optionalVector(p + "attn_q.bias", count: qDim),
                keyBias: try reader.optionalVector(p + "attn_k.bias", count: kvDim),
                valueBias: try reader.optionalVector(p + "attn_v.bias", count: kvDim),
                fusedQKVBias: try reader.optionalVector(p + "attn_qkv.bias", count: qDim + 2 * kvDim),
                queryNorm: try reader.optionalVector(p + "attn_q_norm.weight", count: a.headDimension),
                keyNorm: try reader.optionalVector(p + "attn_k_norm.weight", count: a.headDimension),
                output: try reader.matrix(p + "attn_output.weight", rows: d, columns: qDim),
                outputBias: try reader.optionalVector(p + "attn_output.bias", count: d),
                postAttentionNorm: try reader.optionalVector(p + "post_attention_norm.weight", count: d),
                feedForwardNorm: try reader.vector(p + "ffn_norm.weight", count: d),
                feedForwardNormBias: layerNorm ? try reader.vector(p + "ffn_norm.bias", count: d) : nil,
                gate: gate,
                up: try reader.matrix(p + "ffn_up.weight", rows: (gated && gate == nil ? 2 : 1) * a.feedForwardLength, columns: d),
                upBias: try reader.optionalVector(p + "ffn_up.bias", count: a.feedForwardLength),
                down: try reader.matrix(p + "ffn_down.weight", rows: d, columns: a.feedForwardLength),
                downBias: try reader.optionalVector(p + "ffn_down.bias", count: d),
                postFeedForwardNorm: try reader.optionalVector(p + "post_ffw_norm.weight", count: d)))
        }
        self.layers = layers
        outputNorm = try reader.vector("output_norm.weight", count: d)
        outputNormBias = layerNorm ? try reader.vector("output_norm.bias", count: d) : nil
        output = try reader.optionalMatrix("output.weight", rows: tokenEmbedding.rows, columns: d) ?? tokenEmbedding
        outputBias = try reader.optionalVector("output.bias", count: tokenEmbedding.rows)
        ropeFrequencyFactors = try reader.optionalVector("rope_freqs.weight", count: a.rotaryDimensions / 2)
        ropeShortFactors = try reader.optionalVector("rope_factors_short.weight", count: a.rotaryDimensions / 2)
        ropeLongFactors = try reader.optionalVector("rope_factors_long.weight", count: a.rotaryDimensions / 2)
        try reader.checkAllUsed()
    }
}

extension DecoderWeights {
    /// Weight bytes one generated token reads: every layer's matrices and the output projection
    /// (embedding rows are a few KB).
    public var bytesPerToken: Int {
        let perLayer = layers.map { layer in
            [layer.query, layer.key, layer.value, layer.fusedQKV, layer.output, layer.gate, layer.up, layer.down]
                .compactMap { $0?.byteCount }.reduce(0, +)
        }
        return perLayer.reduce(0, +) + output.byteCount
    }

    /// N for a tensor named `blk.N.…`.
    static func blockIndex(of name: String) -> Int? {
        guard name.hasPrefix("blk.") else { return nil }
        return Int(name.dropFirst(4).prefix { $0 != "." })
    }
}

/// Finds tensors by name and checks their type and shape, with errors naming the tensor; remembers
/// which it found, so that a tensor nothing asked for is caught (`checkAllUsed`).
final class TensorLookup {
    let file: GGUFFile
    private(set) var used: Set<String> = []

    init(file: GGUFFile) {
        self.file = file
    }

    func info(_ name: String) throws -> GGUFTensorInfo {
        guard let tensor = file.tensor(named: name) else {
            throw ModelError("\(file.file.fileName): tensor \(name) is missing (the \(file.architecture ?? "model") architecture needs it)")
        }
        used.insert(name)
        return tensor
    }

    /// Throws for the first tensor of the file that no lookup took: a tensor the engine does not
    /// know changes what the model computes, and ignoring it would compute something else.
    func checkAllUsed() throws {
        if let extra = file.tensors.first(where: { !used.contains($0.name) }) {
            throw ModelError("\(file.file.fileName): tensor \(extra.name) is not one this engine computes with for the \(file.architecture ?? "model") architecture; refusing the model rather than ignoring it")
        }
    }

    func matrix(_ name: String, rows: Int? = nil, columns: Int) throws -> WeightMatrix {
        let tensor = try info(name)
        guard Dequantization.isSupported(tensor.type) else {
            throw ModelError("\(file.file.fileName): tensor \(name) has type \(tensor.type.name), which this engine cannot compute with yet")
        }
        let actualRows = tensor.shape.count > 1 ? tensor.shape[1...].reduce(1, *) : 1
        guard tensor.shape.first == columns, rows == nil || actualRows == rows else {
            throw ModelError("\(file.file.fileName): tensor \(name) has shape \(tensor.shape), expected [\(columns), \(rows.map(String.init) ?? "any")]")
        }
        return WeightMatrix(name: name, type: tensor.type, rows: actualRows, columns: columns,
                            data: file.data(of: tensor).baseAddress!)
    }

    func optionalMatrix(_ name: String, rows: Int, columns: Int) throws -> WeightMatrix? {
        file.tensor(named: name) == nil ? nil : try matrix(name, rows: rows, columns: columns)
    }

    func vector(_ name: String, count: Int) throws -> [Float] {
        let tensor = try info(name)
        guard tensor.elementCount == count, Dequantization.isSupported(tensor.type) else {
            throw ModelError("\(file.file.fileName): tensor \(name) has shape \(tensor.shape) of \(tensor.type.name), expected \(count) values")
        }
        return try Dequantization.dequantize(tensor.type, bytes: file.data(of: tensor))
    }

    func optionalVector(_ name: String, count: Int) throws -> [Float]? {
        file.tensor(named: name) == nil ? nil : try vector(name, count: count)
    }
}
