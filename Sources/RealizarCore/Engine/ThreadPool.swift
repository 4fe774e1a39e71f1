import Dispatch

/// Splits work over the engine's threads.
///
/// A thin layer over `concurrentPerform` for now: one call per matmul, each thread taking a
/// contiguous range of rows, so that results never depend on how many threads ran.
public struct ThreadPool: Sendable {
    public let threads: Int

    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    /// Calls `body(range)` for `threads` contiguous pieces of `0..<count`, each a multiple of
    /// `granularity` except the last.
    /// The pieces are disjoint; `body` must only write what its own range owns.
    public func parallelFor(_ count: Int, granularity: Int = 1, _ body: (Range<Int>) -> Void) {
        let units = (count + granularity - 1) / granularity
        let pieces = min(threads, units)
        if pieces <= 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                let start = units * piece / pieces * granularity
                let end = min(units * (piece + 1) / pieces * granularity, count)
                if start < end { body(start..<end) }
            }
        }
    }
}
