/// Row-wise normalisation, one block of `threads` per row, reductions through warps then the block.
///
/// RMSNorm: `y = x / sqrt(mean(x²) + eps) · w`. LayerNorm: `y = (x − mean) / sqrt(var + eps) · w + b`
/// (two passes over the row, so the variance does not cancel). Parameters: `x`, `weight`,
/// (`bias`,) `y`, `columns`, `eps`; rows = grid size.
public enum NormKernel {
    public static let threads = 256
    /// Threads of the block for rows of more values: one row is one block, so wider rows get more
    /// threads rather than more serial steps (a 4096-value row: 4 values per thread, not 16).
    public static let wideThreads = 1024

    /// The block size for rows (or groups) of `columns` values.
    public static func threads(columns: Int) -> Int { columns > threads ? wideThreads : threads }

    public enum Kind: String, Sendable, CaseIterable {
        case rms, layer
    }

    public static func name(_ kind: Kind, threads: Int = threads) -> String {
        (kind == .rms ? "rms_norm_f32" : "layer_norm_f32") + (threads == Self.threads ? "" : "_t\(threads)")
    }

    public static func make(_ kind: Kind) -> Kernel { make(kind, threads: threads) }

    public static func make(_ kind: Kind, threads: Int) -> Kernel {
        let k = KernelBuilder(name: name(kind, threads: threads), maxThreads: threads)
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
