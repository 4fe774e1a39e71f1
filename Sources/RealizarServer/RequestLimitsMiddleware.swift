import Foundation
import Hummingbird
import NIOCore

/// Puts the server's ``ServerLimits`` in force for each request's handler: binds them as
/// ``ServerLimits/current`` for the field checks, closes the connection of a handler still running
/// past the request timeout (a body trickled in, a request that never gets to run), and counts the
/// requests refused by a limit. A generation's own end at the deadline is gentler: see
/// ``Generation``; this close only comes a few seconds after it, for a handler that did not return.
struct RequestLimitsMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let limits: ServerLimits
    let metrics: ServerMetrics
    /// How long after the request timeout a handler that has not returned loses its connection.
    static let grace: Duration = .seconds(5)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let channel = context.channel
        let metrics = metrics
        let timeout = limits.requestTimeout + Self.grace
        // A pull with `stream: false` downloads inside its handler, for as long as the model
        // takes; the idle timeout still closes a client that sends nothing.
        let closer = request.uri.path == "/api/pull" ? nil : channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout / .nanoseconds(1)))) {
            metrics.limitRefused("request_timeout")
            channel.close(promise: nil)
        }
        defer { closer?.cancel() }
        do {
            return try await ServerLimits.$current.withValue(limits) {
                try await next(request, context)
            }
        } catch let error as APIError {
            if let limit = error.limit ?? (error.status == .contentTooLarge ? "max_body" : nil) { metrics.limitRefused(limit) }
            throw error
        }
    }
}
