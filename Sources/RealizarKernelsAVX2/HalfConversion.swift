import _Builtin_intrinsics.intel

/// Converts IEEE half-precision values to `Float` with F16C, eight at a time.
///
/// Only call this when the CPU has F16C and AVX (see `CPUFeatures.avx2Kernels`).
@inlinable
public func avx2ConvertHalfToFloat(_ source: UnsafePointer<UInt16>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
    var index = 0
    while index + 8 <= count {
        let halves = _mm_loadu_si128(UnsafeRawPointer(source + index).assumingMemoryBound(to: __m128i.self))
        _mm256_storeu_ps(destination + index, _mm256_cvtph_ps(halves))
        index += 8
    }
    while index < count {
        destination[index] = Float(Float16(bitPattern: source[index]))
        index += 1
    }
}
