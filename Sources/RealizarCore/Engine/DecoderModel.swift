import Foundation

/// A decoder-only transformer: embeddings, `blockCount` layers of attention and feed-forward, a
/// final norm and the output projection. Reads top to bottom like the papers; the architecture
/// files decide the variations (norms, activations, RoPE style, sliding windows).
public final class DecoderModel: @unchecked Sendable {
    public let file: GGUFFile
    public let architecture: DecoderArchitecture
    public let weights: DecoderWeights
    public var pool: ThreadPool

    public var vocabularySize: Int { weights.output.rows }

    public init(file: GGUFFile, architecture: DecoderArchitecture, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        self.file = file
        self.architecture = architecture
        self.weights = try DecoderWeights(file: file, architecture: architecture)
        self.pool = ThreadPool(threads: threads)
    }

    public func makeCache(capacity: Int) -> KVCache {
        KVCache(architecture: architecture, capacity: capacity)
    }

    /// Which positions of a batch need logits.
    public enum LogitRows: Sendable {
        case last
        case all
        case range(Range<Int>)
    }

    /// Runs `tokens` at positions `cache.count ..< cache.count + tokens.count`, appends their keys
    /// and values to `cache`, and returns the logits of the requested batch rows, row after row.
    public func forward(_ tokens: [Int], cache: KVCache, logits rows: LogitRows = .last) throws -> [Float] {
        let a = architecture
        let n = tokens.count
        guard n > 0 else { throw ModelError("empty batch: at least one token is needed") }
        guard cache.count + n <= cache.capacity else {
            throw ModelError("the context holds \(cache.capacity) tokens; \(cache.count + n) were requested")
        }
        for token in tokens where token < 0 || token >= weights.tokenEmbedding.rows {
            throw ModelError("token id \(token) is outside the vocabulary (0..<\(weights.tokenEmbedding.rows))")
        }
        let start = cache.count
        let d = a.embeddingLength
        let qDim = a.headCount * a.headDimension
        let kvDim = a.headCountKV * a.headDimension
        let ffWidth = weights.layers.first.map { $0.gate == nil && a.name == "phi3" ? 2 * a.feedForwardLength : a.feedForwardLength } ?? a.feedForwardLength

        let x = Buffer(n * d)          // the residual stream
        let h = Buffer(n * d)          // normalised input of a sub-layer
        let q = Buffer(n * qDim)
        let k = Buffer(n * kvDim)
        let v = Buffer(n * kvDim)
        let attention = Buffer(n * qDim)
        let projected = Buffer(n * d)
        let gate = Buffer(n * ffWidth)
        let up = Buffer(n * a.feedForwardLength)
        defer { [x, h, q, k, v, attention, projected, gate, up].forEach { $0.free() } }

        // Embeddings.
        for (t, token) in tokens.enumerated() {
            weights.tokenEmbedding.dequantize(rows: token, count: 1, into: x.pointer + t * d)
            if let positions = weights.positionEmbedding {
                positions.dequantize(rows: start + t, count: 1, into: h.pointer)
                VectorOps.add(x.pointer + t * d, h.pointer, count: d)
            }
        }
        if a.embeddingScale != 1 {
            for i in 0..<(n * d) { x.pointer[i] *= a.embeddingScale }
        }

        for (index, layer) in weights.layers.enumerated() {
            // Attention.
            copy(x, to: h, count: n * d)
            normalize(h, rows: n, weight: layer.attentionNorm, bias: layer.attentionNormBias)
            if let fused = layer.fusedQKV {
                let qkv = Buffer(n * (qDim + 2 * kvDim))
                MatrixMultiply.multiply(fused, input: h.pointer, batch: n, output: qkv.pointer, pool: pool)
                if let bias = layer.fusedQKVBias { VectorOps.addBias(qkv.pointer, rows: n, width: qDim + 2 * kvDim, bias: bias) }
                for t in 0..<n {
                    let row = qkv.pointer + t * (qDim + 2 * kvDim)
                    (q.pointer + t * qDim).update(from: row, count: qDim)
                    (k.pointer + t * kvDim).update(from: row + qDim, count: kvDim)
                    (v.pointer + t * kvDim).update(from: row + qDim + kvDim, count: kvDim)
                }
                qkv.free()
            } else {
                MatrixMultiply.multiply(layer.query!, input: h.pointer, batch: n, output: q.pointer, pool: pool)
                MatrixMultiply.multiply(layer.key!, input: h.pointer, batch: n, output: k.pointer, pool: pool)
                MatrixMultiply.multiply(layer.value!, input: h.pointer, batch: n, output: v.pointer, pool: pool)
                if let bias = layer.queryBias { VectorOps.addBias(q.pointer, rows: n, width: qDim, bias: bias) }
                if let bias = layer.keyBias { VectorOps.addBias(k.pointer, rows: n, width: kvDim, bias: bias) }
                if let bias = layer.valueBias { VectorOps.addBias(v.pointer, rows: n, width: kvDim, bias: bias) }
            }
            if let norm = layer.queryNorm {
                VectorOps.rmsNorm(q.pointer, rows: n * a.headCount, width: a.headDimension, weight: norm, epsilon: a.normEpsilon)
            }
            if let norm = layer.keyNorm {
                VectorOps.rmsNorm(k.pointer, rows: n * a.headCountKV, width: a.headDimension, weight: norm, epsilon: a.normEpsilon)
            }
            let sliding = a.slidingLayers.contains(index)
            if a.rotary != .none {
                let base = sliding ? (a.localRopeBase ?? a.ropeBase) : a.ropeBase
                for t in 0..<n {
                    VectorOps.rope(q.pointer + t * qDim, heads: a.headCount, headDimension: a.headDimension,
                                   dimensions: a.rotaryDimensions, position: start + t, base: base, scale: a.ropeScale, style: a.rotary)
                    VectorOps.rope(k.pointer + t * kvDim, heads: a.headCountKV, headDimension: a.headDimension,
                                   dimensions: a.rotaryDimensions, position: start + t, base: base, scale: a.ropeScale, style: a.rotary)
                }
            }
            for t in 0..<n {
                cache.key(layer: index, position: start + t).update(from: k.pointer + t * kvDim, count: kvDim)
                cache.value(layer: index, position: start + t).update(from: v.pointer + t * kvDim, count: kvDim)
            }
            attend(layer: index, queries: q.pointer, batch: n, start: start, cache: cache,
                   window: sliding ? a.slidingWindow : nil, output: attention.pointer)
            MatrixMultiply.multiply(layer.output, input: attention.pointer, batch: n, output: projected.pointer, pool: pool)
            if let bias = layer.outputBias { VectorOps.addBias(projected.pointer, rows: n, width: d, bias: bias) }
            if let norm = layer.postAttentionNorm {
                VectorOps.rmsNorm(projected.pointer, rows: n, width: d, weight: norm, epsilon: a.normEpsilon)
            }
            VectorOps.add(x.pointer, projected.pointer, count: n * d)

            // Feed-forward.
            copy(x, to: h, count: n * d)
            normalize(h, rows: n, weight: layer.feedForwardNorm, bias: layer.feedForwardNormBias)
            feedForward(layer, input: h.pointer, batch: n, gate: gate.pointer, up: up.pointer, output: projected.pointer)
            if let norm = layer.postFeedForwardNorm {
                VectorOps.rmsNorm(projected.pointer, rows: n, width: d, weight: norm, epsilon: a.normEpsilon)
            }
            VectorOps.add(x.pointer, projected.pointer, count: n * d)
        }
        cache.count = start + n

        // Output.
        let selected: Range<Int>
        switch rows {
        case .last: selected = (n - 1)..<n
        case .all: selected = 0..<n
        case .range(let range): selected = range.clamped(to: 0..<n)
        }
        let finalRows = x.pointer + selected.lowerBound * d
        normalize(Buffer(finalRows), rows: selected.count, weight: weights.outputNorm, bias: weights.outputNormBias)
        var logits = [Float](repeating: 0, count: selected.count * vocabularySize)
        logits.withUnsafeMutableBufferPointer { out in
            MatrixMultiply.multiply(weights.output, input: finalRows, batch: selected.count, output: out.baseAddress!, pool: pool)
            if let bias = weights.outputBias { VectorOps.addBias(out.baseAddress!, rows: selected.count, width: vocabularySize, bias: bias) }
            if let cap = a.finalLogitSoftcap {
                for i in 0..<out.count { out[i] = tanh(out[i] / cap) * cap }
            }
        }
        return logits
    }

    private func normalize(_ buffer: Buffer, rows: Int, weight: [Float], bias: [Float]?) {
        if architecture.normalization == .layer, let bias {
            VectorOps.layerNorm(buffer.pointer, rows: rows, width: architecture.embeddingLength, weight: weight, bias: bias, epsilon: architecture.normEpsilon)
        } else {
            VectorOps.rmsNorm(buffer.pointer, rows: rows, width: architecture.embeddingLength, weight: weight, epsilon: architecture.normEpsilon)
        }
    }

    private func copy(_ source: Buffer, to destination: Buffer, count: Int) {
        destination.pointer.update(from: source.pointer, count: count)
    }

    /// Scaled dot-product attention of each query row against the cached keys it may see:
    /// positions up to its own, and within the window on sliding-window layers.
    private func attend(layer: Int, queries: UnsafeMutablePointer<Float>, batch n: Int, start: Int, cache: KVCache,
                        window: Int?, output: UnsafeMutablePointer<Float>) {
        let a = architecture
        let hd = a.headDimension
        let groups = a.headCount / a.headCountKV
        let qDim = a.headCount * hd
        let kvDim = a.headCountKV * hd
        pool.parallelFor(n * a.headCount) { range in
            var scores = [Float](repeating: 0, count: start + n)
            var accumulator = [Float](repeating: 0, count: hd)
            for item in range {
                let t = item / a.headCount
                let head = item % a.headCount
                let kvHead = head / groups
                let position = start + t
                let first = window.map { max(0, position - $0 + 1) } ?? 0
                let query = queries + t * qDim + head * hd
                var maximum = -Float.infinity
                for j in first...position {
                    let key = cache.keys + (layer * cache.capacity + j) * kvDim + kvHead * hd
                    var dot: Float = 0
                    for i in 0..<hd { dot += query[i] * key[i] }
                    let score = dot * a.attentionScale
                    scores[j] = score
                    maximum = max(maximum, score)
                }
                var total: Float = 0
                for j in first...position {
                    scores[j] = exp(scores[j] - maximum)
                    total += scores[j]
                }
                for i in 0..<hd { accumulator[i] = 0 }
                for j in first...position {
                    let weight = scores[j] / total
                    let value = cache.values + (layer * cache.capacity + j) * kvDim + kvHead * hd
                    for i in 0..<hd { accumulator[i] += weight * value[i] }
                }
                let out = output + t * qDim + head * hd
                for i in 0..<hd { out[i] = accumulator[i] }
            }
        }
    }

    private func feedForward(_ layer: DecoderWeights.Layer, input: UnsafeMutablePointer<Float>, batch n: Int,
                             gate: UnsafeMutablePointer<Float>, up: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let a = architecture
        let ff = a.feedForwardLength
        func activate(_ value: Float) -> Float {
            a.activation == .silu ? VectorOps.silu(value) : VectorOps.geluTanh(value)
        }
        if let gateWeight = layer.gate {
            MatrixMultiply.multiply(gateWeight, input: input, batch: n, output: gate, pool: pool)
            MatrixMultiply.multiply(layer.up, input: input, batch: n, output: up, pool: pool)
            for i in 0..<(n * ff) { up[i] = activate(gate[i]) * up[i] }
        } else if a.name == "phi3" {
            // Phi-3 stacks gate and up in one matrix: the first half is the gate.
            MatrixMultiply.multiply(layer.up, input: input, batch: n, output: gate, pool: pool)
            for t in 0..<n {
                for i in 0..<ff { up[t * ff + i] = activate(gate[t * 2 * ff + i]) * gate[t * 2 * ff + ff + i] }
            }
        } else {
            MatrixMultiply.multiply(layer.up, input: input, batch: n, output: up, pool: pool)
            if let bias = layer.upBias { VectorOps.addBias(up, rows: n, width: ff, bias: bias) }
            for i in 0..<(n * ff) { up[i] = activate(up[i]) }
        }
        MatrixMultiply.multiply(layer.down, input: up, batch: n, output: output, pool: pool)
        if let bias = layer.downBias { VectorOps.addBias(output, rows: n, width: a.embeddingLength, bias: bias) }
    }
}

/// A scratch array of floats for one forward pass.
struct Buffer {
    let pointer: UnsafeMutablePointer<Float>
    private let owned: Bool

    init(_ count: Int) {
        pointer = .allocate(capacity: max(count, 1))
        owned = true
    }

    /// A view of memory owned elsewhere.
    init(_ pointer: UnsafeMutablePointer<Float>) {
        self.pointer = pointer
        owned = false
    }

    func free() {
        if owned { pointer.deallocate() }
    }
}
