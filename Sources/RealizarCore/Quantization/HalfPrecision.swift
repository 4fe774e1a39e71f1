/// IEEE binary16 ("f16", `ggml_half`) and bfloat16 conversions, bit for bit as numpy and ggml do them.
///
/// Widening to `Float` is always exact. Narrowing rounds to nearest, ties to even (numpy's
/// `astype(np.float16)`, F16C's `vcvtps2ph` with mode 0, ggml's `GGML_FP32_TO_FP16`); values whose
/// magnitude rounds past 65504 become infinity, and tiny values become subnormal halves or zero.
///
/// These are written with integer operations so that they cost the same on every CPU and never
/// call a compiler-runtime helper.
public enum HalfPrecision {
    /// The `Float` an IEEE half with bit pattern `bits` holds (NaN payloads are kept, like numpy).
    @inlinable @inline(__always)
    public static func float(fromHalfBits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Zero or subnormal: mantissa * 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// The bit pattern of the IEEE half nearest `value` (round to nearest, ties to even).
    /// NaN becomes a quiet NaN keeping the upper payload bits.
    @inlinable @inline(__always)
    public static func halfBits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let magnitude = bits & 0x7FFF_FFFF
        if magnitude >= 0x7F80_0000 {
            if magnitude == 0x7F80_0000 { return sign | 0x7C00 }
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: (magnitude & 0x7F_FFFF) >> 13)
        }
        if magnitude >= 0x477F_F000 {
            // At or past the midpoint between 65504 and 65536 (which ties to the even 65536 = inf).
            return sign | 0x7C00
        }
        if magnitude < 0x3880_0000 {
            // Below 2^-14: the result is a subnormal half (or zero, or the smallest normal by carry).
            let exponent = magnitude >> 23
            if exponent < 102 { return sign }  // below 2^-25: rounds to zero
            let mantissa = (magnitude & 0x7F_FFFF) | 0x80_0000
            let shift = 126 - exponent  // 14 ... 24
            var result = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && result & 1 == 1) { result += 1 }
            return sign | UInt16(truncatingIfNeeded: result)
        }
        // Normal: rebias the exponent (127 -> 15) and round away the low 13 mantissa bits. A carry
        // out of the mantissa correctly bumps the exponent.
        var result = (magnitude - 0x3800_0000) >> 13
        let remainder = magnitude & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && result & 1 == 1) { result += 1 }
        return sign | UInt16(truncatingIfNeeded: result)
    }

    /// `value` rounded to the nearest half, as a `Float` (what storing and reloading an f16 gives).
    @inlinable @inline(__always)
    public static func roundedToHalf(_ value: Float) -> Float {
        float(fromHalfBits: halfBits(from: value))
    }

    /// The `Float` a bfloat16 with bit pattern `bits` holds: its bits are a float's upper half.
    @inlinable @inline(__always)
    public static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// The bit pattern of the bfloat16 nearest `value` (round to nearest, ties to even), as
    /// gguf-py's `BF16.quantize_blocks` and ggml's `ggml_compute_fp32_to_bf16`: NaN is made quiet.
    @inlinable @inline(__always)
    public static func bfloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if bits & 0x7FFF_FFFF > 0x7F80_0000 {
            return UInt16(truncatingIfNeeded: bits >> 16) | 64
        }
        // No overflow: the largest non-NaN pattern, 0xFF800000, plus 0x8000 fits in 32 bits.
        return UInt16(truncatingIfNeeded: (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)
    }
}

import RealizarKernelsAVX2
import RealizarKernelsAVX512

extension HalfPrecision {
    /// Widens `count` halves to floats with the given kernel family (by default the selected one);
    /// every family gives the scalar reference's exact bits.
    public static func convertToFloat(_ source: UnsafePointer<UInt16>, _ destination: UnsafeMutablePointer<Float>, count: Int,
                                      using family: KernelFamily = .selected) {
        switch family {
        case .avx512: avx512ConvertHalfToFloat(source, destination, count: count)
        case .avx2: avx2ConvertHalfToFloat(source, destination, count: count)
        case .generic:
            for i in 0..<count { destination[i] = float(fromHalfBits: source[i]) }
        }
    }
}
