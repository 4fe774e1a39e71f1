/// `Q2_K`: 256 values in 84 bytes; sixteen sub-blocks of 16 with 4-bit scales and minimums.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 16    | `scales`: byte `j` holds sub-block `j`'s scale in its low nibble and its minimum in its high nibble |
/// | 16     | 64    | `qs`: 2-bit values; value `128h + 32k + l` (h < 2, k < 4, l < 32) is bits `2k...2k+1` of `qs[32h + l]` |
/// | 80     | 2     | `d`: f16 scale of the scales |
/// | 82     | 2     | `dmin`: f16 scale of the minimums |
///
/// Value `i` (sub-block `j = i / 16`): `(d * sc[j]) * q - (dmin * m[j])`.
public enum Q2_KBlock: DequantizableBlock {
    public static let valueCount = 256
    public static let byteCount = 84

    /// Dequantizes one block (as gguf-py and `dequantize_row_q2_K`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 80)
        let dmin = block.quantHalf(at: 82)
        for half in 0..<2 {
            for k in 0..<4 {
                let shift = UInt8(2 * k)
                let out = y + 128 * half + 32 * k
                for part in 0..<2 {
                    let packed = block.quantByte(at: 8 * half + 2 * k + part)
                    let dl = d * Float(packed & 0x0F)
                    let ml = dmin * Float(packed >> 4)
                    for l in (16 * part)..<(16 * part + 16) {
                        let q = (block.quantByte(at: 16 + 32 * half + l) >> shift) & 3
                        out[l] = dl * Float(q) - ml
                    }
                }
            }
        }
    }
}
