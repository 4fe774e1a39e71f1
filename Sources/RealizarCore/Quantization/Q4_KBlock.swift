/// `Q4_K`: 256 values in 144 bytes; eight sub-blocks of 32 with 6-bit scales and minimums.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 2     | `d`: f16 super-block scale of the scales |
/// | 2      | 2     | `dmin`: f16 super-block scale of the minimums |
/// | 4      | 12    | `scales`: eight 6-bit scales `sc` and minimums `m` (see `KQuantScales`) |
/// | 16     | 128   | `qs`: four chunks of 32 bytes; chunk `c` holds sub-block `2c` in its low nibbles and `2c + 1` in its high nibbles |
///
/// Value `l` of sub-block `j`: `(d * sc[j]) * q - (dmin * m[j])`.
public enum Q4_KBlock: QuantizableBlock {
    public static let valueCount = 256
    public static let byteCount = 144

    /// Dequantizes one block (as gguf-py and `dequantize_row_q4_K`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 0)
        let dmin = block.quantHalf(at: 2)
        let scales = block + 4
        let qs = block + 16
        for chunk in 0..<4 {
            let (sc0, m0) = KQuantScales.scaleAndMin(2 * chunk, in: scales)
            let (sc1, m1) = KQuantScales.scaleAndMin(2 * chunk + 1, in: scales)
            let d0 = d * Float(sc0)
            let min0 = dmin * Float(m0)
            let d1 = d * Float(sc1)
            let min1 = dmin * Float(m1)
            let out = y + 64 * chunk
            for l in 0..<32 {
                let byte = qs.quantByte(at: 32 * chunk + l)
                out[l] = d0 * Float(byte & 0x0F) - min0
                out[l + 32] = d1 * Float(byte >> 4) - min1
            }
        }
    }

    /// Quantizes one block as llama.cpp's `quantize_row_q4_K_ref` (no importance matrix): each
    /// sub-block's scale and minimum from `make_qkx2_quants` (weights `rms + |x|`, 20 steps), both
    /// quantized to 6 bits against the largest, then levels recomputed with the rounded scales.
    public static func quantize(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        KQuantWithMin.quantize(x, into: block, nmax: 15, rmin: -1, nstep: 20, highBits: false)
    }
}

/// The shared quantizer of `Q4_K` and `Q5_K` (`quantize_row_q4_K_ref`, `quantize_row_q5_K_ref`).
enum KQuantWithMin {
    static func quantize(
        _ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer,
        nmax: Int32, rmin: Float, nstep: Int, highBits: Bool
    ) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256 + 32 + 16) { bytes in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 32 + 8 + 8) { floats in
                let levels = bytes.baseAddress!
                let scratch = levels + 256
                let packedScale = scratch + 32
                let packedMin = packedScale + 8
                let weights = floats.baseAddress!
                let scales = weights + 32
                let mins = scales + 8

                var maxScale: Float = 0
                var maxMin: Float = 0
                for j in 0..<8 {
                    let sub = x + 32 * j
                    var sumX2: Float = 0
                    for l in 0..<32 { sumX2 += sub[l] * sub[l] }
                    let averageX = (sumX2 / 32).squareRoot()
                    for l in 0..<32 { weights[l] = averageX + sub[l].magnitude }
                    var negatedMin: Float = 0
                    scales[j] = KQuantSearch.makeQKX2Quants(
                        n: 32, nmax: nmax, x: sub, weights: weights, levels: levels + 32 * j,
                        negatedMin: &negatedMin, scratch: scratch, rmin: rmin, rdelta: 0.1, nstep: nstep,
                        useMAD: false)
                    mins[j] = negatedMin
                    if scales[j] > maxScale { maxScale = scales[j] }
                    if mins[j] > maxMin { maxMin = mins[j] }
                }

                let inverseScale: Float = maxScale > 0 ? 63 / maxScale : 0
                let inverseMin: Float = maxMin > 0 ? 63 / maxMin : 0
                for j in 0..<8 {
                    // C stores nearest_int's result in a uint8_t before clamping to 63.
                    let ls = UInt8(truncatingIfNeeded: QuantRounding.nearestInt(inverseScale * scales[j]))
                    let lm = UInt8(truncatingIfNeeded: QuantRounding.nearestInt(inverseMin * mins[j]))
                    packedScale[j] = Swift.min(63, ls)
                    packedMin[j] = Swift.min(63, lm)
                }
                block.quantStoreHalf(maxScale / 63, at: 0)
                block.quantStoreHalf(maxMin / 63, at: 2)
                KQuantScales.pack(scales: packedScale, mins: packedMin, into: block + 4)

                let d = block.quantHalf(at: 0)
                let dmin = block.quantHalf(at: 2)
                let nmaxLevel = nmax
                for j in 0..<8 {
                    let sub = d * Float(packedScale[j])
                    if sub == 0 { continue }
                    let subMin = dmin * Float(packedMin[j])
                    for l in 0..<32 {
                        let q = QuantRounding.nearestInt((x[32 * j + l] + subMin) / sub)
                        levels[32 * j + l] = UInt8(truncatingIfNeeded: Swift.max(0, Swift.min(nmaxLevel, q)))
                    }
                }

                if highBits {
                    // Q5_K: qh at 16 (bit 2c of qh[l] is the fifth bit of level l of sub-block 2c,
                    // bit 2c + 1 that of sub-block 2c + 1), nibbles at 48.
                    (block + 16).quantZero(byteCount: 32)
                    for chunk in 0..<4 {
                        for l in 0..<32 {
                            var low = levels[64 * chunk + l]
                            var high = levels[64 * chunk + l + 32]
                            var qh = block.quantLoadByte(at: 16 + l)
                            if low > 15 {
                                low -= 16
                                qh |= 1 << UInt8(2 * chunk)
                            }
                            if high > 15 {
                                high -= 16
                                qh |= 2 << UInt8(2 * chunk)
                            }
                            block.quantStoreByte(qh, at: 16 + l)
                            block.quantStoreByte(low | high << 4, at: 48 + 32 * chunk + l)
                        }
                    }
                } else {
                    for chunk in 0..<4 {
                        for l in 0..<32 {
                            let byte = levels[64 * chunk + l] | levels[64 * chunk + l + 32] << 4
                            block.quantStoreByte(byte, at: 16 + 32 * chunk + l)
                        }
                    }
                }
            }
        }
    }
}
