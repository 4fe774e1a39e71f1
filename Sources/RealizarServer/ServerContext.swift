import Foundation
import Hummingbird
import Logging
import NIOCore

/// What a generation route tells the request log about its request (filled in as it runs).
final class RequestStats: @unchecked Sendable {
    private let lock = NSLock()
    private var promptTokens = 0
    private var generatedTokens = 0
    private var model: String?
    private var leases: [ModelLease] = []
    /// The request's connection (see ``ServerContext/channel``).
    let channel: (any Channel)?
    /// When the request's handling began: its deadline counts from here (``ServerLimits/requestTimeout``).
    let started = ContinuousClock.now

    init(channel: (any Channel)? = nil) {
        self.channel = channel
    }

    func record(model: String, prompt: Int, generated: Int) {
        lock.lock()
        self.model = model
        promptTokens += prompt
        generatedTokens += generated
        lock.unlock()
    }

    /// Keeps `lease` until ``releaseLeases()``: the request's model stays loaded while it runs.
    func hold(_ lease: ModelLease) {
        lock.lock()
        leases.append(lease)
        lock.unlock()
    }

    /// Ends the request's leases; called once its response is written (or it failed).
    func releaseLeases() {
        lock.lock()
        let held = leases
        leases = []
        lock.unlock()
        held.forEach { $0.release() }
    }

    var values: (model: String?, prompt: Int, generated: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (model, promptTokens, generatedTokens)
    }
}

/// The request context of every route: Hummingbird's core storage plus the request's stats.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let stats: RequestStats
    /// The client's connection: its closing cancels the request's sequences at once, without
    /// waiting for the next write to fail.
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        stats = RequestStats(channel: source.channel)
    }
}

/// One log line per request, after its body is written (so a stream's tokens are counted), the
/// request counter by route and status, and the end of the request's model leases.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let logger: Logger
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            context.stats.releaseLeases()
            throw error
        }
        let route = context.endpointPath ?? "unmatched"
        let status = response.status.code
        metrics.countRequest(route: route, status: status)
        let method = request.method.rawValue
        let path = request.uri.path
        let stats = context.stats
        let logger = logger
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            var outcome = "ok"
            defer {
                stats.releaseLeases()
                let seconds = Double((ContinuousClock.now - start) / .milliseconds(1)) / 1000
                let values = stats.values
                var metadata: Logger.Metadata = [
                    "method": "\(method)", "path": "\(path)", "status": "\(status)",
                    "duration_ms": "\(String(format: "%.1f", seconds * 1000))",
                ]
                if let model = values.model {
                    metadata["model"] = "\(model)"
                    metadata["prompt_tokens"] = "\(values.prompt)"
                    metadata["generated_tokens"] = "\(values.generated)"
                }
                if outcome != "ok" { metadata["body"] = "\(outcome)" }
                logger.info("request", metadata: metadata)
            }
            do {
                try await body.write(writer)
            } catch {
                outcome = "aborted: \(error)"
                throw error
            }
        }
        return response
    }
}
