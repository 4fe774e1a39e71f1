/// f32 activations → ggml `block_q8_1` (36 bytes per 32 values: f16 `d`, f16 `d·Σq`, 32 × Int8),
/// the operand of the integer GEMV kernels. One warp per block of 32 values.
///
/// Bit for bit `Q8_1Block.quantize`: `d = amax / 127`, `q = roundf(x · (1/d))` (ties away from zero,
/// clamped to Int8), `s = f16(Float(Σq) · d)`.
public enum QuantizeQ8_1Kernel {
    public static let name = "quantize_q8_1"
    public static let threads = 256
    static let warps = threads / 32

    /// Parameters: `x` (f32, `32 · blocks` values), `y` (`36 · blocks` bytes), `blocks`.
    public static func make() -> Kernel {
        let k = KernelBuilder(name: name, maxThreads: threads)
        let x = k.pointerParameter("x")
        let y = k.pointerParameter("y")
        let blocks = k.u32Parameter("blocks")
        let tid = k.threadIndex
        let block = k.blockIndex * warps + (tid >> 5)
        k.returnIf(block.ge(blocks))
        let lane = tid & 31
        let value = k.load(.f32, from: x + ((block * 32 + lane) << 2))
        RowBodies.quantizeQ8_1(k, value, lane: lane, to: RowBodies.q8_1Block(k, y, block))
        return k.finish()
    }

    /// Grid for `blocks` blocks of 32 values.
    public static func grid(blocks: Int) -> Dim3 { Dim3((blocks + warps - 1) / warps) }
}
