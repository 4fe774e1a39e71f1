/// `Q8_K`: 256 values in 292 bytes, symmetric 8-bit with an f32 scale and sums of sixteen (the
/// activation format paired with the k-quant weights).
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 4     | `d`: f32 scale |
/// | 4      | 256   | `qs`: the values as `Int8` |
/// | 260    | 32    | `bsums`: sixteen little-endian `Int16`, `bsums[j] = sum(qs[16j..<16j+16])` |
///
/// `value = d * q`.
public enum Q8_KBlock: QuantizableBlock {
    public static let valueCount = 256
    public static let byteCount = 292

    /// Dequantizes one block (as `dequantize_row_q8_K`: `d * float(q)`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantFloat(at: 0)
        for j in 0..<256 {
            y[j] = d * Float(block.quantInt8(at: 4 + j))
        }
    }

    /// Quantizes one block as llama.cpp's `quantize_row_q8_K_ref`: the value of largest magnitude
    /// `max` sets `iscale = -127 / max`, `q = min(127, nearest_int(iscale * x))`, `d = 1 / iscale`.
    /// An all-zero block gets `d = 0` and zero values and sums (C leaves its sums unwritten).
    public static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        var max: Float = 0
        var amax: Float = 0
        for j in 0..<256 {
            let ax = x[j].magnitude
            if ax > amax {
                amax = ax
                max = x[j]
            }
        }
        if amax == 0 {
            block.quantZero(byteCount: byteCount)
            return
        }
        let iscale = -127 / max
        for sub in 0..<16 {
            var sum: Int32 = 0
            for l in 0..<16 {
                let q = Int8(truncatingIfNeeded: Swift.min(127, QuantRounding.nearestInt(iscale * x[16 * sub + l])))
                block.quantStoreByte(UInt8(bitPattern: q), at: 4 + 16 * sub + l)
                sum += Int32(q)
            }
            block.quantStoreUInt16(UInt16(bitPattern: Int16(truncatingIfNeeded: sum)), at: 260 + 2 * sub)
        }
        block.quantStoreFloat(1 / iscale, at: 0)
    }
}
