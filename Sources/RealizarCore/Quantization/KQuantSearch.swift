/// The scale searches of llama.cpp's k-quant reference quantizers (`ggml-quants.c`), rewritten in
/// Swift with the same float32 operations in the same order, so that they pick the same scales and
/// levels bit for bit. Every product and sum below is a separately rounded float32 operation, as in C
/// compiled without FP contraction; keep it that way (no FMA, no reordering).
enum KQuantSearch {
    /// `GROUP_MAX_EPS`: a group whose largest magnitude is below this is treated as all zero.
    static let groupMaxEpsilon: Float = 1e-15

    /// `make_qkx2_quants`: asymmetric levels `0...nmax` for `n` values with per-value weights.
    ///
    /// Starts from the range `[min(0, minimum), maximum]`, then tries `nstep + 1` scales around
    /// `nmax / range` and keeps the weighted-least-squares fit (scale and minimum) with the smallest
    /// weighted squared (or, with `useMAD`, absolute) error. Writes the levels to `levels`, returns
    /// the scale and stores the negated minimum (a value >= 0) in `negatedMin`.
    static func makeQKX2Quants(
        n: Int, nmax: Int32, x: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        levels: UnsafeMutablePointer<UInt8>, negatedMin: inout Float, scratch: UnsafeMutablePointer<UInt8>,
        rmin: Float, rdelta: Float, nstep: Int, useMAD: Bool
    ) -> Float {
        var min = x[0]
        var max = x[0]
        var sumW = weights[0]
        var sumX = sumW * x[0]
        for i in 1..<n {
            if x[i] < min { min = x[i] }
            if x[i] > max { max = x[i] }
            let w = weights[i]
            sumW += w
            sumX += w * x[i]
        }
        if min > 0 { min = 0 }
        if max == min {
            for i in 0..<n { levels[i] = 0 }
            negatedMin = -min
            return 0
        }
        let nmaxFloat = Float(nmax)
        var iscale = nmaxFloat / (max - min)
        var scale = 1 / iscale
        var bestError: Float = 0
        for i in 0..<n {
            let l = Swift.max(0, Swift.min(nmax, QuantRounding.nearestInt(iscale * (x[i] - min))))
            levels[i] = UInt8(truncatingIfNeeded: l)
            var diff = scale * Float(l) + min - x[i]
            diff = useMAD ? diff.magnitude : diff * diff
            bestError += weights[i] * diff
        }
        if nstep < 1 {
            negatedMin = -min
            return scale
        }
        for step in 0...nstep {
            iscale = (rmin + rdelta * Float(step) + nmaxFloat) / (max - min)
            var sumL: Float = 0
            var sumL2: Float = 0
            var sumXL: Float = 0
            for i in 0..<n {
                let l = Swift.max(0, Swift.min(nmax, QuantRounding.nearestInt(iscale * (x[i] - min))))
                scratch[i] = UInt8(truncatingIfNeeded: l)
                let w = weights[i]
                let lf = Float(l)
                sumL += w * lf
                sumL2 += w * lf * lf
                sumXL += w * lf * x[i]
            }
            let determinant = sumW * sumL2 - sumL * sumL
            if determinant > 0 {
                var thisScale = (sumW * sumXL - sumX * sumL) / determinant
                var thisMin = (sumL2 * sumX - sumL * sumXL) / determinant
                if thisMin > 0 {
                    thisMin = 0
                    thisScale = sumXL / sumL2
                }
                var currentError: Float = 0
                for i in 0..<n {
                    var diff = thisScale * Float(scratch[i]) + thisMin - x[i]
                    diff = useMAD ? diff.magnitude : diff * diff
                    currentError += weights[i] * diff
                }
                if currentError < bestError {
                    for i in 0..<n { levels[i] = scratch[i] }
                    bestError = currentError
                    scale = thisScale
                    min = thisMin
                }
            }
        }
        negatedMin = -min
        return scale
    }

    /// `make_qx_quants` with `qw == NULL`: symmetric levels `-nmax...nmax-1` for `n` values, stored
    /// biased by `nmax` (so `0...2*nmax-1`) in `levels`. Returns the scale (negative when the value
    /// of largest magnitude is positive, like the C code).
    ///
    /// `rmseType` picks the error weights: 0 no search, 1 `x²`, 2 one, 3 `|x|`, else `sqrt|x|`; a
    /// negative type does one least-squares step and returns early, as in C.
    static func makeQXQuants(
        n: Int, nmax: Int32, x: UnsafePointer<Float>, levels: UnsafeMutablePointer<Int8>, rmseType: Int
    ) -> Float {
        var max: Float = 0
        var amax: Float = 0
        for i in 0..<n {
            let ax = x[i].magnitude
            if ax > amax {
                amax = ax
                max = x[i]
            }
        }
        if amax < groupMaxEpsilon {
            for i in 0..<n { levels[i] = 0 }
            return 0
        }
        let nmaxFloat = Float(nmax)
        var iscale = Float(-nmax) / max
        if rmseType == 0 {
            for i in 0..<n {
                let l = QuantRounding.nearestInt(iscale * x[i])
                levels[i] = Int8(truncatingIfNeeded: nmax + Swift.max(-nmax, Swift.min(nmax - 1, l)))
            }
            return 1 / iscale
        }
        var type = rmseType
        var returnEarly = false
        if type < 0 {
            type = -type
            returnEarly = true
        }
        @inline(__always) func weight(_ value: Float) -> Float {
            switch type {
            case 1: return value * value
            case 2: return 1
            case 3: return value.magnitude
            default: return value.magnitude.squareRoot()
            }
        }
        var sumLX: Float = 0
        var sumL2: Float = 0
        for i in 0..<n {
            let l = Swift.max(-nmax, Swift.min(nmax - 1, QuantRounding.nearestInt(iscale * x[i])))
            levels[i] = Int8(truncatingIfNeeded: l + nmax)
            let w = weight(x[i])
            let lf = Float(l)
            sumLX += w * x[i] * lf
            sumL2 += w * lf * lf
        }
        var scale: Float = sumL2 != 0 ? sumLX / sumL2 : 0
        if returnEarly {
            return sumL2 > 0 ? 0.5 * (scale + 1 / iscale) : 1 / iscale
        }
        var best = scale * sumLX
        for step in -9...9 where step != 0 {
            iscale = -(nmaxFloat + 0.1 * Float(step)) / max
            sumLX = 0
            sumL2 = 0
            for i in 0..<n {
                let l = Swift.max(-nmax, Swift.min(nmax - 1, QuantRounding.nearestInt(iscale * x[i])))
                let w = weight(x[i])
                let lf = Float(l)
                sumLX += w * x[i] * lf
                sumL2 += w * lf * lf
            }
            if sumL2 > 0 && sumLX * sumLX > best * sumL2 {
                for i in 0..<n {
                    let l = QuantRounding.nearestInt(iscale * x[i])
                    levels[i] = Int8(truncatingIfNeeded: nmax + Swift.max(-nmax, Swift.min(nmax - 1, l)))
                }
                scale = sumLX / sumL2
                best = scale * sumLX
            }
        }
        return scale
    }
}
