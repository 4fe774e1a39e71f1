import Foundation
import Hummingbird
import RealizarCore
import RealizarEngine

/// A submitted generation of one or more sequences (OpenAI's `n`), seen as an async stream of
/// (choice index, event). Dropping the stream, or a client that goes away while it is written,
/// cancels every sequence still running, which frees their slots on the scheduler's next step.
struct Generation: Sendable {
    let host: ModelHost
    let events: AsyncStream<(Int, SequenceEvent)>
    let handles: [SequenceHandle]
    let count: Int
    let started: Date

    /// Queues `jobs` on `host`'s scheduler: 400 for a request that cannot run, 429 when the queue
    /// is full, 503 while shutting down. Token metrics are recorded as events arrive.
    static func start(host: ModelHost, jobs: [SequenceJob], metrics: ServerMetrics, stats: RequestStats) throws(APIError) -> Generation {
        let (stream, continuation) = AsyncStream<(Int, SequenceEvent)>.makeStream(bufferingPolicy: .unbounded)
        let tracker = Tracker(count: jobs.count)
        let name = host.name
        let scheduler = try host.requireGeneration(embeddingRoute: "an embeddings route")
        let handles: [SequenceHandle]
        do {
            handles = try scheduler.submit(jobs) { index, event in
                switch event {
                case .step(let step):
                    if step.token != nil, let gap = tracker.tokenArrived(index) {
                        if gap.first { metrics.firstToken(model: name, after: gap.duration) } else { metrics.nextToken(model: name, after: gap.duration) }
                    }
                    continuation.yield((index, event))
                case .finished(let summary):
                    metrics.tokens(model: name, prompt: summary.promptTokens, generated: summary.generatedTokens)
                    stats.record(model: name, prompt: summary.promptTokens, generated: summary.generatedTokens)
                    continuation.yield((index, event))
                    if tracker.finished() { continuation.finish() }
                }
            }
        } catch {
            switch error {
            case .invalidRequest(let message): throw APIError.invalid(message, param: "messages")
            case .queueFull: throw APIError(.tooManyRequests, error.description, code: "queue_full")
            case .shuttingDown: throw APIError(.serviceUnavailable, error.description)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { handles.forEach { $0.cancel() } }
        }
        stats.channel?.closeFuture.whenComplete { _ in handles.forEach { $0.cancel() } }
        return Generation(host: host, events: stream, handles: handles, count: jobs.count, started: Date())
    }

    func cancel() {
        handles.forEach { $0.cancel() }
    }

    /// One choice's whole output, for non-streaming responses.
    struct Choice: Sendable {
        var text = ""
        var tokens: [SampledToken] = []
        var summary: SequenceSummary?
    }

    /// Waits for every sequence to end.
    func collect() async -> [Choice] {
        var choices = [Choice](repeating: Choice(), count: count)
        for await (index, event) in events {
            switch event {
            case .step(let step):
                choices[index].text += step.text
                if let sampled = step.sampled { choices[index].tokens.append(sampled) }
            case .finished(let summary):
                choices[index].summary = summary
            }
        }
        if Task.isCancelled { cancel() }
        return choices
    }

    /// Per-sequence token times, for the latency histograms; called on the scheduler's thread.
    private final class Tracker: @unchecked Sendable {
        private let lock = NSLock()
        private let start = ContinuousClock.now
        private var last: [ContinuousClock.Instant?]
        private var remaining: Int

        init(count: Int) {
            last = Array(repeating: nil, count: count)
            remaining = count
        }

        func tokenArrived(_ index: Int) -> (first: Bool, duration: Duration)? {
            let now = ContinuousClock.now
            lock.lock()
            defer { lock.unlock() }
            let previous = last[index]
            last[index] = now
            return previous.map { (false, now - $0) } ?? (true, now - start)
        }

        func finished() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            remaining -= 1
            return remaining == 0
        }
    }
}

extension GenerationResult.FinishReason {
    /// The reason as OpenAI and Ollama name it; a cancelled sequence (shutdown) ends as `stop`.
    var apiName: String {
        switch self {
        case .length: "length"
        case .endOfGeneration, .stopSequence, .cancelled: "stop"
        }
    }
}

/// Streaming response bodies: server-sent events or newline-delimited JSON, written as events
/// arrive. A failed write (the client went away) cancels the generation.
enum StreamingBody {
    static func response(contentType: String, generation: Generation,
                         write: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            do {
                try await write(&writer)
                try await writer.finish(nil)
            } catch {
                generation.cancel()
                throw error
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func sse<T: Encodable>(_ value: T) throws -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(try JSONBody.encoder.encode(value))
        buffer.writeString("\n\n")
        return buffer
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")

    static func ndjson<T: Encodable>(_ value: T) throws -> ByteBuffer {
        var buffer = ByteBuffer(bytes: try JSONBody.encoder.encode(value))
        buffer.writeString("\n")
        return buffer
    }
}
