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

/// `values[i] ← gelu(values[i]) = 0.5 · x · (1 + erf(x / √2))` for `count` values, eight at a
/// time, with erf as Eigen's rational approximation over [-4, 4] (beyond it erf is ±1 in f32):
/// within 2e-7 of libm's `erff` (tested against `VectorOps.gelu`).
public func avx2GeluErf(_ values: UnsafeMutablePointer<Float>, count: Int) {
    let limit = _mm256_set1_ps(4), negativeLimit = _mm256_set1_ps(-4)
    let inverseRoot2 = _mm256_set1_ps(0.707_106_781_186_547_5), half = _mm256_set1_ps(0.5), one = _mm256_set1_ps(1)
    let a1 = _mm256_set1_ps(-1.609_603_332_624_15e-02), a3 = _mm256_set1_ps(-2.954_599_808_540_25e-03)
    let a5 = _mm256_set1_ps(-7.349_906_303_268_55e-04), a7 = _mm256_set1_ps(-5.692_506_394_623_46e-05)
    let a9 = _mm256_set1_ps(-2.101_024_020_825_08e-06), a11 = _mm256_set1_ps(2.770_681_424_959_02e-08)
    let a13 = _mm256_set1_ps(-2.726_142_258_013_06e-10)
    let b0 = _mm256_set1_ps(-1.426_473_905_141_89e-02), b2 = _mm256_set1_ps(-7.373_329_167_204_68e-03)
    let b4 = _mm256_set1_ps(-1.682_826_974_382_03e-03), b6 = _mm256_set1_ps(-2.133_740_552_789_05e-04)
    let b8 = _mm256_set1_ps(-1.456_607_184_649_96e-05)
    var i = 0
    while i + 8 <= count {
        let v = _mm256_loadu_ps(values + i)
        let x = _mm256_max_ps(_mm256_min_ps(_mm256_mul_ps(v, inverseRoot2), limit), negativeLimit)
        let x2 = _mm256_mul_ps(x, x)
        var p = _mm256_fmadd_ps(x2, a13, a11)
        p = _mm256_fmadd_ps(x2, p, a9)
        p = _mm256_fmadd_ps(x2, p, a7)
        p = _mm256_fmadd_ps(x2, p, a5)
        p = _mm256_fmadd_ps(x2, p, a3)
        p = _mm256_fmadd_ps(x2, p, a1)
        p = _mm256_mul_ps(x, p)
        var q = _mm256_fmadd_ps(x2, b8, b6)
        q = _mm256_fmadd_ps(x2, q, b4)
        q = _mm256_fmadd_ps(x2, q, b2)
        q = _mm256_fmadd_ps(x2, q, b0)
        let erf = _mm256_div_ps(p, q)
        _mm256_storeu_ps(values + i, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, erf)))
        i += 8
    }
    while i < count {
        let x = values[i]
        values[i] = 0.5 * x * (1 + erfApproximation(x * 0.707_106_781_186_547_5))
        i += 1
    }
}

/// The scalar form of `avx2GeluErf`'s erf, for tails.
@inline(__always)
func erfApproximation(_ value: Float) -> Float {
    let x = max(min(value, 4), -4), x2 = x * x
    var p: Float = x2 * -2.726_142_258_013_06e-10 + 2.770_681_424_959_02e-08
    p = x2 * p - 2.101_024_020_825_08e-06
    p = x2 * p - 5.692_506_394_623_46e-05
    p = x2 * p - 7.349_906_303_268_55e-04
    p = x2 * p - 2.954_599_808_540_25e-03
    p = x2 * p - 1.609_603_332_624_15e-02
    p *= x
    var q: Float = x2 * -1.456_607_184_649_96e-05 - 2.133_740_552_789_05e-04
    q = x2 * q - 1.682_826_974_382_03e-03
    q = x2 * q - 7.373_329_167_204_68e-03
    q = x2 * q - 1.426_473_905_141_89e-02
    return p / q
}
