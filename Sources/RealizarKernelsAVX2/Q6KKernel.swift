import _Builtin_intrinsics.intel

// `Q6_K`: 256-value super-blocks of sixteen 16-value sub-blocks with Int8 scales, value
// `d·sc_i·(q − 32)`, q unsigned 6-bit. Levels are taken as the signed `q − 32` (|w|, sign moved to
// the activation for `maddubs`), and both sub-block scales of a 32-value block go into one `madd`.
//
// Every output is computed by the same f32 operations whichever kernel, batch position and tile
// handles it (see Block32Kernels). Per super-block, with `I_j = Σ sc·(q − 32)·a` over block `j`,
// exact in Int32:
//     t = fma(Float(I_j), d_a, t)      j = 0..<8, t from 0
//     acc = fma(t, d, acc)
// One output per lane: eight rows far apart (matrix-vector) or eight packed rows (matrix-matrix).

let q6BlockBytes = 210

/// The signed levels `q − 32` of 32-value block `j` of the super-block at `block`.
@inline(__always)
func q6Levels(_ block: UnsafeRawPointer, _ j: Int) -> __m256i {
    let (h, k) = (j / 4, j % 4)
    let ql = loadBytes32(block + 64 * h + 32 * (k % 2))
    let qh = loadBytes32(block + 128 + 32 * h)
    let low = _mm256_and_si256(k < 2 ? ql : _mm256_srli_epi16(ql, 4), _mm256_set1_epi8(0x0F))
    let high = _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(qh, Int32(2 * k)), 4), _mm256_set1_epi8(0x30))
    return _mm256_sub_epi8(_mm256_or_si256(low, high), _mm256_set1_epi8(32))
}

/// Scales `2j` (Int16 lanes 0..<8) and `2j + 1` (lanes 8..<16) of the super-block at `block`.
@inline(__always)
func q6ScalePair(_ block: UnsafeRawPointer, _ j: Int) -> __m256i {
    let low = Int16(block.load(fromByteOffset: 192 + 2 * j, as: Int8.self))
    let high = Int16(block.load(fromByteOffset: 193 + 2 * j, as: Int8.self))
    return _mm256_set_m128i(_mm_set1_epi16(high), _mm_set1_epi16(low))
}

/// Σ sc·w·a of one block as eight Int32 partial sums.
@inline(__always)
func q6Partials(_ w: __m256i, _ a: __m256i, _ scales: __m256i) -> __m256i {
    _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(a, w)), scales)
}

func q6KMultiply(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                 activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                 columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    if activationCount == 1 {
        q6KMatrixVector(weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                        activation: activations, columns: columns, output: output)
    } else {
        q6KMatrixMatrix(weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                        activations: activations, activationRowBytes: activationRowBytes,
                        activationCount: activationCount, columns: columns, output: output, outputStride: outputStride)
    }
}

/// Rows `i + j·rows/8` for `j` in `0..<8` at a time (eight streams, as in `block32MatrixVector`);
/// the last `rows % 8` rows one by one.
func q6KMatrixVector(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                     activation: UnsafeRawPointer, columns: Int, output: UnsafeMutablePointer<Float>) {
    let superBlocks = columns / 256
    let a = Int8Row(activation, columns: columns)
    laneMatrixVector(weights: weights, weightRowBytes: weightRowBytes, rows: rows, output: output,
                     row: { q6KRow($0, a, superBlocks: superBlocks) }) { group in
        var acc = _mm256_setzero_ps()
        for s in 0..<superBlocks {
            var t = _mm256_setzero_ps()
            for j in 0..<8 {
                let b = 8 * s + j
                let av = a.values(b)
                @inline(__always) func partials(_ r: Int) -> __m256i {
                    let block = group.row(r) + s * q6BlockBytes
                    return q6Partials(q6Levels(block, j), av, q6ScalePair(block, j))
                }
                let sums = reduceLanes8(partials(0), partials(1), partials(2), partials(3),
                                        partials(4), partials(5), partials(6), partials(7))
                t = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), a.scale(b), t)
            }
            acc = _mm256_fmadd_ps(t, group.halves(s * q6BlockBytes + 208), acc)
        }
        return acc
    }
}

/// One output with the same float steps as a lane of the eight-row kernels.
@inline(__always)
func q6KRow(_ row: UnsafeRawPointer, _ a: Int8Row, superBlocks: Int) -> Float {
    var acc = _mm_setzero_ps()
    for s in 0..<superBlocks {
        let block = row + s * q6BlockBytes
        var t = _mm_setzero_ps()
        for j in 0..<8 {
            let b = 8 * s + j
            let sum = horizontalSum(q6Partials(q6Levels(block, j), a.values(b), q6ScalePair(block, j)))
            t = _mm_fmadd_ss(_mm_set_ss(Float(sum)), _mm_set_ss(a.scaleValue(b)), t)
        }
        acc = _mm_fmadd_ss(t, _mm_set_ss(loadHalf(block, 208)), acc)
    }
    return _mm_cvtss_f32(acc)
}

/// Bytes of one packed block of eight rows: signed levels as in `block32Pack`, then per row the
/// scale of values 0..<16 and of 16..<32 (each as two Int16), then `d` (f32).
let q6PackedBlockBytes = 352

@inline(__always)
func q6KPack(_ rows: RowGroup, superBlocks: Int, into packed: UnsafeMutableRawPointer) {
    for s in 0..<superBlocks {
        let d = rows.halves(s * q6BlockBytes + 208)
        for j in 0..<8 {
            @inline(__always) func block(_ r: Int) -> UnsafeRawPointer { rows.row(r) + s * q6BlockBytes }
            @inline(__always) func levels(_ r: Int) -> __m256i { q6Levels(block(r), j) }
            /// Scale `i` of row `r` in both Int16 halves of an Int32.
            @inline(__always) func scale(_ r: Int, _ i: Int) -> Int32 {
                Int32(UInt16(bitPattern: Int16(block(r).load(fromByteOffset: 192 + i, as: Int8.self)))) &* 0x10001
            }
            let out = packed + (8 * s + j) * q6PackedBlockBytes
            storeChunks(out, levels)
            @inline(__always) func storeScales(_ i: Int, at offset: Int) {
                let scales = _mm256_setr_epi32(scale(0, i), scale(1, i), scale(2, i), scale(3, i),
                                               scale(4, i), scale(5, i), scale(6, i), scale(7, i))
                _mm256_storeu_si256((out + offset).assumingMemoryBound(to: __m256i.self), scales)
            }
            storeScales(2 * j, at: 256)
            storeScales(2 * j + 1, at: 288)
            _mm256_storeu_ps((out + 320).assumingMemoryBound(to: Float.self), d)
        }
    }
}

/// Eight packed weight rows against every activation row, two at a time (as `block32MatrixMatrix`).
/// |q − 32| ≤ 32 times |a| ≤ 127 leaves room to add four `maddubs` results in Int16.
func q6KMatrixMatrix(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                     activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                     columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    let superBlocks = columns / 256
    packedMatrixMatrix(weights: weights, weightRowBytes: weightRowBytes, rows: rows, activations: activations,
                       activationRowBytes: activationRowBytes, activationCount: activationCount, columns: columns,
                       output: output, outputStride: outputStride, packedBytes: 8 * superBlocks * q6PackedBlockBytes,
                       pack: { rows, _, packed in q6KPack(rows, superBlocks: superBlocks, into: packed) }) { packed, a0, a1 in
        var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
        for s in 0..<superBlocks {
            var t0 = _mm256_setzero_ps(), t1 = _mm256_setzero_ps()
            for j in 0..<8 {
                let b = 8 * s + j
                let p = packed + b * q6PackedBlockBytes
                var sums0 = _mm256_setzero_si256(), sums1 = _mm256_setzero_si256()
                for half in 0..<2 {
                    var h0 = _mm256_setzero_si256(), h1 = _mm256_setzero_si256()
                    for k in (4 * half)..<(4 * half + 4) {
                        let w = loadBytes32(p + 32 * k)
                        let wAbs = _mm256_abs_epi8(w)
                        h0 = _mm256_add_epi16(h0, _mm256_maddubs_epi16(wAbs, _mm256_sign_epi8(broadcastLevels(a0, b, k), w)))
                        h1 = _mm256_add_epi16(h1, _mm256_maddubs_epi16(wAbs, _mm256_sign_epi8(broadcastLevels(a1, b, k), w)))
                    }
                    let scales = loadBytes32(p + 256 + 32 * half)
                    sums0 = _mm256_add_epi32(sums0, _mm256_madd_epi16(h0, scales))
                    sums1 = _mm256_add_epi32(sums1, _mm256_madd_epi16(h1, scales))
                }
                t0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums0), a0.scale(b), t0)
                t1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums1), a1.scale(b), t1)
            }
            let d = _mm256_loadu_ps((packed + 8 * s * q6PackedBlockBytes + 320).assumingMemoryBound(to: Float.self))
            acc0 = _mm256_fmadd_ps(t0, d, acc0)
            acc1 = _mm256_fmadd_ps(t1, d, acc1)
        }
        return (acc0, acc1)
    }
}

public func multiplyQ6_K(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    q6KMultiply(weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                columns: columns, output: output, outputStride: outputStride)
}
