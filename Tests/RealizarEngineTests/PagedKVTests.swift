import Foundation
import Testing
import RealizarCore
@testable import RealizarEngine
import RealizarTestSupport

/// The paged KV cache: block bookkeeping, attention through block tables, prefix caching and
/// preemption when the KV budget runs out, on real models.
@Suite(.serialized) struct PagedKVTests {
    static let smolLM2 = Result { try LoadedModel(path: TestModels.path(.smolLM2)) }
    static let gemma = Result { try LoadedModel(path: TestModels.path(.gemma)) }

    // MARK: Block bookkeeping

    @Test func blocksAreFreeHeldOrCachedAndTheOldestCachedIsEvictedFirst() {
        let manager = KVBlockManager(blockCount: 4, blockSize: 2)
        let tokens = [1, 2, 3, 4, 5, 6]
        let keys = manager.prefixKeys(tokens, blocks: 3)
        #expect(Set(keys).count == 3)
        let blocks = (0..<3).map { _ in manager.allocate()! }
        #expect(manager.available == 1)
        for (block, key) in zip(blocks, keys) { manager.register(block, key: key) }
        manager.release(blocks)
        // Released and identified: cached, still available for others.
        #expect(manager.available == 4)
        #expect(manager.cachedCount == 3)
        // The same prefix finds the same blocks, in order, up to the limit.
        let (found, lastKey) = manager.takeStoredPrefix(of: tokens, limit: 2)
        #expect(found == Array(blocks.prefix(2)))
        #expect(lastKey == keys[1])
        #expect(manager.cachedCount == 1)
        // Another prefix with the same second block's tokens finds nothing: keys cover the whole prefix.
        #expect(manager.takeStoredPrefix(of: [9, 9, 3, 4], limit: 2).blocks.isEmpty)
        // Allocation takes the free block first, then evicts the one cached block left (the tail).
        #expect(manager.allocate() != nil)
        let evicted = manager.allocate()
        #expect(evicted == blocks[2])
        #expect(manager.allocate() == nil)
        manager.release(found + [evicted!])
        // The evicted tail is forgotten: only the first two blocks are found again.
        #expect(manager.takeStoredPrefix(of: tokens, limit: 3).blocks == Array(blocks.prefix(2)))
    }

    @Test func aPrefixStoredTwiceKeepsTheFirstBlock() {
        let manager = KVBlockManager(blockCount: 3, blockSize: 2)
        let key = manager.prefixKeys([7, 8], blocks: 1)[0]
        let a = manager.allocate()!, b = manager.allocate()!
        manager.register(a, key: key)
        manager.register(b, key: key)
        manager.release([a, b])
        // b had no identity of its own: it went back to the free list, not the cache.
        #expect(manager.cachedCount == 1)
        #expect(manager.takeStoredPrefix(of: [7, 8, 9], limit: 1).blocks == [a])
    }

    // MARK: Attention through block tables

    /// Scattered blocks of 16 give the logits of one contiguous cache, bit for bit, on Gemma (its
    /// sliding-window layers included), prompt chunk by prompt chunk and token by token.
    @Test func scatteredBlocksGiveTheLogitsOfAContiguousCache() throws {
        let model = try Self.gemma.get()
        let decoder = model.decoder
        let text = String(repeating: "The quick brown fox jumps over the lazy dog while the band plays on. ", count: 12)
        let tokens = Array(model.tokenize(text).prefix(150))
        let steps = [tokens[0..<70], tokens[70..<71], tokens[71..<120], tokens[120..<121], tokens[121..<150]].map(Array.init)
        let contiguous = try decoder.makeCache(capacity: 160)
        let pool = try decoder.makePool(blocks: 24, blockSize: 16, type: .f32)
        let paged = pool.cache(context: 160)
        for block in [17, 3, 22, 0, 9, 14, 5, 11, 20, 1] { paged.append(block: block) }
        for step in steps {
            let expected = try decoder.forward(step, cache: contiguous, logits: .all)
            let ours = try decoder.forward(step, cache: paged, logits: .all)
            #expect(ours == expected, "paged logits differ after \(paged.count) positions")
        }
    }

    @Test func aCacheOfAnotherModelIsRefused() throws {
        let gemma = try Self.gemma.get(), smol = try Self.smolLM2.get()
        let cache = try smol.decoder.makeCache(capacity: 8)
        #expect(throws: ModelError.self) { _ = try gemma.decoder.forward([1, 2], cache: cache) }
    }

    // MARK: The scheduler on a block pool

    struct Outcome {
        var tokens: [Int] = []
        var text = ""
        var logprobs: [[Float]] = []
        var summary: SequenceSummary?
    }

    /// Runs `jobs` (all submitted at once) on a fresh scheduler and waits for each.
    func run(_ model: LoadedModel, _ configuration: Scheduler.Configuration, _ jobs: [SequenceJob],
             on scheduler: Scheduler? = nil) throws -> [Outcome] {
        let scheduler = try scheduler ?? Scheduler(model: model, configuration: configuration)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var outcomes: [Outcome]
            let done = DispatchSemaphore(value: 0)
            init(_ count: Int) { outcomes = Array(repeating: Outcome(), count: count) }
        }
        let results = Results(jobs.count)
        _ = try scheduler.submit(jobs) { index, event in
            results.lock.lock()
            defer { results.lock.unlock() }
            switch event {
            case .step(let step):
                results.outcomes[index].text += step.text
                if let token = step.token { results.outcomes[index].tokens.append(token) }
                if let sampled = step.sampled { results.outcomes[index].logprobs.append([sampled.logprob] + sampled.top.map(\.logprob)) }
            case .finished(let summary):
                results.outcomes[index].summary = summary
                results.done.signal()
            }
        }
        for _ in jobs { #expect(results.done.wait(timeout: .now() + 300) == .success) }
        return results.outcomes
    }

    func greedy(_ prompt: [Int], maxTokens: Int, logprobs: Bool = false) -> SequenceJob {
        SequenceJob(request: GenerationRequest(prompt: prompt, maxTokens: maxTokens, sampling: .greedy, context: 1024),
                    topLogprobs: logprobs ? 5 : nil)
    }

    /// A second request that starts with the first one's prompt and answer (a chat's next turn)
    /// computes only what is new, and its tokens and log-probabilities are those of a run without
    /// the cache, bit for bit.
    @Test func theNextTurnReusesTheStoredPrefixWithIdenticalLogits() throws {
        let model = try Self.smolLM2.get()
        let system = model.tokenize(String(repeating: "You are a helpful assistant who answers briefly and precisely. ", count: 12))
        let configuration = Scheduler.Configuration(slots: 4, context: 1024, prefillChunk: 64)
        let scheduler = try Scheduler(model: model, configuration: configuration)
        defer { scheduler.shutdown() }
        let first = try run(model, configuration, [greedy(system + model.tokenize(" Name a colour."), maxTokens: 12)], on: scheduler)[0]
        #expect(first.summary?.cachedPromptTokens == 0)
        let next = system + model.tokenize(" Name a colour.") + first.tokens + model.tokenize(" And another?")
        let cached = try run(model, configuration, [greedy(next, maxTokens: 12, logprobs: true)], on: scheduler)[0]
        var plain = configuration
        plain.prefixCaching = false
        let uncached = try run(model, plain, [greedy(next, maxTokens: 12, logprobs: true)])[0]
        let reused = cached.summary?.cachedPromptTokens ?? 0
        // Every full block of what the first turn stored: its prompt and its answer but the last
        // token (never fed back unless the answer ended with end-of-generation).
        let stored = system.count + model.tokenize(" Name a colour.").count + first.tokens.count
        #expect(reused >= (stored - 1) / 16 * 16 && reused <= stored / 16 * 16, "reused \(reused) of \(stored)")
        #expect(reused >= 96)
        #expect(uncached.summary?.cachedPromptTokens == 0)
        #expect(cached.tokens == uncached.tokens)
        #expect(cached.logprobs == uncached.logprobs, "log-probabilities differ with the prefix cache")
        let snapshot = scheduler.snapshot
        #expect(snapshot.cachedPromptTokens == reused)
        #expect(snapshot.promptTokens == system.count + model.tokenize(" Name a colour.").count + next.count)
    }

    /// A budget far too small for the sequences in flight: the youngest are preempted and
    /// recomputed, every request completes, and each text is the one it gets alone.
    @Test func exhaustedKVMemoryPreemptsAndLosesNoRequest() throws {
        let model = try Self.smolLM2.get()
        let prompts = ["The capital of France is", "1, 2, 3, 4,", "Once upon a time", "The best way to learn Swift is",
                       "Dear diary, today", "def fibonacci(n):", "Water boils at", "My favourite fruit is"]
        let jobs = prompts.map { greedy(model.tokenize($0), maxTokens: 40) }
        let blockBytes = Scheduler.bytesPerPosition(model: model, type: .f32) * 16
        // 12 blocks: 192 positions for eight sequences that reach about 48 each.
        let tight = Scheduler.Configuration(slots: 8, context: 128, prefillChunk: 32, kvMemory: 12 * blockBytes)
        let scheduler = try Scheduler(model: model, configuration: tight)
        defer { scheduler.shutdown() }
        let squeezed = try run(model, tight, jobs, on: scheduler)
        #expect(scheduler.snapshot.preemptions > 0, "the budget was meant to run out")
        let roomy = try run(model, Scheduler.Configuration(slots: 1, context: 128), jobs)
        for index in jobs.indices {
            #expect(squeezed[index].summary?.error == nil)
            #expect(squeezed[index].summary?.finishReason == roomy[index].summary?.finishReason, "sequence \(index)")
            #expect(squeezed[index].tokens == roomy[index].tokens, "sequence \(index)")
            #expect(squeezed[index].text == roomy[index].text, "sequence \(index)")
        }
        let after = scheduler.snapshot
        #expect(after.active == 0 && after.queued == 0)
        #expect(after.cachePositionsUsed == 0, "blocks still held after every sequence ended")
    }

    /// A budget below the context shortens the context to it; a longer prompt is refused at once.
    @Test func aBudgetSmallerThanTheContextShortensIt() throws {
        let model = try Self.smolLM2.get()
        let blockBytes = Scheduler.bytesPerPosition(model: model, type: .f32) * 16
        let scheduler = try Scheduler(model: model, configuration: .init(slots: 2, context: 512, kvMemory: 5 * blockBytes))
        defer { scheduler.shutdown() }
        #expect(scheduler.configuration.context == 64)
        #expect(throws: SchedulerError.self) { _ = try scheduler.submit([greedy(Array(repeating: 1, count: 80), maxTokens: 4)]) { _, _ in } }
        #expect(throws: ModelError.self) { _ = try Scheduler(model: model, configuration: .init(slots: 1, context: 64, kvMemory: blockBytes)) }
    }

    // MARK: KV element types

    /// f16 and q8_0 caches meet the CPU engine's criteria (every logit of our top 20 within 1.0 of
    /// exact) on Gemma's long case, where their rounding has 1,007 positions to accumulate.
    @Test(arguments: [KVElementType.f16, .q8_0])
    func compactKVTypesStayWithinTheCriteriaOnTheLongCase(type: KVElementType) throws {
        let model = try Self.gemma.get()
        let prompts = try ReferencePrompt.load("gemma-3-270m", logits: "long-logits-dev.json", exact: "long-exact-dev.json")
        for reference in prompts {
            let tokens = reference.llamaCppTokens
            let exactCache = try model.decoder.makeCache(capacity: tokens.count)
            let f32 = AccuracyTests.deviation(try model.decoder.forward(tokens, cache: exactCache), reference)
            let cache = try model.decoder.makeCache(capacity: tokens.count, type: type)
            let deviation = AccuracyTests.deviation(try model.decoder.forward(tokens, cache: cache), reference)
            print("gemma long, KV \(type): max |Δlogit| to exact over our top 20 \(String(format: "%.4f", deviation.worst)) (f32 KV: \(String(format: "%.4f", f32.worst)))")
            #expect(deviation.worst <= 1.0)
            let logits = try model.decoder.forward(tokens, cache: try model.decoder.makeCache(capacity: tokens.count, type: type))
            let top = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5).map { "\($0):\(logits[$0])" }
            print("  top-5 logits: \(top)")
            #expect(deviation.topOneAgrees == f32.topOneAgrees)
        }
    }

    @Test func q8_0NeedsRowsOfWholeBlocks() throws {
        #expect(KVElementType.q8_0.rowBytes(width: 64) == 68)
        #expect(KVElementType.f16.rowBytes(width: 64) == 128)
    }
}
