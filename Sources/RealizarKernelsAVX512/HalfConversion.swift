import _Builtin_intrinsics.intel

/// Converts IEEE half-precision values to `Float` sixteen at a time with AVX-512F, bit for bit as
/// the scalar reference does (`HalfPrecision.float(fromHalfBits:)`).
///
/// Only call this when the CPU has AVX-512F/BW/VL (`CPUFeatures.avx512Kernels`).
public func avx512ConvertHalfToFloat(_ source: UnsafePointer<UInt16>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
    let exponentMask = _mm256_set1_epi16(0x7C00)
    var index = 0
    while index + 16 <= count {
        let halves = _mm256_loadu_si256(UnsafeRawPointer(source + index).assumingMemoryBound(to: __m256i.self))
        _mm512_storeu_ps(destination + index, _mm512_cvtph_ps(halves))
        // The conversion quiets signalling NaNs; the reference keeps every payload bit.
        if _mm256_movemask_epi8(_mm256_cmpeq_epi16(_mm256_and_si256(halves, exponentMask), exponentMask)) != 0 {
            for lane in index..<(index + 16) { destination[lane] = halfToFloatBits(source[lane]) }
        }
        index += 16
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
