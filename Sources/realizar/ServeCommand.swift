import ArgumentParser
import Foundation
import Logging
import RealizarCore
import RealizarServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over HTTP: OpenAI and Ollama compatible APIs, metrics, and a chat page at /.")

    @Argument(help: "Models to serve (catalog names, hf: references or paths); requests choose by 'model'. Default: gemma3-270m.")
    var models: [String] = []

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(name: .customLong("api-key"), help: "Require 'Authorization: Bearer KEY' (also read from REALIZAR_API_KEY).")
    var apiKey: String?

    @Option(help: "Context size of each sequence slot (default: the model's, at most 4096).")
    var ctx: Int?

    @Option(help: "Sequences generated at once per model (KV cache slots).")
    var parallel = 4

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

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard parallel >= 1, parallel <= 256 else { throw ValidationError("--parallel must be between 1 and 256") }
        guard queue >= 0 else { throw ValidationError("--queue must be 0 or more") }
        if let ctx, ctx < 16 { throw ValidationError("--ctx must be at least 16") }
        guard maxBody >= 1024 else { throw ValidationError("--max-body must be at least 1024") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "realizar")
        let names = models.isEmpty ? ["gemma3-270m"] : models
        var hosts: [ModelHost] = []
        try reportingErrors {
            for name in names {
                let path = try resolveModel(name)
                let servedName = FileManager.default.fileExists(atPath: name) ? URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent : name
                guard !hosts.contains(where: { $0.name == servedName }) else { throw ValidationError("the model '\(servedName)' is named twice") }
                let host = try ModelHost(name: servedName, path: path, backends: try device.backends(threads: threads), context: ctx, slots: parallel, queueLimit: queue)
                var metadata: Logger.Metadata = ["model": "\(servedName)", "backend": "\(host.model.decoder.backend.name)", "context": "\(host.context)",
                                                 "seconds": "\(String(format: "%.2f", host.loadSeconds))"]
                // A model whose graph ends in hidden states (BERT) has no slots: it only embeds.
                if host.generates { metadata["slots"] = "\(parallel)" } else { metadata["serves"] = "embeddings only" }
                logger.info("loaded model", metadata: metadata)
                hosts.append(host)
            }
        }
        let configuration = ServerConfiguration(host: host, port: port, apiKey: apiKey ?? ProcessInfo.processInfo.environment["REALIZAR_API_KEY"],
                                                corsOrigin: corsOrigin, maxBody: maxBody)
        let displayHost = host
        try await RealizarHTTPServer.run(catalog: ModelCatalog(hosts: hosts), configuration: configuration, logger: logger) { port in
            // One line on standard output that scripts (and the tests) can wait for.
            FileHandle.standardOutput.write(Data("realizar: listening on http://\(displayHost):\(port)\n".utf8))
        }
    }
}
