import _Builtin_intrinsics.intel

/// A weight format of 32-value blocks whose values are `scale * level + offset`.
protocol Block32Weights {
    static var blockBytes: Int { get }
    /// Levels are signed bytes (`Q8_0`); otherwise unsigned, below 32.
    static var isSigned: Bool { get }
    /// Whether `offset` can be nonzero.
    static var hasOffset: Bool { get }
    static func levels(_ block: UnsafeRawPointer) -> __m256i
    static func scale(_ block: UnsafeRawPointer) -> Float
    static func offset(_ block: UnsafeRawPointer) -> Float
}

/// Σ w·a of one block as eight partial sums. `wAbs` is `|w|` for signed formats.
@inline(__always)
func block32Product<F: Block32Weights>(_: F.Type, _ w: __m256i, _ wAbs: __m256i, _ a: __m256i) -> __m256 {
    let pairs = F.isSigned ? _mm256_maddubs_epi16(wAbs, _mm256_sign_epi8(a, w)) : _mm256_maddubs_epi16(w, a)
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
}

/// The offsets of blocks `b..<b+8` of `row`.
@inline(__always)
func block32Offsets8<F: Block32Weights>(_: F.Type, _ row: UnsafeRawPointer, _ b: Int) -> __m256 {
    let p = row + b * F.blockBytes
    return _mm256_setr_ps(F.offset(p), F.offset(p + F.blockBytes), F.offset(p + 2 * F.blockBytes),
                          F.offset(p + 3 * F.blockBytes), F.offset(p + 4 * F.blockBytes), F.offset(p + 5 * F.blockBytes),
                          F.offset(p + 6 * F.blockBytes), F.offset(p + 7 * F.blockBytes))
}

/// Σ_b offset_b · (d·Σq)_b over the blocks, eight at a time and the rest one by one.
@inline(__always)
func block32OffsetSum<F: Block32Weights>(_: F.Type, _ row: UnsafeRawPointer, _ a: Int8Row, blocks: Int) -> Float {
    var acc = _mm256_setzero_ps()
    var b = 0
    while b + 8 <= blocks {
        acc = _mm256_fmadd_ps(block32Offsets8(F.self, row, b), a.sums8(b), acc)
        b += 8
    }
    var total = acc.sum()
    while b < blocks {
        total += F.offset(row + b * F.blockBytes) * a.sum(b)
        b += 1
    }
    return total
}

func block32Multiply<F: Block32Weights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    var c = 0
    while c + 4 <= activationCount {
        block32Columns4(format, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                        activations: activations + c * activationRowBytes, activationRowBytes: activationRowBytes,
                        columns: columns, output: output + c * outputStride, outputStride: outputStride)
        c += 4
    }
    while c < activationCount {
        block32Column1(format, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                       activation: activations + c * activationRowBytes, columns: columns, output: output + c * outputStride)
        c += 1
    }
}

/// One weight row at a time against four activation rows: each unpacked weight block is used four times.
@inline(__always)
func block32Columns4<F: Block32Weights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    let blocks = columns / 32
    let a0 = Int8Row(activations, columns: columns)
    let a1 = Int8Row(activations + activationRowBytes, columns: columns)
    let a2 = Int8Row(activations + 2 * activationRowBytes, columns: columns)
    let a3 = Int8Row(activations + 3 * activationRowBytes, columns: columns)
    for r in 0..<rows {
        let row = weights + r * weightRowBytes
        var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
        var acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps()
        for b in 0..<blocks {
            let block = row + b * F.blockBytes
            let w = F.levels(block)
            let wAbs = F.isSigned ? _mm256_abs_epi8(w) : w
            let dw = _mm256_set1_ps(F.scale(block))
            acc0 = _mm256_fmadd_ps(block32Product(F.self, w, wAbs, a0.values(b)), _mm256_mul_ps(dw, a0.scale(b)), acc0)
            acc1 = _mm256_fmadd_ps(block32Product(F.self, w, wAbs, a1.values(b)), _mm256_mul_ps(dw, a1.scale(b)), acc1)
            acc2 = _mm256_fmadd_ps(block32Product(F.self, w, wAbs, a2.values(b)), _mm256_mul_ps(dw, a2.scale(b)), acc2)
            acc3 = _mm256_fmadd_ps(block32Product(F.self, w, wAbs, a3.values(b)), _mm256_mul_ps(dw, a3.scale(b)), acc3)
        }
        if F.hasOffset {
            var b = 0
            while b + 8 <= blocks {
                let offsets = block32Offsets8(F.self, row, b)
                acc0 = _mm256_fmadd_ps(offsets, a0.sums8(b), acc0)
                acc1 = _mm256_fmadd_ps(offsets, a1.sums8(b), acc1)
                acc2 = _mm256_fmadd_ps(offsets, a2.sums8(b), acc2)
                acc3 = _mm256_fmadd_ps(offsets, a3.sums8(b), acc3)
                b += 8
            }
            while b < blocks {
                let offset = _mm256_set_ps(0, 0, 0, 0, 0, 0, 0, F.offset(row + b * F.blockBytes))
                acc0 = _mm256_fmadd_ps(offset, _mm256_set1_ps(a0.sum(b)), acc0)
                acc1 = _mm256_fmadd_ps(offset, _mm256_set1_ps(a1.sum(b)), acc1)
                acc2 = _mm256_fmadd_ps(offset, _mm256_set1_ps(a2.sum(b)), acc2)
                acc3 = _mm256_fmadd_ps(offset, _mm256_set1_ps(a3.sum(b)), acc3)
                b += 1
            }
        }
        let s0 = acc0.sum(), s1 = acc1.sum(), s2 = acc2.sum(), s3 = acc3.sum()
        output[r] = s0
        output[outputStride + r] = s1
        output[2 * outputStride + r] = s2
        output[3 * outputStride + r] = s3
    }
}

/// Matrix-vector: one activation row, two blocks per step in separate accumulators.
@inline(__always)
func block32Column1<F: Block32Weights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activation: UnsafeRawPointer, columns: Int, output: UnsafeMutablePointer<Float>
) {
    let blocks = columns / 32
    let a = Int8Row(activation, columns: columns)
    for r in 0..<rows {
        let row = weights + r * weightRowBytes
        var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
        var b = 0
        while b + 2 <= blocks {
            let block0 = row + b * F.blockBytes, block1 = block0 + F.blockBytes
            let w0 = F.levels(block0), w1 = F.levels(block1)
            let p0 = block32Product(F.self, w0, F.isSigned ? _mm256_abs_epi8(w0) : w0, a.values(b))
            let p1 = block32Product(F.self, w1, F.isSigned ? _mm256_abs_epi8(w1) : w1, a.values(b + 1))
            acc0 = _mm256_fmadd_ps(p0, _mm256_mul_ps(_mm256_set1_ps(F.scale(block0)), a.scale(b)), acc0)
            acc1 = _mm256_fmadd_ps(p1, _mm256_mul_ps(_mm256_set1_ps(F.scale(block1)), a.scale(b + 1)), acc1)
            b += 2
        }
        if b < blocks {
            let block = row + b * F.blockBytes
            let w = F.levels(block)
            let p = block32Product(F.self, w, F.isSigned ? _mm256_abs_epi8(w) : w, a.values(b))
            acc0 = _mm256_fmadd_ps(p, _mm256_mul_ps(_mm256_set1_ps(F.scale(block)), a.scale(b)), acc0)
        }
        var s = _mm256_add_ps(acc0, acc1).sum()
        if F.hasOffset { s += block32OffsetSum(F.self, row, a, blocks: blocks) }
        output[r] = s
    }
}
