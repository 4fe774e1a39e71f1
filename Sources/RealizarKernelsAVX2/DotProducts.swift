import _Builtin_intrinsics.intel

/// Sum of the eight lanes of `v`.
@inline(__always)
func horizontalSum(_ v: __m256) -> Float {
    v.sum()
}

/// Dot products of one activation row `x` with four weight rows, `count` floats each, reading `x`
/// once for all four. `count` must be a multiple of 8.
public func avx2DotFour(_ x: UnsafePointer<Float>, _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>,
                        _ w2: UnsafePointer<Float>, _ w3: UnsafePointer<Float>, count: Int) -> SIMD4<Float> {
    var a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps()
    var i = 0
    while i < count {
        let xv = _mm256_loadu_ps(x + i)
        a0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w0 + i), a0)
        a1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w1 + i), a1)
        a2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w2 + i), a2)
        a3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w3 + i), a3)
        i += 8
    }
    return SIMD4(horizontalSum(a0), horizontalSum(a1), horizontalSum(a2), horizontalSum(a3))
}

/// Dot product of two rows of `count` floats (`count` a multiple of 8).
public func avx2Dot(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, count: Int) -> Float {
    var a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps()
    var i = 0
    while i + 16 <= count {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(w + i), a0)
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(w + i + 8), a1)
        i += 16
    }
    if i < count { a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(w + i), a0) }
    return horizontalSum(_mm256_add_ps(a0, a1))
}
