/// Attention of query rows against a KV cache, split over the context
/// flash-decoding style: `attention_split` gives each block `chunk` positions of one (sequence,
/// head) and leaves an unnormalised partial (running max `m`, sum `l`, `acc[headDimension]`);
/// `attention_reduce` merges a head's partials into `softmax(q·Kᵀ·scale) · V`.
///
/// Layouts: `q`, `out`: rows × heads × headDimension f32; K and V caches: caches × kvHeads
/// × maxContext × headDimension (f32 or f16), row `r` reading cache `r / queriesPerCache` (1 for
/// decode, one row per sequence; a prompt's row count when its rows share one cache); `lengths`:
/// u32 keys visible to each row (its position + 1, which makes a prompt causal);
/// `partials`: rows × heads × splits × (headDimension + 2) f32. Query head `h` reads KV head
/// `h / (heads / kvHeads)` (GQA). `window` > 0 keeps only the last `window` positions; `softCap`
/// > 0 maps scores to `tanh(s / softCap) · softCap`.
public enum AttentionDecodeKernel {
    public static let threads = 128
    static let warps = threads / 32
    /// Context positions per split block.
    public static let chunk = 256

    public static func splitName(headDimension: Int, halfCache: Bool) -> String {
        "attention_split_d\(headDimension)_\(halfCache ? "f16" : "f32")"
    }

    /// Parameters: `q`, `keys`, `values`, `partials`, `lengths`, `heads`, `kvHeads`, `maxContext`,
    /// `splits`, `scale`, `softCap`, `window`, `queriesPerCache`; grid (splits, heads, rows).
    public static func makeSplit(headDimension: Int, halfCache: Bool) -> Kernel {
        precondition(headDimension % 32 == 0 && headDimension <= 256)
        let k = KernelBuilder(name: splitName(headDimension: headDimension, halfCache: halfCache), maxThreads: threads)
        let q = k.pointerParameter("q")
        let keys = k.pointerParameter("keys")
        let values = k.pointerParameter("values")
        let partials = k.pointerParameter("partials")
        let lengths = k.pointerParameter("lengths")
        let heads = k.u32Parameter("heads")
        let kvHeads = k.u32Parameter("kvHeads")
        let maxContext = k.u32Parameter("maxContext")
        let splits = k.u32Parameter("splits")
        let scale = k.f32Parameter("scale")
        let softCap = k.f32Parameter("softCap")
        let window = k.u32Parameter("window")
        let queriesPerCache = k.u32Parameter("queriesPerCache")
        let perLane = headDimension / 32
        let split = k.special(.ctaidX)
        let head = k.special(.ctaidY)
        let sequence = k.special(.ctaidZ)
        let tid = k.threadIndex
        let lane = tid & 31
        let warp = tid >> 5
        let length = k.load(.u32, from: lengths + (sequence << 2))
        let windowStart = k.select(k.binary(.and, window.gt(0), length.gt(window)), length - window, 0)
        let start = k.max(split * UInt32(chunk), windowStart)
        let end = k.min(length, (split + 1) * UInt32(chunk))
        let kvHead = head / (heads / kvHeads)
        let queryHead = sequence * heads + head
        let query = q + k.mulWide(queryHead, UInt32(4 * headDimension))
        let qs = (0..<perLane).map { i in k.load(.f32, from: query + (lane << 2), offset: 128 * i) * scale }
        let cacheBase = k.mulWide(((sequence / queriesPerCache) * kvHeads + kvHead) * maxContext, UInt32(headDimension))
        let elementBytes: UInt32 = halfCache ? 2 : 4
        let m = k.variable(.f32, -Float.greatestFiniteMagnitude)
        let l = k.variable(.f32, Float(0))
        let acc = (0..<perLane).map { _ in k.variable(.f32, Float(0)) }
        func element(_ base: Value, _ position: Value, _ i: Int) -> Value {
            let address = base + (cacheBase + k.mulWide(position, UInt32(headDimension))) * UInt32(elementBytes)
            let at = address + (lane * elementBytes)
            return halfCache ? k.loadHalf(from: at, offset: 64 * i) : k.load(.f32, from: at, offset: 128 * i)
        }
        k.forLoop(from: start + warp, to: end, step: warps) { position in
            var dot = qs[0] * element(keys, position, 0)
            for i in 1..<perLane { dot = k.fma(qs[i], element(keys, position, i), dot) }
            var score = k.warpSum(dot)
            let capped = k.tanhAccurate(score / softCap) * softCap
            score = k.select(softCap.gt(Float(0)), capped, score)
            let newMax = k.max(m, score)
            let correction = k.exp(m - newMax)
            let weight = k.exp(score - newMax)
            k.assign(l, k.fma(l, correction, weight))
            for i in 0..<perLane { k.assign(acc[i], k.fma(acc[i], correction, weight * element(values, position, i))) }
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
        let out = partials + k.mulWide(queryHead * splits + split, UInt32(4 * (headDimension + 2)))
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

    public static func reduceName(headDimension: Int) -> String { "attention_reduce_d\(headDimension)" }

    /// Parameters: `partials`, `out`, `heads`, `splits`; grid (heads, sequences), block headDimension.
    public static func makeReduce(headDimension: Int) -> Kernel {
        let k = KernelBuilder(name: reduceName(headDimension: headDimension), maxThreads: headDimension)
        let partials = k.pointerParameter("partials")
        let out = k.pointerParameter("out")
        let heads = k.u32Parameter("heads")
        let splits = k.u32Parameter("splits")
        let queryHead = k.special(.ctaidY) * heads + k.special(.ctaidX)
        let dimension = k.threadIndex
        let stride = UInt32(4 * (headDimension + 2))
        let base = partials + k.mulWide(queryHead * splits, stride)
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
        k.store(total / weight, to: out + k.mulWide(queryHead, UInt32(4 * headDimension)) + (dimension << 2))
        return k.finish()
    }
}
