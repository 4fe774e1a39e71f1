import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// How `realizar serve` listens and what it lets in.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (printed when listening).
    public var port: Int
    /// When set, every route but `/`, `/health` and preflights needs `Authorization: Bearer KEY`.
    public var apiKey: String?
    /// When set, CORS headers allow this origin (`*` for any).
    public var corsOrigin: String?
    /// Largest request body accepted, in bytes (413 past it).
    public var maxBody: Int
    /// Further `Host` names answered besides loopback ones (`--allowed-hosts`; see ``HostAllowList``).
    public var allowedHosts: [String]
    /// Bounds on connections, requests, streams, grammars and template renders.
    public var limits: ServerLimits

    public init(host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil, corsOrigin: String? = nil, maxBody: Int = 8 << 20,
                allowedHosts: [String] = [], limits: ServerLimits = ServerLimits()) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.corsOrigin = corsOrigin
        self.maxBody = maxBody
        self.allowedHosts = allowedHosts
        self.limits = limits
    }
}

/// The HTTP server: OpenAI, Ollama and native routes over the models' schedulers.
public enum RealizarHTTPServer {
    /// Serves until SIGTERM or SIGINT, then shuts down gracefully: the listener closes, every
    /// running stream ends with a final chunk, in-flight responses complete, and this returns.
    /// `onListening` gets the bound port.
    public static func run(catalog: ModelCatalog, configuration: ServerConfiguration, logger: Logger,
                           onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let limits = configuration.limits
        let metrics = ServerMetrics(catalog: catalog, limits: limits)
        let router = Router(context: ServerContext.self)
        // Outermost first: the log sees the final status, a hostile Host is refused before
        // anything else answers it, CORS headers reach error responses too, the error middleware
        // turns whatever the limits, the key check and the routes throw into API errors.
        router.add(middleware: RequestLogMiddleware(logger: logger, metrics: metrics))
        router.add(middleware: HostCheckMiddleware(allowList: HostAllowList(bindHost: configuration.host, allowed: configuration.allowedHosts),
                                                   metrics: metrics))
        if let origin = configuration.corsOrigin {
            let allowed: CORSMiddleware<ServerContext>.AllowOriginExtended = origin == "*" ? .all : .custom(origin)
            router.add(middleware: CORSMiddleware(
                allowOrigin: allowed,
                allowHeaders: [.accept, .authorization, .contentType, .origin],
                allowMethods: [.get, .post, .options]))
        }
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RequestLimitsMiddleware(limits: limits, metrics: metrics))
        if let key = configuration.apiKey {
            router.add(middleware: APIKeyMiddleware(key: key))
        }
        NativeRoutes(catalog: catalog, metrics: metrics, maxBody: configuration.maxBody).register(on: router)
        OpenAIRoutes(catalog: catalog, metrics: metrics, maxBody: configuration.maxBody).register(on: router)
        OllamaRoutes(catalog: catalog, metrics: metrics, maxBody: configuration.maxBody).register(on: router)
        ResponsesRoutes(catalog: catalog, metrics: metrics, maxBody: configuration.maxBody).register(on: router)
        AnthropicRoutes(catalog: catalog, metrics: metrics, maxBody: configuration.maxBody).register(on: router)

        let http = HTTP1Channel.Configuration(
            idleTimeout: .nanoseconds(Int64(limits.idleTimeout / .nanoseconds(1))),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes))
        let app = Application(
            router: router,
            server: .http1(configuration: http),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "realizar",
                                 availableConnectionsDelegate: ConnectionLimit(maximum: limits.maxConnections, count: metrics.connections)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
        // Shut down in reverse order: the streams end first (each client gets its final chunk),
        // then the server stops accepting and waits for those responses to be written.
        let group = ServiceGroup(configuration: .init(
            services: [app, StreamCloser(catalog: catalog, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Waits for the graceful-shutdown signal, then refuses new model loads, ends every queued and
/// running sequence and refuses embedding requests still waiting.
struct StreamCloser: Service {
    let catalog: ModelCatalog
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        logger.info("shutting down: ending running streams")
        let hosts = catalog.shutdown()
        // Scheduler.shutdown blocks until its thread has sent the last events; keep that off the
        // cooperative pool.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                for host in hosts { host.shutdown() }
                continuation.resume()
            }
        }
    }
}
