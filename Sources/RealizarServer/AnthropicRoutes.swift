import Foundation
import Hummingbird
import RealizarEngine

/// Anthropic's Messages API: `POST /v1/messages` and `POST /v1/messages/count_tokens`, over the
/// chat generation path (``ChatGeneration``), answering errors in Anthropic's shape
/// (``AnthropicErrorMiddleware``). Clients send `anthropic-version`; every version is answered alike.
struct AnthropicRoutes: Sendable {
    let catalog: ModelCatalog
    let metrics: ServerMetrics
    let maxBody: Int

    func register(on router: Router<ServerContext>) {
        let group = router.group("/v1/messages").add(middleware: AnthropicErrorMiddleware())
        group.post { request, context in try await self.create(request, context: context) }
        group.post("count_tokens") { request, context in try await self.countTokens(request, context: context) }
    }

    private struct TokenCount: Encodable {
        var inputTokens: Int
        enum CodingKeys: String, CodingKey { case inputTokens = "input_tokens" }
    }

    /// The prompt's token count: the conversation and tools rendered by the template, as a
    /// `POST /v1/messages` with the same body would feed them.
    func countTokens(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await MessagesRequest(JSONField.body(of: request, limit: maxBody), counting: true)
        let host = try await catalog.host(body.model, for: context)
        _ = try host.requireGeneration(embeddingRoute: "/v1/embeddings")
        let chat = try ChatGeneration(host: host, messages: body.messages, tools: body.tools, messagesField: "messages",
                                      continuing: body.continuing)
        return try JSONBody.response(TokenCount(inputTokens: chat.prompt.count))
    }

    func create(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await MessagesRequest(JSONField.body(of: request, limit: maxBody))
        let host = try await catalog.host(body.model, for: context)
        _ = try host.requireGeneration(embeddingRoute: "/v1/embeddings")
        let chat = try ChatGeneration(host: host, messages: body.messages, tools: body.tools, messagesField: "messages",
                                      continuing: body.continuing)
        let constraint = try chat.constraint(nil, toolChoiceField: "tool_choice", conflict: "")
        // Anthropic's default temperature is 1, like OpenAI's; top-k and min-p keep llama.cpp's defaults.
        let sampling = try OpenAIRequestFields.sampling(OpenAISampling(temperature: body.temperature, topP: body.topP, topK: body.topK),
                                                        vocabularySize: host.model.decoder.vocabularySize)
        let jobs = chat.jobs(maxTokens: body.maxTokens, sampling: sampling, stop: body.stopSequences, constraint: constraint)
        let generation = try Generation.start(host: host, jobs: jobs, metrics: metrics, stats: context.stats)
        let id = "msg_" + OpenAIRequestFields.randomID()
        let promptCount = chat.prompt.count
        let stops = body.stopSequences
        let tokenizer = host.model.tokenizer
        let started = AnthropicMessage(id: id, model: host.name, content: [], usage: AnthropicUsage(prompt: promptCount, summary: nil))

        if body.stream {
            return StreamingBody.response(contentType: "text/event-stream", generation: generation) { writer in
                var stream = AnthropicStream()
                var reader = chat.reader(idPrefix: "toolu_")
                var output = CollectedOutput()
                try await writer.write(stream.event(AnthropicEvent(type: "message_start", message: started)))
                for await (_, event) in generation.events {
                    output.add(event)
                    var events: [ToolCallEvent]
                    switch event {
                    case .step(let step): events = reader.feed(step.text)
                    case .finished: events = reader.finish()
                    }
                    for event in events {
                        for buffer in try stream.handle(event) { try await writer.write(buffer) }
                    }
                }
                for buffer in try stream.close() { try await writer.write(buffer) }
                if let error = output.summary?.error {
                    try await writer.write(stream.event(AnthropicEvent(type: "error", error: .init(type: "api_error", message: "generation failed: \(error)"))))
                    return
                }
                let reason = Self.stopReason(output.summary, calls: !reader.calls.isEmpty)
                try await writer.write(stream.event(AnthropicEvent(
                    type: "message_delta",
                    delta: .init(stopReason: reason, stopSequence: reason == "stop_sequence" ? output.matchedStop(stops, tokenizer: tokenizer) : nil),
                    usage: AnthropicUsage(prompt: promptCount, summary: output.summary))))
                try await writer.write(stream.event(AnthropicEvent(type: "message_stop")))
            }
        }

        let output = await CollectedOutput.collect(generation)
        try Task.checkCancellation()
        if let error = output.summary?.error { throw APIError(.internalServerError, "generation failed: \(error)") }
        var reader = chat.reader(idPrefix: "toolu_")
        let (content, _, calls) = reader.read(output.text)
        var message = started
        if !content.isEmpty { message.content.append(.text(content)) }
        message.content += calls.map(AnthropicBlock.init)
        message.stopReason = Self.stopReason(output.summary, calls: !calls.isEmpty)
        if message.stopReason == "stop_sequence" { message.stopSequence = output.matchedStop(stops, tokenizer: tokenizer) }
        message.usage = AnthropicUsage(prompt: promptCount, summary: output.summary)
        return try JSONBody.response(message)
    }

    /// Why the answer ended, in Anthropic's words; a cancelled sequence (shutdown) ends its turn.
    static func stopReason(_ summary: SequenceSummary?, calls: Bool) -> String {
        switch summary?.finishReason {
        case .length?: "max_tokens"
        case .stopSequence?: "stop_sequence"
        default: calls ? "tool_use" : "end_turn"
        }
    }
}

/// The Messages API's content-block events for one answer: each block (text, or a tool_use
/// whose input arrives as JSON fragments) starts, takes its deltas and stops; one is open at a
/// time. A ping follows the first block's start, as Anthropic's streams have it.
struct AnthropicStream: Sendable {
    private var index = 0
    private var open: Open?
    private var pinged = false

    private enum Open { case text, toolUse }

    func event(_ event: AnthropicEvent) throws -> ByteBuffer {
        try StreamingBody.sse(event: event.type, event)
    }

    mutating func handle(_ output: ToolCallEvent) throws -> [ByteBuffer] {
        var buffers: [ByteBuffer] = []
        switch output {
        case .content(let text):
            if open == .toolUse { buffers += try close() }
            if open == nil { buffers += try start(.text(""), as: .text) }
            buffers.append(try event(AnthropicEvent(type: "content_block_delta", index: index, delta: .init(type: "text_delta", text: text))))
        case .reasoning:
            // Only gpt-oss's format marks reasoning apart; thinking blocks are not produced.
            break
        case .toolCall(let delta):
            if let id = delta.id {
                buffers += try close()
                buffers += try start(.toolUse(id: id, name: delta.name ?? "", input: EncodedJSON(.object([]))), as: .toolUse)
            }
            guard open == .toolUse, !delta.arguments.isEmpty else { break }
            buffers.append(try event(AnthropicEvent(type: "content_block_delta", index: index,
                                                    delta: .init(type: "input_json_delta", partialJSON: delta.arguments))))
        }
        return buffers
    }

    private mutating func start(_ block: AnthropicBlock, as kind: Open) throws -> [ByteBuffer] {
        open = kind
        var buffers = [try event(AnthropicEvent(type: "content_block_start", index: index, contentBlock: block))]
        if !pinged {
            pinged = true
            buffers.append(try event(AnthropicEvent(type: "ping")))
        }
        return buffers
    }

    /// Stops the open block, if any.
    mutating func close() throws -> [ByteBuffer] {
        guard open != nil else { return [] }
        open = nil
        defer { index += 1 }
        return [try event(AnthropicEvent(type: "content_block_stop", index: index))]
    }
}

/// Anthropic's error shape for every error the Messages routes throw.
struct AnthropicErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.anthropicResponse()
        } catch let error as HTTPError {
            return APIError(error.status, error.body ?? error.status.reasonPhrase).anthropicResponse()
        } catch {
            return APIError(.internalServerError, "\(error)").anthropicResponse()
        }
    }
}

extension APIError {
    private struct AnthropicBody: Encodable {
        struct Inner: Encodable {
            var type: String
            var message: String
        }
        var type = "error"
        var error: Inner
    }

    /// The error type Anthropic gives a status.
    static func anthropicType(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        case 503, 529: "overloaded_error"
        default: "api_error"
        }
    }

    /// The error in Anthropic's shape, `{"type": "error", "error": {"type", "message"}}`; the
    /// message names the request field (Anthropic's errors have no `param`).
    func anthropicResponse() -> Response {
        let body = AnthropicBody(error: .init(type: Self.anthropicType(status), message: message))
        let data = (try? JSONBody.encoder.encode(body)) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
