/// f32 activations → Q8_1 (per 32 values: 32 × Int8, f16 `d`, f16 `d·Σq`, in rows laid out as
/// `Q8_1Rows` says), the operand of the integer GEMV kernels. One warp per block of 32 values.
///
/// Bit for bit `Q8_1Block.quantize`: `d = amax / 127`, `q = roundf(x · (1/d))` (ties away from zero,
/// clamped to Int8), `s = f16(Float(Σq) · d)`.
public enum QuantizeQ8_1Kernel {
    public static let name = "quantize_q8_1"
    public static let threads = 256
    static let warps = threads / 32

    /// Parameters: `x` (f32, `32 · blocks` values), `y` (rows of `Q8_1Rows.rowBytes(blocks:
    /// blocksPerRow)` bytes), `blocks`, `blocksPerRow`.
    public static func make() -> Kernel {
        let k = KernelBuilder(name: name, maxThreads: threads)
        let x = k.pointerParameter("x")
        let y = k.pointerParameter("y")
        let blocks = k.u32Parameter("blocks")
        let blocksPerRow = k.u32Parameter("blocksPerRow")
        let tid = k.threadIndex
        let block = k.blockIndex * warps + (tid >> 5)
        k.returnIf(block.ge(blocks))
        let lane = tid & 31
        let value = k.load(.f32, from: x + ((block * 32 + lane) << 2))
        RowBodies.quantizeQ8_1(k, value, lane: lane, row: Q8_1Rows.row(k, y, row: block / blocksPerRow, blocks: blocksPerRow),
                               block: block % blocksPerRow, blocks: blocksPerRow)
        return k.finish()
    }

    /// Grid for `blocks` blocks of 32 values.
    public static func grid(blocks: Int) -> Dim3 { Dim3((blocks + warps - 1) / warps) }
}
