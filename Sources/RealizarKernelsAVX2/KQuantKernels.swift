import _Builtin_intrinsics.intel

/// `Q4_K`/`Q5_K`: 256-value super-blocks of eight 32-value sub-blocks, value
/// `d·sc_j·q − dmin·m_j`. Per sub-block the integer dot Σq·a is scaled by `sc_j` in `madd`, then by
/// the activation block's scale; `d` is applied once per super-block and the minimums through the
/// activation blocks' `d·Σq`.
protocol KQuantMinWeights {
    static var blockBytes: Int { get }
    /// The unsigned levels of sub-blocks `2k` (low) and `2k + 1` (high).
    static func chunk(_ block: UnsafeRawPointer, _ k: Int) -> (low: __m256i, high: __m256i)
}

enum Q4_KWeights: KQuantMinWeights {
    static var blockBytes: Int { 144 }
    @inline(__always) static func chunk(_ block: UnsafeRawPointer, _ k: Int) -> (low: __m256i, high: __m256i) {
        let v = loadBytes32(block + 16 + 32 * k)
        let mask = _mm256_set1_epi8(0x0F)
        return (_mm256_and_si256(v, mask), _mm256_and_si256(_mm256_srli_epi16(v, 4), mask))
    }
}

enum Q5_KWeights: KQuantMinWeights {
    static var blockBytes: Int { 176 }
    @inline(__always) static func chunk(_ block: UnsafeRawPointer, _ k: Int) -> (low: __m256i, high: __m256i) {
        let v = loadBytes32(block + 48 + 32 * k)
        let qh = _mm256_srli_epi16(loadBytes32(block + 16), Int32(2 * k))
        let mask = _mm256_set1_epi8(0x0F), bit = _mm256_set1_epi8(0x10)
        let low = _mm256_or_si256(_mm256_and_si256(v, mask), _mm256_and_si256(_mm256_slli_epi16(qh, 4), bit))
        let high = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), mask), _mm256_and_si256(_mm256_slli_epi16(qh, 3), bit))
        return (low, high)
    }
}

/// The eight 6-bit scales and minimums of the 12 bytes at `p`, one per byte (llama.cpp's
/// `kmask` unpacking).
@inline(__always)
func kScalesAndMins(_ p: UnsafeRawPointer) -> (scales: UInt64, mins: UInt64) {
    let u0 = p.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
    let u1 = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
    let u2 = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
    let low6: UInt32 = 0x3F3F_3F3F, low4: UInt32 = 0x0F0F_0F0F, low2: UInt32 = 0x0303_0303
    let scalesHigh = (u2 & low4) | (((u0 >> 6) & low2) << 4)
    let minsHigh = ((u2 >> 4) & low4) | (((u1 >> 6) & low2) << 4)
    return (UInt64(u0 & low6) | UInt64(scalesHigh) << 32, UInt64(u1 & low6) | UInt64(minsHigh) << 32)
}

/// Byte `j` of `packed` in every 16-bit lane.
@inline(__always)
func broadcastScale(_ packed: UInt64, _ j: Int) -> __m256i {
    _mm256_set1_epi16(Int16(truncatingIfNeeded: (packed >> UInt64(8 * j)) & 0xFF))
}

/// Σ over one sub-block of `scale·w·a`, as eight float partial sums.
@inline(__always)
func scaledProduct(_ w: __m256i, _ a: __m256i, _ scale: __m256i) -> __m256 {
    _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(w, a), scale))
}

func kQuantMinMultiply<F: KQuantMinWeights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    var c = 0
    while c + 4 <= activationCount {
        kQuantMinColumns4(format, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                          activations: activations + c * activationRowBytes, activationRowBytes: activationRowBytes,
                          columns: columns, output: output + c * outputStride, outputStride: outputStride)
        c += 4
    }
    while c < activationCount {
        kQuantMinColumn1(format, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                         activation: activations + c * activationRowBytes, columns: columns, output: output + c * outputStride)
        c += 1
    }
}

@inline(__always)
func kQuantMinColumns4<F: KQuantMinWeights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    let superBlocks = columns / 256
    let a0 = Int8Row(activations, columns: columns)
    let a1 = Int8Row(activations + activationRowBytes, columns: columns)
    let a2 = Int8Row(activations + 2 * activationRowBytes, columns: columns)
    let a3 = Int8Row(activations + 3 * activationRowBytes, columns: columns)
    for r in 0..<rows {
        let row = weights + r * weightRowBytes
        var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
        var acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps()
        for s in 0..<superBlocks {
            let block = row + s * F.blockBytes
            let (scales, mins) = kScalesAndMins(block + 4)
            let m = _mm256_mul_ps(_mm256_set1_ps(loadHalf(block, 2)),
                                  _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(Int64(bitPattern: mins)))))
            acc0 = _mm256_fnmadd_ps(m, a0.sums8(8 * s), acc0)
            acc1 = _mm256_fnmadd_ps(m, a1.sums8(8 * s), acc1)
            acc2 = _mm256_fnmadd_ps(m, a2.sums8(8 * s), acc2)
            acc3 = _mm256_fnmadd_ps(m, a3.sums8(8 * s), acc3)
            var t0 = _mm256_setzero_ps(), t1 = _mm256_setzero_ps()
            var t2 = _mm256_setzero_ps(), t3 = _mm256_setzero_ps()
            for k in 0..<4 {
                let (low, high) = F.chunk(block, k)
                let sLow = broadcastScale(scales, 2 * k), sHigh = broadcastScale(scales, 2 * k + 1)
                let b = 8 * s + 2 * k
                t0 = _mm256_fmadd_ps(scaledProduct(low, a0.values(b), sLow), a0.scale(b), t0)
                t1 = _mm256_fmadd_ps(scaledProduct(low, a1.values(b), sLow), a1.scale(b), t1)
                t2 = _mm256_fmadd_ps(scaledProduct(low, a2.values(b), sLow), a2.scale(b), t2)
                t3 = _mm256_fmadd_ps(scaledProduct(low, a3.values(b), sLow), a3.scale(b), t3)
                t0 = _mm256_fmadd_ps(scaledProduct(high, a0.values(b + 1), sHigh), a0.scale(b + 1), t0)
                t1 = _mm256_fmadd_ps(scaledProduct(high, a1.values(b + 1), sHigh), a1.scale(b + 1), t1)
                t2 = _mm256_fmadd_ps(scaledProduct(high, a2.values(b + 1), sHigh), a2.scale(b + 1), t2)
                t3 = _mm256_fmadd_ps(scaledProduct(high, a3.values(b + 1), sHigh), a3.scale(b + 1), t3)
            }
            let d = _mm256_set1_ps(loadHalf(block))
            acc0 = _mm256_fmadd_ps(t0, d, acc0)
            acc1 = _mm256_fmadd_ps(t1, d, acc1)
            acc2 = _mm256_fmadd_ps(t2, d, acc2)
            acc3 = _mm256_fmadd_ps(t3, d, acc3)
        }
        output[r] = acc0.sum()
        output[outputStride + r] = acc1.sum()
        output[2 * outputStride + r] = acc2.sum()
        output[3 * outputStride + r] = acc3.sum()
    }
}

@inline(__always)
func kQuantMinColumn1<F: KQuantMinWeights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activation: UnsafeRawPointer, columns: Int, output: UnsafeMutablePointer<Float>
) {
    let superBlocks = columns / 256
    let a = Int8Row(activation, columns: columns)
    for r in 0..<rows {
        let row = weights + r * weightRowBytes
        var acc = _mm256_setzero_ps()
        for s in 0..<superBlocks {
            let block = row + s * F.blockBytes
            let (scales, mins) = kScalesAndMins(block + 4)
            let m = _mm256_mul_ps(_mm256_set1_ps(loadHalf(block, 2)),
                                  _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(Int64(bitPattern: mins)))))
            acc = _mm256_fnmadd_ps(m, a.sums8(8 * s), acc)
            var t0 = _mm256_setzero_ps(), t1 = _mm256_setzero_ps()
            for k in 0..<4 {
                let (low, high) = F.chunk(block, k)
                let b = 8 * s + 2 * k
                t0 = _mm256_fmadd_ps(scaledProduct(low, a.values(b), broadcastScale(scales, 2 * k)), a.scale(b), t0)
                t1 = _mm256_fmadd_ps(scaledProduct(high, a.values(b + 1), broadcastScale(scales, 2 * k + 1)), a.scale(b + 1), t1)
            }
            acc = _mm256_fmadd_ps(_mm256_add_ps(t0, t1), _mm256_set1_ps(loadHalf(block)), acc)
        }
        output[r] = acc.sum()
    }
}

public func avx2MultiplyQ4_K(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    kQuantMinMultiply(Q4_KWeights.self, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                      activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                      columns: columns, output: output, outputStride: outputStride)
}

public func avx2MultiplyQ5_K(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    kQuantMinMultiply(Q5_KWeights.self, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                      activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                      columns: columns, output: output, outputStride: outputStride)
}
