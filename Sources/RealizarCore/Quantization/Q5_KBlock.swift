/// `Q5_K`: 256 values in 176 bytes; eight sub-blocks of 32 with 6-bit scales and minimums.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 2     | `d`: f16 super-block scale of the scales |
/// | 2      | 2     | `dmin`: f16 super-block scale of the minimums |
/// | 4      | 12    | `scales`: eight 6-bit scales `sc` and minimums `m` (see `KQuantScales`) |
/// | 16     | 32    | `qh`: bit `j` of `qh[l]` is the fifth bit of value `l` of sub-block `j` |
/// | 48     | 128   | `qs`: low four bits; chunk `c` of 32 bytes holds sub-block `2c` in its low nibbles and `2c + 1` in its high nibbles |
///
/// Value `l` of sub-block `j`: `(d * sc[j]) * q - (dmin * m[j])`.
public enum Q5_KBlock: QuantizableBlock {
    public static let valueCount = 256
    public static let byteCount = 176

    /// Dequantizes one block (as gguf-py and `dequantize_row_q5_K`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 0)
        let dmin = block.quantHalf(at: 2)
        let scales = block + 4
        let qh = block + 16
        let qs = block + 48
        for chunk in 0..<4 {
            let (sc0, m0) = KQuantScales.scaleAndMin(2 * chunk, in: scales)
            let (sc1, m1) = KQuantScales.scaleAndMin(2 * chunk + 1, in: scales)
            let d0 = d * Float(sc0)
            let min0 = dmin * Float(m0)
            let d1 = d * Float(sc1)
            let min1 = dmin * Float(m1)
            let shift0 = UInt8(2 * chunk)
            let shift1 = shift0 + 1
            let out = y + 64 * chunk
            for l in 0..<32 {
                let byte = qs.quantByte(at: 32 * chunk + l)
                let high = qh.quantByte(at: l)
                let q0 = (byte & 0x0F) | ((high >> shift0) & 1) << 4
                let q1 = (byte >> 4) | ((high >> shift1) & 1) << 4
                out[l] = d0 * Float(q0) - min0
                out[l + 32] = d1 * Float(q1) - min1
            }
        }
    }

    /// Quantizes one block as llama.cpp's `quantize_row_q5_K_ref` (no importance matrix):
    /// `make_qkx2_quants` with levels `0...31`, `rmin = -0.5`, 15 steps; otherwise as `Q4_K`.
    public static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        KQuantWithMin.quantize(x, into: block, nmax: 31, rmin: -0.5, nstep: 15, highBits: true)
    }
}
