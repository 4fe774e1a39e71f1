/// Rotary position embedding in place on `x` (`rows` × `heads` × `headDimension` f32), one thread
/// per rotated pair. Pair `i` (< rotaryDimensions / 2) of a head turns by
/// `position · positionScale · base^(−2i / rotaryDimensions)`; dimensions past `rotaryDimensions`
/// pass through.
///
/// `adjacent` rotates (2i, 2i+1) (GPT-J / llama.cpp's normal mode); `neox` rotates
/// (i, i + rotaryDimensions/2).
///
/// Parameters: `x`, `positions` (u32 per row), `pairs` (rows · heads · rotaryDimensions/2),
/// `headDimension`, `rotaryDimensions`, `log2Base`, `positionScale`.
public enum RoPEKernel {
    public static let threads = 256

    public enum Style: String, Sendable, CaseIterable {
        case adjacent, neox
    }

    public static func name(_ style: Style) -> String { "rope_\(style.rawValue)_f32" }

    public static func make(_ style: Style) -> Kernel {
        let k = KernelBuilder(name: name(style), maxThreads: threads)
        let x = k.pointerParameter("x")
        let positions = k.pointerParameter("positions")
        let heads = k.u32Parameter("heads")
        let pairs = k.u32Parameter("pairs")
        let headDimension = k.u32Parameter("headDimension")
        let rotaryDimensions = k.u32Parameter("rotaryDimensions")
        let log2Base = k.f32Parameter("log2Base")
        let positionScale = k.f32Parameter("positionScale")
        let index = k.blockIndex * threads + k.threadIndex
        k.returnIf(index.ge(pairs))
        let half = rotaryDimensions >> 1
        let pair = index % half
        let head = index / half
        let row = head / heads
        let position = k.load(.u32, from: positions + (row << 2)).to(.f32)
        // base^(-2i/d) = 2^(-(2i/d)·log2 base)
        let exponent = (pair << 1).to(.f32) / rotaryDimensions.to(.f32)
        let frequency = k.exp2(-(exponent * log2Base))
        let (sin, cos) = k.sinCos(position * positionScale * frequency)
        let base = x + k.mulWide(head, headDimension << 2)
        let (first, second) = style == .adjacent ? (pair << 1, (pair << 1) + 1) : (pair, pair + half)
        let a = k.load(.f32, from: base + (first << 2))
        let b = k.load(.f32, from: base + (second << 2))
        k.store(a * cos - b * sin, to: base + (first << 2))
        k.store(k.fma(a, sin, b * cos), to: base + (second << 2))
        return k.finish()
    }

    public static func grid(pairs: Int) -> Dim3 { Dim3((pairs + threads - 1) / threads) }
}
