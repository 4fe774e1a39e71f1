import _Builtin_intrinsics.intel

/// `Q4_K`/`Q5_K`: 256-value super-blocks of eight 32-value sub-blocks, value
/// `d·sc_j·q − dmin·m_j`, with 6-bit `sc_j` and `m_j`.
protocol KQuantMinWeights {
    static var blockBytes: Int { get }
    /// The unsigned levels of sub-block `j` of the super-block at `block`.
    static func levels(_ block: UnsafeRawPointer, _ j: Int) -> __m256i
}

enum Q4_KWeights: KQuantMinWeights {
    static var blockBytes: Int { 144 }
    @inline(__always) static func levels(_ block: UnsafeRawPointer, _ j: Int) -> __m256i {
        let v = loadBytes32(block + 16 + 32 * (j / 2))
        return _mm256_and_si256(j % 2 == 0 ? v : _mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F))
    }
}

enum Q5_KWeights: KQuantMinWeights {
    static var blockBytes: Int { 176 }
    @inline(__always) static func levels(_ block: UnsafeRawPointer, _ j: Int) -> __m256i {
        let v = loadBytes32(block + 48 + 32 * (j / 2))
        let low = _mm256_and_si256(j % 2 == 0 ? v : _mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F))
        // Bit j of each qh byte, moved to bit 4.
        let high = _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(loadBytes32(block + 16), Int32(j)), 4), _mm256_set1_epi8(0x10))
        return _mm256_or_si256(low, high)
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

// Every output is computed by the same f32 operations whichever kernel, batch position and tile
// handles it (see Block32Kernels). Per super-block, with `I_j = sc_j·Σ q·a` exact in Int32:
//     acc = fnma(dmin·m_j, (d·Σq)_a, acc)     j = 0..<8
//     t = fma(Float(I_j), d_a, t)              j = 0..<8, t from 0
//     acc = fma(t, d, acc)
// One output per lane: eight rows far apart (matrix-vector) or eight packed rows (matrix-matrix).

/// The scales, minimums and super-block factors of super-block `s` of eight rows: `scales[j]` and
/// `mins[j]` hold sub-block `j` of each row in its lane (Int32).
@inline(__always)
func kQuantGroupScales<F: KQuantMinWeights>(_: F.Type, _ rows: RowGroup, _ s: Int)
    -> (scales: Transposed8, mins: Transposed8, d: __m256, dmin: __m256) {
    @inline(__always) func unpacked(_ r: Int) -> (__m256i, __m256i) {
        let (scales, mins) = kScalesAndMins(rows.row(r) + s * F.blockBytes + 4)
        return (_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(Int64(bitPattern: scales))),
                _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(Int64(bitPattern: mins))))
    }
    let (s0, m0) = unpacked(0), (s1, m1) = unpacked(1), (s2, m2) = unpacked(2), (s3, m3) = unpacked(3)
    let (s4, m4) = unpacked(4), (s5, m5) = unpacked(5), (s6, m6) = unpacked(6), (s7, m7) = unpacked(7)
    return (transpose8x8(s0, s1, s2, s3, s4, s5, s6, s7), transpose8x8(m0, m1, m2, m3, m4, m5, m6, m7),
            rows.halves(s * F.blockBytes), rows.halves(s * F.blockBytes + 2))
}

/// `dmin·m_j` of eight rows.
@inline(__always)
func kQuantMins(_ dmin: __m256, _ mins: __m256i) -> __m256 { _mm256_mul_ps(dmin, _mm256_cvtepi32_ps(mins)) }

func kQuantMinMultiply<F: KQuantMinWeights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    if activationCount == 1 {
        kQuantMinMatrixVector(format, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                              activation: activations, columns: columns, output: output)
    } else {
        kQuantMinMatrixMatrix(format, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                              activations: activations, activationRowBytes: activationRowBytes,
                              activationCount: activationCount, columns: columns, output: output, outputStride: outputStride)
    }
}

/// Rows `i + j·rows/8` for `j` in `0..<8` at a time (eight streams, as in `block32MatrixVector`);
/// the last `rows % 8` rows one by one.
@inline(__always)
func kQuantMinMatrixVector<F: KQuantMinWeights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activation: UnsafeRawPointer, columns: Int, output: UnsafeMutablePointer<Float>
) {
    let superBlocks = columns / 256
    let a = Int8Row(activation, columns: columns)
    laneMatrixVector(weights: weights, weightRowBytes: weightRowBytes, rows: rows, output: output,
                     row: { kQuantMinRow(F.self, $0, a, superBlocks: superBlocks) }) { group in
        var acc = _mm256_setzero_ps()
        for s in 0..<superBlocks {
            let (scales, mins, d, dmin) = kQuantGroupScales(F.self, group, s)
            for j in 0..<8 {
                acc = _mm256_fnmadd_ps(kQuantMins(dmin, mins[j]), _mm256_set1_ps(a.sum(8 * s + j)), acc)
            }
            var t = _mm256_setzero_ps()
            for j in 0..<8 {
                let b = 8 * s + j
                let av = a.values(b)
                @inline(__always) func partials(_ r: Int) -> __m256i {
                    unsignedDot(_mm256_setzero_si256(), F.levels(group.row(r) + s * F.blockBytes, j), av)
                }
                let sums = _mm256_mullo_epi32(reduceLanes8(partials(0), partials(1), partials(2), partials(3),
                                                           partials(4), partials(5), partials(6), partials(7)), scales[j])
                t = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), a.scale(b), t)
            }
            acc = _mm256_fmadd_ps(t, d, acc)
        }
        return acc
    }
}

/// One output with the same float steps as a lane of the eight-row kernels.
@inline(__always)
func kQuantMinRow<F: KQuantMinWeights>(_: F.Type, _ row: UnsafeRawPointer, _ a: Int8Row, superBlocks: Int) -> Float {
    var acc = _mm_setzero_ps()
    for s in 0..<superBlocks {
        let block = row + s * F.blockBytes
        let (scales, mins) = kScalesAndMins(block + 4)
        let dmin = loadHalf(block, 2)
        for j in 0..<8 {
            let m = dmin * Float((mins >> UInt64(8 * j)) & 0xFF)
            acc = _mm_fnmadd_ss(_mm_set_ss(m), _mm_set_ss(a.sum(8 * s + j)), acc)
        }
        var t = _mm_setzero_ps()
        for j in 0..<8 {
            let b = 8 * s + j
            let raw = horizontalSum(unsignedDot(_mm256_setzero_si256(), F.levels(block, j), a.values(b)))
            let sum = raw &* Int32((scales >> UInt64(8 * j)) & 0xFF)
            t = _mm_fmadd_ss(_mm_set_ss(Float(sum)), _mm_set_ss(a.scaleValue(b)), t)
        }
        acc = _mm_fmadd_ss(t, _mm_set_ss(loadHalf(block)), acc)
    }
    return _mm_cvtss_f32(acc)
}

/// Bytes of one packed sub-block of eight rows: levels as in `block32Pack`, then per row `sc_j`
/// (Int32), `dmin·m_j` and `d` (f32).
let kQuantPackedBlockBytes = 352

@inline(__always)
func kQuantMinPack<F: KQuantMinWeights>(_: F.Type, _ rows: RowGroup, superBlocks: Int, into packed: UnsafeMutableRawPointer) {
    for s in 0..<superBlocks {
        let (scales, mins, d, dmin) = kQuantGroupScales(F.self, rows, s)
        for j in 0..<8 {
            @inline(__always) func levels(_ r: Int) -> __m256i { F.levels(rows.row(r) + s * F.blockBytes, j) }
            let out = packed + (8 * s + j) * kQuantPackedBlockBytes
            storeChunks(out, levels)
            _mm256_storeu_si256((out + 256).assumingMemoryBound(to: __m256i.self), scales[j])
            _mm256_storeu_ps((out + 288).assumingMemoryBound(to: Float.self), kQuantMins(dmin, mins[j]))
            _mm256_storeu_ps((out + 320).assumingMemoryBound(to: Float.self), d)
        }
    }
}

/// Eight packed weight rows against every activation row, two at a time (as `block32MatrixMatrix`).
@inline(__always)
func kQuantMinMatrixMatrix<F: KQuantMinWeights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    let superBlocks = columns / 256
    packedMatrixMatrix(weights: weights, weightRowBytes: weightRowBytes, rows: rows, activations: activations,
                       activationRowBytes: activationRowBytes, activationCount: activationCount, columns: columns,
                       output: output, outputStride: outputStride, packedBytes: 8 * superBlocks * kQuantPackedBlockBytes,
                       pack: { rows, _, packed in kQuantMinPack(F.self, rows, superBlocks: superBlocks, into: packed) }) { packed, a0, a1 in
        var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
        for s in 0..<superBlocks {
            for j in 0..<8 {
                let mins = _mm256_loadu_ps((packed + (8 * s + j) * kQuantPackedBlockBytes + 288).assumingMemoryBound(to: Float.self))
                acc0 = _mm256_fnmadd_ps(mins, _mm256_set1_ps(a0.sum(8 * s + j)), acc0)
                acc1 = _mm256_fnmadd_ps(mins, _mm256_set1_ps(a1.sum(8 * s + j)), acc1)
            }
            var t0 = _mm256_setzero_ps(), t1 = _mm256_setzero_ps()
            for j in 0..<8 {
                let b = 8 * s + j
                let p = packed + b * kQuantPackedBlockBytes
                let (raw0, raw1) = packedUnsignedSums2(p, a0, a1, b)
                let scales = loadBytes32(p + 256)
                t0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(raw0, scales)), a0.scale(b), t0)
                t1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(raw1, scales)), a1.scale(b), t1)
            }
            let d = _mm256_loadu_ps((packed + 8 * s * kQuantPackedBlockBytes + 320).assumingMemoryBound(to: Float.self))
            acc0 = _mm256_fmadd_ps(t0, d, acc0)
            acc1 = _mm256_fmadd_ps(t1, d, acc1)
        }
        return (acc0, acc1)
    }
}

public func multiplyQ4_K(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    kQuantMinMultiply(Q4_KWeights.self, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                      activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                      columns: columns, output: output, outputStride: outputStride)
}

public func multiplyQ5_K(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    kQuantMinMultiply(Q5_KWeights.self, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                      activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                      columns: columns, output: output, outputStride: outputStride)
}
