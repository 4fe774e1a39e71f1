/// The packed 6-bit sub-block scales of the k-quants.
///
/// `Q4_K` and `Q5_K` keep eight 6-bit scales `sc[0..<8]` and eight 6-bit minimums `m[0..<8]` in
/// 12 bytes (llama.cpp's `get_scale_min_k4`; gguf-py's `Q4_K.get_scale_min`):
///
/// | byte (`k` in 0..<4) | bits 7-6         | bits 5-4            | bits 3-0             |
/// |---------------------|------------------|---------------------|----------------------|
/// | `b[k]`              | `sc[k + 4] >> 4` | `sc[k]` bits 5-4    | `sc[k]` bits 3-0     |
/// | `b[k + 4]`          | `m[k + 4] >> 4`  | `m[k]` bits 5-4     | `m[k]` bits 3-0      |
/// | `b[k + 8]`          | `m[k + 4]` bits 3-0 (bits 7-4)         || `sc[k + 4]` bits 3-0 |
///
/// That is, for `j < 4`: `sc[j] = b[j] & 63`, `m[j] = b[j + 4] & 63`; for `j >= 4`:
/// `sc[j] = (b[j + 4] & 0xF) | (b[j - 4] >> 6) << 4` and `m[j] = (b[j + 4] >> 4) | (b[j] >> 6) << 4`.
///
/// `Q3_K` keeps sixteen 6-bit signed scales (stored with a bias of 32) in 12 bytes: the low four bits
/// of scale `j` in nibble `j / 8` of byte `j % 8`, its high two bits in bits `2 * (j / 4)` of byte
/// `8 + j % 4`.
public enum KQuantScales {
    /// Bytes the packed scales take.
    public static let byteCount = 12

    /// Scale and minimum `j` (0..<8) of a `Q4_K`/`Q5_K` block's 12 scale bytes at `packed`.
    @inline(__always)
    public static func scaleAndMin(_ j: Int, in packed: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (packed.quantByte(at: j) & 63, packed.quantByte(at: j + 4) & 63)
        }
        let scale = (packed.quantByte(at: j + 4) & 0x0F) | (packed.quantByte(at: j - 4) >> 6) << 4
        let min = (packed.quantByte(at: j + 4) >> 4) | (packed.quantByte(at: j) >> 6) << 4
        return (scale, min)
    }

    /// All eight scales and minimums of 12 packed bytes.
    public static func unpack(_ packed: [UInt8]) -> (scales: [UInt8], mins: [UInt8]) {
        precondition(packed.count == byteCount, "k-quant scales take \(byteCount) bytes")
        return packed.withUnsafeBytes { raw in
            var scales = [UInt8](repeating: 0, count: 8)
            var mins = [UInt8](repeating: 0, count: 8)
            for j in 0..<8 {
                (scales[j], mins[j]) = scaleAndMin(j, in: raw.baseAddress!)
            }
            return (scales, mins)
        }
    }

    /// Packs eight 6-bit scales and minimums (each taken modulo 64) the way `quantize_row_q4_K_ref`
    /// does, into the 12 bytes at `packed`.
    public static func pack(scales: UnsafePointer<UInt8>, mins: UnsafePointer<UInt8>, into packed: UnsafeMutableRawPointer) {
        packed.quantZero(byteCount: byteCount)
        for j in 0..<8 {
            let scale = scales[j] & 63
            let min = mins[j] & 63
            if j < 4 {
                packed.quantStoreByte(scale, at: j)
                packed.quantStoreByte(min, at: j + 4)
            } else {
                packed.quantStoreByte((scale & 0x0F) | (min & 0x0F) << 4, at: j + 4)
                packed.quantStoreByte(packed.quantLoadByte(at: j - 4) | (scale >> 4) << 6, at: j - 4)
                packed.quantStoreByte(packed.quantLoadByte(at: j) | (min >> 4) << 6, at: j)
            }
        }
    }

    /// Packs eight 6-bit scales and minimums into 12 bytes.
    public static func pack(scales: [UInt8], mins: [UInt8]) -> [UInt8] {
        precondition(scales.count == 8 && mins.count == 8, "k-quant scales come in eights")
        var packed = [UInt8](repeating: 0, count: byteCount)
        packed.withUnsafeMutableBytes { raw in
            pack(scales: scales, mins: mins, into: raw.baseAddress!)
        }
        return packed
    }

    /// Signed scale `j` (0..<16, -32...31) of a `Q3_K` block's 12 scale bytes at `packed`.
    @inline(__always)
    public static func q3Scale(_ j: Int, in packed: UnsafeRawPointer) -> Int32 {
        let low = (packed.quantByte(at: j % 8) >> (4 * UInt8(j / 8))) & 0x0F
        let high = (packed.quantByte(at: 8 + j % 4) >> (2 * UInt8(j / 4))) & 0x03
        return Int32(low | high << 4) - 32
    }
}
