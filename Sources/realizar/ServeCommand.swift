import ArgumentParser
import Foundation
import Logging
import RealizarCore
import RealizarEngine
import RealizarServer
import RealizarTemplates

extension KVElementType: ExpressibleByArgument {}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over HTTP: OpenAI and Ollama compatible APIs, metrics, and a chat page at /.")

    @Argument(help: "Models loaded at start and kept until shutdown (catalog names, hf: references or paths); the first answers requests that name none. Other models of the store load when a request names them. Default: smollm2-135m-instruct.")
    var models: [String] = []

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(name: .customLong("api-key"), help: "Require 'Authorization: Bearer KEY' (also read from REALIZAR_API_KEY).")
    var apiKey: String?

    @Option(help: "The most positions one sequence holds (default: the model's context, at most 4096).")
    var ctx: Int?

    @Option(help: "The most sequences generated at once per model: a bound, not a reservation (they share the KV memory in blocks of 16 positions).")
    var parallel = 64

    @Option(name: .customLong("kv-memory"), help: "KV memory per model (suffixes K, M, G). Default: --parallel sequences of --ctx positions, at most a quarter of the machine's memory. Pages are resident once used.")
    var kvMemory: String?

    @Option(name: .customLong("kv-type"), help: "How keys and values are stored: f32 (exact), f16 or q8_0 (half and about a quarter of f32's memory).")
    var kvType: KVElementType = .f32

    @Flag(name: .customLong("prefix-cache"), inversion: .prefixedNo, help: "Keep full KV blocks after a request and reuse them for prompts that start the same way.")
    var prefixCache = true

    @Option(help: "Requests that may wait for a slot before new ones get 429 (and embedding requests that may wait for a pass before new ones get 503).")
    var queue = 64

    @Option(help: "Threads per model (default: all cores).")
    var threads: Int?

    @Option(help: Device.help)
    var device: Device = .auto

    @Option(name: .customLong("cors-origin"), help: "Allow this origin in CORS ('*' for any); off by default.")
    var corsOrigin: String?

    @Option(name: .customLong("max-body"), help: "Largest request body in bytes.")
    var maxBody = 8 << 20

    @Option(name: .customLong("max-loaded-models"), help: "Models loaded at once, those named here included; loading another unloads the least recently used idle one.")
    var maxLoadedModels = 3

    @Option(name: .customLong("models-memory"), help: "Bytes of model files loaded at once (suffixes K, M, G); past it the least recently used idle models unload. Default: no budget.")
    var modelsMemory: String?

    @Option(name: .customLong("keep-alive"), help: "How long a model loaded on demand stays after its last request when the request sends no keep_alive (\"5m\", \"30s\", \"1h\", seconds; negative: forever).")
    var keepAlive = "5m"

    // Limits against hostile or broken clients (SECURITY.md); each is shown in /metrics as realizar_limit.

    @Option(name: .customLong("allowed-hosts"), help: "Host names answered besides loopback ones, comma-separated ('*.example.com' for a domain, '*' for any). Bound to loopback, the server answers other Host headers with 403 (DNS rebinding); bound elsewhere, it checks only when this is given.")
    var allowedHosts: String?

    @Option(name: .customLong("max-connections"), help: "Client connections open at once; past it new ones wait in the listen backlog.")
    var maxConnections = 1024

    @Option(name: .customLong("max-header-bytes"), help: "Largest request header block in bytes (400 and the connection closed past it).")
    var maxHeaderBytes = 64 << 10

    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may stay silent between requests or while its body is read before it is closed.")
    var idleTimeout: Double = 60

    @Option(name: .customLong("request-timeout"), help: "Seconds one request may run, generation included; its sequences then end with the text so far.")
    var requestTimeout: Double = 600

    @Option(name: .customLong("max-tokens"), help: "Most tokens one choice may generate: larger max_tokens, max_completion_tokens or num_predict get 400.")
    var maxTokens = 32768

    @Option(name: .customLong("max-choices"), help: "Most choices per request (OpenAI's n, times the prompts of a completions request).")
    var maxChoices = 16

    @Option(name: .customLong("max-stream-buffer"), help: "Bytes of streamed output a client may leave unread (suffixes K, M); past it the stream is cancelled and the connection closed.")
    var maxStreamBuffer = "1M"

    @Option(name: .customLong("max-grammar-bytes"), help: "Largest GBNF grammar or JSON schema a request may send (suffixes K, M).")
    var maxGrammarBytes = "256K"

    @Option(name: .customLong("template-timeout"), help: "Seconds one chat template render may take.")
    var templateTimeout: Double = 1

    @Option(name: .customLong("template-max-output"), help: "Largest text a chat template render may produce (suffixes K, M).")
    var templateMaxOutput = "32M"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard parallel >= 1, parallel <= 256 else { throw ValidationError("--parallel must be between 1 and 256") }
        guard queue >= 0 else { throw ValidationError("--queue must be 0 or more") }
        if let ctx, ctx < 16 { throw ValidationError("--ctx must be at least 16") }
        if let kvMemory, ByteCount.parse(kvMemory) == nil { throw ValidationError("--kv-memory must be a byte count such as 2G or 500M; got \(kvMemory)") }
        guard maxBody >= 1024 else { throw ValidationError("--max-body must be at least 1024") }
        guard maxLoadedModels >= max(models.count, 1) else { throw ValidationError("--max-loaded-models must be at least the number of models named (\(max(models.count, 1)))") }
        if let modelsMemory, ByteCount.parse(modelsMemory) == nil { throw ValidationError("--models-memory must be a byte count such as 2G or 500M; got \(modelsMemory)") }
        guard ModelCatalog.Limits.keepAliveSeconds(keepAlive) != nil else { throw ValidationError("--keep-alive must be a duration such as 5m, 30s or -1; got \(keepAlive)") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard maxHeaderBytes >= 1024 else { throw ValidationError("--max-header-bytes must be at least 1024") }
        for (flag, seconds) in [("--idle-timeout", idleTimeout), ("--request-timeout", requestTimeout), ("--template-timeout", templateTimeout)] {
            guard seconds.isFinite, seconds > 0 else { throw ValidationError("\(flag) must be a positive number of seconds") }
        }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard maxChoices >= 1 else { throw ValidationError("--max-choices must be at least 1") }
        for (flag, value) in [("--max-stream-buffer", maxStreamBuffer), ("--max-grammar-bytes", maxGrammarBytes), ("--template-max-output", templateMaxOutput)] {
            guard let bytes = ByteCount.parse(value), bytes >= 1024 else { throw ValidationError("\(flag) must be a byte count of at least 1K such as 64K or 1M; got \(value)") }
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "realizar")
        let names = models.isEmpty ? [CatalogModel.defaultChatModel.name] : models
        let backends = try reportingErrors { try device.backends(threads: threads) }
        let (ctx, parallel, queue) = (ctx, parallel, queue)
        let kv = Scheduler.Configuration(context: 1, kvMemory: kvMemory.flatMap(ByteCount.parse), kvType: kvType, prefixCaching: prefixCache)
        let serverLimits = limits
        let renderLimits = serverLimits.render
        // Models loaded on demand get the same backends, slots, context, queue and KV settings as those named here.
        let makeHost: ModelCatalog.Loader = { name, path in
            try ModelHost(name: name, path: path, backends: backends, context: ctx, slots: parallel, queueLimit: queue, kv: kv,
                          renderLimits: renderLimits)
        }
        @Sendable func logLoaded(_ host: ModelHost, _ message: Logger.Message) {
            var metadata: Logger.Metadata = ["model": "\(host.name)", "backend": "\(host.model.decoder.backend.name)", "context": "\(host.context)",
                                             "seconds": "\(String(format: "%.2f", host.loadSeconds))"]
            // A model whose graph ends in hidden states (BERT) has no slots: it only embeds.
            if let scheduler = host.scheduler {
                let snapshot = scheduler.snapshot
                metadata["parallel"] = "\(parallel)"
                metadata["kv"] = scheduler.isPaged
                    ? "\(snapshot.cacheBytes >> 20) MiB \(scheduler.configuration.kvType), \(snapshot.cachePositions) positions in blocks of \(scheduler.configuration.blockSize)\(scheduler.configuration.prefixCaching ? ", prefix cache on" : "")"
                    : "\(snapshot.cacheBytes >> 20) MiB reserved, \(parallel) × \(host.context) positions"
            } else {
                metadata["serves"] = "embeddings only"
            }
            logger.info(message, metadata: metadata)
        }
        var hosts: [ModelHost] = []
        try reportingErrors {
            for name in names {
                let path = try resolveModel(name)
                let servedName = FileManager.default.fileExists(atPath: name) ? URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent : name
                guard !hosts.contains(where: { $0.name == servedName }) else { throw ValidationError("the model '\(servedName)' is named twice") }
                let host = try makeHost(servedName, path)
                logLoaded(host, "loaded model")
                hosts.append(host)
            }
        }
        let configuration = ServerConfiguration(host: host, port: port, apiKey: apiKey ?? ProcessInfo.processInfo.environment["REALIZAR_API_KEY"],
                                                corsOrigin: corsOrigin, maxBody: maxBody,
                                                allowedHosts: allowedHosts.map { $0.split(separator: ",").map(String.init) } ?? [],
                                                limits: serverLimits)
        let displayHost = host
        let limits = ModelCatalog.Limits(maxLoadedModels: maxLoadedModels, memoryBytes: modelsMemory.flatMap(ByteCount.parse),
                                         defaultKeepAlive: ModelCatalog.Limits.keepAliveSeconds(keepAlive) ?? nil)
        let catalog = ModelCatalog(hosts: hosts, store: .standard, limits: limits) { name, path in
            let host = try makeHost(name, path)
            logLoaded(host, "loaded model on demand")
            return host
        }
        try await RealizarHTTPServer.run(catalog: catalog, configuration: configuration, logger: logger) { port in
            // One line on standard output that scripts (and the tests) can wait for.
            FileHandle.standardOutput.write(Data("realizar: listening on http://\(displayHost):\(port)\n".utf8))
        }
    }

    /// The limit flags as the server's limits (validated already).
    var limits: ServerLimits {
        func duration(_ seconds: Double) -> Duration { .milliseconds(Int64((seconds * 1000).rounded())) }
        var render = RenderLimits()
        render.timeLimit = duration(templateTimeout)
        render.maxOutputBytes = ByteCount.parse(templateMaxOutput) ?? render.maxOutputBytes
        return ServerLimits(maxConnections: maxConnections, maxHeaderBytes: maxHeaderBytes, idleTimeout: duration(idleTimeout),
                            requestTimeout: duration(requestTimeout), maxTokens: maxTokens, maxChoices: maxChoices,
                            maxStreamBuffer: ByteCount.parse(maxStreamBuffer) ?? 1 << 20, maxGrammarBytes: ByteCount.parse(maxGrammarBytes) ?? 256 << 10,
                            render: render)
    }
}
