/// The layers transformer architectures share, written once: architecture files compose them
/// (as llama.cpp's model files compose `build_norm`, `build_attn` and `build_ffn`).

/// A norm's parameters: RMS norm without a bias, LayerNorm with one.
public struct NormWeights: Sendable {
    public var weight: VectorRef
    public var bias: VectorRef?
    public var epsilon: Float
}

/// The tensors of one attention layer.
public struct AttentionWeights: Sendable {
    public enum Projections: Sendable {
        case separate(query: MatrixRef, key: MatrixRef, value: MatrixRef)
        /// One `attn_qkv` matrix whose rows are the query, key and value projections in turn.
        case fused(MatrixRef)
    }

    public var projections: Projections
    public var queryBias, keyBias, valueBias, fusedBias: VectorRef?
    /// Per-head RMS norms of queries and keys (Qwen 3, Gemma 3).
    public var queryNorm, keyNorm: VectorRef?
    public var output: MatrixRef
    public var outputBias: VectorRef?
}

/// The tensors of one feed-forward block.
public struct FeedForwardWeights: Sendable {
    public enum Input: Sendable {
        /// `act(gate · x) ⊙ (up · x)`.
        case gated(gate: MatrixRef, up: MatrixRef)
        /// Gate and up stacked in one matrix, the gate first (Phi-3).
        case stacked(MatrixRef)
        /// `act(up · x)` (GPT-2).
        case plain(MatrixRef)
    }

    public var input: Input
    public var upBias: VectorRef?
    public var down: MatrixRef
    public var downBias: VectorRef?
}

extension WeightLoader {
    /// An RMS norm's weight.
    public func rmsNorm(_ name: String, count: Int, epsilon: Float) throws -> NormWeights {
        NormWeights(weight: try vector(name, count: count), bias: nil, epsilon: epsilon)
    }

    /// A LayerNorm's weight and bias, `<prefix>.weight` and `<prefix>.bias`.
    public func layerNorm(_ prefix: String, count: Int, epsilon: Float) throws -> NormWeights {
        NormWeights(weight: try vector(prefix + ".weight", count: count), bias: try vector(prefix + ".bias", count: count),
                    epsilon: epsilon)
    }

    /// llama.cpp's attention tensors of block `prefix` (`blk.N.`): separate or fused q/k/v, with
    /// whichever biases and q/k norms the file has.
    public func attention(_ prefix: String, shape: AttentionShape, width d: Int) throws -> AttentionWeights {
        let qDim = shape.heads * shape.headDimension, kvDim = shape.kvHeads * shape.headDimension
        let projections: AttentionWeights.Projections
        if let fused = try optionalMatrix(prefix + "attn_qkv.weight", rows: qDim + 2 * kvDim, columns: d) {
            projections = .fused(fused)
        } else {
            projections = .separate(query: try matrix(prefix + "attn_q.weight", rows: qDim, columns: d),
                                    key: try matrix(prefix + "attn_k.weight", rows: kvDim, columns: d),
                                    value: try matrix(prefix + "attn_v.weight", rows: kvDim, columns: d))
        }
        return AttentionWeights(
            projections: projections,
            queryBias: try optionalVector(prefix + "attn_q.bias", count: qDim),
            keyBias: try optionalVector(prefix + "attn_k.bias", count: kvDim),
            valueBias: try optionalVector(prefix + "attn_v.bias", count: kvDim),
            fusedBias: try optionalVector(prefix + "attn_qkv.bias", count: qDim + 2 * kvDim),
            queryNorm: try optionalVector(prefix + "attn_q_norm.weight", count: shape.headDimension),
            keyNorm: try optionalVector(prefix + "attn_k_norm.weight", count: shape.headDimension),
            output: try matrix(prefix + "attn_output.weight", rows: d, columns: qDim),
            outputBias: try optionalVector(prefix + "attn_output.bias", count: d))
    }

    /// llama.cpp's feed-forward tensors of block `prefix`: gated when `ffn_gate` exists, else
    /// stacked gate and up when `stacked`, else a plain MLP.
    public func feedForward(_ prefix: String, width d: Int, hidden ff: Int, stacked: Bool = false) throws -> FeedForwardWeights {
        let input: FeedForwardWeights.Input
        if let gate = try optionalMatrix(prefix + "ffn_gate.weight", rows: ff, columns: d) {
            input = .gated(gate: gate, up: try matrix(prefix + "ffn_up.weight", rows: ff, columns: d))
        } else if stacked {
            input = .stacked(try matrix(prefix + "ffn_up.weight", rows: 2 * ff, columns: d))
        } else {
            input = .plain(try matrix(prefix + "ffn_up.weight", rows: ff, columns: d))
        }
        return FeedForwardWeights(
            input: input, upBias: try optionalVector(prefix + "ffn_up.bias", count: ff),
            down: try matrix(prefix + "ffn_down.weight", rows: d, columns: ff),
            downBias: try optionalVector(prefix + "ffn_down.bias", count: d))
    }
}

extension GraphBuilder {
    /// The residual stream `x`: each token's embedding (plus its learned position's), scaled.
    public mutating func embed(_ table: MatrixRef, positions: MatrixRef? = nil, scale: Float = 1) -> TensorRef {
        let x = tensor("x", width: weights.matrices[table.index].columns)
        append(.embed(table: table, positions: positions, output: x))
        if scale != 1 { append(.scale(x, factor: scale)) }
        graph.tokenCount = weights.rows(of: table)
        graph.positionLimit = positions.map { weights.rows(of: $0) }
        return x
    }

    /// `norm(input)` into `output` (in place when they are the same tensor).
    public mutating func normalize(_ input: TensorRef, into output: TensorRef, _ norm: NormWeights) {
        if let bias = norm.bias {
            append(.layerNorm(input: input, output: output, weight: norm.weight, bias: bias, epsilon: norm.epsilon))
        } else {
            append(.rmsNorm(input: input, output: output, weight: norm.weight, groupWidth: width(of: input), epsilon: norm.epsilon))
        }
    }

    /// `norm(input)` into the sub-layer input tensor `h`.
    public mutating func normalized(_ input: TensorRef, _ norm: NormWeights) -> TensorRef {
        let h = tensor("h", width: width(of: input))
        normalize(input, into: h, norm)
        return h
    }

    /// `tensor += addend`: the residual connection.
    public mutating func add(_ tensor: TensorRef, _ addend: TensorRef) {
        append(.add(tensor, addend))
    }

    private mutating func addBias(_ tensor: TensorRef, _ bias: VectorRef?) {
        if let bias { append(.addBias(tensor, bias: bias)) }
    }

    /// Self-attention of block `layer` over `input`: projections, q/k norms, RoPE (when
    /// `rotation` is given), the cache, attention and the output projection. Returns the
    /// projected output, `input`'s width.
    public mutating func attention(layer: Int, input: TensorRef, _ w: AttentionWeights, shape: AttentionShape,
                                   rotation: RotaryRef?, normEpsilon: Float) -> TensorRef {
        let hd = shape.headDimension
        let qDim = shape.heads * hd, kvDim = shape.kvHeads * hd
        let q = tensor("q", width: qDim), k = tensor("k", width: kvDim), v = tensor("v", width: kvDim)
        switch w.projections {
        case .fused(let fused):
            let qkv = tensor("qkv", width: qDim + 2 * kvDim)
            append(.matmul(input: input, products: [.init(weight: fused, output: qkv)]))
            addBias(qkv, w.fusedBias)
            append(.slice(input: qkv, offset: 0, output: q))
            append(.slice(input: qkv, offset: qDim, output: k))
            append(.slice(input: qkv, offset: qDim + kvDim, output: v))
        case .separate(let query, let key, let value):
            append(.matmul(input: input, products: [.init(weight: query, output: q), .init(weight: key, output: k),
                                                    .init(weight: value, output: v)]))
        }
        addBias(q, w.queryBias)
        addBias(k, w.keyBias)
        addBias(v, w.valueBias)
        if let norm = w.queryNorm { append(.rmsNorm(input: q, output: q, weight: norm, groupWidth: hd, epsilon: normEpsilon)) }
        if let norm = w.keyNorm { append(.rmsNorm(input: k, output: k, weight: norm, groupWidth: hd, epsilon: normEpsilon)) }
        if let rotation {
            append(.rope(q, heads: shape.heads, headDimension: hd, rotation: rotation))
            append(.rope(k, heads: shape.kvHeads, headDimension: hd, rotation: rotation))
        }
        append(.storeKV(layer: layer, keys: k, values: v))
        let attended = tensor("attention", width: qDim)
        append(.attention(layer: layer, queries: q, output: attended, shape: shape))
        let projected = tensor("projected", width: width(of: input))
        append(.matmul(input: attended, products: [.init(weight: w.output, output: projected)]))
        addBias(projected, w.outputBias)
        return projected
    }

    /// The feed-forward block over `input`. Returns its output, `input`'s width.
    public mutating func feedForward(input: TensorRef, _ w: FeedForwardWeights, activation: Activation) -> TensorRef {
        let ff = weights.matrices[w.down.index].columns
        let up = tensor("up", width: ff)
        switch w.input {
        case .gated(let gateWeight, let upWeight):
            let gate = tensor("gate", width: ff)
            append(.matmul(input: input, products: [.init(weight: gateWeight, output: gate), .init(weight: upWeight, output: up)]))
            addBias(up, w.upBias)
            append(.activate(activation, gate: gate, values: up))
        case .stacked(let stackedWeight):
            let stacked = tensor("gate_up", width: 2 * ff), gate = tensor("gate", width: ff)
            append(.matmul(input: input, products: [.init(weight: stackedWeight, output: stacked)]))
            append(.slice(input: stacked, offset: 0, output: gate))
            append(.slice(input: stacked, offset: ff, output: up))
            addBias(up, w.upBias)
            append(.activate(activation, gate: gate, values: up))
        case .plain(let upWeight):
            append(.matmul(input: input, products: [.init(weight: upWeight, output: up)]))
            addBias(up, w.upBias)
            append(.activate(activation, gate: nil, values: up))
        }
        let output = tensor("projected", width: width(of: input))
        append(.matmul(input: up, products: [.init(weight: w.down, output: output)]))
        addBias(output, w.downBias)
        return output
    }

    /// The pass's output as the final hidden states of the rows that want them (normalised by
    /// `norm` when given): an encoder's end, or a decoder's when it is built for embeddings.
    public mutating func hiddenStates(_ x: TensorRef, norm: NormWeights? = nil) {
        let width = width(of: x)
        graph.tensors[ModelGraph.logits.index] = TensorSpec(name: "hidden", width: width, rows: .selected)
        graph.vocabularySize = width
        graph.output = .hiddenStates
        append(.selectRows(input: x, output: ModelGraph.logits))
        if let norm { normalize(ModelGraph.logits, into: ModelGraph.logits, norm) }
    }

    /// The logits of the rows that want them: final norm, output projection, soft-capping. A graph
    /// built for embeddings stops at the final norm instead.
    public mutating func logits(_ x: TensorRef, norm: NormWeights, output: MatrixRef, bias: VectorRef? = nil, softCap: Float? = nil) {
        if outputsHiddenStates {
            hiddenStates(x, norm: norm)
            return
        }
        let final = tensor("final", width: width(of: x), rows: .selected)
        append(.selectRows(input: x, output: final))
        normalize(final, into: final, norm)
        let vocabulary = weights.rows(of: output)
        graph.tensors[ModelGraph.logits.index] = TensorSpec(name: "logits", width: vocabulary, rows: .selected)
        graph.vocabularySize = vocabulary
        append(.matmul(input: final, products: [.init(weight: output, output: ModelGraph.logits)]))
        addBias(ModelGraph.logits, bias)
        if let softCap { append(.softCap(ModelGraph.logits, cap: softCap)) }
    }
}
