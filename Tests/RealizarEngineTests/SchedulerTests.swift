import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// The continuous-batching scheduler against the single-sequence generator on a real model.
@Suite(.serialized) struct SchedulerTests {
    let model: LoadedModel

    init() throws {
        model = try LoadedModel(path: try TestModels.path(.smolLM2))
    }

    /// Runs `jobs` through a scheduler and waits for all of them: (text, tokens, summary) each.
    func run(_ jobs: [SequenceJob], slots: Int, cancelFirstAfter: Int? = nil) throws -> [(String, [Int], SequenceSummary)] {
        let scheduler = try Scheduler(model: model, configuration: .init(slots: slots, context: 256, queueLimit: 16, prefillChunk: 7))
        defer { scheduler.shutdown() }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var texts: [String]
            var tokens: [[Int]]
            var summaries: [SequenceSummary?]
            let done = DispatchSemaphore(value: 0)
            var handles: [SequenceHandle] = []
            init(_ count: Int) {
                texts = Array(repeating: "", count: count)
                tokens = Array(repeating: [], count: count)
                summaries = Array(repeating: nil, count: count)
            }
        }
        let results = Results(jobs.count)
        let handles = try scheduler.submit(jobs) { index, event in
            results.lock.lock()
            defer { results.lock.unlock() }
            switch event {
            case .step(let step):
                results.texts[index] += step.text
                if let token = step.token { results.tokens[index].append(token) }
                if index == 0, let limit = cancelFirstAfter, results.tokens[0].count == limit { results.handles.first?.cancel() }
            case .finished(let summary):
                results.summaries[index] = summary
                results.done.signal()
            }
        }
        results.lock.lock()
        results.handles = handles
        results.lock.unlock()
        for _ in jobs { #expect(results.done.wait(timeout: .now() + 120) == .success) }
        return (0..<jobs.count).map { (results.texts[$0], results.tokens[$0], results.summaries[$0]!) }
    }

    func job(_ prompt: String, maxTokens: Int = 8, stop: [String] = []) -> SequenceJob {
        SequenceJob(request: GenerationRequest(prompt: model.tokenize(prompt), maxTokens: maxTokens, sampling: .greedy, stop: stop, context: 256))
    }

    @Test func batchedSequencesMatchTheGeneratorOneByOne() throws {
        let prompts = ["The capital of France is", "1, 2, 3, 4,", "Once upon a time there was a long prompt that needs several prefill chunks,", "Hello"]
        let jobs = prompts.map { job($0) } + [job("1, 2, 3, 4,", stop: ["8"])]
        // Two slots for five sequences: some wait in the queue and join the running batch later.
        let batched = try run(jobs, slots: 2)
        for (index, job) in jobs.enumerated() {
            let alone = try Generator(model: model).generate(job.request)
            #expect(batched[index].0 == alone.text, "sequence \(index)")
            #expect(batched[index].1 == alone.tokens, "sequence \(index)")
            #expect(batched[index].2.finishReason == alone.finishReason, "sequence \(index)")
            #expect(batched[index].2.generatedTokens == alone.tokens.count)
        }
    }

    @Test func aCancelledSequenceLeavesAndTheOthersFinish() throws {
        let batched = try run([job("Count: one, two,", maxTokens: 40), job("Hello", maxTokens: 8)], slots: 2, cancelFirstAfter: 3)
        #expect(batched[0].2.finishReason == .cancelled)
        #expect(batched[0].1.count <= 4)
        #expect(batched[1].2.finishReason != .cancelled)
    }

    @Test func aPromptLongerThanTheContextIsRefusedBeforeQueueing() throws {
        let scheduler = try Scheduler(model: model, configuration: .init(slots: 1, context: 16))
        defer { scheduler.shutdown() }
        let long = SequenceJob(request: GenerationRequest(prompt: Array(repeating: 1, count: 40), maxTokens: 4, context: 16))
        #expect(throws: SchedulerError.self) { try scheduler.submit([long]) { _, _ in } }
        #expect(scheduler.snapshot.queued == 0)
    }

    @Test func jsonModeProducesOneJSONObject() throws {
        var request = job("A JSON object describing a cat:", maxTokens: 40).request
        request.sampling = .greedy
        let result = try run([SequenceJob(request: request, json: true)], slots: 1)[0]
        let text = result.0
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{"), "\(text)")
        if result.2.finishReason == .endOfGeneration {
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any], "not a JSON object: \(text)")
        }
    }
}
