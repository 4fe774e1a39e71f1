/// The per-block statistics the legacy 32-value formats quantize from, as llama.cpp's
/// `quantize_row_q*_ref` compute them.
enum BlockStatistics {
    /// The value of largest magnitude, with its sign (the first such on ties): `Q4_0`/`Q5_0` map it
    /// to their most negative level.
    @inline(__always)
    static func signedMaximum(_ x: UnsafePointer<Float>) -> Float {
        var amax: Float = 0
        var max: Float = 0
        for j in 0..<32 where amax < x[j].magnitude {
            amax = x[j].magnitude
            max = x[j]
        }
        return max
    }

    /// The smallest and largest value: `Q4_1`/`Q5_1` spread their levels between them.
    @inline(__always)
    static func range(_ x: UnsafePointer<Float>) -> (min: Float, max: Float) {
        var min = Float.greatestFiniteMagnitude
        var max = -Float.greatestFiniteMagnitude
        for j in 0..<32 {
            if x[j] < min { min = x[j] }
            if x[j] > max { max = x[j] }
        }
        return (min, max)
    }
}
