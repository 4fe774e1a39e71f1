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
        let amax = k.warpMax(k.abs(value))
        let d = amax / Float(127)
        let inverse = k.select(d.ne(Float(0)), k.reciprocal(d), Float(0))
        let scaled = value * inverse
        let clamped = k.min(k.max(scaled, Float(-128)), Float(127))
        // roundf as QuantRounding.roundedAwayInt8 does it: add the largest float below one half
        // with the value's sign, then truncate.
        let justBelowHalf = Float(0.5).nextDown
        let biased = clamped + k.select(clamped.lt(Float(0)), k.constant(-justBelowHalf), justBelowHalf)
        let q = biased.to(.s32, rounding: .rzi)
        let sum = k.warpSum(q)
        let out = y + block * 36
        k.store(q, to: out + (lane + 4), as: .s8)
        k.ifThen(lane.eq(0)) {
            k.store(d.to(.f16), to: out)
            k.store((sum.to(.f32) * d).to(.f16), to: out, offset: 2)
        }
        return k.finish()
    }

    /// Grid for `blocks` blocks of 32 values.
    public static func grid(blocks: Int) -> Dim3 { Dim3((blocks + warps - 1) / warps) }
}
