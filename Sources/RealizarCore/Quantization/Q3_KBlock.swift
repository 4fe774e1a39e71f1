/// `Q3_K`: 256 values in 110 bytes; sixteen sub-blocks of 16 with signed 6-bit scales.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 32    | `hmask`: bit `j` of `hmask[l]` is the high bit of value `32j + l` |
/// | 32     | 64    | `qs`: low two bits; value `128h + 32k + l` (h < 2, k < 4, l < 32) is bits `2k...2k+1` of `qs[32h + l]` |
/// | 96     | 12    | `scales`: sixteen 6-bit scales biased by 32 (see `KQuantScales.q3Scale`) |
/// | 108    | 2     | `d`: f16 scale of the scales |
///
/// `q = low - (high bit set ? 0 : 4)` (so -4...3); value `i`: `(d * scale[i / 16]) * q`.
public enum Q3_KBlock: DequantizableBlock {
    public static let valueCount = 256
    public static let byteCount = 110

    /// Dequantizes one block (as gguf-py and `dequantize_row_q3_K`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 108)
        let scales = block + 96
        for half in 0..<2 {
            for k in 0..<4 {
                let shift = UInt8(2 * k)
                let maskBit = UInt8(4 * half + k)
                let out = y + 128 * half + 32 * k
                for part in 0..<2 {
                    let dl = d * Float(KQuantScales.q3Scale(8 * half + 2 * k + part, in: scales))
                    for l in (16 * part)..<(16 * part + 16) {
                        let low = Int32((block.quantByte(at: 32 + 32 * half + l) >> shift) & 3)
                        let high = (block.quantByte(at: l) >> maskBit) & 1
                        let q = low - (high == 0 ? 4 : 0)
                        out[l] = dl * Float(q)
                    }
                }
            }
        }
    }
}
