/// The float-to-integer conversions the reference quantizers use, each written so that it cannot
/// trap on out-of-range or NaN input (the C references have undefined behaviour there; these give
/// some value and carry on).
enum QuantRounding {
    /// llama.cpp's `nearest_int`: adds 1.5 * 2^23 so that the FPU rounds to nearest, ties to even,
    /// and reads the integer back out of the mantissa. Exact for |value| <= 4194303; outside that
    /// range it returns the same garbage the C code does.
    @inline(__always)
    static func nearestInt(_ value: Float) -> Int32 {
        let shifted = value + 12_582_912
        return (Int32(bitPattern: shifted.bitPattern) & 0x007F_FFFF) - 0x0040_0000
    }

    /// C's float-to-integer conversion (truncation toward zero) of `value`, clamped to
    /// `lower...upper`. Equals `clamp(trunc(value))` for integer bounds; NaN gives `lower`.
    @inline(__always)
    static func truncated(_ value: Float, clampedTo lower: Int32, _ upper: Int32) -> Int32 {
        guard value > Float(lower) else { return lower }
        guard value < Float(upper) else { return upper }
        return Int32(value)
    }

    /// C's `roundf` (ties away from zero; numpy's `np_roundf` in gguf-py), clamped to `Int8`.
    ///
    /// Adds the largest float below one half, with `value`'s sign, and truncates: exact for
    /// |value| < 2^22 (a value just under k + 0.5 stays under k + 1, since the sum is either exact
    /// or rounds down to a float below k + 1; k + 0.5 itself reaches k + 1 by ties-to-even). Unlike
    /// `rounded()`, which x86-64 without SSE4.1 turns into a call to `roundf`, and unlike an
    /// if/else on the remainder, this has no data-dependent branch.
    @inline(__always)
    static func roundedAwayInt8(_ value: Float) -> Int8 {
        // Clamp first (NaN goes to -128); roundf of anything beyond is clamped to the same bound.
        let clamped: Float = value > -128 ? (value < 127 ? value : 127) : -128
        let biased = clamped + Float(signOf: clamped, magnitudeOf: justBelowHalf)
        return Int8(truncatingIfNeeded: Int32(biased))
    }

    /// 0.5 - 2^-25, the largest `Float` below one half.
    static let justBelowHalf: Float = Float(0.5).nextDown
}
