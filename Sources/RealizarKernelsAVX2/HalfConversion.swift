import _Builtin_intrinsics.intel

/// Converts IEEE half-precision values to `Float` with F16C, eight at a time, bit for bit as the
/// scalar reference does (`HalfPrecision.float(fromHalfBits:)`).
///
/// Only call this when the CPU has AVX2, FMA and F16C (`CPUFeatures.avx2Kernels`).
public func avx2ConvertHalfToFloat(_ source: UnsafePointer<UInt16>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
    let exponentMask = _mm_set1_epi16(0x7C00)
    var index = 0
    while index + 8 <= count {
        let halves = _mm_loadu_si128(UnsafeRawPointer(source + index).assumingMemoryBound(to: __m128i.self))
        _mm256_storeu_ps(destination + index, _mm256_cvtph_ps(halves))
        // F16C quiets signalling NaNs; the reference keeps every payload bit, so redo those lanes.
        let special = _mm_cmpeq_epi16(_mm_and_si128(halves, exponentMask), exponentMask)
        if _mm_movemask_epi8(special) != 0 {
            for lane in index..<(index + 8) { destination[lane] = halfToFloatBits(source[lane]) }
        }
        index += 8
    }
    while index < count {
        destination[index] = halfToFloatBits(source[index])
        index += 1
    }
}

/// The exact widening, for tails and NaN lanes.
@inline(__always)
func halfToFloatBits(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
    if exponent == 0 { return Float(bitPattern: sign | (Float(mantissa) * 0x1p-24).bitPattern) }
    return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
}

/// Widens `blocks` Q8_0 blocks (an f16 scale, then 32 signed bytes) to floats, each the scale
/// times its byte: the same product, bit for bit, as the scalar reference.
///
/// Only call this when the CPU has AVX2, FMA and F16C (`CPUFeatures.avx2Kernels`).
public func avx2DequantizeQ8_0(_ source: UnsafeRawPointer, _ destination: UnsafeMutablePointer<Float>, blocks: Int) {
    for block in 0..<blocks {
        let p = source + 34 * block
        let scale = _mm256_set1_ps(halfToFloatBits(p.loadUnaligned(as: UInt16.self)))
        let out = destination + 32 * block
        for part in 0..<4 {
            let bytes = _mm_loadl_epi64(UnsafeRawPointer(p + 2 + 8 * part).assumingMemoryBound(to: __m128i.self))
            _mm256_storeu_ps(out + 8 * part, _mm256_mul_ps(scale, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes))))
        }
    }
}
