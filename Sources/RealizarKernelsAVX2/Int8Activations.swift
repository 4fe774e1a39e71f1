import _Builtin_intrinsics.intel

// The quantized activation row shared by every integer kernel (RealizarCore's
// `QuantizedMatmul` documents it): for `columns` values in `columns / 32` blocks,
//   `columns` Int8 levels, then one f32 scale `d` per block, then one f32 `d * Σq` per block,
//   then one Int16 `Σq` per 16 values.
// `q = round-half-even(x / d)`, `d = max|x| / 127` (f32, not rounded to f16).

/// Reads a quantized activation row.
struct Int8Row {
    let levels: UnsafeRawPointer
    let scales: UnsafeRawPointer
    let sums: UnsafeRawPointer
    let sums16: UnsafeRawPointer

    @inline(__always)
    init(_ base: UnsafeRawPointer, columns: Int) {
        levels = base
        scales = base + columns
        sums = scales + columns / 8
        sums16 = sums + columns / 8
    }

    /// The 32 levels of block `b`.
    @inline(__always)
    func values(_ b: Int) -> __m256i { loadBytes32(levels + 32 * b) }

    /// The scale of block `b`, in every lane.
    @inline(__always)
    func scale(_ b: Int) -> __m256 { _mm256_set1_ps(scales.loadUnaligned(fromByteOffset: 4 * b, as: Float.self)) }

    /// The scale of block `b`.
    @inline(__always)
    func scaleValue(_ b: Int) -> Float { scales.loadUnaligned(fromByteOffset: 4 * b, as: Float.self) }

    /// `d * Σq` of block `b`.
    @inline(__always)
    func sum(_ b: Int) -> Float { sums.loadUnaligned(fromByteOffset: 4 * b, as: Float.self) }

    /// Scales of blocks `b..<b+8`.
    @inline(__always)
    func scales8(_ b: Int) -> __m256 { _mm256_loadu_ps((scales + 4 * b).assumingMemoryBound(to: Float.self)) }

    /// `d * Σq` of blocks `b..<b+8`.
    @inline(__always)
    func sums8(_ b: Int) -> __m256 { _mm256_loadu_ps((sums + 4 * b).assumingMemoryBound(to: Float.self)) }

    /// The sixteen Int16 sums of the 16-value groups `16g..<16g+16` starting at group `g`.
    @inline(__always)
    func sums16(group g: Int) -> __m256i { loadBytes32(sums16 + 2 * g) }
}

@inline(__always)
func loadBytes32(_ p: UnsafeRawPointer) -> __m256i {
    _mm256_loadu_si256(p.assumingMemoryBound(to: __m256i.self))
}

@inline(__always)
func loadBytes16(_ p: UnsafeRawPointer) -> __m128i {
    _mm_loadu_si128(p.assumingMemoryBound(to: __m128i.self))
}

/// An f16 field of a weight block, widened with F16C.
@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ offset: Int = 0) -> Float {
    _cvtsh_ss(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
}

@inline(__always)
func horizontalSum(_ v: __m256i) -> Int32 {
    unsafeBitCast(v, to: SIMD8<Int32>.self).wrappedSum()
}

/// Quantizes `columns` floats (a multiple of 32) into the activation row at `row`, bit for bit as
/// the generic quantizer does.
public func quantizeActivations(_ x: UnsafePointer<Float>, columns: Int, into row: UnsafeMutableRawPointer) {
    let blocks = columns / 32
    let scales = (row + columns).assumingMemoryBound(to: Float.self)
    let sums = row + columns + 4 * blocks
    let sums16 = sums + 4 * blocks
    let signBit = _mm256_set1_ps(-0.0)
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)
    for b in 0..<blocks {
        let p = x + 32 * b
        let v0 = _mm256_loadu_ps(p), v1 = _mm256_loadu_ps(p + 8)
        let v2 = _mm256_loadu_ps(p + 16), v3 = _mm256_loadu_ps(p + 24)
        let m = _mm256_max_ps(
            _mm256_max_ps(_mm256_andnot_ps(signBit, v0), _mm256_andnot_ps(signBit, v1)),
            _mm256_max_ps(_mm256_andnot_ps(signBit, v2), _mm256_andnot_ps(signBit, v3)))
        let amax = m.max()
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        let scale = _mm256_set1_ps(id)
        // cvtps rounds half to even (the default MXCSR mode), as the generic path does.
        let i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, scale)), i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, scale))
        let i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, scale)), i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, scale))
        let packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3))
        _mm256_storeu_si256((row + 32 * b).assumingMemoryBound(to: __m256i.self), _mm256_permutevar8x32_epi32(packed, order))
        let low = horizontalSum(_mm256_add_epi32(i0, i1))
        let high = horizontalSum(_mm256_add_epi32(i2, i3))
        scales[b] = d
        sums.storeBytes(of: d * Float(low + high), toByteOffset: 4 * b, as: Float.self)
        sums16.storeBytes(of: Int16(truncatingIfNeeded: low), toByteOffset: 4 * b, as: Int16.self)
        sums16.storeBytes(of: Int16(truncatingIfNeeded: high), toByteOffset: 4 * b + 2, as: Int16.self)
    }
}
