import Foundation
import RealizarCore

/// One sequence to generate through the ``Scheduler``.
public struct SequenceJob: Sendable {
    /// The prompt, limits, sampling and stop strings; `context` is replaced by the slot's.
    public var request: GenerationRequest
    /// Alternatives to report per token; nil: no log-probabilities.
    public var topLogprobs: Int?
    /// What the output must match (one JSON object, a JSON Schema, a GBNF grammar); nil: free text.
    public var constraint: OutputConstraint?

    public init(request: GenerationRequest, topLogprobs: Int? = nil, constraint: OutputConstraint? = nil) {
        self.request = request
        self.topLogprobs = topLogprobs
        self.constraint = constraint
    }

    /// `json`: constrain the output to one JSON object.
    public init(request: GenerationRequest, topLogprobs: Int? = nil, json: Bool) {
        self.init(request: request, topLogprobs: topLogprobs, constraint: json ? .jsonObject : nil)
    }
}

/// How a sequence ended, with its counts and timings.
public struct SequenceSummary: Sendable {
    public var promptTokens: Int
    public var generatedTokens: Int
    public var finishReason: GenerationResult.FinishReason
    public var seed: UInt64
    /// Waiting for a free slot.
    public var queueSeconds: Double
    /// From admission to the first sampled token (prompt processing).
    public var promptSeconds: Double
    /// From the first sampled token to the end.
    public var generationSeconds: Double
    /// Set when the model failed; the sequence ended early.
    public var error: String?
}

/// What the scheduler tells a sequence's owner, on the scheduler's thread: keep handlers short.
public enum SequenceEvent: Sendable {
    /// One step: a generated token (or only final text), in order.
    case step(SequenceStep)
    /// The last event of a sequence.
    case finished(SequenceSummary)
}

/// Why a submission was refused.
public enum SchedulerError: Error, Sendable, CustomStringConvertible {
    /// The request cannot run (prompt too long for the context, bad sampling parameters...).
    case invalidRequest(String)
    /// The waiting queue is full.
    case queueFull(limit: Int)
    /// The server is shutting down.
    case shuttingDown

    public var description: String {
        switch self {
        case .invalidRequest(let message): message
        case .queueFull(let limit): "the server is busy: \(limit) requests are already waiting; retry later"
        case .shuttingDown: "the server is shutting down"
        }
    }
}

/// Lets the owner of a submitted sequence stop it; safe from any thread.
public final class SequenceHandle: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    /// Asks the scheduler to drop the sequence; its slot is freed on the next step.
    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}

/// Continuous batching for one model: a thread of its own runs one forward pass per step for every
/// active sequence (decode tokens and chunks of prompts together), admitting waiting sequences into
/// free slots between steps, first come first served.
///
/// Each of `slots` sequences owns a KV cache of `context` positions, allocated once and reused.
/// Prompts are processed in chunks of at most `prefillChunk` tokens per step, so that a long prompt
/// delays the decoding streams by one chunk at a time rather than by the whole prompt. Cancelled
/// sequences leave at the next step. Nothing here knows about HTTP.
public final class Scheduler: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var slots: Int
        public var context: Int
        public var queueLimit: Int
        public var prefillChunk: Int

        public init(slots: Int = 4, context: Int, queueLimit: Int = 64, prefillChunk: Int = 256) {
            self.slots = max(1, slots)
            self.context = max(1, context)
            self.queueLimit = max(0, queueLimit)
            self.prefillChunk = max(1, prefillChunk)
        }
    }

    /// A moment's picture of the scheduler, for metrics.
    public struct Snapshot: Sendable {
        public var queued: Int
        public var active: Int
        public var slots: Int
        /// KV positions filled over all slots, and their total.
        public var cachePositionsUsed: Int
        public var cachePositions: Int
        public var cacheBytes: Int
    }

    public let model: LoadedModel
    public let configuration: Configuration
    /// Every token's bytes and their trie, for constrained sequences (built on first need).
    private var vocabularyTable: TokenVocabulary?

    private final class Waiting {
        let state: SequenceState
        let handle: SequenceHandle
        let onEvent: @Sendable (SequenceEvent) -> Void
        let submitted = Date()
        init(state: SequenceState, handle: SequenceHandle, onEvent: @escaping @Sendable (SequenceEvent) -> Void) {
            self.state = state
            self.handle = handle
            self.onEvent = onEvent
        }
    }

    private final class Active {
        var state: SequenceState
        let handle: SequenceHandle
        let onEvent: @Sendable (SequenceEvent) -> Void
        let cache: KVCache
        let queueSeconds: Double
        let admitted = Date()
        var firstToken: Date?
        var prefilled = 0
        var chunk = 0
        var nextToken = 0
        init(_ waiting: Waiting, cache: KVCache) {
            state = waiting.state
            handle = waiting.handle
            onEvent = waiting.onEvent
            self.cache = cache
            queueSeconds = Date().timeIntervalSince(waiting.submitted)
        }
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var waiting: [Waiting] = []
    private var stopping = false
    private var snapshotValue: Snapshot
    private var activeHandles: [SequenceHandle] = []
    private var freeCaches: [KVCache]
    private let finished = DispatchSemaphore(value: 0)

    public init(model: LoadedModel, configuration: Configuration) throws {
        self.model = model
        self.configuration = configuration
        freeCaches = try (0..<configuration.slots).map { _ in try model.decoder.makeCache(capacity: configuration.context) }
        snapshotValue = Snapshot(queued: 0, active: 0, slots: configuration.slots, cachePositionsUsed: 0,
                                 cachePositions: configuration.slots * configuration.context,
                                 cacheBytes: freeCaches.reduce(0) { $0 + $1.byteCount })
        let thread = Thread { [self] in loop() }
        thread.name = "realizar-scheduler"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The current picture. A cancelled sequence stops counting as active at once: it takes part
    /// in no further pass, though its slot returns only when the pass in flight ends.
    public var snapshot: Snapshot {
        condition.lock()
        defer { condition.unlock() }
        var value = snapshotValue
        value.active = activeHandles.reduce(0) { $0 + ($1.isCancelled ? 0 : 1) }
        return value
    }

    /// Checks `job` and makes its state, without queueing it: the errors a request gets before it
    /// waits for anything.
    public func prepare(_ job: SequenceJob) throws(SchedulerError) -> SequenceState {
        var request = job.request
        request.context = configuration.context
        do {
            try model.validate(prompt: request.prompt, context: request.context)
        } catch {
            throw .invalidRequest("\(error)")
        }
        let vocabulary = job.constraint == nil ? nil : vocabulary()
        do {
            return try SequenceState(model: model, request: request, topLogprobs: job.topLogprobs, constraint: job.constraint,
                                     vocabulary: vocabulary)
        } catch {
            throw .invalidRequest("\(error)")
        }
    }

    /// Queues `jobs` together (all or none); `onEvent(index, event)` hears each one's steps and its
    /// end, on the scheduler's thread.
    public func submit(_ jobs: [SequenceJob], onEvent: @escaping @Sendable (Int, SequenceEvent) -> Void) throws(SchedulerError) -> [SequenceHandle] {
        var states: [SequenceState] = []
        for job in jobs { states.append(try prepare(job)) }
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { throw .shuttingDown }
        guard waiting.count + jobs.count <= configuration.queueLimit + freeCaches.count else {
            throw .queueFull(limit: configuration.queueLimit)
        }
        var handles: [SequenceHandle] = []
        for (index, state) in states.enumerated() {
            let handle = SequenceHandle()
            handles.append(handle)
            waiting.append(Waiting(state: state, handle: handle, onEvent: { onEvent(index, $0) }))
        }
        snapshotValue.queued = waiting.count
        condition.signal()
        return handles
    }

    /// Stops admitting, ends every waiting and running sequence as cancelled (each gets its
    /// `finished` event), and waits for the scheduler's thread to end.
    public func shutdown() {
        condition.lock()
        let already = stopping
        stopping = true
        condition.signal()
        condition.unlock()
        if !already { finished.wait() }
    }

    private func vocabulary() -> TokenVocabulary {
        condition.lock()
        defer { condition.unlock() }
        if let vocabularyTable { return vocabularyTable }
        let table = TokenVocabulary(tokenizer: model.tokenizer)
        vocabularyTable = table
        return table
    }

    // MARK: The loop

    private func loop() {
        var active: [Active] = []
        var logits: [Float] = []
        var batch: [SequenceBatch] = []
        var members: [Active] = []
        let vocabulary = model.decoder.vocabularySize
        while true {
            // Admission, under the lock; events are sent after it is released.
            var admittedCancelled: [Waiting] = []
            condition.lock()
            while !stopping && waiting.isEmpty && active.isEmpty { condition.wait() }
            if stopping {
                let left = waiting
                waiting.removeAll()
                snapshotValue.queued = 0
                condition.unlock()
                for entry in left { entry.onEvent(.finished(summary(of: entry))) }
                for sequence in active { end(sequence, reason: .cancelled) }
                active.removeAll()
                condition.lock()
                snapshotValue.active = 0
                activeHandles = []
                snapshotValue.cachePositionsUsed = 0
                condition.unlock()
                finished.signal()
                return
            }
            while !waiting.isEmpty {
                let entry = waiting[0]
                if entry.handle.isCancelled {
                    waiting.removeFirst()
                    admittedCancelled.append(entry)
                    continue
                }
                guard let cache = freeCaches.popLast() else { break }
                waiting.removeFirst()
                cache.truncate(to: 0)
                active.append(Active(entry, cache: cache))
            }
            snapshotValue.queued = waiting.count
            // Counted as active from admission, not only after its first pass (prefill can be long).
            snapshotValue.active = active.count
            activeHandles = active.map(\.handle)
            condition.unlock()
            for entry in admittedCancelled { entry.onEvent(.finished(summary(of: entry))) }

            let before = active.count
            active.removeAll { sequence in
                guard sequence.handle.isCancelled else { return false }
                end(sequence, reason: .cancelled)
                return true
            }
            if active.count != before { updateSnapshot(active) }

            // One pass: every decoding sequence's next token, and prompt chunks within the budget.
            batch.removeAll(keepingCapacity: true)
            members.removeAll(keepingCapacity: true)
            var budget = configuration.prefillChunk
            for sequence in active {
                let prompt = sequence.state.request.prompt
                if sequence.prefilled < prompt.count {
                    guard budget > 0 else { sequence.chunk = 0; continue }
                    let count = min(budget, prompt.count - sequence.prefilled)
                    budget -= count
                    sequence.chunk = count
                    let done = sequence.prefilled + count == prompt.count
                    batch.append(SequenceBatch(cache: sequence.cache, tokens: Array(prompt[sequence.prefilled..<(sequence.prefilled + count)]), wantsLogits: done))
                    if done { members.append(sequence) }
                } else {
                    sequence.chunk = 0
                    batch.append(SequenceBatch(cache: sequence.cache, tokens: [sequence.nextToken], wantsLogits: true))
                    members.append(sequence)
                }
            }
            if batch.isEmpty { updateSnapshot(active); continue }
            // Plain greedy sequences need only each row's argmax, which a GPU finds where the
            // logits are; any other sampler in the pass needs the logits on the host.
            let argmaxOnly = members.allSatisfy { $0.state.needsOnlyArgmax }
            var argmaxes: [Int] = []
            do {
                if argmaxOnly {
                    argmaxes = try model.decoder.forwardGreedy(batch: batch)
                } else {
                    try model.decoder.forward(batch: batch, logits: &logits)
                }
            } catch {
                for sequence in active { end(sequence, reason: .cancelled, error: "\(error)") }
                active.removeAll()
                updateSnapshot(active)
                continue
            }
            for sequence in active { sequence.prefilled += sequence.chunk }

            var ended = false
            logits.withUnsafeMutableBufferPointer { all in
                for (index, sequence) in members.enumerated() {
                    let step: SequenceStep
                    if argmaxOnly {
                        step = sequence.state.advance(argmax: argmaxes[index])
                    } else {
                        step = sequence.state.advance(logits: UnsafeMutableBufferPointer(rebasing: all[(index * vocabulary)..<((index + 1) * vocabulary)]))
                    }
                    if sequence.firstToken == nil { sequence.firstToken = Date() }
                    if let token = step.token { sequence.nextToken = token }
                    if step.token != nil || !step.text.isEmpty { sequence.onEvent(.step(step)) }
                    if step.finishReason != nil { ended = true }
                }
            }
            if ended {
                active.removeAll { sequence in
                    guard let reason = sequence.state.finishReason else { return false }
                    end(sequence, reason: reason)
                    return true
                }
            }
            updateSnapshot(active)
        }
    }

    private func updateSnapshot(_ active: [Active]) {
        let used = active.reduce(0) { $0 + $1.cache.count }
        condition.lock()
        activeHandles = active.map(\.handle)
        snapshotValue.active = active.count
        snapshotValue.cachePositionsUsed = used
        condition.unlock()
    }

    /// Sends a sequence's last event and gives its cache back.
    private func end(_ sequence: Active, reason: GenerationResult.FinishReason, error: String? = nil) {
        sequence.state.cancel()
        let now = Date()
        let first = sequence.firstToken ?? now
        sequence.onEvent(.finished(SequenceSummary(
            promptTokens: sequence.state.request.prompt.count, generatedTokens: sequence.state.generatedCount,
            finishReason: reason, seed: sequence.state.seed, queueSeconds: sequence.queueSeconds,
            promptSeconds: first.timeIntervalSince(sequence.admitted), generationSeconds: now.timeIntervalSince(first),
            error: error)))
        condition.lock()
        freeCaches.append(sequence.cache)
        condition.unlock()
    }

    private func summary(of entry: Waiting) -> SequenceSummary {
        SequenceSummary(promptTokens: entry.state.request.prompt.count, generatedTokens: 0, finishReason: .cancelled,
                        seed: entry.state.seed, queueSeconds: Date().timeIntervalSince(entry.submitted),
                        promptSeconds: 0, generationSeconds: 0, error: nil)
    }
}
