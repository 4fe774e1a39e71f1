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
    /// Whether control tokens appear in the text: tool-call markers such as `[TOOL_CALLS]` or
    /// `<|python_tag|>` are control tokens, and the tool-call parser must see them.
    public var rendersControlTokens = false

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
    /// Prompt tokens whose keys and values came from the prefix cache, not computed.
    public var cachedPromptTokens: Int = 0
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
/// active sequence (decode tokens and chunks of prompts together), admitting waiting sequences
/// between steps, first come first served.
///
/// KV memory is a pool of blocks of `blockSize` positions (paged, as vLLM): a sequence holds the
/// blocks it has filled plus the one it appends into, so how many run at once follows the memory
/// they use, up to `slots`. A waiting sequence is admitted when its whole prompt's blocks are free.
/// When a running sequence needs a block and none is left, the youngest sequence is preempted:
/// its blocks go back, and it waits at the head of the queue to be recomputed (its prompt and the
/// tokens it generated, most of them found again in the prefix cache), so no request is lost and
/// none waits on memory another holds forever. Full blocks are kept after their sequence ends,
/// identified by their whole prefix, and a later prompt that starts the same way reuses them
/// (prefix caching) until their memory is needed. A backend without block pools (CUDA) gets
/// `slots` caches of `context` positions instead, reserved up front.
///
/// Prompts are processed in chunks of at most `prefillChunk` tokens per step, so that a long prompt
/// delays the decoding streams by one chunk at a time rather than by the whole prompt. Cancelled
/// sequences leave at the next step. Nothing here knows about HTTP.
public final class Scheduler: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// The most sequences running at once.
        public var slots: Int
        /// The most positions one sequence holds.
        public var context: Int
        public var queueLimit: Int
        public var prefillChunk: Int
        /// Bytes of KV memory for all sequences; nil: `slots` whole contexts, at most a quarter
        /// of the machine's memory (see ``defaultKVMemory(model:slots:context:type:)``).
        public var kvMemory: Int?
        public var kvType: KVElementType
        /// Positions per KV block.
        public var blockSize: Int
        /// Whether full blocks are kept and reused by later prompts with the same prefix.
        public var prefixCaching: Bool

        public init(slots: Int = 4, context: Int, queueLimit: Int = 64, prefillChunk: Int = 256,
                    kvMemory: Int? = nil, kvType: KVElementType = .f32, blockSize: Int = 16, prefixCaching: Bool = true) {
            self.slots = max(1, slots)
            self.context = max(1, context)
            self.queueLimit = max(0, queueLimit)
            self.prefillChunk = max(1, prefillChunk)
            self.kvMemory = kvMemory
            self.kvType = kvType
            self.blockSize = max(1, blockSize)
            self.prefixCaching = prefixCaching
        }
    }

    /// A moment's picture of the scheduler, for metrics.
    public struct Snapshot: Sendable {
        public var queued: Int
        public var active: Int
        public var slots: Int
        /// KV positions held by running sequences (whole blocks), and the pool's total.
        public var cachePositionsUsed: Int
        public var cachePositions: Int
        public var cacheBytes: Int
        /// Positions of full blocks kept for the prefix cache and held by no sequence.
        public var cachedPositions: Int = 0
        /// Prompt tokens admitted, and those whose keys and values the prefix cache supplied.
        public var promptTokens: Int = 0
        public var cachedPromptTokens: Int = 0
        /// Sequences preempted for lack of KV memory (and recomputed later).
        public var preemptions: Int = 0
    }

    /// The KV budget when none is given: `slots` sequences of `context` positions, but at most a
    /// quarter of the machine's memory and at least one whole context.
    public static func defaultKVMemory(model: LoadedModel, slots: Int, context: Int, type: KVElementType) -> Int {
        let perPosition = bytesPerPosition(model: model, type: type)
        let wanted = slots * context * perPosition
        let quarter = Int(ProcessInfo.processInfo.physicalMemory / 4)
        return max(context * perPosition, min(wanted, quarter))
    }

    /// Bytes one position's keys and values take over all layers.
    public static func bytesPerPosition(model: LoadedModel, type: KVElementType) -> Int {
        let graph = model.decoder.graph
        return 2 * graph.cacheLayers * type.rowBytes(width: graph.cacheRowWidth)
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
        /// What its admission computes: the prompt, or for a preempted sequence the prompt and
        /// every token it generated.
        var tokens: [Int]
        /// Set for a preempted sequence: its first admission's timings and counts.
        var resumed: Active?
        init(state: SequenceState, handle: SequenceHandle, onEvent: @escaping @Sendable (SequenceEvent) -> Void) {
            self.state = state
            self.handle = handle
            self.onEvent = onEvent
            tokens = state.request.prompt
        }
    }

    private final class Active {
        var state: SequenceState
        let handle: SequenceHandle
        let onEvent: @Sendable (SequenceEvent) -> Void
        let cache: KVCache
        var queueSeconds: Double
        var admitted = Date()
        var firstToken: Date?
        /// The tokens to compute from admission (see `Waiting.tokens`), and how many are done.
        var pending: [Int]
        var prefilled = 0
        var chunk = 0
        var nextToken = 0
        /// Every token whose keys and values the cache holds, in order: the prefix cache's keys.
        var stored: [Int] = []
        /// Full blocks entered into the prefix cache, and the key of the last.
        var registered = 0
        var lastKey: KVBlockManager.PrefixKey?
        var cachedPromptTokens = 0
        init(_ waiting: Waiting, cache: KVCache) {
            state = waiting.state
            handle = waiting.handle
            onEvent = waiting.onEvent
            self.cache = cache
            pending = waiting.tokens
            queueSeconds = Date().timeIntervalSince(waiting.submitted)
            if let earlier = waiting.resumed {
                // Recomputed after preemption: the request's timings run from its first admission.
                queueSeconds = earlier.queueSeconds
                admitted = earlier.admitted
                firstToken = earlier.firstToken
                nextToken = earlier.nextToken
                cachedPromptTokens = earlier.cachedPromptTokens
            }
        }
    }

    /// Where sequences' keys and values live.
    private enum Memory {
        /// A block pool shared by all sequences.
        case paged(KVPool, KVBlockManager)
        /// Whole caches of `context` positions, one per running sequence; these are the free ones.
        case reserved([KVCache])
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var waiting: [Waiting] = []
    private var stopping = false
    private var snapshotValue: Snapshot
    private var activeHandles: [SequenceHandle] = []
    private let finished = DispatchSemaphore(value: 0)
    // The scheduler thread's own.
    private var memory: Memory

    /// Makes the KV pool (or, on a backend without pools, the reserved caches) and starts the
    /// scheduler's thread. A budget smaller than `context` positions shortens the context to it.
    public init(model: LoadedModel, configuration: Configuration) throws {
        self.model = model
        var configuration = configuration
        let perPosition = Self.bytesPerPosition(model: model, type: configuration.kvType)
        let blockBytes = perPosition * configuration.blockSize
        // Without a budget, at least one whole context and the block kept back beside it.
        let budget = configuration.kvMemory
            ?? max(Self.defaultKVMemory(model: model, slots: configuration.slots, context: configuration.context, type: configuration.kvType),
                   ((configuration.context + configuration.blockSize - 1) / configuration.blockSize + 1) * blockBytes)
        let blocks = budget / max(1, blockBytes)
        guard blocks >= 2 else {
            throw ModelError("a KV budget of \(budget) bytes holds fewer than two blocks of \(configuration.blockSize) positions (\(blockBytes) bytes each)")
        }
        let pool: KVPool?
        do {
            pool = try model.decoder.makePool(blocks: blocks, blockSize: configuration.blockSize, type: configuration.kvType)
        } catch where configuration.kvType == .f32 {
            pool = nil
        }
        if let pool {
            // One sequence may hold every block but the one kept back for growth checks.
            configuration.context = min(configuration.context, (blocks - 1) * configuration.blockSize)
            memory = .paged(pool, KVBlockManager(blockCount: blocks, blockSize: configuration.blockSize))
            snapshotValue = Snapshot(queued: 0, active: 0, slots: configuration.slots, cachePositionsUsed: 0,
                                     cachePositions: blocks * configuration.blockSize, cacheBytes: pool.byteCount)
        } else {
            // Whole contexts, as many as the budget holds (at least one), at most `slots`.
            configuration.slots = max(1, min(configuration.slots, budget / max(1, configuration.context * perPosition)))
            let caches = try (0..<configuration.slots).map { _ in try model.decoder.makeCache(capacity: configuration.context) }
            memory = .reserved(caches)
            snapshotValue = Snapshot(queued: 0, active: 0, slots: configuration.slots, cachePositionsUsed: 0,
                                     cachePositions: configuration.slots * configuration.context,
                                     cacheBytes: caches.reduce(0) { $0 + $1.byteCount })
        }
        self.configuration = configuration
        isPaged = pool != nil
        let thread = Thread { [self] in loop() }
        thread.name = "realizar-scheduler"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Whether sequences share a paged KV pool (false: each running one reserves a whole context).
    public let isPaged: Bool

    /// The current picture. A cancelled sequence stops counting as active at once: it takes part
    /// in no further pass, though its memory returns only when the pass in flight ends.
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
                                     vocabulary: vocabulary, rendersControlTokens: job.rendersControlTokens)
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
        guard waiting.count + jobs.count <= configuration.queueLimit + max(0, configuration.slots - activeHandles.count) else {
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
                guard active.count < configuration.slots, let sequence = admit(entry) else { break }
                waiting.removeFirst()
                active.append(sequence)
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
            reserveDecodeBlocks(&active)

            // One pass: every decoding sequence's next token, and prompt chunks within the budget.
            batch.removeAll(keepingCapacity: true)
            members.removeAll(keepingCapacity: true)
            var budget = configuration.prefillChunk
            for sequence in active {
                let pending = sequence.pending
                if sequence.prefilled < pending.count {
                    guard budget > 0 else { sequence.chunk = 0; continue }
                    let count = min(budget, pending.count - sequence.prefilled)
                    budget -= count
                    sequence.chunk = count
                    let done = sequence.prefilled + count == pending.count
                    batch.append(SequenceBatch(cache: sequence.cache, tokens: Array(pending[sequence.prefilled..<(sequence.prefilled + count)]), wantsLogits: done))
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
            for sequence in active {
                if sequence.chunk > 0 {
                    sequence.stored += sequence.pending[sequence.prefilled..<(sequence.prefilled + sequence.chunk)]
                    sequence.prefilled += sequence.chunk
                } else if sequence.prefilled == sequence.pending.count {
                    sequence.stored.append(sequence.nextToken)
                }
                registerFullBlocks(of: sequence)
            }

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

    /// The running sequence `entry` becomes, with the blocks of its whole prompt (those the
    /// prefix cache holds, and new ones for the rest); nil while there is not memory for it.
    /// Called under the lock.
    private func admit(_ entry: Waiting) -> Active? {
        switch memory {
        case .reserved(var free):
            guard let cache = free.popLast() else { return nil }
            memory = .reserved(free)
            cache.truncate(to: 0)
            return Active(entry, cache: cache)
        case .paged(let pool, let manager):
            let tokens = entry.tokens
            let blockSize = pool.blockSize
            // At least the last token is computed: its logits are the first sample.
            let (found, lastKey) = configuration.prefixCaching
                ? manager.takeStoredPrefix(of: tokens, limit: (tokens.count - 1) / blockSize) : ([], nil)
            let needed = (tokens.count + blockSize) / blockSize - found.count
            guard manager.available >= needed else {
                manager.release(found)
                return nil
            }
            var blocks = found
            for _ in 0..<needed { blocks.append(manager.allocate()!) }
            let cache = pool.cache(context: configuration.context)
            cache.reset(blocks: blocks, count: found.count * blockSize)
            let sequence = Active(entry, cache: cache)
            sequence.prefilled = found.count * blockSize
            sequence.stored = Array(tokens[..<sequence.prefilled])
            sequence.registered = found.count
            sequence.lastKey = lastKey
            if entry.resumed == nil {
                sequence.cachedPromptTokens = sequence.prefilled
                snapshotValue.promptTokens += tokens.count
                snapshotValue.cachedPromptTokens += sequence.prefilled
            }
            return sequence
        }
    }

    /// Gives every decoding sequence the block its next token needs, oldest first; when none is
    /// left, preempts the youngest sequence (perhaps the one asking) until one is.
    private func reserveDecodeBlocks(_ active: inout [Active]) {
        guard case .paged(_, let manager) = memory else { return }
        var index = 0
        while index < active.count {
            let sequence = active[index]
            let cache = sequence.cache
            guard sequence.prefilled == sequence.pending.count, cache.count + 1 > cache.blocks.count * cache.blockSize else {
                index += 1
                continue
            }
            if let block = manager.allocate() {
                cache.append(block: block)
                index += 1
                continue
            }
            let youngest = active.removeLast()
            preempt(youngest, manager: manager)
            // The asking sequence itself was the youngest: it waits now; the loop ends.
        }
    }

    /// Sends `sequence` back to the head of the queue to be recomputed from its tokens, and frees
    /// its blocks (its full ones stay in the prefix cache, where its return finds them).
    private func preempt(_ sequence: Active, manager: KVBlockManager) {
        manager.release(sequence.cache.blocks)
        let entry = Waiting(state: sequence.state, handle: sequence.handle, onEvent: sequence.onEvent)
        entry.tokens = sequence.prefilled == sequence.pending.count ? sequence.stored + [sequence.nextToken] : sequence.pending
        entry.resumed = sequence
        condition.lock()
        waiting.insert(entry, at: 0)
        snapshotValue.queued = waiting.count
        snapshotValue.preemptions += 1
        condition.unlock()
    }

    /// Enters the sequence's newly full blocks into the prefix cache.
    private func registerFullBlocks(of sequence: Active) {
        guard configuration.prefixCaching, case .paged(_, let manager) = memory else { return }
        let blockSize = manager.blockSize
        while (sequence.registered + 1) * blockSize <= sequence.stored.count {
            let key = manager.nextKey(after: sequence.lastKey,
                                      tokens: sequence.stored[(sequence.registered * blockSize)..<((sequence.registered + 1) * blockSize)])
            manager.register(sequence.cache.blocks[sequence.registered], key: key)
            sequence.lastKey = key
            sequence.registered += 1
        }
    }

    private func updateSnapshot(_ active: [Active]) {
        var used = 0, cached = 0
        switch memory {
        case .paged(_, let manager):
            used = manager.held * manager.blockSize
            cached = manager.cachedCount * manager.blockSize
        case .reserved:
            used = active.reduce(0) { $0 + $1.cache.count }
        }
        condition.lock()
        activeHandles = active.map(\.handle)
        snapshotValue.active = active.count
        snapshotValue.cachePositionsUsed = used
        snapshotValue.cachedPositions = cached
        condition.unlock()
    }

    /// Sends a sequence's last event and gives its memory back.
    private func end(_ sequence: Active, reason: GenerationResult.FinishReason, error: String? = nil) {
        sequence.state.cancel()
        sequence.onEvent(.finished(summary(of: sequence, reason: reason, error: error)))
        switch memory {
        case .paged(_, let manager): manager.release(sequence.cache.blocks)
        case .reserved(var free):
            free.append(sequence.cache)
            memory = .reserved(free)
        }
    }

    /// A sequence's counts and timings, from its first admission.
    private func summary(of sequence: Active, reason: GenerationResult.FinishReason, error: String?) -> SequenceSummary {
        let now = Date()
        let first = sequence.firstToken ?? now
        return SequenceSummary(
            promptTokens: sequence.state.request.prompt.count, cachedPromptTokens: sequence.cachedPromptTokens,
            generatedTokens: sequence.state.generatedCount,
            finishReason: reason, seed: sequence.state.seed, queueSeconds: sequence.queueSeconds,
            promptSeconds: first.timeIntervalSince(sequence.admitted), generationSeconds: now.timeIntervalSince(first),
            error: error)
    }

    private func summary(of entry: Waiting) -> SequenceSummary {
        // Preempted, then cancelled while it waited to be recomputed.
        if let resumed = entry.resumed { return summary(of: resumed, reason: .cancelled, error: nil) }
        return SequenceSummary(promptTokens: entry.state.request.prompt.count, generatedTokens: 0, finishReason: .cancelled,
                               seed: entry.state.seed, queueSeconds: Date().timeIntervalSince(entry.submitted),
                               promptSeconds: 0, generationSeconds: 0, error: nil)
    }
}
