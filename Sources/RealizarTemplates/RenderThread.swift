import Foundation

/// Runs parsing and rendering on a thread of its own with a large stack. Both recurse (nested
/// expressions, blocks, macro calls), and the caller's thread may have a small stack: 512 KiB
/// for Swift concurrency threads on macOS. The limits in `RenderLimits` (`maxNesting`,
/// `maxEvaluationDepth`) keep the recursion within this stack even in debug builds, whose frames
/// are several kilobytes.
enum RenderThread {
    /// Reserved, not committed: only the pages a render touches take memory.
    static let stackSize = 256 << 20

    static func run<T>(_ work: @escaping () throws -> T) throws -> T {
        let handoff = Handoff<T>(work)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            handoff.run()
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
        return try handoff.result.get()
    }
}

/// Carries the work to the thread and the result back; the semaphore orders the accesses.
private final class Handoff<T>: @unchecked Sendable {
    private var work: (() throws -> T)?
    var result: Result<T, Error> = .failure(TemplateError(.limit, "the render thread did not run"))

    init(_ work: @escaping () throws -> T) { self.work = work }

    func run() {
        result = Result { try work!() }
        work = nil
    }
}
