import Foundation
import RealizarEngine
import RealizarTemplates

/// A `POST /v1/responses` body, checked: the conversation in the template's message shape, the
/// function tools, the output constraint of `text.format`, and the fields the response echoes.
/// The server keeps no responses, so whatever needs stored state is refused with a 400.
struct ResponsesRequest: Sendable {
    var model: String?
    var messages: [JinjaValue] = []
    var instructions: String?
    var tools: ToolRequest?
    var constraint: OutputConstraint?
    var maxOutputTokens: Int?
    var temperature: Double?
    var topP: Double?
    var stream = false
    var parallelToolCalls = true
    /// Echoed in the response object as sent.
    var toolsEcho = OrderedJSON.array([])
    var toolChoiceEcho = OrderedJSON.string("auto")
    var textEcho = OrderedJSON.object([("format", .object([("type", .string("text"))]))])
    var metadata = OrderedJSON.object([])

    init(_ body: JSONField) throws(APIError) {
        // Fields that need the responses or files this server does not keep.
        for key in ["previous_response_id", "conversation", "prompt"] where body[key] != nil {
            throw body[key]!.invalid("is not supported: this server keeps no responses, conversations or stored prompts; send the whole conversation in 'input'")
        }
        if let store = body["store"], try store.bool() {
            throw store.invalid("must be false: this server does not store responses (send the whole conversation in 'input' instead)")
        }
        if let background = body["background"], try background.bool() {
            throw background.invalid("must be false: this server runs no background responses; use 'stream' to read a long answer as it is written")
        }
        model = try body["model"]?.string()
        instructions = try body["instructions"]?.string()
        if let instructions { messages.append(Self.message("system", instructions)) }
        messages += try Self.messages(body.required("input"))
        guard !messages.isEmpty else { throw APIError.invalid("'input' must contain at least one item", param: "input") }
        try readTools(body)
        try readTextFormat(body)
        if let field = body["max_output_tokens"] {
            let value = try field.int()
            guard value >= 1 else { throw field.invalid("must be at least 1") }
            try ServerLimits.checkTokens(value, field: field.path)
            maxOutputTokens = value
        }
        temperature = try body["temperature"]?.double()
        topP = try body["top_p"]?.double()
        stream = try body["stream"]?.bool() ?? false
        if let field = body["metadata"] { metadata = try field.object().value }
        if let field = body["reasoning"] { _ = try field.object() }
        if let field = body["max_tool_calls"], try field.int() < 1 { throw field.invalid("must be at least 1") }
    }

    private static func message(_ role: String, _ content: String) -> JinjaValue {
        .object(JinjaObject([("role", .string(role)), ("content", .string(content))]))
    }

    /// `input`: one user message as text, or items (messages, calls and their outputs). A run
    /// of calls becomes one assistant message with those `tool_calls`, as templates expect.
    static func messages(_ input: JSONField) throws(APIError) -> [JinjaValue] {
        if case .string(let text) = input.value { return [message("user", text)] }
        guard case .array = input.value else { throw input.invalid("must be a string or an array of input items") }
        var messages: [JinjaValue] = []
        var callNames: [String: String] = [:]
        // Whether the last message is an assistant message that calls may join.
        var assistantOpen = false
        for item in try input.items() {
            _ = try item.object()
            let type = try item["type"]?.string() ?? (item["role"] != nil ? "message" : "")
            switch type {
            case "message":
                let role = try item.required("role").string()
                guard ["user", "assistant", "system", "developer"].contains(role) else {
                    throw item["role"]!.invalid("must be user, assistant, system or developer; got '\(role)'")
                }
                // Templates written for system prompts know nothing of OpenAI's newer "developer" role.
                messages.append(message(role == "developer" ? "system" : role, try text(item.required("content"))))
                assistantOpen = role == "assistant"
            case "function_call":
                let callID = try item.required("call_id").string()
                let name = try item.required("name").string()
                let argumentsField = try item.required("arguments")
                let argumentsText = try argumentsField.string()
                guard let arguments = try? JinjaValue(json: argumentsText.isEmpty ? "{}" : argumentsText) else {
                    throw argumentsField.invalid("must be JSON text")
                }
                callNames[callID] = name
                let call = JinjaValue.object(JinjaObject([
                    ("id", .string(callID)), ("type", .string("function")),
                    ("function", .object(JinjaObject([("name", .string(name)), ("arguments", arguments)]))),
                ]))
                if assistantOpen, case .object(var last) = messages[messages.count - 1] {
                    var calls: [JinjaValue] = []
                    if case .array(let earlier)? = last["tool_calls"] { calls = earlier }
                    last["tool_calls"] = .array(calls + [call])
                    messages[messages.count - 1] = .object(last)
                } else {
                    messages.append(.object(JinjaObject([("role", .string("assistant")), ("content", .string("")), ("tool_calls", .array([call]))])))
                    assistantOpen = true
                }
            case "function_call_output":
                let callID = try item.required("call_id").string()
                var object = JinjaObject([("role", .string("tool")), ("content", .string(try text(item.required("output")))),
                                          ("tool_call_id", .string(callID))])
                if let name = callNames[callID] { object["name"] = .string(name) }
                messages.append(.object(object))
                assistantOpen = false
            case "reasoning":
                // A stateless server has nothing to resume from an earlier turn's reasoning, and
                // templates drop it from past turns anyway.
                continue
            case "item_reference":
                throw item.invalid("is an item reference, but this server keeps no items; send the item itself")
            case "":
                throw APIError.invalid("'\(item.path).type' is required (message, function_call or function_call_output)", param: "\(item.path).type")
            default:
                throw item["type"]!.invalid("is '\(type)', which this server does not take: input items are message, function_call, function_call_output and reasoning")
            }
        }
        return messages
    }

    /// A message's content (or a call's output): text, or text parts; images, files and audio
    /// are refused.
    static func text(_ content: JSONField) throws(APIError) -> String {
        if case .string(let text) = content.value { return text }
        guard case .array = content.value else { throw content.invalid("must be a string or an array of content parts") }
        var texts: [String] = []
        for part in try content.items() {
            _ = try part.object()
            let type = try part.required("type").string()
            switch type {
            case "input_text", "output_text", "text": texts.append(try part.required("text").string())
            case "refusal": texts.append(try part.required("refusal").string())
            case "input_image", "input_file", "input_audio":
                throw part.invalid("is an \(type) part, but this model takes text only")
            default:
                throw part["type"]!.invalid("is '\(type)'; content parts are input_text or output_text (this model takes text only)")
            }
        }
        return texts.joined(separator: "\n")
    }

    /// `tools` (function tools only), `tool_choice` and `parallel_tool_calls`.
    private mutating func readTools(_ body: JSONField) throws(APIError) {
        var declared: [FunctionTool] = []
        var descriptions: [String?] = []
        if let tools = body["tools"] {
            toolsEcho = tools.value
            for tool in try tools.items() {
                _ = try tool.object()
                let type = try tool.required("type").string()
                guard type == "function" else {
                    throw tool["type"]!.invalid("is '\(type)': built-in tools (web search, file search, code interpreter, computer use, MCP...) are not available here; only function tools")
                }
                if let strict = tool["strict"] { _ = try strict.bool() }
                declared.append(try ToolRequest.function(name: tool.value["name"], description: tool.value["description"],
                                                         parameters: tool.value["parameters"], field: tool.path,
                                                         parametersKey: "parameters", declared: declared))
                descriptions.append(try tool["description"]?.string())
            }
        }
        var choice = ToolChoice.auto
        if let field = body["tool_choice"] {
            toolChoiceEcho = field.value
            let message = "must be auto, none, required or {\"type\": \"function\", \"name\": ...}"
            switch field.value {
            case .string(let value):
                switch value {
                case "auto": choice = .auto
                case "none": choice = .none
                case "required": choice = .required
                default: throw field.invalid(message)
                }
            case .object:
                let type = try field.required("type").string()
                guard type == "function" else {
                    throw field["type"]!.invalid("is '\(type)': only function tools are available here, so tool_choice \(message)")
                }
                let nameField = try field.required("name")
                let name = try nameField.string()
                guard declared.contains(where: { $0.name == name }) else { throw nameField.invalid("is '\(name)', which names no tool in 'tools'") }
                choice = .function(name)
            default: throw field.invalid(message)
            }
        }
        if declared.isEmpty, choice == .required { throw APIError.invalid("'tool_choice' is required but 'tools' is empty", param: "tool_choice") }
        if let field = body["parallel_tool_calls"] { parallelToolCalls = try field.bool() }
        if !declared.isEmpty {
            tools = ToolRequest.declared(declared, descriptions: descriptions, choice: choice, parallel: parallelToolCalls)
        }
    }

    /// `text.format`: text, a JSON object, or output held to a JSON Schema.
    private mutating func readTextFormat(_ body: JSONField) throws(APIError) {
        guard let text = body["text"] else { return }
        _ = try text.object()
        textEcho = text.value
        guard let format = text["format"] else { return }
        _ = try format.object()
        let type = try format.required("type").string()
        switch type {
        case "text": constraint = nil
        case "json_object": constraint = .jsonObject
        case "json_schema":
            _ = try format.required("name").string()
            if let strict = format["strict"] { _ = try strict.bool() }
            let schema = try format.required("schema").object()
            constraint = try OutputConstraint.jsonSchema(schema.value.text).validated(param: schema.path)
        default:
            throw format["type"]!.invalid("must be text, json_object or json_schema")
        }
    }
}

/// An item of a response's `output`: the assistant's message or a function call.
enum ResponseItem: Encodable, Sendable {
    case message(id: String, status: String, text: String?)
    case functionCall(id: String, callID: String, name: String, arguments: String, status: String)

    private enum Keys: String, CodingKey { case type, id, status, role, content, callID = "call_id", name, arguments }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .message(let id, let status, let text):
            try container.encode("message", forKey: .type)
            try container.encode(id, forKey: .id)
            try container.encode(status, forKey: .status)
            try container.encode("assistant", forKey: .role)
            // While a streamed message is open its parts arrive as events, so it is sent empty.
            try container.encode(text.map { [OutputText(text: $0)] } ?? [], forKey: .content)
        case .functionCall(let id, let callID, let name, let arguments, let status):
            try container.encode("function_call", forKey: .type)
            try container.encode(id, forKey: .id)
            try container.encode(callID, forKey: .callID)
            try container.encode(name, forKey: .name)
            try container.encode(arguments, forKey: .arguments)
            try container.encode(status, forKey: .status)
        }
    }
}

/// A message's `output_text` content part.
struct OutputText: Encodable, Sendable {
    var type = "output_text"
    var text: String
    var annotations: [String] = []
    var logprobs: [String] = []
}

struct ResponseUsage: Encodable, Sendable {
    struct InputDetails: Encodable, Sendable {
        var cachedTokens: Int
        enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
    }
    struct OutputDetails: Encodable, Sendable {
        var reasoningTokens = 0
        enum CodingKeys: String, CodingKey { case reasoningTokens = "reasoning_tokens" }
    }
    var inputTokens: Int
    var inputTokensDetails: InputDetails
    var outputTokens: Int
    var outputTokensDetails = OutputDetails()
    var totalTokens: Int

    init(prompt: Int, summary: SequenceSummary?) {
        inputTokens = prompt
        inputTokensDetails = InputDetails(cachedTokens: summary?.cachedPromptTokens ?? 0)
        outputTokens = summary?.generatedTokens ?? 0
        totalTokens = prompt + outputTokens
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens", inputTokensDetails = "input_tokens_details", outputTokens = "output_tokens"
        case outputTokensDetails = "output_tokens_details", totalTokens = "total_tokens"
    }
}

/// The response object, in OpenAI's shape; the request's settings are echoed.
struct ResponseObject: Encodable, Sendable {
    struct IncompleteDetails: Encodable, Sendable { var reason: String }
    struct Failure: Encodable, Sendable {
        var code = "server_error"
        var message: String
    }

    var id: String
    var object = "response"
    var createdAt: Int
    var status: String
    var error: Failure?
    var incompleteDetails: IncompleteDetails?
    var instructions: String?
    var maxOutputTokens: Int?
    var model: String
    var output: [ResponseItem] = []
    var parallelToolCalls: Bool
    var store = false
    var temperature: Double
    var text: EncodedJSON
    var toolChoice: EncodedJSON
    var tools: EncodedJSON
    var topP: Double
    var truncation = "disabled"
    var usage: ResponseUsage?
    var metadata: EncodedJSON

    enum CodingKeys: String, CodingKey {
        case id, object, status, error, instructions, model, output, store, temperature, text, tools, truncation, usage, metadata
        case createdAt = "created_at", incompleteDetails = "incomplete_details", maxOutputTokens = "max_output_tokens"
        case parallelToolCalls = "parallel_tool_calls", toolChoice = "tool_choice", topP = "top_p"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(status, forKey: .status)
        // OpenAI sends these as null rather than leaving them out.
        try container.encode(error, forKey: .error)
        try container.encode(incompleteDetails, forKey: .incompleteDetails)
        try container.encode(instructions, forKey: .instructions)
        try container.encode(maxOutputTokens, forKey: .maxOutputTokens)
        try container.encode(model, forKey: .model)
        try container.encode(output, forKey: .output)
        try container.encode(parallelToolCalls, forKey: .parallelToolCalls)
        try container.encode(store, forKey: .store)
        try container.encode(temperature, forKey: .temperature)
        try container.encode(text, forKey: .text)
        try container.encode(toolChoice, forKey: .toolChoice)
        try container.encode(tools, forKey: .tools)
        try container.encode(topP, forKey: .topP)
        try container.encode(truncation, forKey: .truncation)
        try container.encode(usage, forKey: .usage)
        try container.encode(metadata, forKey: .metadata)
    }
}

/// A streamed event of the Responses API; each kind sets the fields it carries.
struct ResponseEvent: Encodable, Sendable {
    var type: String
    var sequenceNumber = 0
    var response: ResponseObject?
    var outputIndex: Int?
    var itemID: String?
    var contentIndex: Int?
    var item: ResponseItem?
    var part: OutputText?
    var delta: String?
    var text: String?
    var name: String?
    var arguments: String?
    var logprobs: [String]?

    enum CodingKeys: String, CodingKey {
        case type, response, item, part, delta, text, name, arguments, logprobs
        case sequenceNumber = "sequence_number", outputIndex = "output_index", itemID = "item_id", contentIndex = "content_index"
    }
}
