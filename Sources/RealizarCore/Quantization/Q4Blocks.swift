/// `Q4_0`: 32 values in 18 bytes, symmetric 4-bit.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 2     | `d`: f16 scale |
/// | 2      | 16    | `qs`: value `j` (j < 16) in the low nibble of `qs[j]`, value `j + 16` in its high nibble |
///
/// `value = d * (q - 8)`.
public enum Q4_0Block: QuantizableBlock {
    public static let valueCount = 32
    public static let byteCount = 18

    /// Dequantizes one block (as gguf-py: `d * float(q - 8)`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 0)
        for j in 0..<16 {
            let byte = block.quantByte(at: 2 + j)
            y[j] = d * Float(Int32(byte & 0x0F) - 8)
            y[j + 16] = d * Float(Int32(byte >> 4) - 8)
        }
    }

    /// Quantizes one block as llama.cpp's `quantize_row_q4_0_ref` (and gguf-py): the value of
    /// largest magnitude maps to -8, `q = min(15, trunc(x / d + 8.5))`.
    public static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        let max = BlockStatistics.signedMaximum(x)
        let d = max / -8
        let id: Float = d != 0 ? 1 / d : 0
        block.quantStoreHalf(d, at: 0)
        for j in 0..<16 {
            let q0 = QuantRounding.truncated(x[j] * id + 8.5, clampedTo: 0, 15)
            let q1 = QuantRounding.truncated(x[j + 16] * id + 8.5, clampedTo: 0, 15)
            block.quantStoreByte(UInt8(q0) | UInt8(q1) << 4, at: 2 + j)
        }
    }
}

/// `Q4_1`: 32 values in 20 bytes, 4-bit with a minimum.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 2     | `d`: f16 scale |
/// | 2      | 2     | `m`: f16 minimum |
/// | 4      | 16    | `qs`: value `j` (j < 16) in the low nibble of `qs[j]`, value `j + 16` in its high nibble |
///
/// `value = d * q + m`.
public enum Q4_1Block: QuantizableBlock {
    public static let valueCount = 32
    public static let byteCount = 20

    /// Dequantizes one block (as gguf-py: `(d * float(q)) + m`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 0)
        let m = block.quantHalf(at: 2)
        for j in 0..<16 {
            let byte = block.quantByte(at: 4 + j)
            y[j] = d * Float(byte & 0x0F) + m
            y[j + 16] = d * Float(byte >> 4) + m
        }
    }

    /// Quantizes one block as llama.cpp's `quantize_row_q4_1_ref` (and gguf-py):
    /// `d = (max - min) / 15`, `q = min(15, trunc((x - min) / d + 0.5))`.
    public static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        let (min, max) = BlockStatistics.range(x)
        let d = (max - min) / 15
        let id: Float = d != 0 ? 1 / d : 0
        block.quantStoreHalf(d, at: 0)
        block.quantStoreHalf(min, at: 2)
        for j in 0..<16 {
            let q0 = QuantRounding.truncated((x[j] - min) * id + 0.5, clampedTo: 0, 15)
            let q1 = QuantRounding.truncated((x[j + 16] - min) * id + 0.5, clampedTo: 0, 15)
            block.quantStoreByte(UInt8(q0) | UInt8(q1) << 4, at: 4 + j)
        }
    }
}
