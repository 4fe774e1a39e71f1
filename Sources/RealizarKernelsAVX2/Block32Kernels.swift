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

func block32Multiply<F: Block32Weights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    var c = 0
    while c + 8 <= activationCount {
        block32Columns8(format, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                        activations: activations + c * activationRowBytes, activationRowBytes: activationRowBytes,
                        columns: columns, output: output + c * outputStride, outputStride: outputStride)
        c += 8
    }
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

// Every output `W[r]·A[c]` is computed by the same sequence of f32 operations whichever path,
// batch position and tile handles it (the server batches users' sequences together, and a request
// must give the same bits alone or batched): one accumulator, blocks in order, each
// `acc = fma(Σw·a, d_w·d_a, acc)` (`block32Step`); then the offsets, eight blocks per
// `acc = fma(offsets, (d·Σq)_a, acc)` and the remaining blocks one by one in lane 0
// (`block32OffsetStep8`, `block32OffsetStep1`); then the eight lanes summed in order. The paths only
// interleave independent outputs for instruction-level parallelism.

/// Adds block `b` of one weight row (levels `w`, `|w|`, scale `dw` in every lane) times activation row `a`.
@inline(__always)
func block32Step<F: Block32Weights>(_: F.Type, _ w: __m256i, _ wAbs: __m256i, _ dw: __m256, _ a: Int8Row, _ b: Int,
                                    _ acc: inout __m256) {
    acc = _mm256_fmadd_ps(block32Product(F.self, w, wAbs, a.values(b)), _mm256_mul_ps(dw, a.scale(b)), acc)
}

/// Adds the offsets of blocks `b..<b+8` (`block32Offsets8`) times the activations' `d·Σq`.
@inline(__always)
func block32OffsetStep8(_ offsets: __m256, _ a: Int8Row, _ b: Int, _ acc: inout __m256) {
    acc = _mm256_fmadd_ps(offsets, a.sums8(b), acc)
}

/// Adds the offset of block `b` (in lane 0, zeros elsewhere) times the activations' `d·Σq`.
@inline(__always)
func block32OffsetStep1(_ offset: __m256, _ a: Int8Row, _ b: Int, _ acc: inout __m256) {
    acc = _mm256_fmadd_ps(offset, _mm256_set1_ps(a.sum(b)), acc)
}

/// The offset of block `b` of `row` in lane 0.
@inline(__always)
func block32Offset1<F: Block32Weights>(_: F.Type, _ row: UnsafeRawPointer, _ b: Int) -> __m256 {
    _mm256_set_ps(0, 0, 0, 0, 0, 0, 0, F.offset(row + b * F.blockBytes))
}

/// All offset terms of one weight row times one activation row.
@inline(__always)
func block32AddOffsets<F: Block32Weights>(_: F.Type, _ row: UnsafeRawPointer, _ a: Int8Row, blocks: Int, _ acc: inout __m256) {
    var b = 0
    while b + 8 <= blocks {
        block32OffsetStep8(block32Offsets8(F.self, row, b), a, b, &acc)
        b += 8
    }
    while b < blocks {
        block32OffsetStep1(block32Offset1(F.self, row, b), a, b, &acc)
        b += 1
    }
}

/// One weight row at a time against eight activation rows: each unpacked weight block is used eight
/// times. Eight accumulators, the levels (and `|w|`), the scale and temporaries fit the 16 ymm registers.
@inline(__always)
func block32Columns8<F: Block32Weights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    let blocks = columns / 32
    let a0 = Int8Row(activations, columns: columns)
    let a1 = Int8Row(activations + activationRowBytes, columns: columns)
    let a2 = Int8Row(activations + 2 * activationRowBytes, columns: columns)
    let a3 = Int8Row(activations + 3 * activationRowBytes, columns: columns)
    let a4 = Int8Row(activations + 4 * activationRowBytes, columns: columns)
    let a5 = Int8Row(activations + 5 * activationRowBytes, columns: columns)
    let a6 = Int8Row(activations + 6 * activationRowBytes, columns: columns)
    let a7 = Int8Row(activations + 7 * activationRowBytes, columns: columns)
    for r in 0..<rows {
        let row = weights + r * weightRowBytes
        var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
        var acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps()
        var acc4 = _mm256_setzero_ps(), acc5 = _mm256_setzero_ps()
        var acc6 = _mm256_setzero_ps(), acc7 = _mm256_setzero_ps()
        for b in 0..<blocks {
            let block = row + b * F.blockBytes
            let w = F.levels(block)
            let wAbs = F.isSigned ? _mm256_abs_epi8(w) : w
            let dw = _mm256_set1_ps(F.scale(block))
            block32Step(F.self, w, wAbs, dw, a0, b, &acc0)
            block32Step(F.self, w, wAbs, dw, a1, b, &acc1)
            block32Step(F.self, w, wAbs, dw, a2, b, &acc2)
            block32Step(F.self, w, wAbs, dw, a3, b, &acc3)
            block32Step(F.self, w, wAbs, dw, a4, b, &acc4)
            block32Step(F.self, w, wAbs, dw, a5, b, &acc5)
            block32Step(F.self, w, wAbs, dw, a6, b, &acc6)
            block32Step(F.self, w, wAbs, dw, a7, b, &acc7)
        }
        if F.hasOffset {
            var b = 0
            while b + 8 <= blocks {
                let offsets = block32Offsets8(F.self, row, b)
                block32OffsetStep8(offsets, a0, b, &acc0)
                block32OffsetStep8(offsets, a1, b, &acc1)
                block32OffsetStep8(offsets, a2, b, &acc2)
                block32OffsetStep8(offsets, a3, b, &acc3)
                block32OffsetStep8(offsets, a4, b, &acc4)
                block32OffsetStep8(offsets, a5, b, &acc5)
                block32OffsetStep8(offsets, a6, b, &acc6)
                block32OffsetStep8(offsets, a7, b, &acc7)
                b += 8
            }
            while b < blocks {
                let offset = block32Offset1(F.self, row, b)
                block32OffsetStep1(offset, a0, b, &acc0)
                block32OffsetStep1(offset, a1, b, &acc1)
                block32OffsetStep1(offset, a2, b, &acc2)
                block32OffsetStep1(offset, a3, b, &acc3)
                block32OffsetStep1(offset, a4, b, &acc4)
                block32OffsetStep1(offset, a5, b, &acc5)
                block32OffsetStep1(offset, a6, b, &acc6)
                block32OffsetStep1(offset, a7, b, &acc7)
                b += 1
            }
        }
        let s0 = acc0.sum(), s1 = acc1.sum(), s2 = acc2.sum(), s3 = acc3.sum()
        let s4 = acc4.sum(), s5 = acc5.sum(), s6 = acc6.sum(), s7 = acc7.sum()
        output[r] = s0
        output[outputStride + r] = s1
        output[2 * outputStride + r] = s2
        output[3 * outputStride + r] = s3
        output[4 * outputStride + r] = s4
        output[5 * outputStride + r] = s5
        output[6 * outputStride + r] = s6
        output[7 * outputStride + r] = s7
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
            block32Step(F.self, w, wAbs, dw, a0, b, &acc0)
            block32Step(F.self, w, wAbs, dw, a1, b, &acc1)
            block32Step(F.self, w, wAbs, dw, a2, b, &acc2)
            block32Step(F.self, w, wAbs, dw, a3, b, &acc3)
        }
        if F.hasOffset {
            var b = 0
            while b + 8 <= blocks {
                let offsets = block32Offsets8(F.self, row, b)
                block32OffsetStep8(offsets, a0, b, &acc0)
                block32OffsetStep8(offsets, a1, b, &acc1)
                block32OffsetStep8(offsets, a2, b, &acc2)
                block32OffsetStep8(offsets, a3, b, &acc3)
                b += 8
            }
            while b < blocks {
                let offset = block32Offset1(F.self, row, b)
                block32OffsetStep1(offset, a0, b, &acc0)
                block32OffsetStep1(offset, a1, b, &acc1)
                block32OffsetStep1(offset, a2, b, &acc2)
                block32OffsetStep1(offset, a3, b, &acc3)
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

/// Matrix-vector: weight rows `i` and `rows/2 + i` at a time against one activation row, each output
/// with its own accumulator and the same operations as in `block32Columns4`. Two rows far apart are
/// two streams the hardware prefetcher follows (adjacent rows interleaved within one page defeat it,
/// ~35% slower on large matrices), and two independent chains hide the FMA latency.
@inline(__always)
func block32Column1<F: Block32Weights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activation: UnsafeRawPointer, columns: Int, output: UnsafeMutablePointer<Float>
) {
    let blocks = columns / 32
    let a = Int8Row(activation, columns: columns)
    let half = rows / 2
    for i in 0..<half {
        let row0 = weights + i * weightRowBytes, row1 = weights + (half + i) * weightRowBytes
        var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
        for b in 0..<blocks {
            let block0 = row0 + b * F.blockBytes, block1 = row1 + b * F.blockBytes
            let w0 = F.levels(block0), w1 = F.levels(block1)
            block32Step(F.self, w0, F.isSigned ? _mm256_abs_epi8(w0) : w0, _mm256_set1_ps(F.scale(block0)), a, b, &acc0)
            block32Step(F.self, w1, F.isSigned ? _mm256_abs_epi8(w1) : w1, _mm256_set1_ps(F.scale(block1)), a, b, &acc1)
        }
        if F.hasOffset {
            block32AddOffsets(F.self, row0, a, blocks: blocks, &acc0)
            block32AddOffsets(F.self, row1, a, blocks: blocks, &acc1)
        }
        output[i] = acc0.sum()
        output[half + i] = acc1.sum()
    }
    if rows % 2 == 1 {
        let r = rows - 1
        let row = weights + r * weightRowBytes
        var acc = _mm256_setzero_ps()
        for b in 0..<blocks {
            let block = row + b * F.blockBytes
            let w = F.levels(block)
            block32Step(F.self, w, F.isSigned ? _mm256_abs_epi8(w) : w, _mm256_set1_ps(F.scale(block)), a, b, &acc)
        }
        if F.hasOffset { block32AddOffsets(F.self, row, a, blocks: blocks, &acc) }
        output[r] = acc.sum()
    }
}
