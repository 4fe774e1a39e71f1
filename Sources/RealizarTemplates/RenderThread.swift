import Foundation

/// Runs a render on a thread of its own with a large stack. The interpreter recurses (expressions
/// inside macro calls inside loops), and the caller's thread may have a small stack: 512 KiB for
/// Swift concurrency threads on macOS. `RenderLimits.maxEvaluationDepth` keeps the recursion
/// within this stack even in debug builds, whose frames are several kilobytes.
enum RenderThread {
    /// Reserved, not committed: only the pages a render touches take memory.
    static let stackSize = 256 << 20

    /// Carries the work to the thread and the result back; the semaphore orders the accesses.
    private final class Handoff: @unchecked Sendable {
        var work: (() throws -> String)?
        var result: Result<String, Error> = .failure(TemplateError(.limit, "the render thread did not run"))
    }

    static func run(_ work: @escaping () throws -> String) throws -> String {
        let handoff = Handoff()
        handoff.work = work
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            handoff.result = Result { try handoff.work!() }
            handoff.work = nil
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
        return try handoff.result.get()
    }
}
