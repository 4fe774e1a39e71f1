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
    @inline(__always)
    static func roundedAwayInt8(_ value: Float) -> Int8 {
        let rounded = value.rounded(.toNearestOrAwayFromZero)
        guard rounded > -128 else { return -128 }
        guard rounded < 127 else { return 127 }
        return Int8(rounded)
    }
}
