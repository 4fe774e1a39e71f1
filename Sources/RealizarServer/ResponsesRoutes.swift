import Foundation
import Hummingbird
import RealizarEngine

/// OpenAI's Responses API, stateless: `POST /v1/responses` over the chat generation path
/// (``ChatGeneration``). Errors keep OpenAI's shape; nothing is stored, so the routes that read
/// stored responses answer 404 and fields that need them 400.
struct ResponsesRoutes: Sendable {
    let catalog: ModelCatalog
    let metrics: ServerMetrics
    let maxBody: Int

    func register(on router: Router<ServerContext>) {
        let group = router.group("/v1/responses")
        group.post { request, context in try await self.create(request, context: context) }
        group.get("{id}") { _, context -> Response in
            throw APIError(.notFound, "no response '\(context.parameters.get("id") ?? "")': this server does not store responses",
                           param: "response_id")
        }
    }

    func create(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await ResponsesRequest(JSONField.body(of: request, limit: maxBody))
        let host = try await catalog.host(body.model, for: context)
        _ = try host.requireGeneration(embeddingRoute: "/v1/embeddings")
        let chat = try ChatGeneration(host: host, messages: body.messages, tools: body.tools, messagesField: "input")
        let constraint = try chat.constraint(body.constraint, toolChoiceField: "tool_choice", conflict: "a JSON 'text.format'")
        let sampling = try OpenAIRequestFields.sampling(OpenAISampling(temperature: body.temperature, topP: body.topP),
                                                        vocabularySize: host.model.decoder.vocabularySize)
        let jobs = chat.jobs(maxTokens: body.maxOutputTokens ?? host.context, sampling: sampling, stop: [], constraint: constraint)
        let generation = try Generation.start(host: host, jobs: jobs, metrics: metrics, stats: context.stats)
        let response = ResponseObject(
            id: "resp_" + OpenAIRequestFields.randomID(), createdAt: Int(Date().timeIntervalSince1970), status: "in_progress",
            instructions: body.instructions, maxOutputTokens: body.maxOutputTokens, model: host.name, parallelToolCalls: body.parallelToolCalls,
            temperature: body.temperature ?? 1, text: EncodedJSON(body.textEcho), toolChoice: EncodedJSON(body.toolChoiceEcho),
            tools: EncodedJSON(body.toolsEcho), topP: body.topP ?? 1, metadata: EncodedJSON(body.metadata))
        let promptCount = chat.prompt.count

        if body.stream {
            return StreamingBody.response(contentType: "text/event-stream", generation: generation) { writer in
                var stream = ResponsesStream(response: response)
                var reader = chat.reader()
                for buffer in try stream.start() { try await writer.write(buffer) }
                var summary: SequenceSummary?
                for await (_, event) in generation.events {
                    var events: [ToolCallEvent]
                    switch event {
                    case .step(let step): events = reader.feed(step.text)
                    case .finished(let last):
                        summary = last
                        events = reader.finish()
                    }
                    for event in events {
                        for buffer in try stream.handle(event) { try await writer.write(buffer) }
                    }
                }
                for buffer in try stream.finish(summary: summary, promptTokens: promptCount) { try await writer.write(buffer) }
            }
        }

        let output = await CollectedOutput.collect(generation)
        try Task.checkCancellation()
        if let error = output.summary?.error { throw APIError(.internalServerError, "generation failed: \(error)") }
        var reader = chat.reader()
        let (content, _, calls) = reader.read(output.text)
        var whole = response
        let status = Self.status(output.summary)
        if !content.isEmpty || calls.isEmpty {
            whole.output.append(.message(id: "msg_" + OpenAIRequestFields.randomID(), status: status.item, text: content))
        }
        for call in calls {
            whole.output.append(.functionCall(id: "fc_" + OpenAIRequestFields.randomID(), callID: call.id, name: call.name,
                                              arguments: call.arguments, status: status.item))
        }
        Self.finish(&whole, summary: output.summary, promptTokens: promptCount)
        return try JSONBody.response(whole)
    }

    /// The response's and its items' status: a cut by `max_output_tokens` (or the context) leaves
    /// them incomplete.
    static func status(_ summary: SequenceSummary?) -> (response: String, item: String) {
        if summary?.error != nil { return ("failed", "incomplete") }
        return summary?.finishReason == .length ? ("incomplete", "incomplete") : ("completed", "completed")
    }

    static func finish(_ response: inout ResponseObject, summary: SequenceSummary?, promptTokens: Int) {
        response.status = status(summary).response
        if summary?.finishReason == .length { response.incompleteDetails = .init(reason: "max_output_tokens") }
        if let error = summary?.error { response.error = .init(message: "generation failed: \(error)") }
        response.usage = ResponseUsage(prompt: promptTokens, summary: summary)
    }
}

/// The Responses API's event stream for one output: response.created and .in_progress, then for
/// each item (a message, or a function call) its added, content or argument deltas and done
/// events, then response.completed (or .incomplete, .failed). One item is open at a time, so
/// text after a call opens a new message.
struct ResponsesStream: Sendable {
    private(set) var response: ResponseObject
    private var sequence = 0
    private var message: (id: String, text: String)?
    private var call: (id: String, callID: String, name: String, arguments: String)?

    init(response: ResponseObject) {
        self.response = response
    }

    private mutating func event(_ event: ResponseEvent) throws -> ByteBuffer {
        var event = event
        event.sequenceNumber = sequence
        sequence += 1
        return try StreamingBody.sse(event: event.type, event)
    }

    mutating func start() throws -> [ByteBuffer] {
        [try event(ResponseEvent(type: "response.created", response: response)),
         try event(ResponseEvent(type: "response.in_progress", response: response))]
    }

    mutating func handle(_ output: ToolCallEvent) throws -> [ByteBuffer] {
        var buffers: [ByteBuffer] = []
        switch output {
        case .content(let text):
            if call != nil { buffers += try close(status: "completed") }
            if message == nil { buffers += try openMessage() }
            message!.text += text
            buffers.append(try event(ResponseEvent(type: "response.output_text.delta", outputIndex: response.output.count, itemID: message!.id,
                                                   contentIndex: 0, delta: text, logprobs: [])))
        case .reasoning:
            // Reasoning items are not produced: only gpt-oss's format marks reasoning apart.
            break
        case .toolCall(let delta):
            if let id = delta.id {
                buffers += try close(status: "completed")
                let opened = (id: "fc_" + OpenAIRequestFields.randomID(), callID: id, name: delta.name ?? "", arguments: "")
                call = opened
                buffers.append(try event(ResponseEvent(type: "response.output_item.added", outputIndex: response.output.count,
                                                       item: .functionCall(id: opened.id, callID: id, name: opened.name, arguments: "",
                                                                           status: "in_progress"))))
            }
            guard call != nil, !delta.arguments.isEmpty else { break }
            call!.arguments += delta.arguments
            buffers.append(try event(ResponseEvent(type: "response.function_call_arguments.delta", outputIndex: response.output.count,
                                                   itemID: call!.id, delta: delta.arguments)))
        }
        return buffers
    }

    private mutating func openMessage() throws -> [ByteBuffer] {
        let id = "msg_" + OpenAIRequestFields.randomID()
        message = (id, "")
        return [
            try event(ResponseEvent(type: "response.output_item.added", outputIndex: response.output.count,
                                    item: .message(id: id, status: "in_progress", text: nil))),
            try event(ResponseEvent(type: "response.content_part.added", outputIndex: response.output.count, itemID: id, contentIndex: 0,
                                    part: OutputText(text: ""))),
        ]
    }

    /// The done events of the open item, which joins the response's output.
    private mutating func close(status: String) throws -> [ByteBuffer] {
        let index = response.output.count
        if let open = message {
            message = nil
            let item = ResponseItem.message(id: open.id, status: status, text: open.text)
            response.output.append(item)
            return [
                try event(ResponseEvent(type: "response.output_text.done", outputIndex: index, itemID: open.id, contentIndex: 0,
                                        text: open.text, logprobs: [])),
                try event(ResponseEvent(type: "response.content_part.done", outputIndex: index, itemID: open.id, contentIndex: 0,
                                        part: OutputText(text: open.text))),
                try event(ResponseEvent(type: "response.output_item.done", outputIndex: index, item: item)),
            ]
        }
        if let open = call {
            call = nil
            let item = ResponseItem.functionCall(id: open.id, callID: open.callID, name: open.name, arguments: open.arguments, status: status)
            response.output.append(item)
            return [
                try event(ResponseEvent(type: "response.function_call_arguments.done", outputIndex: index, itemID: open.id,
                                        name: open.name, arguments: open.arguments)),
                try event(ResponseEvent(type: "response.output_item.done", outputIndex: index, item: item)),
            ]
        }
        return []
    }

    /// Closes the open item (an output with nothing in it still gets its empty message) and
    /// sends the final response.
    mutating func finish(summary: SequenceSummary?, promptTokens: Int) throws -> [ByteBuffer] {
        let status = ResponsesRoutes.status(summary)
        var buffers: [ByteBuffer] = []
        if message == nil, call == nil, response.output.isEmpty { buffers += try openMessage() }
        buffers += try close(status: status.item)
        ResponsesRoutes.finish(&response, summary: summary, promptTokens: promptTokens)
        let type = ["completed": "response.completed", "incomplete": "response.incomplete"][status.response] ?? "response.failed"
        buffers.append(try event(ResponseEvent(type: type, response: response)))
        return buffers
    }
}
