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
        let rowOffset = k.mulWide(k.blockIndex, columns << 2)
        let output = y + rowOffset
        RowBodies.normalize(k, kind, input: x + rowOffset, weight: weight, bias: bias, columns: columns, eps: eps, scratch: scratch,
                            threads: threads) { i, value in k.store(value, to: output + (i << 2)) }
        return k.finish()
    }
}
