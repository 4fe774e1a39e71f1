import Foundation
import Hummingbird
import RealizarCore
import RealizarEngine
import RealizarTemplates

/// Ollama's API: `/api/generate`, `/api/chat` (NDJSON streams unless `stream: false`), `/api/embed`,
/// `/api/embeddings`, `/api/tags`, `/api/show`, `/api/ps`, `/api/version`.
struct OllamaRoutes: Sendable {
    let catalog: ModelCatalog
    let metrics: ServerMetrics
    let maxBody: Int
    /// Reported by `/api/version`; Ollama clients only show it.
    static let version = "0.6.3"

    func register(on router: Router<ServerContext>) {
        router.post("/api/generate") { request, context in try await self.generate(request, context: context) }
        router.post("/api/chat") { request, context in try await self.chat(request, context: context) }
        router.post("/api/embed") { request, context in try await self.embed(request, context: context) }
        router.post("/api/embeddings") { request, context in try await self.legacyEmbeddings(request, context: context) }
        router.get("/api/tags") { _, _ in try JSONBody.response(OllamaModelList(models: self.catalog.hosts.map { self.entry($0, running: false) })) }
        router.get("/api/ps") { _, _ in try JSONBody.response(OllamaModelList(models: self.catalog.hosts.map { self.entry($0, running: true) })) }
        router.post("/api/show") { request, _ in try await self.show(request) }
        router.get("/api/version") { _, _ in try JSONBody.response(["version": Self.version]) }
    }

    // MARK: Generation

    func generate(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await JSONBody.decode(OllamaGenerateRequest.self, from: request, limit: maxBody)
        let host = try catalog.host(body.model)
        _ = try host.requireGeneration(embeddingRoute: "/api/embed")
        let text = body.prompt ?? ""
        // Ollama answers an empty prompt by loading the model and saying so.
        if text.isEmpty && body.system == nil {
            return try JSONBody.response(OllamaResponse(model: host.name, createdAt: Self.timestamp(), response: "", done: true, doneReason: "load"))
        }
        let prompt: [Int]
        if body.raw == true || host.chat == nil {
            prompt = host.model.tokenize(text)
        } else {
            var messages: [JinjaValue] = []
            if let system = body.system { messages.append(Self.message("system", system)) }
            if !text.isEmpty { messages.append(Self.message("user", text)) }
            prompt = try Self.render(messages, host: host)
        }
        return try await run(host: host, prompt: prompt, options: body.options, format: body.format, stream: body.stream ?? true,
                             chat: false, context: context)
    }

    func chat(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await JSONBody.decode(OllamaChatRequest.self, from: request, limit: maxBody)
        let host = try catalog.host(body.model)
        _ = try host.requireGeneration(embeddingRoute: "/api/embed")
        let messages = body.messages ?? []
        if messages.isEmpty {
            return try JSONBody.response(OllamaResponse(model: host.name, createdAt: Self.timestamp(), message: OllamaMessage(role: "assistant", content: ""),
                                                        done: true, doneReason: "load"))
        }
        guard host.chat != nil else { throw APIError.invalid("the model '\(host.name)' has no chat template; use /api/generate with raw") }
        let prompt = try Self.render(messages.map { Self.message($0.role, $0.content) }, host: host)
        return try await run(host: host, prompt: prompt, options: body.options, format: body.format, stream: body.stream ?? true,
                             chat: true, context: context)
    }

    private func run(host: ModelHost, prompt: [Int], options: OllamaOptions?, format: AnyJSON?, stream: Bool,
                     chat: Bool, context: ServerContext) async throws -> Response {
        let options = options ?? OllamaOptions()
        let json: Bool
        switch format {
        case nil, .null: json = false
        case .string(let value) where value == "json": json = true
        case .string(let value) where value.isEmpty: json = false
        case .object: json = true  // a JSON schema: the output is constrained to one JSON object
        default: throw APIError.invalid("'format' must be \"json\" or a JSON schema object", param: "format")
        }
        let maxTokens: Int
        switch options.numPredict {
        case nil, -1, -2: maxTokens = host.context
        case let value? where value > 0: maxTokens = value
        case let value?: throw APIError.invalid("'options.num_predict' must be positive, -1 or -2; got \(value)", param: "options.num_predict")
        }
        let sampling = try Self.sampling(options, vocabularySize: host.model.decoder.vocabularySize)
        let job = SequenceJob(request: GenerationRequest(prompt: prompt, maxTokens: maxTokens, sampling: sampling,
                                                         stop: options.stop ?? [], context: host.context), json: json)
        let started = Date()
        let generation = try Generation.start(host: host, jobs: [job], metrics: metrics, stats: context.stats)
        let name = host.name
        @Sendable func part(_ text: String) -> OllamaResponse {
            chat ? OllamaResponse(model: name, createdAt: Self.timestamp(), message: OllamaMessage(role: "assistant", content: text), done: false)
                 : OllamaResponse(model: name, createdAt: Self.timestamp(), response: text, done: false)
        }
        @Sendable func final(_ text: String, _ summary: SequenceSummary?) -> OllamaResponse {
            var response = part(text)
            response.done = true
            guard let summary else { return response }
            response.doneReason = summary.finishReason.apiName
            response.totalDuration = Int(Date().timeIntervalSince(started) * 1e9)
            response.loadDuration = Int(summary.queueSeconds * 1e9)
            response.promptEvalCount = summary.promptTokens
            response.promptEvalDuration = Int(summary.promptSeconds * 1e9)
            response.evalCount = summary.generatedTokens
            response.evalDuration = Int(summary.generationSeconds * 1e9)
            return response
        }
        if stream {
            return StreamingBody.response(contentType: "application/x-ndjson", generation: generation) { writer in
                for await (_, event) in generation.events {
                    switch event {
                    case .step(let step):
                        if !step.text.isEmpty { try await writer.write(StreamingBody.ndjson(part(step.text))) }
                    case .finished(let summary):
                        try await writer.write(StreamingBody.ndjson(final("", summary)))
                    }
                }
            }
        }
        let choice = await generation.collect()[0]
        try Task.checkCancellation()
        if let error = choice.summary?.error { throw APIError(.internalServerError, "generation failed: \(error)") }
        return try JSONBody.response(final(choice.text, choice.summary))
    }

    /// Ollama's option names and defaults (temperature 0.8, top-k 40, top-p 0.9, no min-p,
    /// repeat penalty 1.1 over the last 64 tokens) onto the sampler.
    static func sampling(_ options: OllamaOptions, vocabularySize: Int) throws(APIError) -> SamplingParameters {
        var parameters = SamplingParameters(temperature: 0.8, topK: 40, topP: 0.9, minP: 0, repeatPenalty: 1.1, repeatLastN: 64)
        if let value = options.temperature {
            guard value.isFinite, value >= 0 else { throw APIError.invalid("'options.temperature' must be 0 or more", param: "options.temperature") }
            parameters.temperature = Float(value)
        }
        if let value = options.topK { parameters.topK = value }
        if let value = options.topP { parameters.topP = Float(value) }
        if let value = options.minP { parameters.minP = Float(value) }
        if let value = options.typicalP { parameters.typicalP = Float(value) }
        if let value = options.repeatPenalty { parameters.repeatPenalty = Float(value) }
        if let value = options.repeatLastN { parameters.repeatLastN = value }
        if let value = options.presencePenalty { parameters.presencePenalty = Float(value) }
        if let value = options.frequencyPenalty { parameters.frequencyPenalty = Float(value) }
        parameters.seed = options.seed.map { UInt64(bitPattern: $0) }
        do {
            return try parameters.validated(vocabularySize: vocabularySize)
        } catch {
            throw APIError.invalid("options: \(error)", param: "options")
        }
    }

    static func message(_ role: String, _ content: String) -> JinjaValue {
        .object(JinjaObject([("role", .string(role)), ("content", .string(content))]))
    }

    static func render(_ messages: [JinjaValue], host: ModelHost) throws(APIError) -> [Int] {
        guard let chat = host.chat else { throw APIError.invalid("the model '\(host.name)' has no chat template") }
        do {
            return try chat.tokens(messages, model: host.model)
        } catch {
            throw APIError.invalid("the chat template failed on these messages: \(error)")
        }
    }

    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
            .replacingOccurrences(of: "+0000", with: "Z")
    }

    // MARK: Models

    func details(_ host: ModelHost) -> OllamaModelDetails {
        let graph = host.model.decoder.graph
        let family = graph.description.name
        let parameters = host.model.parameterCount
        let size = parameters >= 1_000_000_000 ? String(format: "%.1fB", Double(parameters) / 1e9) : String(format: "%.0fM", Double(parameters) / 1e6)
        var bytesByType: [String: Int] = [:]
        for matrix in graph.matrices { bytesByType[matrix.type.name, default: 0] += matrix.byteCount }
        let quantization = bytesByType.max { $0.value < $1.value }?.key ?? "unknown"
        return OllamaModelDetails(format: host.model.file == nil ? "safetensors" : "gguf", family: family, families: [family],
                                  parameterSize: size, quantizationLevel: quantization)
    }

    func entry(_ host: ModelHost, running: Bool) -> OllamaModelEntry {
        OllamaModelEntry(name: host.name, model: host.name, modifiedAt: running ? nil : Self.timestamp(host.loadedAt),
                         size: host.fileSize, digest: String(format: "%016llx", UInt64(bitPattern: Int64(host.path.hashValue))),
                         details: details(host),
                         // Served models stay loaded for the server's lifetime.
                         expiresAt: running ? Self.timestamp(Date().addingTimeInterval(365 * 86400)) : nil,
                         sizeVram: running ? 0 : nil)
    }

    /// Ollama's capability names: a model that only embeds has "embedding"; one that generates has
    /// "completion" (and "chat" with a template). Decoders embed too, but Ollama lists them by
    /// what they are for, and clients pick embedding models by this list.
    func capabilities(_ host: ModelHost) -> [String] {
        guard host.generates else { return ["embedding"] }
        return host.chat == nil ? ["completion"] : ["completion", "chat"]
    }

    func show(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(OllamaShowRequest.self, from: request, limit: maxBody)
        let host = try catalog.host(body.model ?? body.name)
        var info: [String: AnyJSON] = [:]
        for entry in host.model.file?.metadata ?? [] where !entry.key.hasPrefix("tokenizer.") {
            if let value = entry.value.boolValue {
                info[entry.key] = .bool(value)
            } else if let value = entry.value.intValue {
                info[entry.key] = .number(Double(value))
            } else if let value = entry.value.doubleValue {
                info[entry.key] = .number(value)
            } else if let value = entry.value.stringValue {
                info[entry.key] = .string(value)
            }
        }
        for feature in host.model.decoder.graph.summary { info["realizar.\(feature.key)"] = .string(feature.value) }
        if let config = host.model.folder?.config {
            for (key, value) in config.values {
                if let number = value as? NSNumber { info["config.\(key)"] = .number(number.doubleValue) }
                if let text = value as? String { info["config.\(key)"] = .string(text) }
            }
        }
        info["general.parameter_count"] = .number(Double(host.model.parameterCount))
        if host.model.file == nil {
            // What Ollama's clients read from a GGUF's metadata, for a folder.
            let family = host.model.decoder.graph.description.name
            info["general.architecture"] = .string(family)
            info["\(family).context_length"] = .number(Double(host.context))
            if !host.generates { info["\(family).embedding_length"] = .number(Double(host.model.decoder.vocabularySize)) }
        }
        let template = host.chat?.source ?? ""
        return try JSONBody.response(OllamaShowResponse(
            modelfile: "FROM \(host.path)\n", parameters: "num_ctx \(host.context)", template: template, details: details(host),
            modelInfo: info, capabilities: capabilities(host), modifiedAt: Self.timestamp(host.loadedAt)))
    }
}
