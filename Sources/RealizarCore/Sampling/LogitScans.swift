#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-vocabulary passes over a step's logits, written with SIMD chunks: at 262,144 tokens
/// these loops are most of a sampling step's cost.
///
/// NaN never wins a comparison here (every test is an ordered `>`), so a NaN logit is simply
/// never chosen, and it contributes nothing to sums.
enum LogitScans {
    typealias Chunk = SIMD16<Float>

    /// The index of the largest logit, the lowest among equals; 0 when none is above `-infinity`.
    static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        var bestLogit = -Float.infinity
        var start = 0
        // Whole chunks that cannot beat the best so far cost one vector comparison.
        while let end = nextChunk(logits, from: &start, exceeding: bestLogit) {
            for i in start..<end where logits[i] > bestLogit {
                best = i
                bestLogit = logits[i]
            }
            start = end
        }
        return best
    }

    /// The next run of logits worth a scalar look, from `start` on: skips (advancing `start`)
    /// every 16-logit chunk with no logit above `threshold`, then returns the end of the run that
    /// begins at `start` (one chunk, or the short tail); `nil` when nothing is left. Written as a
    /// plain function rather than a loop taking closures, which the optimiser did not inline.
    @inline(__always)
    static func nextChunk(_ logits: UnsafeBufferPointer<Float>, from start: inout Int, exceeding threshold: Float) -> Int? {
        guard let base = logits.baseAddress else { return nil }
        let count = logits.count
        let width = Chunk.scalarCount
        let limit = Chunk(repeating: threshold)
        while start + width <= count {
            let chunk = UnsafeRawPointer(base + start).loadUnaligned(as: Chunk.self)
            if any(chunk .> limit) { return start + width }
            start += width
        }
        return start < count ? count : nil
    }

    /// log Σ exp(logits) over the logits above `-infinity`; `-infinity` when there are none.
    static func logSumExp(_ logits: UnsafeBufferPointer<Float>) -> Float {
        guard !logits.isEmpty else { return -.infinity }
        let top = logits[argmax(logits)]
        guard top > -.infinity else { return -.infinity }
        guard top < .infinity else { return .infinity }
        return top + Float(log(sumOfExponentials(logits, minus: top)))
    }

    /// Σ exp(logit − offset) for logits ≤ offset, with ``exponential(_:)``. Lanes add up blocks
    /// of 1,024 logits in `Float` (at most 128 terms ≤ 1 per lane), blocks add up in `Double`.
    static func sumOfExponentials(_ logits: UnsafeBufferPointer<Float>, minus offset: Float) -> Double {
        guard let base = logits.baseAddress else { return 0 }
        let count = logits.count
        let width = Lanes.scalarCount
        let vectorEnd = count - count % width
        let shift = Lanes(repeating: offset)
        var total = 0.0
        var start = 0
        while start < vectorEnd {
            let blockEnd = min(start + 1024, vectorEnd)
            var sums = Lanes()
            while start < blockEnd {
                sums += exponential(UnsafeRawPointer(base + start).loadUnaligned(as: Lanes.self) - shift)
                start += width
            }
            total += Double(sums.sum())
        }
        if start < count {
            var tail = Lanes(repeating: -.infinity)
            for i in start..<count { tail[i - start] = logits[i] }
            total += Double(exponential(tail - shift).sum())
        }
        return total
    }

    /// The vector width of ``exponential(_:)``: eight lanes lower to straight-line SSE code,
    /// sixteen measured four times slower on the baseline x86-64 target.
    typealias Lanes = SIMD8<Float>

    /// eˣ for x ≤ 0, lane by lane, within 2·10⁻⁷ relative error (Cephes' `expf` polynomial
    /// after a base-2 range reduction): four times faster than calling `expf` per logit. Lanes
    /// below −87 (where eˣ is under `Float.leastNormalMagnitude`), `-infinity` and NaN give 0.
    @inline(__always)
    static func exponential(_ x: Lanes) -> Lanes {
        let floor = Lanes(repeating: -87)
        let clamped = x.replacing(with: floor, where: x .< floor)
        // n = round(x / ln 2) by adding 1.5·2²³: the sum's low mantissa bits are n itself (no
        // SSE4.1 rounding instruction needed, and the integer comes for free).
        let magic = Lanes(repeating: 12_582_912)
        let shifted = clamped * Lanes(repeating: 1.442_695_04) + magic
        let n = shifted - magic
        // r = x − n ln 2, with ln 2 split so that n · 0.693359375 is exact.
        var r = clamped - n * Lanes(repeating: 0.693_359_375)
        r -= n * Lanes(repeating: -2.121_944_4e-4)
        var p = Lanes(repeating: 1.987_569_15e-4)
        p = p * r + Lanes(repeating: 1.398_199_95e-3)
        p = p * r + Lanes(repeating: 8.333_451_9e-3)
        p = p * r + Lanes(repeating: 4.166_579_59e-2)
        p = p * r + Lanes(repeating: 1.666_666_55e-1)
        p = p * r + Lanes(repeating: 5.000_000_1e-1)
        let er = p * r * r + r + Lanes(repeating: 1)
        // 2ⁿ from its exponent bits; n is in [-126, 0] here, so always a normal float.
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let power = unsafeBitCast((integer &+ 127) &<< 23, to: Lanes.self)
        let result = unsafeBitCast(er * power, to: SIMD8<UInt32>.self)
        // Zero the lanes that were below −87, -infinity or NaN (the comparison fails for NaN).
        let keep = unsafeBitCast(x .>= Lanes(repeating: -87), to: SIMD8<UInt32>.self)
        return unsafeBitCast(result & keep, to: Lanes.self)
    }
}
