/// Rotary position embedding in place on `x` (`rows` × `heads` × `headDimension` f32), one thread
/// per rotated pair, with each row's cosines and sines read from `angles` (`rows` × (`pairs`
/// cosines, then `pairs` sines), `pairs = rotaryDimensions / 2`). The host forms the angles in
/// float64 from the row's position, the base, the scaling and any per-pair factors, as the CPU
/// backend does: an angle formed in f32 on the device is off by ~1e-7·θ, which reaches 1e-3 at
/// 10k positions. Dimensions past `rotaryDimensions` pass through.
///
/// `adjacent` rotates (2i, 2i+1) (GPT-J / llama.cpp's normal mode); `neox` rotates
/// (i, i + rotaryDimensions/2).
///
/// Parameters: `x`, `angles`, `heads`, `count` (rows · heads · pairs), `headDimension`,
/// `rotaryDimensions`.
public enum RoPEKernel {
    public static let threads = 256

    public enum Style: String, Sendable, CaseIterable {
        case adjacent, neox
    }

    public static func name(_ style: Style) -> String { "rope_\(style.rawValue)_f32" }

    public static func make(_ style: Style) -> Kernel {
        let k = KernelBuilder(name: name(style), maxThreads: threads)
        let x = k.pointerParameter("x")
        let angles = k.pointerParameter("angles")
        let heads = k.u32Parameter("heads")
        let count = k.u32Parameter("count")
        let headDimension = k.u32Parameter("headDimension")
        let rotaryDimensions = k.u32Parameter("rotaryDimensions")
        let index = k.blockIndex * threads + k.threadIndex
        k.returnIf(index.ge(count))
        let half = rotaryDimensions >> 1
        let head = index / half
        rotate(k, style, pair: index % half, half: half, head: x + k.mulWide(head, headDimension << 2),
               table: angles + k.mulWide(head / heads, rotaryDimensions << 2))
        return k.finish()
    }

    /// Rotates pair `pair` of the head at `head` by the cosine and sine of that pair in `table`
    /// (one row's angles).
    static func rotate(_ k: KernelBuilder, _ style: Style, pair: Value, half: Value, head base: Value, table: Value) {
        let cos = k.load(.f32, from: table + (pair << 2))
        let sin = k.load(.f32, from: table + ((pair + half) << 2))
        let (first, second) = style == .adjacent ? (pair << 1, (pair << 1) + 1) : (pair, pair + half)
        let a = k.load(.f32, from: base + (first << 2))
        let b = k.load(.f32, from: base + (second << 2))
        k.store(a * cos - b * sin, to: base + (first << 2))
        k.store(k.fma(a, sin, b * cos), to: base + (second << 2))
    }

    public static func grid(count: Int) -> Dim3 { Dim3((count + threads - 1) / threads) }
}
