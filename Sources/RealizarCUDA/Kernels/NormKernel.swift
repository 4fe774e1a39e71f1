/// Row-wise normalisation, one block of `threads` per row, reductions through warps then the block.
///
/// RMSNorm: `y = x / sqrt(mean(x²) + eps) · w`. LayerNorm: `y = (x − mean) / sqrt(var + eps) · w + b`
/// (two passes over the row, so the variance does not cancel). Parameters: `x`, `weight`,
/// (`bias`,) `y`, `columns`, `eps`; rows = grid size.
public enum NormKernel {
    public static let threads = 256

    public enum Kind: String, Sendable, CaseIterable {
        case rms, layer
    }

    public static func name(_ kind: Kind) -> String { kind == .rms ? "rms_norm_f32" : "layer_norm_f32" }

    public static func make(_ kind: Kind) -> Kernel {
        let k = KernelBuilder(name: name(kind), maxThreads: threads)
        let x = k.pointerParameter("x")
        let weight = k.pointerParameter("weight")
        let bias = kind == .layer ? k.pointerParameter("bias") : nil
        let y = k.pointerParameter("y")
        let columns = k.u32Parameter("columns")
        let eps = k.f32Parameter("eps")
        let scratch = k.sharedArray("partials", bytes: 4 * 32)
        let tid = k.threadIndex
        let rowOffset = k.mulWide(k.blockIndex, columns << 2)
        let input = x + rowOffset
        let output = y + rowOffset
        var mean: Value?
        if kind == .layer {
            let sum = k.variable(.f32, Float(0))
            k.forLoop(from: tid, to: columns, step: threads) { i in k.assign(sum, sum + k.load(.f32, from: input + (i << 2))) }
            mean = k.blockSum(sum, scratch: scratch, threads: threads) / columns.to(.f32)
        }
        let squares = k.variable(.f32, Float(0))
        k.forLoop(from: tid, to: columns, step: threads) { i in
            var v = k.load(.f32, from: input + (i << 2))
            if let mean { v = v - mean }
            k.assign(squares, k.fma(v, v, squares))
        }
        let variance = k.blockSum(squares, scratch: scratch, threads: threads) / columns.to(.f32)
        // IEEE sqrt and division (not rsqrt.approx) so the GPU agrees with the scalar reference to ~1 ulp.
        let inverse = k.reciprocal(k.sqrt(variance + eps))
        k.forLoop(from: tid, to: columns, step: threads) { i in
            var v = k.load(.f32, from: input + (i << 2))
            if let mean { v = v - mean }
            var out = v * inverse * k.load(.f32, from: weight + (i << 2))
            if let bias { out = out + k.load(.f32, from: bias + (i << 2)) }
            k.store(out, to: output + (i << 2))
        }
        return k.finish()
    }
}
