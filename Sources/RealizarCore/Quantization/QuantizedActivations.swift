/// The 8-bit activation rows `QuantizedMatmul` multiplies with, one layout for every weight type.
///
/// A row of `columns` values (a multiple of 32) is `columns + 12 * columns / 32` bytes:
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0 | `columns` | `q`: Int8 levels, block `b` = values `32b..<32b+32` |
/// | `columns` | `4 * blocks` | `d`: f32 scale of each block, `max|x| / 127` |
/// | `columns + 4 * blocks` | `4 * blocks` | `s`: f32 `d * Σq` of each block (offsets and k-quant minimums) |
/// | `columns + 8 * blocks` | `4 * blocks` | Int16 `Σq` of each 16 values (`Q6_K`'s −32) |
///
/// `q = round-half-to-even(x * (1 / d))`. Per-32 f32 scales: finer than llama.cpp's `Q8_K`
/// (one scale per 256) and `Q8_0` (f16 scales), so at least as accurate.
enum QuantizedActivations {
    static func rowBytes(columns: Int) -> Int { columns + 12 * (columns / 32) }

    /// The portable quantizer; the AVX2 one matches it bit for bit.
    static func quantize(_ x: UnsafePointer<Float>, columns: Int, into row: UnsafeMutableRawPointer) {
        let blocks = columns / 32
        let scales = row + columns
        let sums = scales + 4 * blocks
        let sums16 = sums + 4 * blocks
        for b in 0..<blocks {
            let p = x + 32 * b
            var amax: Float = 0
            for j in 0..<32 { amax = Swift.max(amax, p[j].magnitude) }
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            var halves: (Int32, Int32) = (0, 0)
            for j in 0..<32 {
                let q = Int32((p[j] * id).rounded(.toNearestOrEven))
                row.storeBytes(of: Int8(truncatingIfNeeded: q), toByteOffset: 32 * b + j, as: Int8.self)
                if j < 16 { halves.0 += q } else { halves.1 += q }
            }
            scales.storeBytes(of: d, toByteOffset: 4 * b, as: Float.self)
            sums.storeBytes(of: d * Float(halves.0 + halves.1), toByteOffset: 4 * b, as: Float.self)
            sums16.storeBytes(of: Int16(truncatingIfNeeded: halves.0), toByteOffset: 4 * b, as: Int16.self)
            sums16.storeBytes(of: Int16(truncatingIfNeeded: halves.1), toByteOffset: 4 * b + 2, as: Int16.self)
        }
    }

    /// The dequantized values of a row (`q * d`), for tests.
    static func dequantize(_ row: UnsafeRawPointer, columns: Int, into y: UnsafeMutablePointer<Float>) {
        for b in 0..<(columns / 32) {
            let d = row.loadUnaligned(fromByteOffset: columns + 4 * b, as: Float.self)
            for j in 0..<32 {
                y[32 * b + j] = Float(row.load(fromByteOffset: 32 * b + j, as: Int8.self)) * d
            }
        }
    }
}
