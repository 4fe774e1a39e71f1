import Foundation
import RealizarCore

/// Concurrent embedding requests batched the way the ``Scheduler`` batches generation: a thread of
/// its own runs one `EmbeddingModel.embed` call at a time, and every request that arrives while a
/// call runs waits for the next one, which takes all of them together (up to
/// `EmbeddingModel.tokensPerPass` tokens; a single larger request goes alone and `embed` splits it).
///
/// Each text is its own sequence of the pass, so a request's vectors are those it gets alone.
/// The pass runs off the Swift concurrency pool, so callers awaiting `embed` never block a thread
/// of it. Nothing here knows about HTTP.
public final class EmbeddingQueue: @unchecked Sendable {
    public let model: EmbeddingModel
    /// Requests that may wait while a pass runs before new ones are refused with `.queueFull`.
    public let queueLimit: Int

    /// A moment's picture of the queue, for metrics and tests.
    public struct Snapshot: Sendable {
        /// Requests waiting for the next pass.
        public var queued: Int
        /// Requests in the pass that is running (0 between passes).
        public var running: Int
        /// `embed` calls made so far.
        public var passes: Int
    }

    private final class Pending {
        let inputs: [[Int]]
        let tokens: Int
        let continuation: CheckedContinuation<[[Float]], any Error>
        init(inputs: [[Int]], continuation: CheckedContinuation<[[Float]], any Error>) {
            self.inputs = inputs
            tokens = inputs.reduce(0) { $0 + $1.count }
            self.continuation = continuation
        }
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var waiting: [Pending] = []
    private var stopping = false
    private var snapshotValue = Snapshot(queued: 0, running: 0, passes: 0)

    public init(model: EmbeddingModel, queueLimit: Int = 64) {
        self.model = model
        self.queueLimit = max(0, queueLimit)
        let thread = Thread { [self] in loop() }
        thread.name = "realizar-embeddings"
        thread.stackSize = 8 << 20
        thread.start()
    }

    public var snapshot: Snapshot {
        condition.lock()
        defer { condition.unlock() }
        return snapshotValue
    }

    /// Checks token lists before they wait for anything: each must hold 1 to `maximumTokens` ids
    /// of the vocabulary. The message names the input by its index.
    public func validate(_ inputs: [[Int]]) throws(SchedulerError) {
        guard !inputs.isEmpty else { throw .invalidRequest("no input to embed") }
        for (index, ids) in inputs.enumerated() {
            guard !ids.isEmpty else { throw .invalidRequest("input \(index) is empty: give at least one token") }
            guard ids.count <= model.maximumTokens else {
                throw .invalidRequest("input \(index) has \(ids.count) tokens, more than the \(model.maximumTokens) the model reads")
            }
            do {
                try DecoderModel.validate(tokens: ids, vocabulary: model.model.decoder.graph.tokenCount)
            } catch {
                throw .invalidRequest("input \(index): \(error)")
            }
        }
    }

    /// The embedding of each token list, in order, computed in the next pass together with every
    /// other request waiting for it. Throws `SchedulerError` for invalid inputs, a full queue or a
    /// queue shut down, and the model's error if its pass fails. A task cancelled while it waits
    /// leaves the queue with `CancellationError`.
    public func embed(_ inputs: [[Int]]) async throws -> [[Float]] {
        try validate(inputs)
        let box = PendingBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[[Float]], any Error>) in
                let pending = Pending(inputs: inputs, continuation: continuation)
                condition.lock()
                if stopping {
                    condition.unlock()
                    continuation.resume(throwing: SchedulerError.shuttingDown)
                    return
                }
                // The queue's limit counts requests that wait behind a running pass; one arriving
                // at an idle queue starts a pass at once.
                if waiting.count >= queueLimit && (snapshotValue.running > 0 || !waiting.isEmpty) {
                    condition.unlock()
                    continuation.resume(throwing: SchedulerError.queueFull(limit: queueLimit))
                    return
                }
                waiting.append(pending)
                snapshotValue.queued = waiting.count
                box.pending = pending
                condition.signal()
                condition.unlock()
                if Task.isCancelled { withdraw(pending) }
            }
        } onCancel: {
            if let pending = box.pending { withdraw(pending) }
        }
    }

    /// The request's slot in the cancellation handler (which may run before it is queued).
    private final class PendingBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Pending?
        var pending: Pending? {
            get { lock.lock(); defer { lock.unlock() }; return value }
            set { lock.lock(); value = newValue; lock.unlock() }
        }
    }

    /// Takes a still-waiting request out of the queue and ends it with `CancellationError`; one
    /// already in a pass gets its vectors.
    private func withdraw(_ pending: Pending) {
        condition.lock()
        guard let index = waiting.firstIndex(where: { $0 === pending }) else { condition.unlock(); return }
        waiting.remove(at: index)
        snapshotValue.queued = waiting.count
        condition.unlock()
        pending.continuation.resume(throwing: CancellationError())
    }

    /// Refuses new requests, ends the waiting ones with `.shuttingDown` and lets the thread end
    /// after the pass in flight.
    public func shutdown() {
        condition.lock()
        stopping = true
        let left = waiting
        waiting.removeAll()
        snapshotValue.queued = 0
        condition.signal()
        condition.unlock()
        for pending in left { pending.continuation.resume(throwing: SchedulerError.shuttingDown) }
    }

    // MARK: The loop

    private func loop() {
        while true {
            condition.lock()
            while !stopping && waiting.isEmpty { condition.wait() }
            if stopping && waiting.isEmpty {
                condition.unlock()
                return
            }
            // First come, first served, up to a pass's tokens (at least one request).
            var taken = 0, tokens = 0
            while taken < waiting.count, taken == 0 || tokens + waiting[taken].tokens <= EmbeddingModel.tokensPerPass {
                tokens += waiting[taken].tokens
                taken += 1
            }
            let pass = Array(waiting.prefix(taken))
            waiting.removeFirst(taken)
            snapshotValue.queued = waiting.count
            snapshotValue.running = pass.count
            snapshotValue.passes += 1
            condition.unlock()

            let result = Result { try model.embed(pass.flatMap(\.inputs)) }
            condition.lock()
            snapshotValue.running = 0
            condition.unlock()
            switch result {
            case .success(let vectors):
                var start = 0
                for pending in pass {
                    pending.continuation.resume(returning: Array(vectors[start..<(start + pending.inputs.count)]))
                    start += pending.inputs.count
                }
            case .failure(let error):
                for pending in pass { pending.continuation.resume(throwing: error) }
            }
        }
    }
}
