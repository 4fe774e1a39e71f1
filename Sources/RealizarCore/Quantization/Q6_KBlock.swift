/// `Q6_K`: 256 values in 210 bytes; sixteen sub-blocks of 16 with signed 8-bit scales.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 128   | `ql`: low four bits; value `128h + 32k + l` (h < 2, k < 4, l < 32) is in `ql[64h + 32(k % 2) + l]`, low nibble for k < 2, high for k >= 2 |
/// | 128    | 64    | `qh`: high two bits; value `128h + 32k + l` is bits `2k...2k+1` of `qh[32h + l]` |
/// | 192    | 16    | `scales`: `Int8` scale of each sub-block of 16 |
/// | 208    | 2     | `d`: f16 scale of the scales |
///
/// `q = (low | high << 4) - 32`; value `i`: `(d * scale[i / 16]) * q`.
public enum Q6_KBlock: QuantizableBlock {
    public static let valueCount = 256
    public static let byteCount = 210

    /// Dequantizes one block (as gguf-py and `dequantize_row_q6_K`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 208)
        for half in 0..<2 {
            for k in 0..<4 {
                let highShift = UInt8(2 * k)
                let lowShift: UInt8 = k < 2 ? 0 : 4
                let lowBase = 64 * half + 32 * (k % 2)
                let out = y + 128 * half + 32 * k
                for part in 0..<2 {
                    let dl = d * Float(block.quantInt8(at: 192 + 8 * half + 2 * k + part))
                    for l in (16 * part)..<(16 * part + 16) {
                        let low = (block.quantByte(at: lowBase + l) >> lowShift) & 0x0F
                        let high = (block.quantByte(at: 128 + 32 * half + l) >> highShift) & 3
                        out[l] = dl * Float(Int32(low | high << 4) - 32)
                    }
                }
            }
        }
    }

    /// Quantizes one block as llama.cpp's `quantize_row_q6_K_ref` (no importance matrix): each
    /// sub-block of 16 gets a scale from `make_qx_quants(16, 32, x, L, 1, NULL)`; the scales are
    /// quantized to `Int8` against the one of largest magnitude (which maps to -128), then the levels
    /// are recomputed with the rounded scales.
    public static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 256) { levelBuffer in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { scaleBuffer in
                let levels = levelBuffer.baseAddress!
                let scales = scaleBuffer.baseAddress!
                var maxScale: Float = 0
                var maxAbsScale: Float = 0
                for sub in 0..<16 {
                    let scale = KQuantSearch.makeQXQuants(n: 16, nmax: 32, x: x + 16 * sub, levels: levels + 16 * sub, rmseType: 1)
                    scales[sub] = scale
                    if scale.magnitude > maxAbsScale {
                        maxAbsScale = scale.magnitude
                        maxScale = scale
                    }
                }
                block.quantZero(byteCount: byteCount)
                if maxAbsScale < KQuantSearch.groupMaxEpsilon {
                    block.quantStoreHalf(0, at: 208)
                    return
                }
                let iscale = -128 / maxScale
                block.quantStoreHalf(1 / iscale, at: 208)
                for sub in 0..<16 {
                    let scale = Swift.min(127, QuantRounding.nearestInt(iscale * scales[sub]))
                    block.quantStoreByte(UInt8(truncatingIfNeeded: scale), at: 192 + sub)
                }
                let d = block.quantHalf(at: 208)
                for sub in 0..<16 {
                    let dl = d * Float(Int8(bitPattern: block.quantLoadByte(at: 192 + sub)))
                    if dl == 0 { continue }
                    for l in 0..<16 {
                        let q = QuantRounding.nearestInt(x[16 * sub + l] / dl)
                        levels[16 * sub + l] = Int8(truncatingIfNeeded: Swift.max(-32, Swift.min(31, q)) + 32)
                    }
                }
                for half in 0..<2 {
                    let base = 128 * half
                    for l in 0..<32 {
                        let q1 = UInt8(bitPattern: levels[base + l])
                        let q2 = UInt8(bitPattern: levels[base + l + 32])
                        let q3 = UInt8(bitPattern: levels[base + l + 64])
                        let q4 = UInt8(bitPattern: levels[base + l + 96])
                        block.quantStoreByte((q1 & 0x0F) | (q3 & 0x0F) << 4, at: 64 * half + l)
                        block.quantStoreByte((q2 & 0x0F) | (q4 & 0x0F) << 4, at: 64 * half + l + 32)
                        let high = (q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6
                        block.quantStoreByte(high, at: 128 + 32 * half + l)
                    }
                }
            }
        }
    }
}
