import Foundation
import Hummingbird
import RealizarCore
import RealizarEngine

/// A submitted generation of one or more sequences (OpenAI's `n`), seen as an async stream of
/// (choice index, event). Dropping the stream, or a client that goes away while it is written,
/// cancels every sequence still running, which frees their slots on the scheduler's next step.
///
/// Two limits of ``ServerLimits`` act here. Events wait in the stream until the response writer
/// takes them, and the writer waits for the client; so a client that stops reading would make the
/// stream grow with every token. Once more than `maxStreamBuffer` bytes wait, the sequences are
/// cancelled, further events dropped and the connection closed. And at the request's deadline
/// (`requestTimeout` from its start) the sequences are ended, so the response completes with the
/// text generated so far.
struct Generation: Sendable {
    let host: ModelHost
    let events: Events
    let handles: [SequenceHandle]
    let count: Int
    let started: Date

    /// Queues `jobs` on `host`'s scheduler: 400 for a request that cannot run, 429 when the queue
    /// is full, 503 while shutting down. Token metrics are recorded as events arrive.
    static func start(host: ModelHost, jobs: [SequenceJob], metrics: ServerMetrics, stats: RequestStats) throws(APIError) -> Generation {
        let (stream, continuation) = AsyncStream<(Int, SequenceEvent)>.makeStream(bufferingPolicy: .unbounded)
        let limits = ServerLimits.current
        let tracker = Tracker(count: jobs.count)
        let buffer = OutputBuffer(limit: limits.maxStreamBuffer)
        let name = host.name
        let channel = stats.channel
        let scheduler = try host.requireGeneration(embeddingRoute: "an embeddings route")
        let handles: [SequenceHandle]
        do {
            handles = try scheduler.submit(jobs) { index, event in
                switch event {
                case .step(let step):
                    if step.token != nil, let gap = tracker.tokenArrived(index) {
                        if gap.first { metrics.firstToken(model: name, after: gap.duration) } else { metrics.nextToken(model: name, after: gap.duration) }
                    }
                    switch buffer.add(OutputBuffer.size(of: event)) {
                    case .kept: continuation.yield((index, event))
                    case .dropped: break
                    case .overflowed:
                        // Closing the connection cancels every sequence (see below) and fails the
                        // writer's pending write, which ends the response.
                        metrics.limitRefused("max_stream_buffer")
                        channel?.close(promise: nil)
                    }
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
        channel?.closeFuture.whenComplete { _ in handles.forEach { $0.cancel() } }
        tracker.endAtDeadline(stats.started + limits.requestTimeout) {
            metrics.limitRefused("request_timeout")
            handles.forEach { $0.cancel() }
        }
        return Generation(host: host, events: Events(stream: stream, buffer: buffer), handles: handles, count: jobs.count, started: Date())
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

    /// Per-sequence token times, for the latency histograms, and the request's deadline; called
    /// on the scheduler's thread.
    private final class Tracker: @unchecked Sendable {
        private let lock = NSLock()
        private let start = ContinuousClock.now
        private var last: [ContinuousClock.Instant?]
        private var remaining: Int
        private var deadline: DispatchWorkItem?

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

        /// Runs `end` at `instant` unless every sequence has finished by then.
        func endAtDeadline(_ instant: ContinuousClock.Instant, _ end: @escaping @Sendable () -> Void) {
            let item = DispatchWorkItem(block: end)
            lock.withLock {
                guard remaining > 0 else { return }
                deadline = item
                let delay = max(0, (instant - .now).seconds)
                DispatchQueue.global().asyncAfter(deadline: .now() + delay, execute: item)
            }
        }

        func finished() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            remaining -= 1
            if remaining == 0 { deadline?.cancel() }
            return remaining == 0
        }
    }
}

/// A generation's events as the response reads them; each one read leaves the buffer count.
struct Events: AsyncSequence, Sendable {
    typealias Element = (Int, SequenceEvent)
    let stream: AsyncStream<Element>
    let buffer: OutputBuffer

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<Element>.Iterator
        let buffer: OutputBuffer

        mutating func next() async -> Element? {
            guard let element = await base.next() else { return nil }
            buffer.take(OutputBuffer.size(of: element.1))
            return element
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: stream.makeAsyncIterator(), buffer: buffer) }
}

/// The bytes of one generation's events produced and not yet read by its response, against
/// `--max-stream-buffer`.
final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private var bytes = 0
    private var overflowed = false

    enum Outcome { case kept, overflowed, dropped }

    init(limit: Int) { self.limit = limit }

    /// What an event costs while it waits: its text plus what a chunk carries around it (an SSE
    /// or NDJSON chunk of one token is about 200 bytes), and its log-probability alternatives.
    static func size(of event: SequenceEvent) -> Int {
        guard case .step(let step) = event else { return 0 }
        return step.text.utf8.count + 192 + (step.sampled?.top.count ?? 0) * 48
    }

    /// Counts an event in; `.overflowed` the first time the limit is passed, `.dropped` after.
    func add(_ size: Int) -> Outcome {
        lock.withLock {
            if overflowed { return .dropped }
            bytes += size
            if bytes > limit {
                overflowed = true
                return .overflowed
            }
            return .kept
        }
    }

    func take(_ size: Int) {
        lock.withLock { bytes -= size }
    }

    var waiting: Int { lock.withLock { bytes } }
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
