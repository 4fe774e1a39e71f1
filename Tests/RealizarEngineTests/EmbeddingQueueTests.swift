import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// The embedding queue on all-MiniLM-L6-v2: requests that arrive while a pass runs share the next
/// one, and each gets exactly the vectors it gets alone.
@Suite(.serialized) struct EmbeddingQueueTests {
    let model: EmbeddingModel

    init() throws {
        model = try EmbeddingModel(path: try TestModels.path(.miniLM))
    }

    static let texts = ["Hello world", "The cat sat on the mat.", "Embeddings map texts to vectors.", "A",
                        "Swift is a programming language.", "Rain falls on the hills in spring.", "1 2 3 4 5 6 7 8", "naïve café"]

    /// A request long enough (`copies` inputs of the model's full length) that the test can queue
    /// others behind it.
    func blocker(copies: Int = 8) throws -> [[Int]] {
        let long = try model.tokenize(String(repeating: "many words in a long text ", count: 80))
        return Array(repeating: long, count: copies)
    }

    /// Starts `blocker` and returns once its pass runs.
    func startBlocker(on queue: EmbeddingQueue, copies: Int = 8) async throws -> Task<[[Float]], any Error> {
        let inputs = try blocker(copies: copies)
        let task = Task { try await queue.embed(inputs) }
        try await waitUntil("the blocker's pass runs") { queue.snapshot.running > 0 }
        return task
    }

    /// Polls `condition`, sleeping between looks so the requests' tasks get the cooperative
    /// threads (a blocking wait holds one of the two cores' threads while other suites run).
    func waitUntil(_ what: String, timeout: Double = 30, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { throw ModelError("timed out waiting until \(what)") }
            try await Task.sleep(nanoseconds: 200_000)
        }
    }

    @Test func concurrentRequestsShareOnePassAndGetTheirLoneVectors() async throws {
        let queue = EmbeddingQueue(model: model, queueLimit: 64)
        defer { queue.shutdown() }
        let tokens = try Self.texts.map { try model.tokenize($0) }
        var alone: [[Float]] = []
        for ids in tokens { alone += try await queue.embed([ids]) }
        #expect(queue.snapshot.passes == tokens.count)
        #expect(alone == (try model.embed(tokens)), "one request at a time differs from one embed call of all")

        // On two cores shared with other suites, the requests' tasks may start only after the
        // blocker's pass is over; such a round proves nothing, so it is run again behind a longer one.
        var copies = 8, together: [[Float]] = [], passes = 0, queuedBehindPass = false
        while !queuedBehindPass {
            let blocker = try await startBlocker(on: queue, copies: copies)
            let passesBefore = queue.snapshot.passes
            let waiting = tokens.map { ids in Task { try await queue.embed([ids]) } }
            try await waitUntil("all \(tokens.count) requests wait or the blocker's pass ends") {
                queue.snapshot.queued == tokens.count || queue.snapshot.running == 0
            }
            let snapshot = queue.snapshot
            queuedBehindPass = snapshot.queued == tokens.count && snapshot.running > 0
            together = []
            for task in waiting { together += try await task.value }
            _ = try await blocker.value
            passes = queue.snapshot.passes - passesBefore
            guard queuedBehindPass || copies < 512 else { break }
            copies *= 4
        }
        #expect(queuedBehindPass, "the blocker's pass ended before the requests queued, even with \(copies) long inputs; the test proves nothing")
        #expect(passes == 1, "\(tokens.count) waiting requests took \(passes) passes, not one")
        for (index, (batched, lone)) in zip(together, alone).enumerated() {
            #expect(batched == lone, "text \(index) (\(Self.texts[index])): batched vector differs from its lone one by up to \(zip(batched, lone).map { abs($0 - $1) }.max() ?? 0)")
        }
    }

    @Test func aFullQueueRefusesNewRequests() async throws {
        let queue = EmbeddingQueue(model: model, queueLimit: 2)
        defer { queue.shutdown() }
        let ids = try model.tokenize("Hello world")
        let blocker = try await startBlocker(on: queue)
        let waiting = (0..<2).map { _ in Task { try await queue.embed([ids]) } }
        try await waitUntil("two requests wait") { queue.snapshot.queued == 2 }
        await #expect(throws: SchedulerError.self) { try await queue.embed([ids]) }
        do {
            _ = try await queue.embed([ids])
            Issue.record("a third waiting request was accepted past the limit of 2")
        } catch SchedulerError.queueFull(let limit) {
            #expect(limit == 2)
        }
        for task in waiting { #expect(try await task.value.count == 1) }
        _ = try await blocker.value
        // Idle again: a request is accepted.
        #expect(try await queue.embed([ids]).count == 1)
    }

    @Test func aCancelledRequestLeavesTheQueue() async throws {
        let queue = EmbeddingQueue(model: model, queueLimit: 4)
        defer { queue.shutdown() }
        let blocker = try await startBlocker(on: queue)
        let ids = try model.tokenize("Hello world")
        let waiting = Task { try await queue.embed([ids]) }
        try await waitUntil("the request waits") { queue.snapshot.queued == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(queue.snapshot.queued == 0)
        _ = try await blocker.value
    }

    @Test func invalidInputsAreRefusedBeforeTheyWait() async throws {
        let queue = EmbeddingQueue(model: model, queueLimit: 4)
        defer { queue.shutdown() }
        let vocabulary = model.model.decoder.graph.tokenCount
        for (inputs, expected) in [([[Int]](), "no input"), ([[101, 102], []], "input 1 is empty"),
                                   ([Array(repeating: 100, count: model.maximumTokens + 1)], "more than the \(model.maximumTokens)"),
                                   ([[101, vocabulary]], "outside the vocabulary")] {
            do {
                _ = try await queue.embed(inputs)
                Issue.record("\(inputs.map(\.count)) was accepted")
            } catch SchedulerError.invalidRequest(let message) {
                #expect(message.contains(expected), "message: \(message)")
            }
        }
        #expect(queue.snapshot.passes == 0)
    }

    @Test func shutdownEndsWaitingRequests() async throws {
        let queue = EmbeddingQueue(model: model, queueLimit: 4)
        let blocker = try await startBlocker(on: queue)
        let ids = try model.tokenize("Hello world")
        let waiting = Task { try await queue.embed([ids]) }
        try await waitUntil("the request waits") { queue.snapshot.queued == 1 }
        queue.shutdown()
        do {
            _ = try await waiting.value
            Issue.record("a request waiting at shutdown got vectors")
        } catch SchedulerError.shuttingDown {}
        // The pass in flight completes.
        #expect(try await blocker.value.count == 8)
        await #expect(throws: SchedulerError.self) { try await queue.embed([ids]) }
    }
}
