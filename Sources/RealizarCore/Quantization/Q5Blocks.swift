/// `Q5_0`: 32 values in 22 bytes, symmetric 5-bit.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 2     | `d`: f16 scale |
/// | 2      | 4     | `qh`: little-endian u32, bit `j` is the fifth bit of value `j` |
/// | 6      | 16    | `qs`: low four bits of value `j` (j < 16) in the low nibble of `qs[j]`, of value `j + 16` in its high nibble |
///
/// `value = d * (q - 16)`.
public enum Q5_0Block: QuantizableBlock {
    public static let valueCount = 32
    public static let byteCount = 22

    /// Dequantizes one block (as gguf-py: `d * float(q - 16)`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 0)
        let qh = block.quantUInt32(at: 2)
        for j in 0..<16 {
            let byte = block.quantByte(at: 6 + j)
            let q0 = Int32(byte & 0x0F) | Int32((qh >> UInt32(j)) & 1) << 4
            let q1 = Int32(byte >> 4) | Int32((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float(q0 - 16)
            y[j + 16] = d * Float(q1 - 16)
        }
    }

    /// Quantizes one block as llama.cpp's `quantize_row_q5_0_ref` (and gguf-py): the value of
    /// largest magnitude maps to -16, `q = min(31, trunc(x / d + 16.5))`.
    public static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        let max = BlockStatistics.signedMaximum(x)
        let d = max / -16
        let id: Float = d != 0 ? 1 / d : 0
        block.quantStoreHalf(d, at: 0)
        var qh: UInt32 = 0
        for j in 0..<16 {
            let q0 = UInt32(QuantRounding.truncated(x[j] * id + 16.5, clampedTo: 0, 31))
            let q1 = UInt32(QuantRounding.truncated(x[j + 16] * id + 16.5, clampedTo: 0, 31))
            block.quantStoreByte(UInt8((q0 & 0x0F) | (q1 & 0x0F) << 4), at: 6 + j)
            qh |= (q0 >> 4) << UInt32(j)
            qh |= (q1 >> 4) << UInt32(j + 16)
        }
        block.quantStoreUInt32(qh, at: 2)
    }
}

/// `Q5_1`: 32 values in 24 bytes, 5-bit with a minimum.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 2     | `d`: f16 scale |
/// | 2      | 2     | `m`: f16 minimum |
/// | 4      | 4     | `qh`: little-endian u32, bit `j` is the fifth bit of value `j` |
/// | 8      | 16    | `qs`: low four bits of value `j` (j < 16) in the low nibble of `qs[j]`, of value `j + 16` in its high nibble |
///
/// `value = d * q + m`.
public enum Q5_1Block: QuantizableBlock {
    public static let valueCount = 32
    public static let byteCount = 24

    /// Dequantizes one block (as gguf-py: `(d * float(q)) + m`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 0)
        let m = block.quantHalf(at: 2)
        let qh = block.quantUInt32(at: 4)
        for j in 0..<16 {
            let byte = block.quantByte(at: 8 + j)
            let q0 = UInt32(byte & 0x0F) | ((qh >> UInt32(j)) & 1) << 4
            let q1 = UInt32(byte >> 4) | ((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float(q0) + m
            y[j + 16] = d * Float(q1) + m
        }
    }

    /// Quantizes one block as llama.cpp's `quantize_row_q5_1_ref` (and gguf-py):
    /// `d = (max - min) / 31`, `q = min(31, trunc((x - min) / d + 0.5))`.
    public static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        let (min, max) = BlockStatistics.range(x)
        let d = (max - min) / 31
        let id: Float = d != 0 ? 1 / d : 0
        block.quantStoreHalf(d, at: 0)
        block.quantStoreHalf(min, at: 2)
        var qh: UInt32 = 0
        for j in 0..<16 {
            let q0 = UInt32(QuantRounding.truncated((x[j] - min) * id + 0.5, clampedTo: 0, 31))
            let q1 = UInt32(QuantRounding.truncated((x[j + 16] - min) * id + 0.5, clampedTo: 0, 31))
            block.quantStoreByte(UInt8((q0 & 0x0F) | (q1 & 0x0F) << 4), at: 8 + j)
            qh |= (q0 >> 4) << UInt32(j)
            qh |= (q1 >> 4) << UInt32(j + 16)
        }
        block.quantStoreUInt32(qh, at: 4)
    }
}
