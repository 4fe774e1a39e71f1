import RealizarCore

/// A pass's launches when every row goes through the GEMV kernels (no prompt on the tensor
/// cores): the graph's operations, with runs of them computed by one fused kernel. Each fused
/// kernel computes its run bit for bit as the separate kernels would (the same threads reduce in
/// the same order), so a row's logits do not depend on which plan its pass took. What is fused:
///
/// - a residual connection (`add`, after Gemma's sub-layer output norm) with the norm that follows
///   it and the Q8_1 quantization of that norm's output for the next GEMV (`ResidualNormKernel`);
/// - a gated activation with the quantization of its output (`GatedQuantizeKernel`);
/// - q/k head norms, RoPE and the KV store (`HeadPrepKernel`);
/// - attention's reduction with the quantization of its output for the output projection;
/// - the matrices of one `matmul` (q, k, v; gate, up): one GEMV launch.
enum DecodeStep {
    case operation(GraphOperation)
    case residual(ResidualStep)
    case gated(Activation, gate: TensorRef, values: TensorRef)
    case headPrep(HeadPrepStep)
    /// Attention whose output is also written as Q8_1 (for the `multiply` after it).
    case attention(layer: Int, queries: TensorRef, output: TensorRef, shape: AttentionShape)
    /// A `matmul` whose input the step before has already quantized.
    case multiply(input: TensorRef, products: [GraphOperation.MatrixProduct])

    struct NormStage {
        var kind: NormKernel.Kind
        var output: TensorRef
        var weight: VectorRef
        var bias: VectorRef?
        var epsilon: Float
    }

    struct ResidualStep {
        /// The residual stream (or, without an addend, the norm's input).
        var x: TensorRef
        var addend: TensorRef?
        /// The RMS norm applied to the addend before it is added.
        var addendNorm: (weight: VectorRef, epsilon: Float)?
        var norm: NormStage?
        var quantize: Bool

        /// The kernel for rows of `columns` values (the block size the separate norm would take).
        func variant(columns: Int) -> ResidualNormKernel.Variant {
            ResidualNormKernel.Variant(addend: addend == nil ? .none : addendNorm == nil ? .plain : .normalized, norm: norm?.kind,
                                       quantize: quantize, threads: NormKernel.threads(columns: columns))
        }
    }

    struct HeadPrepStep {
        var layer: Int
        var queries, keys, values: TensorRef
        var norms: (query: VectorRef, key: VectorRef, epsilon: Float)?
        var rotation: RotaryRef?
        var shape: AttentionShape
    }

    /// The steps of `graph`'s operations.
    static func plan(_ graph: ModelGraph) -> [DecodeStep] {
        let ops = graph.operations
        func width(_ tensor: TensorRef) -> Int { graph.spec(tensor).width }
        /// The products of a `matmul` at `index` reading `tensor`, when the GEMV reads it as Q8_1.
        func quantizedMatmul(reading tensor: TensorRef, at index: Int) -> [GraphOperation.MatrixProduct]? {
            guard index < ops.count, case .matmul(let input, let products) = ops[index], input == tensor,
                  products.contains(where: { QuantizedGEMVKernel.supportedTypes.contains(graph.spec($0.weight).type) })
            else { return nil }
            return products
        }
        /// A norm over whole rows at `index`: its input and what it computes.
        func rowNorm(at index: Int) -> (input: TensorRef, stage: NormStage)? {
            guard index < ops.count else { return nil }
            switch ops[index] {
            case .rmsNorm(let input, let output, let weight, let groupWidth, let epsilon) where groupWidth == width(input):
                return (input, NormStage(kind: .rms, output: output, weight: weight, bias: nil, epsilon: epsilon))
            case .layerNorm(let input, let output, let weight, let bias, let epsilon):
                return (input, NormStage(kind: .layer, output: output, weight: weight, bias: bias, epsilon: epsilon))
            default: return nil
            }
        }

        var steps: [DecodeStep] = []
        var i = 0
        while i < ops.count {
            // [norm(a) in place] x += a, [h = norm(x)], [the matmul reading h].
            var j = i
            var residual = ResidualStep(x: ModelGraph.logits, addend: nil, addendNorm: nil, norm: nil, quantize: false)
            if case .rmsNorm(let a, let output, let weight, let groupWidth, let epsilon) = ops[j], a == output, groupWidth == width(a),
               j + 1 < ops.count, case .add(let x, let addend) = ops[j + 1], addend == a, x != a {
                residual.x = x
                residual.addend = a
                residual.addendNorm = (weight, epsilon)
                j += 2
            } else if case .add(let x, let addend) = ops[j], x != addend {
                residual.x = x
                residual.addend = addend
                j += 1
            }
            if let (input, stage) = rowNorm(at: j), residual.addend == nil || input == residual.x {
                residual.x = input
                residual.norm = stage
                j += 1
                residual.quantize = quantizedMatmul(reading: stage.output, at: j) != nil
            }
            let stages = (residual.addend == nil ? 0 : 1) + (residual.norm == nil ? 0 : 1) + (residual.quantize ? 1 : 0)
            if stages >= 2 || residual.addendNorm != nil {
                steps.append(.residual(residual))
                if residual.quantize, let products = quantizedMatmul(reading: residual.norm!.output, at: j) {
                    steps.append(.multiply(input: residual.norm!.output, products: products))
                    j += 1
                }
                i = j
                continue
            }
            if case .activate(let activation, let gate?, let values) = ops[i], let products = quantizedMatmul(reading: values, at: i + 1) {
                steps += [.gated(activation, gate: gate, values: values), .multiply(input: values, products: products)]
                i += 2
                continue
            }
            if let (step, next) = headPrep(ops, from: i, graph: graph) {
                steps.append(.headPrep(step))
                i = next
                continue
            }
            if case .attention(let layer, let queries, let output, let shape) = ops[i], let products = quantizedMatmul(reading: output, at: i + 1) {
                steps += [.attention(layer: layer, queries: queries, output: output, shape: shape), .multiply(input: output, products: products)]
                i += 2
                continue
            }
            steps.append(.operation(ops[i]))
            i += 1
        }
        return steps
    }

    /// Norms of q and k (both or neither), RoPE of q and k (both or neither, one setting), then the
    /// KV store, from `start`; the attention after the store names the queries and the shape.
    private static func headPrep(_ ops: [GraphOperation], from start: Int, graph: ModelGraph) -> (HeadPrepStep, next: Int)? {
        var end = start
        while end < ops.count, end - start <= 4 {
            if case .storeKV = ops[end] { break }
            end += 1
        }
        guard end < ops.count, end > start, case .storeKV(let layer, let keys, let values) = ops[end], end + 1 < ops.count,
              case .attention(layer, let queries, _, let shape) = ops[end + 1], queries != keys
        else { return nil }
        var norms: [TensorRef: (VectorRef, Float)] = [:]
        var ropes: [TensorRef: RotaryRef] = [:]
        for op in ops[start..<end] {
            switch op {
            case .rmsNorm(let input, let output, let weight, let groupWidth, let epsilon)
                where input == output && groupWidth == shape.headDimension && (input == queries || input == keys)
                && norms[input] == nil && ropes.isEmpty:
                norms[input] = (weight, epsilon)
            case .rope(let tensor, let heads, let headDimension, let rotation)
                where headDimension == shape.headDimension && ropes[tensor] == nil
                && ((tensor == queries && heads == shape.heads) || (tensor == keys && heads == shape.kvHeads)):
                ropes[tensor] = rotation
            default: return nil
            }
        }
        guard norms.isEmpty || (norms.count == 2 && norms[queries]!.1 == norms[keys]!.1),
              ropes.isEmpty || (ropes.count == 2 && ropes[queries] == ropes[keys]), !(norms.isEmpty && ropes.isEmpty)
        else { return nil }
        let step = HeadPrepStep(layer: layer, queries: queries, keys: keys, values: values,
                                norms: norms.isEmpty ? nil : (norms[queries]!.0, norms[keys]!.0, norms[queries]!.1),
                                rotation: ropes[queries], shape: shape)
        return (step, end + 1)
    }
}
