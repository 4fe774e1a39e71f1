import Foundation

/// How fast this machine streams memory that is not in cache: the bound on generation speed,
/// which reads every weight once per token.
public enum MemoryBandwidth {
    /// Bytes per second read by `pool`'s threads from a buffer far larger than the caches (best of
    /// `repetitions` passes).
    public static func measure(pool: ThreadPool, megabytes: Int = 512, repetitions: Int = 3) -> Double {
        let count = megabytes << 20 / MemoryLayout<SIMD8<Float>>.stride
        let buffer = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: SIMD8(repeating: 1), count: count)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: pool.threads)
        defer { sums.deallocate() }
        var best = 0.0
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            pool.parallelPieces(count, granularity: 1024) { piece, range in
                var a = SIMD8<Float>(), b = SIMD8<Float>(), c = SIMD8<Float>(), d = SIMD8<Float>()
                var i = range.lowerBound
                while i + 4 <= range.upperBound {
                    a += buffer[i]; b += buffer[i + 1]; c += buffer[i + 2]; d += buffer[i + 3]
                    i += 4
                }
                sums[piece] = (a + b + c + d).sum()
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, Double(count * MemoryLayout<SIMD8<Float>>.stride) / seconds)
        }
        return best
    }
}
