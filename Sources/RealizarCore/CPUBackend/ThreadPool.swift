import CRealizarSupport
import Foundation
import Synchronization

/// The engine's worker threads, made for many short parallel loops: a forward pass issues
/// hundreds of them per token, so a loop costs one atomic increment to start and a spin to finish,
/// never an allocation, a queue hop or a system call while the workers are awake.
///
/// A loop is cut into chunks that the threads (the caller's among them) take in order as they
/// become free, so work of uneven cost (causal attention, matrices of different formats in one
/// loop) still ends at the same time on every thread. Workers spin for a while after each loop,
/// then sleep until the next. A loop started from inside a loop (or while another caller holds
/// the pool) runs on the calling thread alone.
public final class ThreadPool: @unchecked Sendable {
    public let threads: Int
    private let shared: Shared

    public init(threads: Int) {
        self.threads = max(1, threads)
        shared = Shared(workers: self.threads - 1)
        for worker in 1..<self.threads {
            let shared = shared
            let thread = Thread {
                _ = realizar_flush_subnormals()
                shared.work(as: worker)
            }
            thread.name = "realizar-worker-\(worker)"
            thread.start()
        }
    }

    deinit { shared.stop() }

    /// Calls `body(range)` for chunks of `0..<count`, each a multiple of `granularity` except the
    /// last, about `chunksPerThread` per thread. The chunks are disjoint; `body` must only write
    /// what its own range owns.
    public func parallelFor(_ count: Int, granularity: Int = 1, chunksPerThread: Int = 8, _ body: (Range<Int>) -> Void) {
        parallelChunks(count, granularity: granularity, chunksPerThread: chunksPerThread) { _, range in body(range) }
    }

    /// As `parallelFor`, also telling `body` which thread (`0..<threads`) runs the chunk, for
    /// per-thread scratch.
    public func parallelChunks(_ count: Int, granularity: Int = 1, chunksPerThread: Int = 8,
                               _ body: (_ thread: Int, _ range: Range<Int>) -> Void) {
        let units = (count + granularity - 1) / granularity
        let chunks = min(units, threads * chunksPerThread)
        let shared = shared
        let ran = onThreads(min(threads, chunks)) { thread in
            while true {
                let chunk = shared.nextChunk.add(1, ordering: .relaxed).oldValue
                if chunk >= chunks { return }
                let start = units * chunk / chunks * granularity
                let end = min(units * (chunk + 1) / chunks * granularity, count)
                body(thread, start..<end)
            }
        }
        if !ran, count > 0 { body(0, 0..<count) }
    }

    /// Calls `body(piece, range)` for up to `threads` contiguous pieces of `0..<count`, one per
    /// thread, each a multiple of `granularity` except the last: for loops whose pieces must be
    /// equal in size (a bandwidth measurement) rather than finish together.
    public func parallelPieces(_ count: Int, granularity: Int = 1, _ body: (_ piece: Int, _ range: Range<Int>) -> Void) {
        let units = (count + granularity - 1) / granularity
        let pieces = min(threads, units)
        let ran = onThreads(pieces) { piece in
            let start = units * piece / pieces * granularity
            let end = min(units * (piece + 1) / pieces * granularity, count)
            if start < end { body(piece, start..<end) }
        }
        if !ran, count > 0 { body(0, 0..<count) }
    }

    /// Runs `job(thread)` on `pieces` threads at once, the caller's as thread 0, and returns true;
    /// false (having run nothing) when one piece is all there is, or the pool is taken (a loop
    /// inside a loop, another caller).
    private func onThreads(_ pieces: Int, _ job: (Int) -> Void) -> Bool {
        guard pieces > 1, shared.busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { shared.busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(job) { shared.run(pieces: pieces, $0) }
        return true
    }

    /// What the workers and the caller share; the workers hold it, not the pool, so that the pool
    /// can go away and tell them to stop.
    final class Shared: @unchecked Sendable {
        let workers: Int
        let busy = Atomic<Bool>(false)
        /// The next chunk of the current `parallelChunks` loop (reset by `run`).
        let nextChunk = Atomic<Int>(0)
        private let generation = Atomic<Int>(0)
        private let remaining = Atomic<Int>(0)
        private let sleepers = Atomic<Int>(0)
        private let stopping = Atomic<Bool>(false)
        private let condition = NSCondition()
        /// The current loop's body and piece count: written before `generation` moves on, read
        /// by workers after they see it move.
        private var job: ((Int) -> Void)?
        private var pieces = 0

        /// Spin steps a worker takes before it sleeps (a millisecond or two).
        private static let spinLimit = 20_000
        /// Spin steps before a waiting thread starts yielding its core: on a machine with more
        /// runnable threads than cores, the thread it waits for may need that core to finish.
        private static let yieldAfter = 2_000

        @inline(__always)
        private static func backOff(_ spins: inout Int) {
            spins += 1
            if spins < yieldAfter {
                realizar_cpu_relax()
            } else {
                sched_yield()
            }
        }

        init(workers: Int) {
            self.workers = workers
        }

        func run(pieces: Int, _ job: @escaping (Int) -> Void) {
            self.job = job
            self.pieces = pieces
            nextChunk.store(0, ordering: .relaxed)
            remaining.store(workers, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            job(0)
            var spins = 0
            while remaining.load(ordering: .acquiring) > 0 {
                Self.backOff(&spins)
            }
            self.job = nil
        }

        func work(as worker: Int) {
            var seen = 0
            while true {
                var spins = 0
                var current = generation.load(ordering: .acquiring)
                while current == seen {
                    if stopping.load(ordering: .relaxed) { return }
                    if spins < Self.spinLimit {
                        Self.backOff(&spins)
                    } else {
                        sleepers.add(1, ordering: .sequentiallyConsistent)
                        condition.lock()
                        while generation.load(ordering: .sequentiallyConsistent) == seen, !stopping.load(ordering: .relaxed) {
                            condition.wait()
                        }
                        condition.unlock()
                        sleepers.subtract(1, ordering: .sequentiallyConsistent)
                        spins = 0
                    }
                    current = generation.load(ordering: .acquiring)
                }
                seen = current
                if worker < pieces, let job { job(worker) }
                remaining.subtract(1, ordering: .releasing)
            }
        }

        func stop() {
            stopping.store(true, ordering: .sequentiallyConsistent)
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
    }
}
