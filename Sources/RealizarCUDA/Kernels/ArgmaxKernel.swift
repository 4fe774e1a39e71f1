/// Greedy sampling on the device: the index of the largest logit (the first one on ties), in two
/// passes so that only a token id crosses to the host.
///
/// Pass 1 (`argmax_partial`): each of the grid's blocks reduces a strided share of the logits to
/// one (value, index) pair. Pass 2 (`argmax_final`, one block): reduces the pairs to the index.
public enum ArgmaxKernel {
    public static let threads = 256
    static let warps = threads / 32

    /// Parameters: `logits`, `partials` (8 bytes per block: f32 value, u32 index), `count`.
    public static func makePartial() -> Kernel {
        let k = KernelBuilder(name: "argmax_partial", maxThreads: threads)
        let logits = k.pointerParameter("logits")
        let partials = k.pointerParameter("partials")
        let count = k.u32Parameter("count")
        let best = k.variable(.f32, -Float.infinity)
        let index = k.variable(.u32, UInt32.max)
        k.forLoop(from: k.blockIndex * threads + k.threadIndex, to: count, step: k.gridSize * threads) { i in
            let v = k.load(.f32, from: logits + (i << 2))
            let better = v.gt(best)
            k.assign(best, k.select(better, v, best))
            k.assign(index, k.select(better, i, index))
        }
        reduceAndStore(k, best, index, to: partials + (k.blockIndex << 3))
        return k.finish()
    }

    /// Parameters: `partials`, `result` (one u32), `blocks` (pass 1's grid size).
    public static func makeFinal() -> Kernel {
        let k = KernelBuilder(name: "argmax_final", maxThreads: threads)
        let partials = k.pointerParameter("partials")
        let result = k.pointerParameter("result")
        let blocks = k.u32Parameter("blocks")
        let best = k.variable(.f32, -Float.infinity)
        let index = k.variable(.u32, UInt32.max)
        k.forLoop(from: k.threadIndex, to: blocks, step: threads) { i in
            let v = k.load(.f32, from: partials + (i << 3))
            let j = k.load(.u32, from: partials + (i << 3), offset: 4)
            let (b, x) = better(k, best, index, v, j)
            k.assign(best, b)
            k.assign(index, x)
        }
        let scratch = k.sharedArray("pairs", bytes: 8 * warps, alignment: 8)
        let (_, winner) = blockReduce(k, best, index, scratch: scratch)
        k.ifThen(k.threadIndex.eq(0)) { k.store(winner, to: result) }
        return k.finish()
    }

    /// The larger pair, the smaller index on equal values.
    static func better(_ k: KernelBuilder, _ v: Value, _ i: Value, _ w: Value, _ j: Value) -> (Value, Value) {
        let takeOther = k.setp(.gt, w, v)
        let tie = k.binary(.and, w.eq(v), j.lt(i))
        let choose = k.binary(.or, takeOther, tie)
        return (k.select(choose, w, v), k.select(choose, j, i))
    }

    private static func blockReduce(_ k: KernelBuilder, _ value: Value, _ index: Value, scratch: Value) -> (Value, Value) {
        var (v, i) = (value, index)
        for distance in [16, 8, 4, 2, 1] {
            (v, i) = better(k, v, i, k.shuffle(.bfly, v, distance), k.shuffle(.bfly, i, distance))
        }
        let tid = k.threadIndex
        k.ifThen((tid & 31).eq(0)) {
            k.store(v, to: scratch + ((tid >> 5) << 3))
            k.store(i, to: scratch + ((tid >> 5) << 3), offset: 4)
        }
        k.barrier()
        var (bv, bi) = (k.load(.f32, from: scratch), k.load(.u32, from: scratch, offset: 4))
        for w in 1..<warps {
            (bv, bi) = better(k, bv, bi, k.load(.f32, from: scratch, offset: 8 * w), k.load(.u32, from: scratch, offset: 8 * w + 4))
        }
        return (bv, bi)
    }

    private static func reduceAndStore(_ k: KernelBuilder, _ value: Value, _ index: Value, to address: Value) {
        let scratch = k.sharedArray("pairs", bytes: 8 * warps, alignment: 8)
        let (v, i) = blockReduce(k, value, index, scratch: scratch)
        k.ifThen(k.threadIndex.eq(0)) {
            k.store(v, to: address)
            k.store(i, to: address, offset: 4)
        }
    }
}
