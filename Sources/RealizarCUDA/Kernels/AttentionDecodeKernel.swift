/// Attention of query rows against their sequences' KV caches, split over the context
/// flash-decoding style: `attention_split` gives each block `chunk` positions of one (row, head)
/// and leaves an unnormalised partial (running max `m`, sum `l`, `acc[headDimension]`);
/// `attention_reduce` merges a head's partials into `softmax(q·Kᵀ·scale) · V`.
///
/// Every row of a pass is one launch: row `r` finds its cache and its number of splits in entry
/// `r` of the `KVTable` (a prompt's rows all name their sequence's cache), and sees the first
/// `lengths[r]` positions (its position + 1, which makes a prompt causal). Each warp takes
/// `positionsPerStep` positions at a time, their loads issued together, so a warp waits on memory
/// once per group instead of once per position.
///
/// Layouts: `q`, `out`: rows × heads × headDimension f32; a cache layer: kvHeads × capacity ×
/// headDimension f32 (or f16); `partials`: rows × heads × maxSplits × (headDimension + 2) f32.
/// Query head `h` reads KV head `h / (heads / kvHeads)` (GQA). `window` > 0 keeps only the last
/// `window` positions; `softCap` > 0 maps scores to `tanh(s / softCap) · softCap`.
public enum AttentionDecodeKernel {
    public static let threads = 128
    static let warps = threads / 32
    /// Context positions per split block: small enough that a short context still spreads over
    /// several blocks per head (a 128-position cache, two).
    public static let chunk = 64
    /// Positions a warp scores at once.
    static let positionsPerStep = 4

    public static func splitName(headDimension: Int, halfCache: Bool) -> String {
        "attention_split_d\(headDimension)_\(halfCache ? "f16" : "f32")"
    }

    /// Splits a row seeing `span` positions needs.
    public static func splits(span: Int) -> Int { Swift.max(1, (span + chunk - 1) / chunk) }

    /// Parameters: `q`, `caches` (`KVTable`), `partials`, `lengths`, `layer`, `heads`, `kvHeads`,
    /// `maxSplits`, `scale`, `softCap`, `window`; grid (maxSplits, heads, rows).
    public static func makeSplit(headDimension: Int, halfCache: Bool) -> Kernel {
        precondition(headDimension % 32 == 0 && headDimension <= 256)
        let k = KernelBuilder(name: splitName(headDimension: headDimension, halfCache: halfCache), maxThreads: threads)
        let q = k.pointerParameter("q")
        let caches = k.pointerParameter("caches")
        let partials = k.pointerParameter("partials")
        let lengths = k.pointerParameter("lengths")
        let layer = k.u32Parameter("layer")
        let heads = k.u32Parameter("heads")
        let kvHeads = k.u32Parameter("kvHeads")
        let maxSplits = k.u32Parameter("maxSplits")
        let scale = k.f32Parameter("scale")
        let softCap = k.f32Parameter("softCap")
        let window = k.u32Parameter("window")
        let perLane = headDimension / 32
        let split = k.special(.ctaidX)
        let head = k.special(.ctaidY)
        let row = k.special(.ctaidZ)
        k.returnIf(split.ge(KVTable.splits(k, caches, row: row)))
        let tid = k.threadIndex
        let lane = tid & 31
        let warp = tid >> 5
        let length = k.load(.u32, from: lengths + (row << 2))
        let windowStart = k.select(k.binary(.and, window.gt(0), length.gt(window)), length - window, 0)
        let start = k.max(split * UInt32(chunk), windowStart)
        let end = k.min(length, (split + 1) * UInt32(chunk))
        let kvHead = head / (heads / kvHeads)
        let queryHead = row * heads + head
        let query = q + k.mulWide(queryHead, UInt32(4 * headDimension))
        let qs = (0..<perLane).map { i in k.load(.f32, from: query + (lane << 2), offset: 128 * i) * scale }
        let capacity = KVTable.capacity(k, caches, row: row)
        let headOffset = k.mulWide(kvHead * capacity, UInt32(headDimension))
        let elementBytes: UInt32 = halfCache ? 2 : 4
        let keyBase = KVTable.layerBase(k, caches, row: row, side: .keys, layer: layer)
        let valueBase = KVTable.layerBase(k, caches, row: row, side: .values, layer: layer)
        let m = k.variable(.f32, -Float.greatestFiniteMagnitude)
        let l = k.variable(.f32, Float(0))
        let acc = (0..<perLane).map { _ in k.variable(.f32, Float(0)) }
        func elements(_ base: Value, _ position: Value) -> [Value] {
            let address = base + (headOffset + k.mulWide(position, UInt32(headDimension))) * UInt32(elementBytes)
            let at = address + (lane * elementBytes)
            return (0..<perLane).map { i in halfCache ? k.loadHalf(from: at, offset: 64 * i) : k.load(.f32, from: at, offset: 128 * i) }
        }
        let step = positionsPerStep
        k.forLoop(from: start + warp * UInt32(step), to: end, step: warps * step) { first in
            // Positions past `end` read the group's first position and weigh nothing.
            let positions = (0..<step).map { u in u == 0 ? first : k.select((first + UInt32(u)).lt(end), first + UInt32(u), first) }
            let valid = (0..<step).map { u in (first + UInt32(u)).lt(end) }
            let keyRows = positions.map { elements(keyBase, $0) }
            let valueRows = positions.map { elements(valueBase, $0) }
            var scores: [Value] = []
            for u in 0..<step {
                var dot = qs[0] * keyRows[u][0]
                for i in 1..<perLane { dot = k.fma(qs[i], keyRows[u][i], dot) }
                var score = k.warpSum(dot)
                let capped = k.tanhAccurate(score / softCap) * softCap
                score = k.select(softCap.gt(Float(0)), capped, score)
                scores.append(u == 0 ? score : k.select(valid[u], score, -Float.infinity))
            }
            var newMax = k.max(m, scores[0])
            for u in 1..<step { newMax = k.max(newMax, scores[u]) }
            let correction = k.exp(m - newMax)
            let weights = scores.map { k.exp($0 - newMax) }
            var total = k.fma(l, correction, weights[0])
            for u in 1..<step { total = total + weights[u] }
            k.assign(l, total)
            for i in 0..<perLane {
                var sum = k.fma(acc[i], correction, weights[0] * valueRows[0][i])
                for u in 1..<step { sum = k.fma(weights[u], valueRows[u][i], sum) }
                k.assign(acc[i], sum)
            }
            k.assign(m, newMax)
        }
        // Merge the warps' partials through shared memory.
        let stats = k.sharedArray("stats", bytes: 8 * warps)
        let sums = k.sharedArray("acc", bytes: 4 * warps * headDimension)
        for i in 0..<perLane { k.store(acc[i], to: sums + ((warp * UInt32(headDimension) + lane) << 2), offset: 128 * i) }
        k.ifThen(lane.eq(0)) {
            k.store(m, to: stats + (warp << 3))
            k.store(l, to: stats + (warp << 3), offset: 4)
        }
        k.barrier()
        var blockMax = k.load(.f32, from: stats)
        for w in 1..<warps { blockMax = k.max(blockMax, k.load(.f32, from: stats, offset: 8 * w)) }
        let factors = (0..<warps).map { w in k.exp(k.load(.f32, from: stats, offset: 8 * w) - blockMax) }
        let out = partials + k.mulWide(queryHead * maxSplits + split, UInt32(4 * (headDimension + 2)))
        for d in stride(from: 0, to: headDimension, by: threads) {
            let dimension = tid + UInt32(d)
            k.ifThen(dimension.lt(headDimension)) {
                var total = k.load(.f32, from: sums + (dimension << 2)) * factors[0]
                for w in 1..<warps { total = k.fma(k.load(.f32, from: sums + (dimension << 2), offset: 4 * headDimension * w), factors[w], total) }
                k.store(total, to: out + (dimension << 2))
            }
        }
        k.ifThen(tid.eq(0)) {
            var total = k.load(.f32, from: stats, offset: 4) * factors[0]
            for w in 1..<warps { total = k.fma(k.load(.f32, from: stats, offset: 8 * w + 4), factors[w], total) }
            k.store(blockMax, to: out, offset: 4 * headDimension)
            k.store(total, to: out, offset: 4 * headDimension + 4)
        }
        return k.finish()
    }

    public static func reduceName(headDimension: Int, quantize: Bool = false) -> String {
        "attention_reduce_d\(headDimension)\(quantize ? "_q8_1" : "")"
    }

    /// Parameters: `partials`, `caches` (for each row's splits), `out`, `quantized` (with
    /// `quantize`: `out` as Q8_1 too, the output projection's input, bit for bit
    /// `QuantizeQ8_1Kernel`'s), `heads`, `maxSplits`; grid (heads, rows), block headDimension.
    public static func makeReduce(headDimension: Int, quantize: Bool = false) -> Kernel {
        let k = KernelBuilder(name: reduceName(headDimension: headDimension, quantize: quantize), maxThreads: headDimension)
        let partials = k.pointerParameter("partials")
        let caches = k.pointerParameter("caches")
        let out = k.pointerParameter("out")
        let quantized = k.pointerParameter("quantized")
        let heads = k.u32Parameter("heads")
        let maxSplits = k.u32Parameter("maxSplits")
        let row = k.special(.ctaidY)
        let queryHead = row * heads + k.special(.ctaidX)
        let splits = KVTable.splits(k, caches, row: row)
        let dimension = k.threadIndex
        let stride = UInt32(4 * (headDimension + 2))
        let base = partials + k.mulWide(queryHead * maxSplits, stride)
        let globalMax = k.variable(.f32, -Float.greatestFiniteMagnitude)
        k.forLoop(from: 0, to: splits) { s in
            k.assign(globalMax, k.max(globalMax, k.load(.f32, from: base + s * stride, offset: 4 * headDimension)))
        }
        let total = k.variable(.f32, Float(0))
        let weight = k.variable(.f32, Float(0))
        k.forLoop(from: 0, to: splits) { s in
            let part = base + s * stride
            let factor = k.exp(k.load(.f32, from: part, offset: 4 * headDimension) - globalMax)
            k.assign(weight, k.fma(k.load(.f32, from: part, offset: 4 * headDimension + 4), factor, weight))
            k.assign(total, k.fma(k.load(.f32, from: part + (dimension << 2)), factor, total))
        }
        let result = total / weight
        k.store(result, to: out + k.mulWide(queryHead, UInt32(4 * headDimension)) + (dimension << 2))
        if quantize {
            let blocks = (heads * UInt32(headDimension)) >> 5
            RowBodies.quantizeQ8_1(k, result, lane: dimension & 31, row: Q8_1Rows.row(k, quantized, row: row, blocks: blocks),
                                   block: (k.special(.ctaidX) * UInt32(headDimension) + dimension) >> 5, blocks: blocks)
        }
        return k.finish()
    }
}
