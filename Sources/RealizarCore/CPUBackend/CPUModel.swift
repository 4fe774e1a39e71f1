import CRealizarSupport
import Foundation

/// A graph placed on the CPU: matrices are pointers into the mapped file, vectors are f32
/// arrays, and a pass walks the graph's operations with the instance's kernel family.
///
/// One pass may carry several sequences (continuous batching): their tokens share every matrix
/// product, and each attends only to its own cache. Each output is computed by the same
/// operations whatever else shares the batch, so a sequence's logits do not depend on it.
final class CPUModel: PreparedModel, @unchecked Sendable {
    let graph: ModelGraph
    let family: KernelFamily
    let pool: ThreadPool
    /// Kept alive for as long as `matrices` point into it (a mapped file).
    private let source: any TensorSource
    private let matrices: [WeightMatrix]
    private let vectors: [[Float]]
    private let multiplier: MatrixMultiplier
    private let workspace: CPUWorkspace

    init(graph: ModelGraph, source: any TensorSource, family: KernelFamily, threads: Int) throws {
        self.graph = graph
        self.family = family
        self.source = source
        pool = ThreadPool(threads: threads)
        multiplier = MatrixMultiplier(pool: pool, family: family)
        workspace = CPUWorkspace(graph: graph)
        matrices = graph.matrices.map { spec in
            let tensor = source.tensorInfo(named: spec.name)!
            return WeightMatrix(name: spec.name, type: spec.type, rows: spec.rows, columns: spec.columns,
                                data: source.bytes(of: tensor).baseAddress!)
        }
        vectors = try graph.vectors.map { spec in
            let tensor = source.tensorInfo(named: spec.name)!
            return try Dequantization.dequantize(tensor.type, bytes: source.bytes(of: tensor))
        }
    }

    func makeCache(capacity: Int) throws -> KVCache {
        let storage = try CPUKVBlocks(layers: graph.cacheLayers, rowWidth: graph.cacheRowWidth, blockSize: capacity, blockCount: 1, type: .f32)
        return KVCache(capacity: capacity, byteCount: storage.byteCount, storage: storage)
    }

    func makePool(blocks: Int, blockSize: Int, type: KVElementType) throws -> KVPool {
        let storage = try CPUKVBlocks(layers: graph.cacheLayers, rowWidth: graph.cacheRowWidth, blockSize: blockSize, blockCount: blocks, type: type)
        return KVPool(blockCount: blocks, blockSize: blockSize, elementType: type, bytesPerBlock: storage.bytesPerBlock, storage: storage)
    }

    func run(_ pass: ForwardPass, into logits: inout [Float]) throws {
        // The pool's workers run this way always; the calling thread for the pass (see
        // `realizar_flush_subnormals`).
        let floatMode = realizar_flush_subnormals()
        defer { realizar_restore_float_mode(floatMode) }
        let n = pass.rowCount
        let w = workspace
        w.reserve(n)
        let caches = try pass.entries.map { entry in
            guard let storage = entry.cache.storage as? CPUKVBlocks, storage.layers == graph.cacheLayers,
                  storage.rowWidth == graph.cacheRowWidth, entry.cache.blockSize == storage.blockSize,
                  entry.cache.blocks.allSatisfy({ $0 >= 0 && $0 < storage.blockCount }) else {
                throw ModelError("a KV cache made for another model (or another backend) was passed to this one")
            }
            return storage
        }
        var row = 0
        for (index, entry) in pass.entries.enumerated() {
            for t in entry.tokens.indices {
                w.rowEntry[row] = index
                w.rowPosition[row] = entry.cache.count + t
                row += 1
            }
        }
        // RoPE angles of each row's position, once per setting for all layers.
        for (index, rotation) in graph.rotations.enumerated() {
            let half = rotation.dimensions / 2
            for t in 0..<n {
                let table = w.angles[index] + 2 * t * half
                let factors = rotation.factors(capacity: pass.entries[w.rowEntry[t]].cache.context).map { vectors[$0.index] }
                rotation.angles(position: w.rowPosition[t], factors: factors, cosines: table, sines: table + half)
            }
        }
        let selected = pass.selectedCount
        let vocabulary = graph.vocabularySize
        if logits.count != selected * vocabulary {
            logits.removeAll(keepingCapacity: true)
            logits.append(contentsOf: repeatElement(0, count: selected * vocabulary))
        }
        logits.withUnsafeMutableBufferPointer { out in
            let context = PassContext(pass: pass, rows: n, selected: selected, caches: caches,
                                      tables: pass.entries.map(\.cache.blocks), logits: out.baseAddress!,
                                      sequenceEnds: pass.entries.map { $0.cache.count + $0.tokens.count })
            for operation in graph.operations {
                execute(operation, context)
            }
        }
    }

    private struct PassContext {
        let pass: ForwardPass
        let rows: Int
        let selected: Int
        let caches: [CPUKVBlocks]
        /// Each entry's block table.
        let tables: [[Int]]
        let logits: UnsafeMutablePointer<Float>
        /// Per entry, the positions its cache holds once this pass has stored its keys.
        let sequenceEnds: [Int]
    }

    private func pointer(_ tensor: TensorRef, _ context: PassContext) -> UnsafeMutablePointer<Float> {
        tensor == ModelGraph.logits ? context.logits : workspace.tensors[tensor.index]
    }

    private func rows(_ tensor: TensorRef, _ context: PassContext) -> Int {
        graph.spec(tensor).rows == .batch ? context.rows : context.selected
    }

    private func execute(_ operation: GraphOperation, _ context: PassContext) {
        let w = workspace
        switch operation {
        case .embed(let table, let positions, let output):
            let x = pointer(output, context)
            let d = graph.spec(output).width
            var row = 0
            for entry in context.pass.entries {
                for token in entry.tokens {
                    matrices[table.index].dequantize(rows: token, count: 1, into: x + row * d)
                    if let positions {
                        matrices[positions.index].dequantize(rows: w.rowPosition[row], count: 1, into: w.row)
                        VectorOps.add(x + row * d, w.row, count: d)
                    }
                    row += 1
                }
            }
        case .addRow(let tensor, let table, let index):
            let x = pointer(tensor, context), d = graph.spec(tensor).width
            matrices[table.index].dequantize(rows: index, count: 1, into: w.row)
            for t in 0..<rows(tensor, context) { VectorOps.add(x + t * d, w.row, count: d) }
        case .scale(let tensor, let factor):
            let x = pointer(tensor, context)
            for i in 0..<(rows(tensor, context) * graph.spec(tensor).width) { x[i] *= factor }
        case .rmsNorm(let input, let output, let weight, let groupWidth, let epsilon):
            normalizeRows(input, into: output, context) { h, rows, width in
                VectorOps.rmsNorm(h, rows: rows * width / groupWidth, width: groupWidth, weight: vectors[weight.index], epsilon: epsilon)
            }
        case .layerNorm(let input, let output, let weight, let bias, let epsilon):
            normalizeRows(input, into: output, context) { h, rows, width in
                VectorOps.layerNorm(h, rows: rows, width: width, weight: vectors[weight.index], bias: vectors[bias.index], epsilon: epsilon)
            }
        case .matmul(let input, let products):
            let batch = rows(input, context)
            guard batch > 0 else { return }
            // Up to three matrices share one quantization of the input; built in place, so a decode
            // step allocates nothing.
            func product(_ i: Int) -> MatrixProduct? {
                i < products.count ? MatrixProduct(matrices[products[i].weight.index], into: pointer(products[i].output, context)) : nil
            }
            for start in stride(from: 0, to: products.count, by: 3) {
                multiplier.multiply(product(start)!, product(start + 1), product(start + 2), input: pointer(input, context), batch: batch)
            }
        case .addBias(let tensor, let bias):
            VectorOps.addBias(pointer(tensor, context), rows: rows(tensor, context), width: graph.spec(tensor).width,
                              bias: vectors[bias.index])
        case .slice(let input, let offset, let output):
            let inputWidth = graph.spec(input).width, width = graph.spec(output).width
            let source = pointer(input, context), target = pointer(output, context)
            for t in 0..<rows(input, context) {
                (target + t * width).update(from: source + t * inputWidth + offset, count: width)
            }
        case .rope(let tensor, let heads, let headDimension, let rotation):
            let setting = graph.rotations[rotation.index]
            let x = pointer(tensor, context), width = graph.spec(tensor).width
            let half = setting.dimensions / 2
            let angles = w.angles[rotation.index]
            forRows(context.rows) { range in
                for t in range {
                    let cosines = angles + 2 * t * half
                    VectorOps.rope(x + t * width, heads: heads, headDimension: headDimension, dimensions: setting.dimensions,
                                   cosines: cosines, sines: cosines + half, style: setting.style)
                }
            }
        case .storeKV(let layer, let keys, let values):
            let k = pointer(keys, context), v = pointer(values, context), width = graph.spec(keys).width
            for t in 0..<context.rows {
                let entry = w.rowEntry[t], cache = context.caches[entry], position = w.rowPosition[t]
                cache.store(layer: layer, block: context.tables[entry][position / cache.blockSize], offset: position % cache.blockSize,
                            key: k + t * width, value: v + t * width)
            }
        case .attention(let layer, let queries, let output, let shape):
            Attention.attend(shape, layer: layer, queries: pointer(queries, context), rows: context.rows, caches: context.caches, tables: context.tables,
                             rowEntry: w.rowEntry, rowPosition: w.rowPosition, sequenceEnds: context.sequenceEnds,
                             output: pointer(output, context),
                             pool: pool, family: family)
        case .add(let tensor, let addend):
            let width = graph.spec(tensor).width
            let x = pointer(tensor, context), y = pointer(addend, context)
            forRows(rows(tensor, context)) { range in
                VectorOps.add(x + range.lowerBound * width, y + range.lowerBound * width, count: range.count * width)
            }
        case .activate(let activation, let gate, let values):
            let width = graph.spec(values).width
            let up = pointer(values, context), gates = gate.map { pointer($0, context) }
            forRows(rows(values, context)) { range in
                VectorOps.activate(activation, gate: gates.map { UnsafePointer($0 + range.lowerBound * width) },
                                   values: up + range.lowerBound * width, count: range.count * width, family: family)
            }
        case .selectRows(let input, let output):
            let width = graph.spec(input).width
            let source = pointer(input, context), target = pointer(output, context)
            var selected = 0, row = 0
            for (entry, wanted) in zip(context.pass.entries, context.pass.logitRows) {
                for t in wanted {
                    (target + selected * width).update(from: source + (row + t) * width, count: width)
                    selected += 1
                }
                row += entry.tokens.count
            }
        case .mixtureOfExperts(let moe):
            MixtureOfExpertsCPU(moe: moe, router: matrices[moe.router.index], gate: matrices[moe.gate.index],
                                up: matrices[moe.up.index], down: matrices[moe.down.index], width: graph.spec(moe.input).width)
                .run(input: pointer(moe.input, context), output: pointer(moe.output, context), rows: rows(moe.input, context),
                     multiplier: multiplier, family: family)
        case .softCap(let tensor, let cap):
            let x = pointer(tensor, context)
            for i in 0..<(rows(tensor, context) * graph.spec(tensor).width) { x[i] = tanh(x[i] / cap) * cap }
        }
    }

    /// Copies `input` into `output` (unless they are one tensor) and normalises it in place, a
    /// share of the rows at a time: `normalize(rows start, row count, width)`.
    private func normalizeRows(_ input: TensorRef, into output: TensorRef, _ context: PassContext,
                               _ normalize: (UnsafeMutablePointer<Float>, Int, Int) -> Void) {
        let width = graph.spec(input).width
        let source = pointer(input, context), target = pointer(output, context)
        forRows(rows(input, context)) { range in
            let h = target + range.lowerBound * width
            if input != output { h.update(from: source + range.lowerBound * width, count: range.count * width) }
            normalize(h, range.count, width)
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
}
