import _Builtin_intrinsics.intel

/// Sixteen bytes of nibbles at `p`: low nibbles are values 0..<16, high nibbles 16..<32.
@inline(__always)
func unpackNibbles(_ p: UnsafeRawPointer) -> __m256i {
    let v = loadBytes16(p)
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(0x0F))
}

/// 0x10 in byte `j` where bit `j` of `bits` is set.
@inline(__always)
func fifthBits(_ bits: UInt32) -> __m256i {
    let spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(Int32(bitPattern: bits)),
        _mm256_set_epi64x(0x0303_0303_0303_0303, 0x0202_0202_0202_0202, 0x0101_0101_0101_0101, 0))
    let marked = _mm256_or_si256(spread, _mm256_set1_epi64x(0x7FBF_DFEF_F7FB_FDFE))
    return _mm256_and_si256(_mm256_cmpeq_epi8(marked, _mm256_set1_epi64x(-1)), _mm256_set1_epi8(0x10))
}

enum Q4_0Weights: Block32Weights {
    static var blockBytes: Int { 18 }
    static var isSigned: Bool { false }
    static var hasOffset: Bool { true }
    @inline(__always) static func levels(_ block: UnsafeRawPointer) -> __m256i { unpackNibbles(block + 2) }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { loadHalf(block) }
    @inline(__always) static func offset(_ block: UnsafeRawPointer) -> Float { -8 * loadHalf(block) }
    @inline(__always) static func offsets8(_ scales: __m256, _ rows: RowGroup, _ b: Int) -> __m256 {
        _mm256_mul_ps(scales, _mm256_set1_ps(-8))
    }
}

enum Q4_1Weights: Block32Weights {
    static var blockBytes: Int { 20 }
    static var isSigned: Bool { false }
    static var hasOffset: Bool { true }
    @inline(__always) static func levels(_ block: UnsafeRawPointer) -> __m256i { unpackNibbles(block + 4) }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { loadHalf(block) }
    @inline(__always) static func offset(_ block: UnsafeRawPointer) -> Float { loadHalf(block, 2) }
    @inline(__always) static func offsets8(_ scales: __m256, _ rows: RowGroup, _ b: Int) -> __m256 {
        rows.halves(b * blockBytes + 2)
    }
}

enum Q5_0Weights: Block32Weights {
    static var blockBytes: Int { 22 }
    static var isSigned: Bool { false }
    static var hasOffset: Bool { true }
    @inline(__always) static func levels(_ block: UnsafeRawPointer) -> __m256i {
        _mm256_or_si256(unpackNibbles(block + 6), fifthBits(block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)))
    }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { loadHalf(block) }
    @inline(__always) static func offset(_ block: UnsafeRawPointer) -> Float { -16 * loadHalf(block) }
    @inline(__always) static func offsets8(_ scales: __m256, _ rows: RowGroup, _ b: Int) -> __m256 {
        _mm256_mul_ps(scales, _mm256_set1_ps(-16))
    }
}

enum Q5_1Weights: Block32Weights {
    static var blockBytes: Int { 24 }
    static var isSigned: Bool { false }
    static var hasOffset: Bool { true }
    @inline(__always) static func levels(_ block: UnsafeRawPointer) -> __m256i {
        _mm256_or_si256(unpackNibbles(block + 8), fifthBits(block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
    }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { loadHalf(block) }
    @inline(__always) static func offset(_ block: UnsafeRawPointer) -> Float { loadHalf(block, 2) }
    @inline(__always) static func offsets8(_ scales: __m256, _ rows: RowGroup, _ b: Int) -> __m256 {
        rows.halves(b * blockBytes + 2)
    }
}

enum Q8_0Weights: Block32Weights {
    static var blockBytes: Int { 34 }
    static var isSigned: Bool { true }
    static var hasOffset: Bool { false }
    @inline(__always) static func levels(_ block: UnsafeRawPointer) -> __m256i { loadBytes32(block + 2) }
    @inline(__always) static func scale(_ block: UnsafeRawPointer) -> Float { loadHalf(block) }
    @inline(__always) static func offset(_ block: UnsafeRawPointer) -> Float { 0 }
    @inline(__always) static func offsets8(_ scales: __m256, _ rows: RowGroup, _ b: Int) -> __m256 { _mm256_setzero_ps() }
}

// Entry points: `output[c * outputStride + r] = Σ_k W[r][k]·A[c][k]`, activations in the
// `Int8Row` layout. `columns` must be a multiple of 32.

public func multiplyQ4_0(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    block32Multiply(Q4_0Weights.self, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                    activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                    columns: columns, output: output, outputStride: outputStride)
}

public func multiplyQ4_1(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    block32Multiply(Q4_1Weights.self, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                    activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                    columns: columns, output: output, outputStride: outputStride)
}

public func multiplyQ5_0(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    block32Multiply(Q5_0Weights.self, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                    activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                    columns: columns, output: output, outputStride: outputStride)
}

public func multiplyQ5_1(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    block32Multiply(Q5_1Weights.self, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                    activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                    columns: columns, output: output, outputStride: outputStride)
}

public func multiplyQ8_0(weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
                             activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
                             columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    block32Multiply(Q8_0Weights.self, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                    activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                    columns: columns, output: output, outputStride: outputStride)
}
