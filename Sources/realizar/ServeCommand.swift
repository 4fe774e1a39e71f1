import ArgumentParser
import Foundation
import Logging
import RealizarCore
import RealizarEngine
import RealizarServer

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
        // Models loaded on demand get the same backends, slots, context, queue and KV settings as those named here.
        let makeHost: ModelCatalog.Loader = { name, path in
            try ModelHost(name: name, path: path, backends: backends, context: ctx, slots: parallel, queueLimit: queue, kv: kv)
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
                                                corsOrigin: corsOrigin, maxBody: maxBody)
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
}
