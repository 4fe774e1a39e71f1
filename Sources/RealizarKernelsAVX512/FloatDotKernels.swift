import _Builtin_intrinsics.intel

// Dot products of f32 rows sixteen lanes at a time, for the float matrix path. Every output is
// one accumulator walked over k in steps of 16 and reduced the same way, whichever kernel
// computes it, so a row's result does not depend on the rows it is batched with.
// `count` is a multiple of 16. Only call these when the CPU has AVX-512F.

/// `out[i * outStride + j] = x_i · w_j` for four activation rows and four weight rows: eight
/// loads feed sixteen FMAs, so the FMA units, not the loads, set the pace.
public func avx512DotBlock4x4(_ x: UnsafePointer<Float>, xStride: Int, _ w: UnsafePointer<Float>, wStride: Int, count: Int,
                              _ out: UnsafeMutablePointer<Float>, outStride: Int) {
    var a00 = _mm512_setzero_ps(), a01 = _mm512_setzero_ps(), a02 = _mm512_setzero_ps(), a03 = _mm512_setzero_ps()
    var a10 = _mm512_setzero_ps(), a11 = _mm512_setzero_ps(), a12 = _mm512_setzero_ps(), a13 = _mm512_setzero_ps()
    var a20 = _mm512_setzero_ps(), a21 = _mm512_setzero_ps(), a22 = _mm512_setzero_ps(), a23 = _mm512_setzero_ps()
    var a30 = _mm512_setzero_ps(), a31 = _mm512_setzero_ps(), a32 = _mm512_setzero_ps(), a33 = _mm512_setzero_ps()
    let x1 = x + xStride, x2 = x + 2 * xStride, x3 = x + 3 * xStride
    let w1 = w + wStride, w2 = w + 2 * wStride, w3 = w + 3 * wStride
    var k = 0
    while k < count {
        let v0 = _mm512_loadu_ps(w + k), v1 = _mm512_loadu_ps(w1 + k), v2 = _mm512_loadu_ps(w2 + k), v3 = _mm512_loadu_ps(w3 + k)
        let u0 = _mm512_loadu_ps(x + k)
        a00 = _mm512_fmadd_ps(u0, v0, a00); a01 = _mm512_fmadd_ps(u0, v1, a01)
        a02 = _mm512_fmadd_ps(u0, v2, a02); a03 = _mm512_fmadd_ps(u0, v3, a03)
        let u1 = _mm512_loadu_ps(x1 + k)
        a10 = _mm512_fmadd_ps(u1, v0, a10); a11 = _mm512_fmadd_ps(u1, v1, a11)
        a12 = _mm512_fmadd_ps(u1, v2, a12); a13 = _mm512_fmadd_ps(u1, v3, a13)
        let u2 = _mm512_loadu_ps(x2 + k)
        a20 = _mm512_fmadd_ps(u2, v0, a20); a21 = _mm512_fmadd_ps(u2, v1, a21)
        a22 = _mm512_fmadd_ps(u2, v2, a22); a23 = _mm512_fmadd_ps(u2, v3, a23)
        let u3 = _mm512_loadu_ps(x3 + k)
        a30 = _mm512_fmadd_ps(u3, v0, a30); a31 = _mm512_fmadd_ps(u3, v1, a31)
        a32 = _mm512_fmadd_ps(u3, v2, a32); a33 = _mm512_fmadd_ps(u3, v3, a33)
        k += 16
    }
    let o1 = out + outStride, o2 = out + 2 * outStride, o3 = out + 3 * outStride
    out[0] = reduce(a00); out[1] = reduce(a01); out[2] = reduce(a02); out[3] = reduce(a03)
    o1[0] = reduce(a10); o1[1] = reduce(a11); o1[2] = reduce(a12); o1[3] = reduce(a13)
    o2[0] = reduce(a20); o2[1] = reduce(a21); o2[2] = reduce(a22); o2[3] = reduce(a23)
    o3[0] = reduce(a30); o3[1] = reduce(a31); o3[2] = reduce(a32); o3[3] = reduce(a33)
}

/// `out[j] = x · w_j` for one activation row and four weight rows.
public func avx512DotFour(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, wStride: Int, count: Int, _ out: UnsafeMutablePointer<Float>) {
    var a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps()
    let w1 = w + wStride, w2 = w + 2 * wStride, w3 = w + 3 * wStride
    var k = 0
    while k < count {
        let u = _mm512_loadu_ps(x + k)
        a0 = _mm512_fmadd_ps(u, _mm512_loadu_ps(w + k), a0)
        a1 = _mm512_fmadd_ps(u, _mm512_loadu_ps(w1 + k), a1)
        a2 = _mm512_fmadd_ps(u, _mm512_loadu_ps(w2 + k), a2)
        a3 = _mm512_fmadd_ps(u, _mm512_loadu_ps(w3 + k), a3)
        k += 16
    }
    out[0] = reduce(a0); out[1] = reduce(a1); out[2] = reduce(a2); out[3] = reduce(a3)
}

/// `x · w`.
public func avx512Dot(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, count: Int) -> Float {
    var a = _mm512_setzero_ps()
    var k = 0
    while k < count {
        a = _mm512_fmadd_ps(_mm512_loadu_ps(x + k), _mm512_loadu_ps(w + k), a)
        k += 16
    }
    return reduce(a)
}

/// The sum of sixteen lanes, the same way for every output.
@inline(__always)
private func reduce(_ v: __m512) -> Float { v.sum() }
