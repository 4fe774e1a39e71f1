import _Builtin_intrinsics.intel
import CRealizarSupport

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
    /// The offsets of block `b` of eight rows, given their scales (`scales8`); the same values as `offset`.
    static func offsets8(_ scales: __m256, _ rows: RowGroup, _ b: Int) -> __m256
}

extension Block32Weights {
    /// The scales of block `b` of eight rows; the same values as `scale`.
    @inline(__always)
    static func scales8(_ rows: RowGroup, _ b: Int) -> __m256 { rows.halves(b * blockBytes) }
}

// Every output `W[r]·A[c]` is computed by the same sequence of f32 operations whichever kernel,
// batch position and tile handles it (the server batches users' sequences together, and a request
// must give the same bits alone or batched). One accumulator, blocks in order; per block `b`
//     acc = fma(Float(I_b), d_w·d_a, acc)        I_b = Σ level·q, exact in Int32
//     acc = fma(offset_w, (d·Σq)_a, acc)         formats with offsets
// The kernels hold one output per vector lane: eight weight rows for one activation row (matrix-
// vector), or eight packed weight rows for each activation row (matrix-matrix). The integer sums
// may be reduced in any order; the float steps are the same lane by lane.

/// Eight weight rows read together: row `j` starts at `base + j * stride`. Rows past `count`
/// repeat the last one (their lanes are computed and dropped).
struct RowGroup {
    let base: UnsafeRawPointer
    let stride: Int
    let count: Int

    @inline(__always)
    func row(_ j: Int) -> UnsafeRawPointer { base + min(j, count - 1) * stride }

    /// The f16 at `offset` of each row, widened.
    @inline(__always)
    func halves(_ offset: Int) -> __m256 {
        func half(_ j: Int) -> Int16 { row(j).loadUnaligned(fromByteOffset: offset, as: Int16.self) }
        return _mm256_cvtph_ps(_mm_setr_epi16(half(0), half(1), half(2), half(3), half(4), half(5), half(6), half(7)))
    }
}

/// Σ level·q of one block as eight Int32 partial sums.
@inline(__always)
func block32Partials<F: Block32Weights>(_: F.Type, _ w: __m256i, _ a: __m256i) -> __m256i {
    F.isSigned ? unsignedDot(_mm256_setzero_si256(), _mm256_abs_epi8(w), _mm256_sign_epi8(a, w)) : unsignedDot(_mm256_setzero_si256(), w, a)
}

#if REALIZAR_VNNI
/// `vpdpbusd` (its unmasked intrinsic is a C macro, which Swift does not import).
@inline(__always)
func vnniDot(_ acc: __m256i, _ u: __m256i, _ s: __m256i) -> __m256i { _mm256_mask_dpbusd_epi32(acc, 0xFF, u, s) }
#endif

/// `acc` plus, in each Int32 lane, the four products of unsigned bytes of `u` and signed bytes of
/// `s`. Callers keep each pair of products within Int16 (as `maddubs` needs), so both forms give
/// the same integers.
@inline(__always)
func unsignedDot(_ acc: __m256i, _ u: __m256i, _ s: __m256i) -> __m256i {
    #if REALIZAR_VNNI
    vnniDot(acc, u, s)
    #else
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)))
    #endif
}

/// Lane `j` = the sum of the lanes of `v_j`.
@inline(__always)
func reduceLanes8(_ v0: __m256i, _ v1: __m256i, _ v2: __m256i, _ v3: __m256i,
                  _ v4: __m256i, _ v5: __m256i, _ v6: __m256i, _ v7: __m256i) -> __m256i {
    // After two rounds of pairwise adds each 128-bit half holds a partial sum of rows 0..<4 (4..<8).
    let low = unsafeBitCast(_mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3)), to: SIMD8<Int32>.self)
    let high = unsafeBitCast(_mm256_hadd_epi32(_mm256_hadd_epi32(v4, v5), _mm256_hadd_epi32(v6, v7)), to: SIMD8<Int32>.self)
    return unsafeBitCast(SIMD8(lowHalf: low.lowHalf &+ low.highHalf, highHalf: high.lowHalf &+ high.highHalf), to: __m256i.self)
}

/// The float steps of block `b` for eight outputs: integer sums `sums`, weight scales `scales`.
@inline(__always)
func block32Accumulate<F: Block32Weights>(_: F.Type, _ sums: __m256i, _ scales: __m256, _ offsets: @autoclosure () -> __m256,
                                          _ a: Int8Row, _ b: Int, _ acc: inout __m256) {
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(scales, a.scale(b)), acc)
    if F.hasOffset { acc = _mm256_fmadd_ps(offsets(), _mm256_set1_ps(a.sum(b)), acc) }
}

func block32Multiply<F: Block32Weights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    if activationCount == 1 {
        block32MatrixVector(format, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                            activation: activations, columns: columns, output: output)
    } else {
        block32MatrixMatrix(format, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                            activations: activations, activationRowBytes: activationRowBytes,
                            activationCount: activationCount, columns: columns, output: output, outputStride: outputStride)
    }
}

// MARK: Matrix-vector

/// Rows `i + j·rows/8` for `j` in `0..<8` at a time: eight long streams through the matrix that
/// the hardware prefetcher follows (rows adjacent in memory, interleaved, defeat it). The last
/// `rows % 8` rows go one by one.
@inline(__always)
func block32MatrixVector<F: Block32Weights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activation: UnsafeRawPointer, columns: Int, output: UnsafeMutablePointer<Float>
) {
    let blocks = columns / 32
    let a = Int8Row(activation, columns: columns)
    laneMatrixVector(weights: weights, weightRowBytes: weightRowBytes, rows: rows, output: output,
                     row: { block32Row(F.self, $0, a, blocks: blocks) }) { group in
        var acc = _mm256_setzero_ps()
        for b in 0..<blocks {
            let av = a.values(b)
            @inline(__always) func partials(_ j: Int) -> __m256i {
                block32Partials(F.self, F.levels(group.row(j) + b * F.blockBytes), av)
            }
            let sums = reduceLanes8(partials(0), partials(1), partials(2), partials(3),
                                    partials(4), partials(5), partials(6), partials(7))
            let scales = F.scales8(group, b)
            block32Accumulate(F.self, sums, scales, F.offsets8(scales, group, b), a, b, &acc)
        }
        return acc
    }
}

/// The loop of every matrix-vector kernel: `lanes(group)` gives the outputs of rows
/// `i + j·rows/8` (`j` in `0..<8`, lane `j`) for each `i`, and `row` the last `rows % 8` one by one.
@inline(__always)
func laneMatrixVector(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int, output: UnsafeMutablePointer<Float>,
                      row: (UnsafeRawPointer) -> Float, lanes: (RowGroup) -> __m256) {
    let span = rows / 8
    for i in 0..<span {
        let values: SIMD8<Float> = lanes(RowGroup(base: weights + i * weightRowBytes, stride: span * weightRowBytes, count: 8))
        for j in 0..<8 { output[i + j * span] = values[j] }
    }
    for r in (8 * span)..<rows {
        output[r] = row(weights + r * weightRowBytes)
    }
}

/// One output with the same float steps as a lane of the eight-row kernels.
@inline(__always)
func block32Row<F: Block32Weights>(_: F.Type, _ row: UnsafeRawPointer, _ a: Int8Row, blocks: Int) -> Float {
    var acc = _mm_setzero_ps()
    for b in 0..<blocks {
        let block = row + b * F.blockBytes
        let sum = horizontalSum(block32Partials(F.self, F.levels(block), a.values(b)))
        acc = _mm_fmadd_ss(_mm_set_ss(Float(sum)), _mm_set_ss(F.scale(block) * a.scaleValue(b)), acc)
        if F.hasOffset { acc = _mm_fmadd_ss(_mm_set_ss(F.offset(block)), _mm_set_ss(a.sum(b)), acc) }
    }
    return _mm_cvtss_f32(acc)
}

// MARK: Matrix-matrix

/// Bytes of one packed block of eight rows: 8 chunks of (4 levels × 8 rows), 8 scales, 8 offsets.
let packedBlockBytes = 320

/// Unpacks block after block of eight weight rows into the layout the matrix-matrix kernel reads:
/// chunk `k` holds levels `4k..<4k+4` of rows 0..<8, so one broadcast of four activation bytes
/// meets all eight rows in one `maddubs`; then the rows' scales and offsets as f32.
@inline(__always)
func block32Pack<F: Block32Weights>(_: F.Type, _ rows: RowGroup, blocks: Int, inCache: Bool, into packed: UnsafeMutableRawPointer) {
    if !inCache {
        // Each row is first read front to back into its block slots, then each block is
        // transposed in place: eight rows read block by block would interleave eight streams
        // within a few KB, which the hardware prefetcher does not follow, and packing would wait
        // on memory.
        for j in 0..<8 {
            let row = rows.row(j)
            for b in 0..<blocks {
                let block = row + b * F.blockBytes
                let out = packed + b * packedBlockBytes
                _mm256_storeu_si256((out + 32 * j).assumingMemoryBound(to: __m256i.self), F.levels(block))
                out.storeBytes(of: F.scale(block), toByteOffset: 256 + 4 * j, as: Float.self)
                if F.hasOffset { out.storeBytes(of: F.offset(block), toByteOffset: 288 + 4 * j, as: Float.self) }
            }
        }
    }
    for b in 0..<blocks {
        let out = packed + b * packedBlockBytes
        if inCache {
            // Each block of the eight rows is read and transposed in one go, its scales widened together.
            storeChunks(out) { F.levels(rows.row($0) + b * F.blockBytes) }
            let scales = F.scales8(rows, b)
            _mm256_storeu_ps((out + 256).assumingMemoryBound(to: Float.self), scales)
            if F.hasOffset { _mm256_storeu_ps((out + 288).assumingMemoryBound(to: Float.self), F.offsets8(scales, rows, b)) }
        } else {
            storeChunks(out) { loadBytes32(out + 32 * $0) }
        }
    }
}

/// Stores chunk `k` of eight rows' levels at `out + 32k`: lane `j` holds levels `4k..<4k+4` of
/// `levels(j)` (all eight are read before anything is stored, so they may come from `out`).
@inline(__always)
func storeChunks(_ out: UnsafeMutableRawPointer, _ levels: (Int) -> __m256i) {
    let chunks = transpose8x8(levels(0), levels(1), levels(2), levels(3), levels(4), levels(5), levels(6), levels(7))
    for k in 0..<8 { _mm256_storeu_si256((out + 32 * k).assumingMemoryBound(to: __m256i.self), chunks[k]) }
}

/// The 8×8 transpose of 32-bit lanes: lane `j` of result `k` is lane `k` of `v_j`.
@inline(__always)
func transpose8x8(_ v0: __m256i, _ v1: __m256i, _ v2: __m256i, _ v3: __m256i,
                  _ v4: __m256i, _ v5: __m256i, _ v6: __m256i, _ v7: __m256i) -> Transposed8 {
    let t0 = _mm256_unpacklo_epi32(v0, v1), t1 = _mm256_unpackhi_epi32(v0, v1)
    let t2 = _mm256_unpacklo_epi32(v2, v3), t3 = _mm256_unpackhi_epi32(v2, v3)
    let t4 = _mm256_unpacklo_epi32(v4, v5), t5 = _mm256_unpackhi_epi32(v4, v5)
    let t6 = _mm256_unpacklo_epi32(v6, v7), t7 = _mm256_unpackhi_epi32(v6, v7)
    // u_k holds lanes k (low half) and k + 4 (high half) of v0..<v4; w_k the same of v4..<v8.
    let u0 = lanes(_mm256_unpacklo_epi64(t0, t2)), u1 = lanes(_mm256_unpackhi_epi64(t0, t2))
    let u2 = lanes(_mm256_unpacklo_epi64(t1, t3)), u3 = lanes(_mm256_unpackhi_epi64(t1, t3))
    let w0 = lanes(_mm256_unpacklo_epi64(t4, t6)), w1 = lanes(_mm256_unpackhi_epi64(t4, t6))
    let w2 = lanes(_mm256_unpacklo_epi64(t5, t7)), w3 = lanes(_mm256_unpackhi_epi64(t5, t7))
    @inline(__always) func join(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>) -> __m256i {
        unsafeBitCast(SIMD8(lowHalf: a, highHalf: b), to: __m256i.self)
    }
    return Transposed8(
        join(u0.lowHalf, w0.lowHalf), join(u1.lowHalf, w1.lowHalf), join(u2.lowHalf, w2.lowHalf), join(u3.lowHalf, w3.lowHalf),
        join(u0.highHalf, w0.highHalf), join(u1.highHalf, w1.highHalf), join(u2.highHalf, w2.highHalf), join(u3.highHalf, w3.highHalf))
}

/// Eight vectors from `transpose8x8`.
struct Transposed8 {
    let v0, v1, v2, v3, v4, v5, v6, v7: __m256i

    @inline(__always)
    init(_ v0: __m256i, _ v1: __m256i, _ v2: __m256i, _ v3: __m256i, _ v4: __m256i, _ v5: __m256i, _ v6: __m256i, _ v7: __m256i) {
        (self.v0, self.v1, self.v2, self.v3, self.v4, self.v5, self.v6, self.v7) = (v0, v1, v2, v3, v4, v5, v6, v7)
    }

    @inline(__always)
    subscript(_ k: Int) -> __m256i {
        switch k {
        case 0: v0
        case 1: v1
        case 2: v2
        case 3: v3
        case 4: v4
        case 5: v5
        case 6: v6
        default: v7
        }
    }
}

@inline(__always)
private func lanes(_ v: __m256i) -> SIMD8<Int32> { unsafeBitCast(v, to: SIMD8<Int32>.self) }

/// Four activation levels `4k..<4k+4` of block `b`, in every 32-bit lane.
@inline(__always)
func broadcastLevels(_ a: Int8Row, _ b: Int, _ k: Int) -> __m256i {
    _mm256_set1_epi32(a.levels.loadUnaligned(fromByteOffset: 32 * b + 4 * k, as: Int32.self))
}

/// Σ level·q of packed block `p` against two activation rows, lane `j` for weight row `j`.
/// Unsigned levels below 32 times |q| ≤ 127 leave room to add four `maddubs` results in Int16.
@inline(__always)
func packedSums2<F: Block32Weights>(_: F.Type, _ p: UnsafeRawPointer, _ a0: Int8Row, _ a1: Int8Row, _ b: Int) -> (__m256i, __m256i) {
    if F.isSigned {
        // Two chains per activation row: `dpbusd` has a latency of several cycles.
        var s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256()
        var t0 = _mm256_setzero_si256(), t1 = _mm256_setzero_si256()
        for k in stride(from: 0, to: 8, by: 2) {
            let w = loadBytes32(p + 32 * k), v = loadBytes32(p + 32 * k + 32)
            let wAbs = _mm256_abs_epi8(w), vAbs = _mm256_abs_epi8(v)
            s0 = unsignedDot(s0, wAbs, _mm256_sign_epi8(broadcastLevels(a0, b, k), w))
            s1 = unsignedDot(s1, wAbs, _mm256_sign_epi8(broadcastLevels(a1, b, k), w))
            t0 = unsignedDot(t0, vAbs, _mm256_sign_epi8(broadcastLevels(a0, b, k + 1), v))
            t1 = unsignedDot(t1, vAbs, _mm256_sign_epi8(broadcastLevels(a1, b, k + 1), v))
        }
        return (_mm256_add_epi32(s0, t0), _mm256_add_epi32(s1, t1))
    }
    return packedUnsignedSums2(p, a0, a1, b)
}

/// `packedSums2` for unsigned levels below 32.
@inline(__always)
func packedUnsignedSums2(_ p: UnsafeRawPointer, _ a0: Int8Row, _ a1: Int8Row, _ b: Int) -> (__m256i, __m256i) {
    #if REALIZAR_VNNI
    // Four chains per activation row: `dpbusd` has a latency of several cycles, and one chain
    // through eight of them would bound the loop.
    var s00 = _mm256_setzero_si256(), s01 = _mm256_setzero_si256(), s02 = _mm256_setzero_si256(), s03 = _mm256_setzero_si256()
    var s10 = _mm256_setzero_si256(), s11 = _mm256_setzero_si256(), s12 = _mm256_setzero_si256(), s13 = _mm256_setzero_si256()
    for k in stride(from: 0, to: 8, by: 4) {
        let w0 = loadBytes32(p + 32 * k), w1 = loadBytes32(p + 32 * k + 32)
        let w2 = loadBytes32(p + 32 * k + 64), w3 = loadBytes32(p + 32 * k + 96)
        s00 = vnniDot(s00, w0, broadcastLevels(a0, b, k)); s10 = vnniDot(s10, w0, broadcastLevels(a1, b, k))
        s01 = vnniDot(s01, w1, broadcastLevels(a0, b, k + 1)); s11 = vnniDot(s11, w1, broadcastLevels(a1, b, k + 1))
        s02 = vnniDot(s02, w2, broadcastLevels(a0, b, k + 2)); s12 = vnniDot(s12, w2, broadcastLevels(a1, b, k + 2))
        s03 = vnniDot(s03, w3, broadcastLevels(a0, b, k + 3)); s13 = vnniDot(s13, w3, broadcastLevels(a1, b, k + 3))
    }
    return (_mm256_add_epi32(_mm256_add_epi32(s00, s01), _mm256_add_epi32(s02, s03)),
            _mm256_add_epi32(_mm256_add_epi32(s10, s11), _mm256_add_epi32(s12, s13)))
    #else
    let ones = _mm256_set1_epi16(1)
    var sums0 = _mm256_setzero_si256(), sums1 = _mm256_setzero_si256()
    for half in 0..<2 {
        var h0 = _mm256_setzero_si256(), h1 = _mm256_setzero_si256()
        for k in (4 * half)..<(4 * half + 4) {
            let w = loadBytes32(p + 32 * k)
            h0 = _mm256_add_epi16(h0, _mm256_maddubs_epi16(w, broadcastLevels(a0, b, k)))
            h1 = _mm256_add_epi16(h1, _mm256_maddubs_epi16(w, broadcastLevels(a1, b, k)))
        }
        sums0 = _mm256_add_epi32(sums0, _mm256_madd_epi16(h0, ones))
        sums1 = _mm256_add_epi32(sums1, _mm256_madd_epi16(h1, ones))
    }
    return (sums0, sums1)
    #endif
}

@inline(__always)
func packedScales(_ p: UnsafeRawPointer) -> __m256 { _mm256_loadu_ps((p + 256).assumingMemoryBound(to: Float.self)) }

@inline(__always)
func packedOffsets(_ p: UnsafeRawPointer) -> __m256 { _mm256_loadu_ps((p + 288).assumingMemoryBound(to: Float.self)) }

/// Eight packed weight rows against every activation row, two at a time; each weight chunk loaded
/// serves both. Rows of the batch beyond the last pair go alone (the second of the pair is
/// computed from the first and dropped).
@inline(__always)
func block32MatrixMatrix<F: Block32Weights>(
    _ format: F.Type, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
) {
    let blocks = columns / 32
    packedMatrixMatrix(weights: weights, weightRowBytes: weightRowBytes, rows: rows, activations: activations,
                       activationRowBytes: activationRowBytes, activationCount: activationCount, columns: columns,
                       output: output, outputStride: outputStride, packedBytes: blocks * packedBlockBytes,
                       pack: { block32Pack(F.self, $0, blocks: blocks, inCache: $1, into: $2) }) { packed, a0, a1 in
        var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
        for b in 0..<blocks {
            let p = packed + b * packedBlockBytes
            let (sums0, sums1) = packedSums2(F.self, p, a0, a1, b)
            let scales = packedScales(p)
            block32Accumulate(F.self, sums0, scales, packedOffsets(p), a0, b, &acc0)
            block32Accumulate(F.self, sums1, scales, packedOffsets(p), a1, b, &acc1)
        }
        return (acc0, acc1)
    }
}

/// The loop of every matrix-matrix kernel: `pack(rows, inCache, buffer)` lays eight weight rows
/// (fewer at the end) into a buffer of `packedBytes` (`inCache`: they were prefetched while the
/// previous group was multiplied), then `products(packed, a0, a1)` gives their eight outputs for two
/// activation rows (after the last pair, `a1` repeats `a0` and its outputs are dropped).
@inline(__always)
func packedMatrixMatrix(
    weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
    activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
    columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int, packedBytes: Int,
    pack: (RowGroup, _ inCache: Bool, UnsafeMutableRawPointer) -> Void,
    products: (UnsafeRawPointer, Int8Row, Int8Row) -> (__m256, __m256)
) {
    withUnsafeTemporaryAllocation(byteCount: packedBytes, alignment: 64) { buffer in
        let packed = buffer.baseAddress!
        var r = 0
        while r < rows {
            let count = min(8, rows - r)
            // Eight or more activation rows leave the prefetches below time to arrive.
            pack(RowGroup(base: weights + r * weightRowBytes, stride: weightRowBytes, count: count), r > 0 && activationCount >= 8, packed)
            // The next eight weight rows (or what follows this tile) load while these are
            // multiplied, a share before each pair of activation rows: issued in one burst, a
            // hundred prefetches overflowed the core's queue of outstanding misses and most were
            // dropped (Q8_0 at a batch of 16, two threads: 46 -> 86 G MAC/s at best).
            let next = weights + (r + 8) * weightRowBytes
            let nextBytes = activationCount >= 2 ? 8 * weightRowBytes : 0
            let share = (nextBytes / 64 + (activationCount + 1) / 2 - 1) / ((activationCount + 1) / 2) * 64
            var offset = 0
            var c = 0
            while c < activationCount {
                let end = min(offset + share, nextBytes)
                while offset < end {
                    realizar_prefetch(next + offset)
                    offset += 64
                }
                let a0 = Int8Row(activations + c * activationRowBytes, columns: columns)
                let a1 = c + 1 < activationCount ? Int8Row(activations + (c + 1) * activationRowBytes, columns: columns) : a0
                let (out0, out1) = products(UnsafeRawPointer(packed), a0, a1)
                storeLanes(out0, count, output + c * outputStride + r)
                if c + 1 < activationCount { storeLanes(out1, count, output + (c + 1) * outputStride + r) }
                c += 2
            }
            r += 8
        }
    }
}

@inline(__always)
func storeLanes(_ v: __m256, _ count: Int, _ p: UnsafeMutablePointer<Float>) {
    if count == 8 {
        _mm256_storeu_ps(p, v)
    } else {
        let lanes: SIMD8<Float> = v
        for j in 0..<count { p[j] = lanes[j] }
    }
}
