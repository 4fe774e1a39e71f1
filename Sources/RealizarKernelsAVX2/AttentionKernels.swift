import _Builtin_intrinsics.intel

// The inner loops of attention: scores of a chunk of keys, their softmax weights, and the
// weighted sum of values, with FMA and a vectorised exp.

/// `scores[j] = scale · q·k_j` for `count` keys `stride` floats apart, `dimension` a multiple of 8.
public func avx2AttentionScores(_ q: UnsafePointer<Float>, keys: UnsafePointer<Float>, stride: Int, count: Int,
                                dimension: Int, scale: Float, scores: UnsafeMutablePointer<Float>) {
    var j = 0
    while j + 2 <= count {
        let k0 = keys + j * stride, k1 = k0 + stride
        var a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps()
        var i = 0
        while i < dimension {
            let qv = _mm256_loadu_ps(q + i)
            a0 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k0 + i), a0)
            a1 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k1 + i), a1)
            i += 8
        }
        scores[j] = a0.sum() * scale
        scores[j + 1] = a1.sum() * scale
        j += 2
    }
    if j < count {
        let k0 = keys + j * stride
        var a0 = _mm256_setzero_ps()
        var i = 0
        while i < dimension {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(k0 + i), a0)
            i += 8
        }
        scores[j] = a0.sum() * scale
    }
}

/// `scores[g·scoreStride + j] = scale · q_g·k_j` for `heads` queries `dimension` floats apart (the
/// heads that share one KV head) and `count` keys `stride` floats apart. Two heads and four keys
/// at a time: each loaded key serves both heads. Every score is the same sum, in the same order,
/// as `avx2AttentionScores` computes.
public func avx2AttentionScoresGroup(_ q: UnsafePointer<Float>, heads: Int, keys: UnsafePointer<Float>, stride: Int,
                                     count: Int, dimension: Int, scale: Float,
                                     scores: UnsafeMutablePointer<Float>, scoreStride: Int) {
    var g = 0
    while g + 2 <= heads {
        let q0 = q + g * dimension, q1 = q0 + dimension
        let s0 = scores + g * scoreStride, s1 = s0 + scoreStride
        var j = 0
        while j + 4 <= count {
            let k0 = keys + j * stride, k1 = k0 + stride, k2 = k1 + stride, k3 = k2 + stride
            var a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(), a02 = _mm256_setzero_ps(), a03 = _mm256_setzero_ps()
            var a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps(), a12 = _mm256_setzero_ps(), a13 = _mm256_setzero_ps()
            var i = 0
            while i < dimension {
                let x0 = _mm256_loadu_ps(q0 + i), x1 = _mm256_loadu_ps(q1 + i)
                let y0 = _mm256_loadu_ps(k0 + i), y1 = _mm256_loadu_ps(k1 + i)
                let y2 = _mm256_loadu_ps(k2 + i), y3 = _mm256_loadu_ps(k3 + i)
                a00 = _mm256_fmadd_ps(x0, y0, a00); a01 = _mm256_fmadd_ps(x0, y1, a01)
                a02 = _mm256_fmadd_ps(x0, y2, a02); a03 = _mm256_fmadd_ps(x0, y3, a03)
                a10 = _mm256_fmadd_ps(x1, y0, a10); a11 = _mm256_fmadd_ps(x1, y1, a11)
                a12 = _mm256_fmadd_ps(x1, y2, a12); a13 = _mm256_fmadd_ps(x1, y3, a13)
                i += 8
            }
            s0[j] = a00.sum() * scale; s0[j + 1] = a01.sum() * scale; s0[j + 2] = a02.sum() * scale; s0[j + 3] = a03.sum() * scale
            s1[j] = a10.sum() * scale; s1[j + 1] = a11.sum() * scale; s1[j + 2] = a12.sum() * scale; s1[j + 3] = a13.sum() * scale
            j += 4
        }
        if j < count {
            avx2AttentionScores(q0, keys: keys + j * stride, stride: stride, count: count - j, dimension: dimension, scale: scale, scores: s0 + j)
            avx2AttentionScores(q1, keys: keys + j * stride, stride: stride, count: count - j, dimension: dimension, scale: scale, scores: s1 + j)
        }
        g += 2
    }
    if g < heads {
        avx2AttentionScores(q + g * dimension, keys: keys, stride: stride, count: count, dimension: dimension, scale: scale,
                            scores: scores + g * scoreStride)
    }
}

/// `accumulator_g ← accumulator_g · corrections[g] + Σ_j weights[g·weightStride + j] · v_j` for
/// `heads` accumulators `dimension` floats apart. Two heads at a time share each loaded value;
/// every element is the same sum, in the same order, as `avx2AttentionAccumulate` computes.
public func avx2AttentionAccumulateGroup(_ accumulators: UnsafeMutablePointer<Float>, heads: Int, corrections: UnsafePointer<Float>,
                                         values: UnsafePointer<Float>, stride: Int, weights: UnsafePointer<Float>, weightStride: Int,
                                         count: Int, dimension: Int) {
    var g = 0
    while g + 2 <= heads, dimension % 32 == 0 {
        let acc0 = accumulators + g * dimension, acc1 = acc0 + dimension
        let w0 = weights + g * weightStride, w1 = w0 + weightStride
        let c0 = _mm256_set1_ps(corrections[g]), c1 = _mm256_set1_ps(corrections[g + 1])
        var i = 0
        while i < dimension {
            var a0 = _mm256_mul_ps(_mm256_loadu_ps(acc0 + i), c0), a1 = _mm256_mul_ps(_mm256_loadu_ps(acc0 + i + 8), c0)
            var a2 = _mm256_mul_ps(_mm256_loadu_ps(acc0 + i + 16), c0), a3 = _mm256_mul_ps(_mm256_loadu_ps(acc0 + i + 24), c0)
            var b0 = _mm256_mul_ps(_mm256_loadu_ps(acc1 + i), c1), b1 = _mm256_mul_ps(_mm256_loadu_ps(acc1 + i + 8), c1)
            var b2 = _mm256_mul_ps(_mm256_loadu_ps(acc1 + i + 16), c1), b3 = _mm256_mul_ps(_mm256_loadu_ps(acc1 + i + 24), c1)
            for j in 0..<count {
                let v = values + j * stride + i
                let v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24)
                let x = _mm256_broadcast_ss(w0 + j), y = _mm256_broadcast_ss(w1 + j)
                a0 = _mm256_fmadd_ps(x, v0, a0); a1 = _mm256_fmadd_ps(x, v1, a1)
                a2 = _mm256_fmadd_ps(x, v2, a2); a3 = _mm256_fmadd_ps(x, v3, a3)
                b0 = _mm256_fmadd_ps(y, v0, b0); b1 = _mm256_fmadd_ps(y, v1, b1)
                b2 = _mm256_fmadd_ps(y, v2, b2); b3 = _mm256_fmadd_ps(y, v3, b3)
            }
            _mm256_storeu_ps(acc0 + i, a0); _mm256_storeu_ps(acc0 + i + 8, a1)
            _mm256_storeu_ps(acc0 + i + 16, a2); _mm256_storeu_ps(acc0 + i + 24, a3)
            _mm256_storeu_ps(acc1 + i, b0); _mm256_storeu_ps(acc1 + i + 8, b1)
            _mm256_storeu_ps(acc1 + i + 16, b2); _mm256_storeu_ps(acc1 + i + 24, b3)
            i += 32
        }
        g += 2
    }
    while g < heads {
        avx2AttentionAccumulate(accumulators + g * dimension, correction: corrections[g], values: values, stride: stride,
                                weights: weights + g * weightStride, count: count, dimension: dimension)
        g += 1
    }
}

/// `x[j] ← exp(x[j] − maximum)` for `count` values; returns their sum.
public func avx2ExpShifted(_ x: UnsafeMutablePointer<Float>, count: Int, maximum: Float) -> Float {
    let m = _mm256_set1_ps(maximum)
    var total = _mm256_setzero_ps()
    var j = 0
    while j + 8 <= count {
        let e = avx2Exp(_mm256_sub_ps(_mm256_loadu_ps(x + j), m))
        _mm256_storeu_ps(x + j, e)
        total = _mm256_add_ps(total, e)
        j += 8
    }
    var sum = total.sum()
    if j < count {
        var lanes = SIMD8<Float>(repeating: -.infinity)
        for i in 0..<(count - j) { lanes[i] = x[j + i] }
        let e = avx2Exp(_mm256_sub_ps(lanes, m))
        for i in 0..<(count - j) {
            x[j + i] = e[i]
            sum += e[i]
        }
    }
    return sum
}

/// `accumulator ← accumulator · correction + Σ_j weights[j] · v_j` over `count` value rows.
public func avx2AttentionAccumulate(_ accumulator: UnsafeMutablePointer<Float>, correction: Float,
                                    values: UnsafePointer<Float>, stride: Int, weights: UnsafePointer<Float>,
                                    count: Int, dimension: Int) {
    let c = _mm256_set1_ps(correction)
    var i = 0
    // 32 floats of the accumulator at a time stay in registers across all the value rows.
    while i + 32 <= dimension {
        var a0 = _mm256_mul_ps(_mm256_loadu_ps(accumulator + i), c)
        var a1 = _mm256_mul_ps(_mm256_loadu_ps(accumulator + i + 8), c)
        var a2 = _mm256_mul_ps(_mm256_loadu_ps(accumulator + i + 16), c)
        var a3 = _mm256_mul_ps(_mm256_loadu_ps(accumulator + i + 24), c)
        for j in 0..<count {
            let w = _mm256_broadcast_ss(weights + j)
            let v = values + j * stride + i
            a0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(v), a0)
            a1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(v + 8), a1)
            a2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(v + 16), a2)
            a3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(v + 24), a3)
        }
        _mm256_storeu_ps(accumulator + i, a0)
        _mm256_storeu_ps(accumulator + i + 8, a1)
        _mm256_storeu_ps(accumulator + i + 16, a2)
        _mm256_storeu_ps(accumulator + i + 24, a3)
        i += 32
    }
    while i < dimension {
        var a0 = _mm256_mul_ps(_mm256_loadu_ps(accumulator + i), c)
        for j in 0..<count {
            a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(weights + j), _mm256_loadu_ps(values + j * stride + i), a0)
        }
        _mm256_storeu_ps(accumulator + i, a0)
        i += 8
    }
}

/// exp(x) for each lane: 2^n · p(r) with x = n·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial
/// (relative error about 2e-7); inputs below −87.3 (and −∞) give about 1e-38.
@inline(__always)
func avx2Exp(_ x: __m256) -> __m256 {
    let clamped = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.3762626647949)), _mm256_set1_ps(-87.3365478515625))
    let whole = _mm256_cvtps_epi32(_mm256_mul_ps(clamped, _mm256_set1_ps(1.44269504088896341)))  // round to nearest
    let n = _mm256_cvtepi32_ps(whole)
    var r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375), clamped)
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4), r)
    var p = _mm256_set1_ps(1.9875691500e-4)
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3))
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3))
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2))
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1))
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1))
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1)))
    let exponent = _mm256_slli_epi32(_mm256_add_epi32(whole, _mm256_set1_epi32(127)), 23)
    return _mm256_mul_ps(p, _mm256_castsi256_ps(exponent))
}

/// `up[i] ← act(gate[i]) · up[i]` for `count` values, `act` SiLU (`gelu` false) or GELU with the
/// tanh approximation, through the vectorised exp. With `gate` = `up` it activates in place
/// (`up[i] ← act(up[i])` when `multiply` is false).
public func avx2ActivateMultiply(gate: UnsafePointer<Float>, up: UnsafeMutablePointer<Float>, count: Int,
                                 gelu: Bool, multiply: Bool) {
    let one = _mm256_set1_ps(1)
    var i = 0
    while i + 8 <= count {
        let x = _mm256_loadu_ps(gate + i)
        let activated: __m256
        if gelu {
            // 0.5·x·(1 + tanh(u)) = x − x / (1 + exp(2u)), u = √(2/π)·(x + 0.044715·x³)
            let u = _mm256_mul_ps(_mm256_set1_ps(0.7978845608028654),
                                  _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(0.044715), x), _mm256_mul_ps(x, x), x))
            let e = avx2Exp(_mm256_add_ps(u, u))
            activated = _mm256_sub_ps(x, _mm256_div_ps(x, _mm256_add_ps(one, e)))
        } else {
            // x / (1 + exp(−x))
            activated = _mm256_div_ps(x, _mm256_add_ps(one, avx2Exp(_mm256_sub_ps(_mm256_setzero_ps(), x))))
        }
        _mm256_storeu_ps(up + i, multiply ? _mm256_mul_ps(activated, _mm256_loadu_ps(up + i)) : activated)
        i += 8
    }
    while i < count {
        let x = gate[i]
        let activated: Float
        if gelu {
            let u = 0.7978845608028654 * (x + 0.044715 * x * x * x)
            activated = x - x / (1 + avx2ExpScalar(2 * u))
        } else {
            activated = x / (1 + avx2ExpScalar(-x))
        }
        up[i] = multiply ? activated * up[i] : activated
        i += 1
    }
}

@inline(__always)
func avx2ExpScalar(_ x: Float) -> Float {
    avx2Exp(_mm256_set1_ps(x))[0]
}
