import CRealizarSupport
import Foundation

/// A decoder-only transformer: embeddings, `blockCount` layers of attention and feed-forward, a
/// final norm and the output projection. Reads top to bottom like the papers; the architecture
/// files decide the variations (norms, activations, RoPE style, sliding windows).
///
/// One forward pass may carry several sequences (continuous batching): their tokens share every
/// matrix product, and each attends only to its own cache. Passes run one at a time.
public final class DecoderModel: @unchecked Sendable {
    public let file: GGUFFile
    public let architecture: DecoderArchitecture
    public let weights: DecoderWeights
    public let pool: ThreadPool
    private let matrices: MatrixMultiplier
    private let workspace: ForwardWorkspace
    private let lock = NSLock()

    public var vocabularySize: Int { weights.output.rows }

    public init(file: GGUFFile, architecture: DecoderArchitecture, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        self.file = file
        self.architecture = architecture
        self.weights = try DecoderWeights(file: file, architecture: architecture)
        self.pool = ThreadPool(threads: threads)
        matrices = MatrixMultiplier(pool: pool)
        let a = architecture
        let phi3Stacked = weights.layers.first.map { $0.gate == nil && a.name == "phi3" } ?? false
        workspace = ForwardWorkspace(widths: .init(
            model: a.embeddingLength, query: a.headCount * a.headDimension, keyValue: a.headCountKV * a.headDimension,
            feedForward: a.feedForwardLength, gate: (phi3Stacked ? 2 : 1) * a.feedForwardLength,
            rotary: a.rotary == .none ? 0 : a.rotaryDimensions))
    }

    /// The most positions a sequence may hold: the learned position table's length for models
    /// with one (GPT-2), nil where RoPE positions have no hard end.
    public var maximumContext: Int? { weights.positionEmbedding?.rows }

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
        var logits: [Float] = []
        try forward(tokens, cache: cache, logits: rows, into: &logits)
        return logits
    }

    /// As `forward(_:cache:logits:)`, writing the logits into `logits` (resized; its storage is
    /// reused, so a decode loop that passes the same array allocates nothing).
    public func forward(_ tokens: [Int], cache: KVCache, logits rows: LogitRows = .last, into logits: inout [Float]) throws {
        let n = tokens.count
        let selected: Range<Int>
        switch rows {
        case .last: selected = max(0, n - 1)..<n
        case .all: selected = 0..<n
        case .range(let range): selected = range.clamped(to: 0..<n)
        }
        try run([SequenceBatch(cache: cache, tokens: tokens)], logitRows: { _ in selected }, into: &logits)
    }

    /// Runs every entry's tokens in one pass whose matrix products cover all of them at once.
    /// `logits` receives, for each entry that wants them, the logits of its last token
    /// (`vocabularySize` floats each, in entry order).
    public func forward(batch: [SequenceBatch], logits: inout [Float]) throws {
        try run(batch, logitRows: { entry in
            entry.wantsLogits ? (entry.tokens.count - 1)..<entry.tokens.count : 0..<0
        }, into: &logits)
    }

    private func run(_ batch: [SequenceBatch], logitRows: (SequenceBatch) -> Range<Int>, into logits: inout [Float]) throws {
        lock.lock()
        defer { lock.unlock() }
        // The pool's workers run this way always; the calling thread for the pass (see
        // `realizar_flush_subnormals`).
        let floatMode = realizar_flush_subnormals()
        defer { realizar_restore_float_mode(floatMode) }
        let a = architecture
        var n = 0
        var seen = Set<ObjectIdentifier>()
        for entry in batch {
            guard !entry.tokens.isEmpty else { throw ModelError("empty batch: at least one token is needed") }
            guard seen.insert(ObjectIdentifier(entry.cache)).inserted else {
                throw ModelError("one cache appears twice in a batch")
            }
            guard entry.cache.count + entry.tokens.count <= entry.cache.capacity else {
                throw ModelError("the context holds \(entry.cache.capacity) tokens; \(entry.cache.count + entry.tokens.count) were requested")
            }
            if let positions = weights.positionEmbedding, entry.cache.count + entry.tokens.count > positions.rows {
                throw ModelError("\(a.name) learned \(positions.rows) positions (\(a.name).context_length); position \(entry.cache.count + entry.tokens.count - 1) was requested: use a context of at most \(positions.rows) tokens")
            }
            for token in entry.tokens where token < 0 || token >= weights.tokenEmbedding.rows {
                throw ModelError("token id \(token) is outside the vocabulary (0..<\(weights.tokenEmbedding.rows))")
            }
            n += entry.tokens.count
        }
        guard n > 0 else { throw ModelError("empty batch: at least one token is needed") }
        let w = workspace
        w.reserve(n)
        let caches = batch.map(\.cache)
        var row = 0
        for (index, entry) in batch.enumerated() {
            for t in entry.tokens.indices {
                w.rowEntry[row] = index
                w.rowPosition[row] = entry.cache.count + t
                row += 1
            }
        }
        let d = a.embeddingLength
        let qDim = a.headCount * a.headDimension
        let kvDim = a.headCountKV * a.headDimension

        // Embeddings.
        row = 0
        for entry in batch {
            for token in entry.tokens {
                weights.tokenEmbedding.dequantize(rows: token, count: 1, into: w.x + row * d)
                if let positions = weights.positionEmbedding {
                    positions.dequantize(rows: w.rowPosition[row], count: 1, into: w.h)
                    VectorOps.add(w.x + row * d, w.h, count: d)
                }
                row += 1
            }
        }
        if a.embeddingScale != 1 {
            for i in 0..<(n * d) { w.x[i] *= a.embeddingScale }
        }

        // RoPE angles of each row's position, once for all layers (twice where local layers
        // have their own base).
        if a.rotary != .none {
            let half = a.rotaryDimensions / 2
            for t in 0..<n {
                // LongRoPE picks its factors by the sequence's context, not its length, as
                // llama.cpp's llama_model::get_rope_factors does by n_ctx_seq.
                let longContext = caches[w.rowEntry[t]].capacity > a.ropeOriginalContext
                let factors = weights.ropeFrequencyFactors ?? (longContext ? weights.ropeLongFactors : weights.ropeShortFactors)
                let table = w.rotaryAngles + 2 * t * half
                VectorOps.rotaryAngles(position: w.rowPosition[t], dimensions: a.rotaryDimensions, base: a.ropeBase,
                                       scale: a.ropeScale, factors: factors, magnitude: a.ropeAttentionFactor,
                                       cosines: table, sines: table + half)
                if let local = a.localRopeBase {
                    // Linear scaling stretches the global layers only: llama.cpp gives sliding-window
                    // layers `rope_freq_scale_train_swa`, which is 1 (llama_model::get_rope_freq_scale).
                    let localTable = w.localRotaryAngles + 2 * t * half
                    VectorOps.rotaryAngles(position: w.rowPosition[t], dimensions: a.rotaryDimensions, base: local,
                                           scale: 1, magnitude: a.ropeAttentionFactor, cosines: localTable, sines: localTable + half)
                }
            }
        }

        for (index, layer) in weights.layers.enumerated() {
            // Attention.
            forRows(n) { rows in
                let h = w.h + rows.lowerBound * d
                h.update(from: w.x + rows.lowerBound * d, count: rows.count * d)
                normalize(h, rows: rows.count, weight: layer.attentionNorm, bias: layer.attentionNormBias)
            }
            if let fused = layer.fusedQKV {
                let width = qDim + 2 * kvDim
                matrices.multiply(MatrixProduct(fused, into: w.qkv), input: w.h, batch: n)
                if let bias = layer.fusedQKVBias { VectorOps.addBias(w.qkv, rows: n, width: width, bias: bias) }
                for t in 0..<n {
                    let source = w.qkv + t * width
                    (w.q + t * qDim).update(from: source, count: qDim)
                    (w.k + t * kvDim).update(from: source + qDim, count: kvDim)
                    (w.v + t * kvDim).update(from: source + qDim + kvDim, count: kvDim)
                }
            } else {
                matrices.multiply(MatrixProduct(layer.query!, into: w.q), MatrixProduct(layer.key!, into: w.k),
                                  MatrixProduct(layer.value!, into: w.v), input: w.h, batch: n)
                if let bias = layer.queryBias { VectorOps.addBias(w.q, rows: n, width: qDim, bias: bias) }
                if let bias = layer.keyBias { VectorOps.addBias(w.k, rows: n, width: kvDim, bias: bias) }
                if let bias = layer.valueBias { VectorOps.addBias(w.v, rows: n, width: kvDim, bias: bias) }
            }
            let sliding = a.slidingLayers.contains(index)
            forRows(n) { rows in
                if let norm = layer.queryNorm {
                    VectorOps.rmsNorm(w.q + rows.lowerBound * qDim, rows: rows.count * a.headCount, width: a.headDimension,
                                      weight: norm, epsilon: a.normEpsilon)
                }
                if let norm = layer.keyNorm {
                    VectorOps.rmsNorm(w.k + rows.lowerBound * kvDim, rows: rows.count * a.headCountKV, width: a.headDimension,
                                      weight: norm, epsilon: a.normEpsilon)
                }
                guard a.rotary != .none else { return }
                let angles = sliding && a.localRopeBase != nil ? w.localRotaryAngles : w.rotaryAngles
                let half = a.rotaryDimensions / 2
                for t in rows {
                    let cosines = angles + 2 * t * half, sines = cosines + half
                    VectorOps.rope(w.q + t * qDim, heads: a.headCount, headDimension: a.headDimension,
                                   dimensions: a.rotaryDimensions, cosines: cosines, sines: sines, style: a.rotary)
                    VectorOps.rope(w.k + t * kvDim, heads: a.headCountKV, headDimension: a.headDimension,
                                   dimensions: a.rotaryDimensions, cosines: cosines, sines: sines, style: a.rotary)
                }
            }
            for t in 0..<n {
                let cache = caches[w.rowEntry[t]]
                cache.store(layer: index, position: w.rowPosition[t], key: w.k + t * kvDim, value: w.v + t * kvDim)
            }
            Attention.attend(architecture: a, layer: index, queries: w.q, rows: n, caches: caches,
                             rowEntry: w.rowEntry, rowPosition: w.rowPosition,
                             window: sliding ? a.slidingWindow : nil, output: w.attention, pool: pool)
            matrices.multiply(MatrixProduct(layer.output, into: w.projected), input: w.attention, batch: n)
            if let bias = layer.outputBias { VectorOps.addBias(w.projected, rows: n, width: d, bias: bias) }
            forRows(n) { rows in
                let x = w.x + rows.lowerBound * d, projected = w.projected + rows.lowerBound * d
                if let norm = layer.postAttentionNorm {
                    VectorOps.rmsNorm(projected, rows: rows.count, width: d, weight: norm, epsilon: a.normEpsilon)
                }
                VectorOps.add(x, projected, count: rows.count * d)
                // Feed-forward input.
                let h = w.h + rows.lowerBound * d
                h.update(from: x, count: rows.count * d)
                normalize(h, rows: rows.count, weight: layer.feedForwardNorm, bias: layer.feedForwardNormBias)
            }
            feedForward(layer, input: w.h, batch: n, output: w.projected)
            forRows(n) { rows in
                let x = w.x + rows.lowerBound * d, projected = w.projected + rows.lowerBound * d
                if let norm = layer.postFeedForwardNorm {
                    VectorOps.rmsNorm(projected, rows: rows.count, width: d, weight: norm, epsilon: a.normEpsilon)
                }
                VectorOps.add(x, projected, count: rows.count * d)
            }
        }
        for entry in batch { entry.cache.count += entry.tokens.count }

        // Output: the rows that want logits, gathered into `h`.
        var selected = 0
        row = 0
        for entry in batch {
            for t in logitRows(entry) {
                w.h.advanced(by: selected * d).update(from: w.x + (row + t) * d, count: d)
                selected += 1
            }
            row += entry.tokens.count
        }
        let vocabulary = vocabularySize
        if logits.count != selected * vocabulary {
            logits.removeAll(keepingCapacity: true)
            logits.append(contentsOf: repeatElement(0, count: selected * vocabulary))
        }
        guard selected > 0 else { return }
        normalize(w.h, rows: selected, weight: weights.outputNorm, bias: weights.outputNormBias)
        logits.withUnsafeMutableBufferPointer { out in
            matrices.multiply(MatrixProduct(weights.output, into: out.baseAddress!), input: w.h, batch: selected)
            if let bias = weights.outputBias { VectorOps.addBias(out.baseAddress!, rows: selected, width: vocabulary, bias: bias) }
            if let cap = a.finalLogitSoftcap {
                for i in 0..<out.count { out[i] = tanh(out[i] / cap) * cap }
            }
        }
    }

    /// Runs `body` over the batch rows, split between the pool's threads when the batch is large
    /// enough to pay for it (a prompt); each row's arithmetic is the same either way.
    private func forRows(_ n: Int, _ body: (Range<Int>) -> Void) {
        if n >= 16 {
            pool.parallelFor(n, chunksPerThread: 2, body)
        } else {
            body(0..<n)
        }
    }

    private func normalize(_ x: UnsafeMutablePointer<Float>, rows: Int, weight: [Float], bias: [Float]?) {
        if architecture.normalization == .layer, let bias {
            VectorOps.layerNorm(x, rows: rows, width: architecture.embeddingLength, weight: weight, bias: bias, epsilon: architecture.normEpsilon)
        } else {
            VectorOps.rmsNorm(x, rows: rows, width: architecture.embeddingLength, weight: weight, epsilon: architecture.normEpsilon)
        }
    }

    private func feedForward(_ layer: DecoderWeights.Layer, input: UnsafeMutablePointer<Float>, batch n: Int,
                             output: UnsafeMutablePointer<Float>) {
        let a = architecture
        let ff = a.feedForwardLength
        let gate = workspace.gate, up = workspace.up
        if let gateWeight = layer.gate {
            matrices.multiply(MatrixProduct(gateWeight, into: gate), MatrixProduct(layer.up, into: up), input: input, batch: n)
            forRows(n) { rows in
                VectorOps.activate(a.activation, gate: gate + rows.lowerBound * ff, values: up + rows.lowerBound * ff,
                                   count: rows.count * ff)
            }
        } else if a.name == "phi3" {
            // Phi-3 stacks gate and up in one matrix: the first half is the gate.
            matrices.multiply(MatrixProduct(layer.up, into: gate), input: input, batch: n)
            for t in 0..<n {
                (up + t * ff).update(from: gate + t * 2 * ff + ff, count: ff)
                VectorOps.activate(a.activation, gate: gate + t * 2 * ff, values: up + t * ff, count: ff)
            }
        } else {
            matrices.multiply(MatrixProduct(layer.up, into: up), input: input, batch: n)
            if let bias = layer.upBias { VectorOps.addBias(up, rows: n, width: ff, bias: bias) }
            VectorOps.activate(a.activation, gate: nil, values: up, count: n * ff)
        }
        matrices.multiply(MatrixProduct(layer.down, into: output), input: up, batch: n)
        if let bias = layer.downBias { VectorOps.addBias(output, rows: n, width: a.embeddingLength, bias: bias) }
    }
}
