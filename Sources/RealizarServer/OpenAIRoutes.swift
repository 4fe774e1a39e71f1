import Foundation
import Hummingbird
import RealizarCore
import RealizarEngine
import RealizarTemplates
import RealizarTokenizers

/// `POST /v1/chat/completions`, `POST /v1/completions`, `POST /v1/embeddings`, `GET /v1/models`.
struct OpenAIRoutes: Sendable {
    let catalog: ModelCatalog
    let metrics: ServerMetrics
    let maxBody: Int

    func register(on router: Router<ServerContext>) {
        router.get("/v1/models") { _, _ in try self.models() }
        router.get("/v1/models/{id}") { _, context in
            let listed = try self.catalog.listed(context.parameters.get("id"))
            return try JSONBody.response(ModelObject(id: listed.name, created: Int(listed.modified.timeIntervalSince1970)))
        }
        router.post("/v1/chat/completions") { request, context in try await self.chat(request, context: context) }
        router.post("/v1/completions") { request, context in try await self.completions(request, context: context) }
        router.post("/v1/embeddings") { request, context in try await self.embeddings(request, context: context) }
    }

    func models() throws -> Response {
        try JSONBody.response(ModelList(data: catalog.listing().map {
            ModelObject(id: $0.name, created: Int($0.modified.timeIntervalSince1970))
        }))
    }

    // MARK: Chat

    func chat(_ request: Request, context: ServerContext) async throws -> Response {
        let (body, bodyText) = try await JSONBody.decodeKeepingText(ChatCompletionRequest.self, from: request, limit: maxBody)
        let host = try await catalog.host(body.model, for: context)
        _ = try host.requireGeneration(embeddingRoute: "/v1/embeddings")
        guard !body.messages.isEmpty else { throw APIError.invalid("'messages' must contain at least one message", param: "messages") }
        for (index, message) in body.messages.enumerated() where !["system", "user", "assistant", "tool", "developer"].contains(message.role) {
            throw APIError.invalid("'messages[\(index)].role' must be system, user, assistant, tool or developer; got '\(message.role)'",
                                   param: "messages[\(index)].role")
        }
        let chat = try ChatGeneration(host: host, messages: Self.templateMessages(body.messages), tools: ToolRequest.parse(body: bodyText),
                                      messagesField: "messages")
        let prompt = chat.prompt
        let maxTokens = try OpenAIRequestFields.maxTokens(body.maxCompletionTokens ?? body.maxTokens,
                                                           field: body.maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens",
                                                           default: host.context)
        let n = try OpenAIRequestFields.choiceCount(body.n)
        var topLogprobs: Int?
        if let count = body.topLogprobs {
            guard (0...20).contains(count) else { throw APIError.invalid("'top_logprobs' must be between 0 and 20", param: "top_logprobs") }
        }
        if body.logprobs == true { topLogprobs = body.topLogprobs ?? 0 }
        let constraint = try chat.constraint(OpenAIRequestFields.constraint(body.responseFormat, grammar: body.grammar, body: bodyText),
                                             toolChoiceField: "tool_choice", conflict: "'response_format' or 'grammar'")
        let sampling = try OpenAIRequestFields.sampling(body.sampling, vocabularySize: host.model.decoder.vocabularySize)
        let jobs = chat.jobs(n: n, maxTokens: maxTokens, sampling: sampling, stop: body.stop?.values ?? [], topLogprobs: topLogprobs,
                             constraint: constraint)
        let generation = try Generation.start(host: host, jobs: jobs, metrics: metrics, stats: context.stats)
        let id = "chatcmpl-" + OpenAIRequestFields.randomID()
        let created = Int(Date().timeIntervalSince1970)
        let formatter = LogprobFormatter(tokenizer: host.model.tokenizer)

        if body.stream == true {
            let includeUsage = body.streamOptions?.includeUsage == true
            let name = host.name
            return StreamingBody.response(contentType: "text/event-stream", generation: generation) { writer in
                func chunk(_ choices: [ChatChunkChoice], usage: Usage? = nil) -> ChatCompletionChunk {
                    ChatCompletionChunk(id: id, created: created, model: name, choices: choices, usage: usage)
                }
                try await writer.write(StreamingBody.sse(chunk((0..<n).map {
                    ChatChunkChoice(index: $0, delta: ChatDelta(role: "assistant", content: ""))
                })))
                var formatters = Array(repeating: formatter, count: n)
                var readers = (0..<n).map { _ in chat.reader() }
                var usage = Usage(promptTokens: prompt.count, completionTokens: 0)
                func deltas(_ events: [ToolCallEvent]) -> [ChatDelta] {
                    events.map { event in
                        switch event {
                        case .content(let text): ChatDelta(content: text)
                        case .reasoning(let text): ChatDelta(reasoningContent: text)
                        case .toolCall(let delta): ChatDelta(toolCalls: [ToolCallDeltaOut(delta)])
                        }
                    }
                }
                for await (index, event) in generation.events {
                    switch event {
                    case .step(let step):
                        let entry = step.sampled.map { formatters[index].chatEntry($0) }
                        var pieces = deltas(readers[index].feed(step.text))
                        if pieces.isEmpty, entry != nil { pieces = [ChatDelta()] }
                        for (position, delta) in pieces.enumerated() {
                            try await writer.write(StreamingBody.sse(chunk([ChatChunkChoice(
                                index: index, delta: delta, logprobs: position == 0 ? entry.map { ChatLogprobs(content: [$0]) } : nil)])))
                        }
                    case .finished(let summary):
                        usage.record(summary)
                        var reason = summary.finishReason.apiName
                        for delta in deltas(readers[index].finish()) {
                            try await writer.write(StreamingBody.sse(chunk([ChatChunkChoice(index: index, delta: delta)])))
                        }
                        if !readers[index].calls.isEmpty && reason == "stop" { reason = "tool_calls" }
                        try await writer.write(StreamingBody.sse(chunk([ChatChunkChoice(
                            index: index, delta: ChatDelta(), finishReason: reason)])))
                    }
                }
                if includeUsage { try await writer.write(StreamingBody.sse(chunk([], usage: usage))) }
                try await writer.write(StreamingBody.done)
            }
        }

        let collected = await generation.collect()
        try Task.checkCancellation()
        var choices: [ChatChoice] = []
        var usage = Usage(promptTokens: prompt.count, completionTokens: 0)
        for (index, choice) in collected.enumerated() {
            if let error = choice.summary?.error { throw APIError(.internalServerError, "generation failed: \(error)") }
            if let summary = choice.summary { usage.record(summary) }
            var logprobs: ChatLogprobs?
            if topLogprobs != nil {
                var formatter = formatter
                logprobs = ChatLogprobs(content: choice.tokens.map { formatter.chatEntry($0) })
            }
            var message = AssistantMessage(content: choice.text)
            var reason = (choice.summary?.finishReason ?? .cancelled).apiName
            var reader = chat.reader()
            if reader.readsCalls {
                let (content, reasoning, calls) = reader.read(choice.text)
                message = AssistantMessage(content: content.isEmpty && !calls.isEmpty ? nil : content,
                                           reasoningContent: reasoning.isEmpty ? nil : reasoning,
                                           toolCalls: calls.isEmpty ? nil : calls.map(ToolCallOut.init))
                if !calls.isEmpty && reason == "stop" { reason = "tool_calls" }
            }
            choices.append(ChatChoice(index: index, message: message, logprobs: logprobs, finishReason: reason))
        }
        return try JSONBody.response(ChatCompletion(id: id, created: created, model: host.name, choices: choices, usage: usage))
    }

    /// The request's messages as the template reads them: `developer` as `system`, calls'
    /// arguments as objects (templates print them with `tojson`), and each tool message's
    /// `name` from the call it answers when the client left it out.
    static func templateMessages(_ messages: [ChatMessageIn]) throws(APIError) -> [JinjaValue] {
        var callNames: [String: String] = [:]
        var values: [JinjaValue] = []
        for (index, message) in messages.enumerated() {
            // Templates written for system prompts know nothing of OpenAI's newer "developer" role.
            let role = message.role == "developer" ? "system" : message.role
            var object = JinjaObject([("role", .string(role)), ("content", .string(message.content?.text ?? ""))])
            if let calls = message.toolCalls, !calls.isEmpty {
                guard role == "assistant" else {
                    throw APIError.invalid("'messages[\(index)].tool_calls' belongs to assistant messages", param: "messages[\(index)].tool_calls")
                }
                var items: [JinjaValue] = []
                for (callIndex, call) in calls.enumerated() {
                    let arguments = call.function.arguments ?? "{}"
                    guard let parsed = try? JinjaValue(json: arguments.isEmpty ? "{}" : arguments) else {
                        throw APIError.invalid("'messages[\(index)].tool_calls[\(callIndex)].function.arguments' must be JSON text",
                                               param: "messages[\(index)].tool_calls[\(callIndex)].function.arguments")
                    }
                    let id = call.id ?? "call_\(index)_\(callIndex)"
                    callNames[id] = call.function.name
                    items.append(.object(JinjaObject([
                        ("id", .string(id)), ("type", .string("function")),
                        ("function", .object(JinjaObject([("name", .string(call.function.name)), ("arguments", parsed)]))),
                    ])))
                }
                object["tool_calls"] = .array(items)
            }
            if role == "tool" {
                if let callID = message.toolCallID { object["tool_call_id"] = .string(callID) }
                if let name = message.name ?? message.toolCallID.flatMap({ callNames[$0] }) { object["name"] = .string(name) }
            } else if let name = message.name {
                object["name"] = .string(name)
            }
            values.append(.object(object))
        }
        return values
    }

    // MARK: Completions

    func completions(_ request: Request, context: ServerContext) async throws -> Response {
        let (body, bodyText) = try await JSONBody.decodeKeepingText(CompletionRequest.self, from: request, limit: maxBody)
        let host = try await catalog.host(body.model, for: context)
        _ = try host.requireGeneration(embeddingRoute: "/v1/embeddings")
        var prompts: [[Int]] = []
        var promptTexts: [String] = []
        for prompt in body.prompt.prompts {
            switch prompt {
            case .text(let text):
                guard !text.isEmpty else { throw APIError.invalid("'prompt' must not be empty", param: "prompt") }
                prompts.append(host.model.tokenize(text))
                promptTexts.append(text)
            case .tokens(let tokens):
                guard !tokens.isEmpty else { throw APIError.invalid("'prompt' must not be empty", param: "prompt") }
                prompts.append(tokens)
                promptTexts.append(host.model.tokenizer.decode(tokens.filter { $0 >= 0 && $0 < host.model.tokenizer.vocabularySize }))
            }
        }
        guard !prompts.isEmpty else { throw APIError.invalid("'prompt' must not be empty", param: "prompt") }
        let maxTokens = try OpenAIRequestFields.maxTokens(body.maxTokens, field: "max_tokens", default: 16)
        let n = try OpenAIRequestFields.choiceCount(body.n)
        try ServerLimits.checkChoices(prompts.count * n, what: "the choices of a request (prompts × n)")
        if let logprobs = body.logprobs, !(0...5).contains(logprobs) {
            throw APIError.invalid("'logprobs' must be between 0 and 5", param: "logprobs")
        }
        let constraint = try OpenAIRequestFields.constraint(body.responseFormat, grammar: body.grammar, body: bodyText)
        let sampling = try OpenAIRequestFields.sampling(body.sampling, vocabularySize: host.model.decoder.vocabularySize)
        let jobs = OpenAIRequestFields.jobs(prompts: prompts, n: n, maxTokens: maxTokens, sampling: sampling, stop: body.stop?.values ?? [],
                                            topLogprobs: body.logprobs, constraint: constraint, context: host.context)
        let generation = try Generation.start(host: host, jobs: jobs, metrics: metrics, stats: context.stats)
        let id = "cmpl-" + OpenAIRequestFields.randomID()
        let created = Int(Date().timeIntervalSince1970)
        let formatter = LogprobFormatter(tokenizer: host.model.tokenizer)
        let echo = body.echo == true
        let promptTokenCount = prompts.reduce(0) { $0 + $1.count }
        let wantsLogprobs = body.logprobs != nil
        let texts = promptTexts

        if body.stream == true {
            let includeUsage = body.streamOptions?.includeUsage == true
            let name = host.name
            return StreamingBody.response(contentType: "text/event-stream", generation: generation) { writer in
                func chunk(_ choices: [CompletionChoice], usage: Usage? = nil) -> Completion {
                    Completion(id: id, created: created, model: name, choices: choices, usage: usage)
                }
                var formatters = Array(repeating: formatter, count: jobs.count)
                var offsets = Array(repeating: 0, count: jobs.count)
                if echo {
                    for index in jobs.indices {
                        let text = texts[index / n]
                        offsets[index] = text.count
                        try await writer.write(StreamingBody.sse(chunk([CompletionChoice(text: text, index: index)])))
                    }
                }
                var usage = Usage(promptTokens: promptTokenCount, completionTokens: 0)
                for await (index, event) in generation.events {
                    switch event {
                    case .step(let step):
                        var logprobs: CompletionLogprobs?
                        if wantsLogprobs, let sampled = step.sampled {
                            var entry = CompletionLogprobs()
                            formatters[index].append(sampled, to: &entry, offset: offsets[index])
                            logprobs = entry
                        }
                        offsets[index] += step.text.count
                        guard !step.text.isEmpty || logprobs != nil else { continue }
                        try await writer.write(StreamingBody.sse(chunk([CompletionChoice(text: step.text, index: index, logprobs: logprobs)])))
                    case .finished(let summary):
                        usage.record(summary)
                        try await writer.write(StreamingBody.sse(chunk([CompletionChoice(
                            text: "", index: index, finishReason: summary.finishReason.apiName)])))
                    }
                }
                if includeUsage { try await writer.write(StreamingBody.sse(chunk([], usage: usage))) }
                try await writer.write(StreamingBody.done)
            }
        }

        let collected = await generation.collect()
        try Task.checkCancellation()
        var choices: [CompletionChoice] = []
        var usage = Usage(promptTokens: promptTokenCount, completionTokens: 0)
        for (index, choice) in collected.enumerated() {
            if let error = choice.summary?.error { throw APIError(.internalServerError, "generation failed: \(error)") }
            if let summary = choice.summary { usage.record(summary) }
            let prefix = echo ? promptTexts[index / n] : ""
            var logprobs: CompletionLogprobs?
            if wantsLogprobs {
                var entry = CompletionLogprobs()
                var formatter = formatter
                var offset = prefix.count
                for sampled in choice.tokens {
                    formatter.append(sampled, to: &entry, offset: offset)
                    offset += entry.tokens.last?.count ?? 0
                }
                logprobs = entry
            }
            choices.append(CompletionChoice(text: prefix + choice.text, index: index, logprobs: logprobs,
                                            finishReason: (choice.summary?.finishReason ?? .cancelled).apiName))
        }
        return try JSONBody.response(Completion(id: id, created: created, model: host.name, choices: choices, usage: usage))
    }
}

/// Checks and conversions shared by the OpenAI routes.
enum OpenAIRequestFields {
    static func maxTokens(_ value: Int?, field: String, default fallback: Int) throws(APIError) -> Int {
        guard let value else { return fallback }
        guard value >= 1 else { throw APIError.invalid("'\(field)' must be at least 1", param: field) }
        try ServerLimits.checkTokens(value, field: field)
        return value
    }

    static func choiceCount(_ value: Int?) throws(APIError) -> Int {
        let n = value ?? 1
        try ServerLimits.checkChoices(n)
        return n
    }

    /// The output constraint of `response_format` and `grammar` (at most one of them).
    /// `body` is the request's text, which holds the schema with its keys in order.
    static func constraint(_ format: ResponseFormat?, grammar: String?, body: String? = nil) throws(APIError) -> OutputConstraint? {
        if let grammar {
            if let format, format.type != "text" {
                throw APIError.invalid("'grammar' and 'response_format' cannot be used together", param: "grammar")
            }
            return try OutputConstraint.grammar(grammar).validated(param: "grammar")
        }
        guard let format else { return nil }
        switch format.type {
        case "text": return nil
        case "json_object": return .jsonObject
        case "json_schema":
            guard let schema = format.jsonSchema else {
                throw APIError.invalid("'response_format.json_schema' is required when the type is json_schema", param: "response_format.json_schema")
            }
            guard let value = schema.schema else { return .jsonObject }
            guard case .object = value else {
                throw APIError.invalid("'response_format.json_schema.schema' must be a JSON Schema object", param: "response_format.json_schema.schema")
            }
            return try OutputConstraint.jsonSchema(OutputConstraint.schemaText(value, body: body, path: ["response_format", "json_schema", "schema"])).validated(param: "response_format.json_schema.schema")
        default:
            throw APIError.invalid("'response_format.type' must be text, json_object or json_schema", param: "response_format.type")
        }
    }

    /// OpenAI's fields onto the sampler: OpenAI's ranges and its default temperature of 1, with
    /// llama.cpp's top-k and min-p unless the request sets them.
    static func sampling(_ fields: OpenAISampling, vocabularySize: Int) throws(APIError) -> SamplingParameters {
        var parameters = SamplingParameters(temperature: 1, topK: 40, topP: 1, minP: 0.05)
        if let temperature = fields.temperature {
            guard temperature.isFinite, (0...2).contains(temperature) else {
                throw APIError.invalid("'temperature' must be between 0 and 2", param: "temperature")
            }
            parameters.temperature = Float(temperature)
        }
        if let topP = fields.topP {
            guard topP > 0, topP <= 1 else { throw APIError.invalid("'top_p' must be greater than 0 and at most 1", param: "top_p") }
            parameters.topP = Float(topP)
        }
        if let topK = fields.topK { parameters.topK = topK }
        if let minP = fields.minP {
            guard (0...1).contains(minP) else { throw APIError.invalid("'min_p' must be between 0 and 1", param: "min_p") }
            parameters.minP = Float(minP)
        }
        for (name, value) in [("presence_penalty", fields.presencePenalty), ("frequency_penalty", fields.frequencyPenalty)] {
            if let value, !(-2...2).contains(value) { throw APIError.invalid("'\(name)' must be between -2 and 2", param: name) }
        }
        parameters.presencePenalty = Float(fields.presencePenalty ?? 0)
        parameters.frequencyPenalty = Float(fields.frequencyPenalty ?? 0)
        if let repeatPenalty = fields.repeatPenalty {
            guard repeatPenalty > 0, repeatPenalty.isFinite else { throw APIError.invalid("'repeat_penalty' must be greater than 0", param: "repeat_penalty") }
            parameters.repeatPenalty = Float(repeatPenalty)
        }
        if let bias = fields.logitBias {
            for (key, value) in bias {
                guard let token = Int(key), token >= 0, token < vocabularySize else {
                    throw APIError.invalid("'logit_bias' keys must be token ids between 0 and \(vocabularySize - 1); got '\(key)'", param: "logit_bias")
                }
                guard (-100...100).contains(value) else {
                    throw APIError.invalid("'logit_bias' values must be between -100 and 100", param: "logit_bias")
                }
                // OpenAI's -100 means the token is never chosen.
                parameters.logitBias[token] = value <= -100 ? -.infinity : Float(value)
            }
        }
        parameters.seed = fields.seed.map { UInt64(bitPattern: $0) }
        do {
            return try parameters.validated(vocabularySize: vocabularySize)
        } catch {
            throw APIError.invalid("\(error)")
        }
    }

    /// `n` sequences per prompt; with a seed, choice `i` of a prompt uses seed + i so that choices differ.
    static func jobs(prompts: [[Int]], n: Int, maxTokens: Int, sampling: SamplingParameters, stop: [String],
                     topLogprobs: Int?, constraint: OutputConstraint?, context: Int) -> [SequenceJob] {
        var jobs: [SequenceJob] = []
        for prompt in prompts {
            for i in 0..<n {
                var parameters = sampling
                if let seed = parameters.seed { parameters.seed = seed &+ UInt64(i) }
                jobs.append(SequenceJob(request: GenerationRequest(prompt: prompt, maxTokens: maxTokens, sampling: parameters,
                                                                   stop: stop, context: context),
                                        topLogprobs: topLogprobs, constraint: constraint))
            }
        }
        return jobs
    }

    static func randomID() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24))
    }
}

/// Log-probability entries in OpenAI's shapes. Bytes are the token's exact piece (a token may hold
/// part of a UTF-8 character), with the leading space dropped from the first one when the
/// detokenizer drops it, so the entries' bytes spell the returned text.
struct LogprobFormatter: Sendable {
    let tokenizer: any Tokenizer
    private var isFirst = true

    init(tokenizer: any Tokenizer) {
        self.tokenizer = tokenizer
    }

    private mutating func bytes(_ id: Int) -> [UInt8] {
        var piece = tokenizer.piece(id, renderSpecial: false)
        if isFirst {
            isFirst = false
            let vocabulary = tokenizer.vocabulary
            if vocabulary.addSpacePrefix && vocabulary.model != .rwkv && piece.first == 0x20 { piece.removeFirst() }
        }
        return piece
    }

    private func text(_ id: Int, bytes: [UInt8]) -> String {
        bytes.isEmpty ? tokenizer.pieceText(id, renderSpecial: true) : String(decoding: bytes, as: UTF8.self)
    }

    mutating func chatEntry(_ sampled: SampledToken) -> TokenLogprobEntry {
        let own = bytes(sampled.id)
        let top = sampled.top.map { alternative -> TopLogprob in
            let piece = tokenizer.piece(alternative.id, renderSpecial: false)
            return TopLogprob(token: text(alternative.id, bytes: piece), logprob: alternative.logprob, bytes: piece)
        }
        return TokenLogprobEntry(token: text(sampled.id, bytes: own), logprob: sampled.logprob, bytes: own, topLogprobs: top)
    }

    mutating func append(_ sampled: SampledToken, to entry: inout CompletionLogprobs, offset: Int) {
        let own = bytes(sampled.id)
        entry.tokens.append(text(sampled.id, bytes: own))
        entry.tokenLogprobs.append(sampled.logprob)
        var top: [String: Float] = [:]
        for alternative in sampled.top {
            let key = tokenizer.pieceText(alternative.id, renderSpecial: true)
            top[key] = max(top[key] ?? -.infinity, alternative.logprob)
        }
        entry.topLogprobs.append(top)
        entry.textOffset.append(offset)
    }
}
