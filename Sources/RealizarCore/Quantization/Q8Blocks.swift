/// `Q8_0`: 32 values in 34 bytes, symmetric 8-bit.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 2     | `d`: f16 scale |
/// | 2      | 32    | `qs`: the values as `Int8` |
///
/// `value = d * q`.
public enum Q8_0Block: QuantizableBlock {
    public static let valueCount = 32
    public static let byteCount = 34

    /// Dequantizes one block (as gguf-py: `float(q) * d`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        SymmetricInt8.dequantize(block: block, valuesAt: 2, into: y)
    }

    /// Quantizes one block as llama.cpp's `quantize_row_q8_0_ref` (and gguf-py):
    /// `d = amax / 127`, `q = roundf(x / d)` (ties away from zero).
    public static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        _ = SymmetricInt8.quantize(x, into: block, valuesAt: 2)
    }
}

/// `Q8_1`: 32 values in 36 bytes, symmetric 8-bit plus a precomputed sum (the activation format
/// paired with `Q4_1`/`Q5_1` weights).
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 2     | `d`: f16 scale |
/// | 2      | 2     | `s`: f16, `d * sum(qs)` |
/// | 4      | 32    | `qs`: the values as `Int8` |
///
/// `value = d * q`. llama.cpp has no `dequantize_row_q8_1`; this one reads it as `Q8_0` does and
/// ignores `s`.
public enum Q8_1Block: QuantizableBlock {
    public static let valueCount = 32
    public static let byteCount = 36

    /// Dequantizes one block: `float(q) * d`.
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        SymmetricInt8.dequantize(block: block, valuesAt: 4, into: y)
    }

    /// Quantizes one block as llama.cpp's `quantize_row_q8_1_ref`: `Q8_0`'s rule, and
    /// `s = f16(float(sum(q)) * d)` with the unrounded f32 `d`.
    public static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        let (d, sum) = SymmetricInt8.quantize(x, into: block, valuesAt: 4)
        block.quantStoreHalf(Float(sum) * d, at: 2)
    }
}

/// The 32-value symmetric 8-bit rule `Q8_0` and `Q8_1` share: an f16 scale at offset 0 and the
/// values as `Int8` at `valuesAt`.
enum SymmetricInt8 {
    @inline(__always)
    static func dequantize(block: UnsafeRawPointer, valuesAt offset: Int, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 0)
        for j in 0..<32 {
            y[j] = Float(block.quantInt8(at: offset + j)) * d
        }
    }

    /// `d = amax / 127`, `q = roundf(x / d)`; stores `d` (as f16) and the values, and returns the
    /// unrounded f32 `d` and the sum of the values.
    @inline(__always)
    static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer, valuesAt offset: Int) -> (scale: Float, sum: Int32) {
        var amax: Float = 0
        for j in 0..<32 { amax = Swift.max(amax, x[j].magnitude) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        block.quantStoreHalf(d, at: 0)
        var sum: Int32 = 0
        for j in 0..<32 {
            let q = QuantRounding.roundedAwayInt8(x[j] * id)
            block.quantStoreByte(UInt8(bitPattern: q), at: offset + j)
            sum += Int32(q)
        }
        return (d, sum)
    }
}
