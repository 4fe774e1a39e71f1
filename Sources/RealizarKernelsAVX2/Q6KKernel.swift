import _Builtin_intrinsics.intel

// `Q6_K`: 256-value super-blocks of sixteen 16-value sub-blocks with Int8 scales, value
// `d·sc_i·(q − 32)`, q unsigned 6-bit. The integer dot uses q as is (unsigned for `maddubs`), both
// sub-block scales of a 32-value activation block go into one `madd`, and the −32 is applied once
// per super-block from the activations' 16-value sums.

/// The levels of the four 32-value blocks `4h..<4h+4` of the super-block at `block`.
@inline(__always)
func q6Levels(_ block: UnsafeRawPointer, half h: Int) -> (__m256i, __m256i, __m256i, __m256i) {
    let ql0 = loadBytes32(block + 64 * h), ql1 = loadBytes32(block + 64 * h + 32)
    let qh = loadBytes32(block + 128 + 32 * h)
    let low4 = _mm256_set1_epi8(0x0F), high2 = _mm256_set1_epi8(0x30)
    let q0 = _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), high2))
    let q1 = _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), high2))
    let q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, high2))
    let q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), high2))
    return (q0, q1, q2, q3)
}

/// Scales `2b` (lanes 0..<8) and `2b + 1` (lanes 8..<16) of the sixteen Int8 `scales`, as Int16.
@inline(__always)
func q6ScalePair(_ scales: __m128i, _ b: Int) -> __m256i {
    let ones: Int64 = 0x0101_0101_0101_0101
    return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, _mm_set_epi64x(ones &* Int64(2 * b + 1), ones &* Int64(2 * b))))
}

/// −32·Σ_i sc_i·Σa_i over the super-block, per 32-value block (lane b), times the activation scales.
@inline(__always)
func q6Offsets(_ scales32: __m256i, _ a: Int8Row, superBlock s: Int) -> __m256 {
    let sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(scales32, a.sums16(group: 16 * s)))
    return _mm256_fnmadd_ps(sums, a.scales8(8 * s), _mm256_setzero_ps())
}

func q6KMultiply(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                 activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                 columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    var c = 0
    while c + 4 <= activationCount {
        q6KColumns4(weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                    activations: activations + c * activationRowBytes, activationRowBytes: activationRowBytes,
                    columns: columns, output: output + c * outputStride, outputStride: outputStride)
        c += 4
    }
    while c < activationCount {
        q6KColumn1(weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                   activation: activations + c * activationRowBytes, columns: columns, output: output + c * outputStride)
        c += 1
    }
}

@inline(__always)
func q6Step(_ q: __m256i, _ pair: __m256i, _ a: Int8Row, _ b: Int, _ t: inout __m256) {
    t = _mm256_fmadd_ps(scaledProduct(q, a.values(b), pair), a.scale(b), t)
}

func q6KColumns4(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                 activations: UnsafeRawPointer, activationRowBytes: Int,
                 columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
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
            let block = row + s * 210
            let scales = loadBytes16(block + 192)
            let scales32 = _mm256_slli_epi16(_mm256_cvtepi8_epi16(scales), 5)
            var t0 = q6Offsets(scales32, a0, superBlock: s), t1 = q6Offsets(scales32, a1, superBlock: s)
            var t2 = q6Offsets(scales32, a2, superBlock: s), t3 = q6Offsets(scales32, a3, superBlock: s)
            for h in 0..<2 {
                let (q0, q1, q2, q3) = q6Levels(block, half: h)
                let b = 8 * s + 4 * h
                var pair = q6ScalePair(scales, 4 * h)
                q6Step(q0, pair, a0, b, &t0); q6Step(q0, pair, a1, b, &t1)
                q6Step(q0, pair, a2, b, &t2); q6Step(q0, pair, a3, b, &t3)
                pair = q6ScalePair(scales, 4 * h + 1)
                q6Step(q1, pair, a0, b + 1, &t0); q6Step(q1, pair, a1, b + 1, &t1)
                q6Step(q1, pair, a2, b + 1, &t2); q6Step(q1, pair, a3, b + 1, &t3)
                pair = q6ScalePair(scales, 4 * h + 2)
                q6Step(q2, pair, a0, b + 2, &t0); q6Step(q2, pair, a1, b + 2, &t1)
                q6Step(q2, pair, a2, b + 2, &t2); q6Step(q2, pair, a3, b + 2, &t3)
                pair = q6ScalePair(scales, 4 * h + 3)
                q6Step(q3, pair, a0, b + 3, &t0); q6Step(q3, pair, a1, b + 3, &t1)
                q6Step(q3, pair, a2, b + 3, &t2); q6Step(q3, pair, a3, b + 3, &t3)
            }
            let d = _mm256_set1_ps(loadHalf(block, 208))
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

func q6KColumn1(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                activation: UnsafeRawPointer, columns: Int, output: UnsafeMutablePointer<Float>) {
    let superBlocks = columns / 256
    let a = Int8Row(activation, columns: columns)
    for r in 0..<rows {
        let row = weights + r * weightRowBytes
        var acc = _mm256_setzero_ps()
        for s in 0..<superBlocks {
            let block = row + s * 210
            let scales = loadBytes16(block + 192)
            var t0 = q6Offsets(_mm256_slli_epi16(_mm256_cvtepi8_epi16(scales), 5), a, superBlock: s)
            var t1 = _mm256_setzero_ps()
            for h in 0..<2 {
                let (q0, q1, q2, q3) = q6Levels(block, half: h)
                let b = 8 * s + 4 * h
                q6Step(q0, q6ScalePair(scales, 4 * h), a, b, &t0)
                q6Step(q1, q6ScalePair(scales, 4 * h + 1), a, b + 1, &t1)
                q6Step(q2, q6ScalePair(scales, 4 * h + 2), a, b + 2, &t0)
                q6Step(q3, q6ScalePair(scales, 4 * h + 3), a, b + 3, &t1)
            }
            acc = _mm256_fmadd_ps(_mm256_add_ps(t0, t1), _mm256_set1_ps(loadHalf(block, 208)), acc)
        }
        output[r] = acc.sum()
    }
}

public func avx2MultiplyQ6_K(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    q6KMultiply(weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                columns: columns, output: output, outputStride: outputStride)
}
