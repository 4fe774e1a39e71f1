import Foundation
import Hummingbird
import RealizarCore
import RealizarEngine
import RealizarTemplates

/// Ollama's API: `/api/generate`, `/api/chat` (NDJSON streams unless `stream: false`), `/api/embed`,
/// `/api/embeddings`, `/api/tags`, `/api/show`, `/api/ps`, `/api/version`, and the model
/// management routes `/api/pull`, `/api/delete`, `/api/copy` (`OllamaRoutes+Management.swift`).
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
        router.get("/api/tags") { _, _ in try await self.tags() }
        router.get("/api/ps") { _, _ in try await self.running() }
        router.post("/api/show") { request, _ in try await self.show(request) }
        router.get("/api/version") { _, _ in try JSONBody.response(["version": Self.version]) }
        router.post("/api/pull") { request, _ in try await self.pull(request) }
        router.delete("/api/delete") { request, _ in try await self.delete(request) }
        router.post("/api/copy") { request, _ in try await self.copy(request) }
    }

    // MARK: Generation

    func generate(_ request: Request, context: ServerContext) async throws -> Response {
        let (body, keepAlive, bodyText) = try await OllamaKeepAlive.decodeKeepingText(OllamaGenerateRequest.self, from: request, limit: maxBody)
        let host = try await catalog.host(body.model, for: context, keepAlive: keepAlive)
        _ = try host.requireGeneration(embeddingRoute: "/api/embed")
        let text = body.prompt ?? ""
        // Ollama answers an empty prompt by loading the model and saying so (`ollama stop` sends
        // one with keep_alive 0: the model unloads once this response is written).
        if text.isEmpty && body.system == nil {
            return try JSONBody.response(OllamaResponse(model: host.name, createdAt: Self.timestamp(), response: "", done: true,
                                                        doneReason: keepAlive?.seconds == 0 ? "unload" : "load"))
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
                             chat: false, bodyText: bodyText, context: context)
    }

    func chat(_ request: Request, context: ServerContext) async throws -> Response {
        let (body, keepAlive, bodyText) = try await OllamaKeepAlive.decodeKeepingText(OllamaChatRequest.self, from: request, limit: maxBody)
        let host = try await catalog.host(body.model, for: context, keepAlive: keepAlive)
        _ = try host.requireGeneration(embeddingRoute: "/api/embed")
        let messages = body.messages ?? []
        if messages.isEmpty {
            return try JSONBody.response(OllamaResponse(model: host.name, createdAt: Self.timestamp(), message: OllamaMessage(role: "assistant", content: ""),
                                                        done: true, doneReason: keepAlive?.seconds == 0 ? "unload" : "load"))
        }
        guard let template = host.chat else { throw APIError.invalid("the model '\(host.name)' has no chat template; use /api/generate with raw") }
        let tools = try ToolRequest.parse(body: bodyText)
        var values = try Self.templateMessages(messages)
        if let tools, let shown = tools.shownTools { values = template.adapting(values, tools: shown, format: template.toolCallFormat) }
        let prompt: [Int]
        do {
            prompt = try template.tokens(values, tools: tools?.shownTools, model: host.model)
        } catch {
            throw APIError.invalid("the chat template failed on these messages: \(error)")
        }
        return try await run(host: host, prompt: prompt, options: body.options, format: body.format, stream: body.stream ?? true,
                             chat: true, tools: tools, bodyText: bodyText, context: context)
    }

    /// Ollama's messages as the template reads them: calls with their argument objects, a tool
    /// message's tool as `name`; images refused.
    static func templateMessages(_ messages: [OllamaMessage]) throws(APIError) -> [JinjaValue] {
        var values: [JinjaValue] = []
        for (index, message) in messages.enumerated() {
            if let images = message.images, !images.isEmpty {
                throw APIError.invalid("'messages[\(index)].images': this model takes text only", param: "messages[\(index)].images")
            }
            var object = JinjaObject([("role", .string(message.role)), ("content", .string(message.content))])
            if let calls = message.toolCalls, !calls.isEmpty {
                object["tool_calls"] = .array(calls.enumerated().map { callIndex, call in
                    let arguments = (try? JSONEncoder().encode(call.function.arguments ?? .object([:])))
                        .flatMap { try? JinjaValue(json: String(decoding: $0, as: UTF8.self)) } ?? .object(JinjaObject())
                    return .object(JinjaObject([
                        ("id", .string("call_\(index)_\(callIndex)")), ("type", .string("function")),
                        ("function", .object(JinjaObject([("name", .string(call.function.name)), ("arguments", arguments)]))),
                    ]))
                })
            }
            if let name = message.toolName ?? message.name { object["name"] = .string(name) }
            values.append(.object(object))
        }
        return values
    }

    private func run(host: ModelHost, prompt: [Int], options: OllamaOptions?, format: AnyJSON?, stream: Bool,
                     chat: Bool, tools: ToolRequest? = nil, bodyText: String? = nil, context: ServerContext) async throws -> Response {
        let options = options ?? OllamaOptions()
        var constraint = try OllamaFormat.constraint(format, grammar: options.grammar, body: bodyText)
        let callFormat = host.chat?.toolCallFormat ?? .generic
        if let forced = try tools?.constraint(format: callFormat) {
            guard constraint == nil else {
                throw APIError.invalid("'tool_choice' that forces a call cannot be combined with 'format' or 'options.grammar'", param: "tool_choice")
            }
            constraint = forced
        }
        let parsing = tools?.parsesCalls == true ? tools : nil
        let maxTokens: Int
        switch options.numPredict {
        case nil, -1, -2: maxTokens = host.context
        case let value? where value > 0:
            try ServerLimits.checkTokens(value, field: "options.num_predict")
            maxTokens = value
        case let value?: throw APIError.invalid("'options.num_predict' must be positive, -1 or -2; got \(value)", param: "options.num_predict")
        }
        let sampling = try Self.sampling(options, vocabularySize: host.model.decoder.vocabularySize)
        var job = SequenceJob(request: GenerationRequest(prompt: prompt, maxTokens: maxTokens, sampling: sampling,
                                                         stop: options.stop ?? [], context: host.context), constraint: constraint)
        job.rendersControlTokens = parsing != nil && callFormat.markersAreControlTokens
        let maxCalls = parsing?.parallel == false ? 1 : Int.max
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
        /// The parts of a chat message that `events` make: text, thinking, and (at the end) the calls.
        @Sendable func parts(_ events: [ToolCallEvent]) -> [OllamaResponse] {
            events.compactMap { event in
                switch event {
                case .content(let text): return part(text)
                case .reasoning(let text):
                    var response = part("")
                    response.message?.thinking = text
                    return response
                case .toolCall: return nil
                }
            }
        }
        @Sendable func callsPart(_ parser: ToolCallParser) -> OllamaResponse? {
            let calls = parser.calls.prefix(maxCalls)
            guard !calls.isEmpty else { return nil }
            var response = part("")
            response.message?.toolCalls = calls.map(OllamaToolCall.init)
            return response
        }
        if stream {
            return StreamingBody.response(contentType: "application/x-ndjson", generation: generation) { writer in
                var parser = parsing?.parser(format: callFormat)
                for await (_, event) in generation.events {
                    switch event {
                    case .step(let step):
                        if parser != nil {
                            for response in parts(parser!.feed(step.text)) { try await writer.write(StreamingBody.ndjson(response)) }
                        } else if !step.text.isEmpty {
                            try await writer.write(StreamingBody.ndjson(part(step.text)))
                        }
                    case .finished(let summary):
                        if parser != nil {
                            for response in parts(parser!.finish()) { try await writer.write(StreamingBody.ndjson(response)) }
                            if let calls = callsPart(parser!) { try await writer.write(StreamingBody.ndjson(calls)) }
                        }
                        try await writer.write(StreamingBody.ndjson(final("", summary)))
                    }
                }
            }
        }
        let choice = await generation.collect()[0]
        try Task.checkCancellation()
        if let error = choice.summary?.error { throw APIError(.internalServerError, "generation failed: \(error)") }
        guard var parser = parsing?.parser(format: callFormat) else { return try JSONBody.response(final(choice.text, choice.summary)) }
        let pieces = parts(parser.feed(choice.text) + parser.finish())
        var response = final(pieces.compactMap { $0.message?.content }.joined(), choice.summary)
        let thinking = pieces.compactMap { $0.message?.thinking }.joined()
        if !thinking.isEmpty { response.message?.thinking = thinking }
        response.message?.toolCalls = callsPart(parser)?.message?.toolCalls
        return try JSONBody.response(response)
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

    /// `/api/tags`: what the store holds (aliases included) and the loaded models it does not.
    func tags() async throws -> Response {
        var models: [OllamaModelEntry] = []
        for listed in catalog.listing() {
            // A model the engine cannot read is still listed, with what is known without it.
            let details = (try? await catalog.describe(listed))?.details
                ?? OllamaModelDetails(format: listed.path.hasSuffix(".gguf") ? "gguf" : "safetensors", family: "", families: [],
                                      parameterSize: "", quantizationLevel: "")
            models.append(OllamaModelEntry(name: listed.name, model: listed.name, modifiedAt: Self.timestamp(listed.modified), size: listed.size,
                                           digest: (try? await catalog.digest(path: listed.path)) ?? "", details: details))
        }
        return try JSONBody.response(OllamaModelList(models: models))
    }

    /// `/api/ps`: the loaded models and when each is unloaded (a model kept for the server's
    /// lifetime shows Ollama's "forever", 292 years ahead).
    func running() async throws -> Response {
        var models: [OllamaModelEntry] = []
        for (host, expiresAt) in catalog.running {
            let forever = Date().addingTimeInterval(292 * 365.25 * 86400)
            models.append(OllamaModelEntry(name: host.name, model: host.name, modifiedAt: nil, size: host.fileSize,
                                           digest: (try? await catalog.digest(path: host.path)) ?? "",
                                           details: ModelDescription(host: host).details,
                                           expiresAt: Self.timestamp(expiresAt ?? forever), sizeVram: 0))
        }
        return try JSONBody.response(OllamaModelList(models: models))
    }

    func show(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(OllamaShowRequest.self, from: request, limit: maxBody)
        let listed = try catalog.listed(body.model ?? body.name)
        let description: ModelDescription
        do {
            description = try await catalog.describe(listed)
        } catch {
            throw APIError(.internalServerError, "cannot read the model '\(listed.name)': \(error)")
        }
        return try JSONBody.response(OllamaShowResponse(
            modelfile: "FROM \(listed.path)\n", parameters: "num_ctx \(description.context)", template: description.template,
            details: description.details, modelInfo: description.modelInfo, capabilities: description.capabilities,
            modifiedAt: Self.timestamp(listed.modified)))
    }
}
