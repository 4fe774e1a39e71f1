import Foundation
import RealizarEngine
import RealizarTemplates

/// A `POST /v1/messages` (or `/v1/messages/count_tokens`) body, checked: the conversation in
/// the template's message shape (tool_use blocks as `tool_calls`, tool_result blocks as tool
/// messages), the tools, and the generation settings.
struct MessagesRequest: Sendable {
    var model: String?
    var messages: [JinjaValue] = []
    /// A final assistant message's text: the answer continues it (Anthropic's prefill).
    var continuing = ""
    var tools: ToolRequest?
    var maxTokens = 0
    var stopSequences: [String] = []
    var temperature: Double?
    var topP: Double?
    var topK: Int?
    var stream = false

    /// `counting`: a count_tokens body, which has no `max_tokens` and no sampling.
    init(_ body: JSONField, counting: Bool = false) throws(APIError) {
        model = try body["model"]?.string()
        if let system = body["system"] { messages.append(Self.message("system", try Self.text(system, what: "system"))) }
        try readMessages(body.required("messages"))
        try readTools(body)
        if let thinking = body["thinking"] {
            _ = try thinking.object()
            if try thinking.required("type").string() != "disabled" {
                throw thinking.invalid("asks for extended thinking, which this server does not do; leave it out or set {\"type\": \"disabled\"}")
            }
        }
        if let servers = body["mcp_servers"], try !servers.items().isEmpty {
            throw servers.invalid("is not supported: this server connects to no MCP servers; declare the functions in 'tools'")
        }
        guard !counting else { return }
        let maxTokensField = try body.required("max_tokens")
        maxTokens = try maxTokensField.int()
        guard maxTokens >= 1 else { throw maxTokensField.invalid("must be at least 1") }
        try ServerLimits.checkTokens(maxTokens, field: "max_tokens")
        if let field = body["stop_sequences"] {
            for item in try field.items() {
                let stop = try item.string()
                guard !stop.isEmpty else { throw item.invalid("must not be empty") }
                stopSequences.append(stop)
            }
        }
        if let field = body["temperature"] {
            temperature = try field.double()
            guard (0...1).contains(temperature!) else { throw field.invalid("must be between 0 and 1") }
        }
        if let field = body["top_p"] {
            topP = try field.double()
            guard topP! > 0, topP! <= 1 else { throw field.invalid("must be greater than 0 and at most 1") }
        }
        if let field = body["top_k"] {
            topK = try field.int()
            guard topK! >= 1 else { throw field.invalid("must be at least 1") }
        }
        if let metadata = body["metadata"] {
            _ = try metadata.object()
            _ = try metadata["user_id"]?.string()
        }
        stream = try body["stream"]?.bool() ?? false
    }

    private static func message(_ role: String, _ content: String) -> JinjaValue {
        .object(JinjaObject([("role", .string(role)), ("content", .string(content))]))
    }

    /// Text or text blocks (`system`, a tool result's content); `what` names the kind of content
    /// an image block was found in.
    static func text(_ field: JSONField, what: String) throws(APIError) -> String {
        if case .string(let text) = field.value { return text }
        guard case .array = field.value else { throw field.invalid("must be a string or an array of text blocks") }
        var texts: [String] = []
        for block in try field.items() {
            _ = try block.object()
            let type = try block.required("type").string()
            switch type {
            case "text": texts.append(try block.required("text").string())
            case "image", "document": throw block.invalid("is an \(type) block, but this model takes text only")
            default: throw block["type"]!.invalid("is '\(type)'; \(what) takes text blocks")
            }
        }
        return texts.joined(separator: "\n")
    }

    private mutating func readMessages(_ field: JSONField) throws(APIError) {
        let items = try field.items()
        guard !items.isEmpty else { throw field.invalid("must contain at least one message") }
        var callNames: [String: String] = [:]
        for (index, item) in items.enumerated() {
            _ = try item.object()
            let roleField = try item.required("role")
            let role = try roleField.string()
            guard role == "user" || role == "assistant" else {
                throw roleField.invalid("must be user or assistant (the system prompt is the top-level 'system'); got '\(role)'")
            }
            let content = try item.required("content")
            if case .string(let text) = content.value {
                if role == "assistant", index == items.count - 1 {
                    continuing = text
                } else {
                    messages.append(Self.message(role, text))
                }
                continue
            }
            guard case .array = content.value else { throw content.invalid("must be a string or an array of content blocks") }
            var texts: [String] = []
            var calls: [JinjaValue] = []
            var results: [JinjaValue] = []
            for block in try content.items() {
                _ = try block.object()
                let type = try block.required("type").string()
                switch type {
                case "text": texts.append(try block.required("text").string())
                case "image", "document": throw block.invalid("is an \(type) block, but this model takes text only")
                case "tool_use":
                    guard role == "assistant" else { throw block["type"]!.invalid("is a tool_use block, which belongs to assistant messages") }
                    let id = try block.required("id").string()
                    let name = try block.required("name").string()
                    let input = try block.required("input").object()
                    callNames[id] = name
                    calls.append(.object(JinjaObject([
                        ("id", .string(id)), ("type", .string("function")),
                        ("function", .object(JinjaObject([("name", .string(name)), ("arguments", input.value.jinjaValue)]))),
                    ])))
                case "tool_result":
                    guard role == "user" else { throw block["type"]!.invalid("is a tool_result block, which belongs to user messages") }
                    let id = try block.required("tool_use_id").string()
                    var text = ""
                    if let result = block["content"] { text = try Self.text(result, what: "a tool result") }
                    // Templates have no field for a failed call; the model reads it from the text.
                    if try block["is_error"]?.bool() == true { text = "Error: " + text }
                    var object = JinjaObject([("role", .string("tool")), ("content", .string(text)), ("tool_call_id", .string(id))])
                    if let name = callNames[id] { object["name"] = .string(name) }
                    results.append(.object(object))
                case "thinking", "redacted_thinking":
                    // Earlier turns' thinking: templates drop it from past turns.
                    continue
                default:
                    throw block["type"]!.invalid("is '\(type)'; content blocks are text, tool_use and tool_result (this model takes text only)")
                }
            }
            let text = texts.joined(separator: "\n")
            if role == "user" {
                messages += results
                if !text.isEmpty || results.isEmpty { messages.append(Self.message("user", text)) }
            } else if calls.isEmpty, index == items.count - 1 {
                continuing = text
            } else {
                var object = JinjaObject([("role", .string("assistant")), ("content", .string(text))])
                if !calls.isEmpty { object["tool_calls"] = .array(calls) }
                messages.append(.object(object))
            }
        }
    }

    private mutating func readTools(_ body: JSONField) throws(APIError) {
        var declared: [FunctionTool] = []
        var descriptions: [String?] = []
        if let tools = body["tools"] {
            for tool in try tools.items() {
                _ = try tool.object()
                if let type = try tool["type"]?.string(), type != "custom" {
                    throw tool["type"]!.invalid("is '\(type)': server tools (web search, bash, text editor, computer use...) are not available here; declare custom tools with 'input_schema'")
                }
                _ = try tool.required("input_schema").object()
                declared.append(try ToolRequest.function(name: tool.value["name"], description: tool.value["description"],
                                                         parameters: tool.value["input_schema"], field: tool.path,
                                                         parametersKey: "input_schema", declared: declared))
                descriptions.append(try tool["description"]?.string())
            }
        }
        var choice = ToolChoice.auto
        var parallel = true
        if let field = body["tool_choice"] {
            _ = try field.object()
            let typeField = try field.required("type")
            switch try typeField.string() {
            case "auto": choice = .auto
            case "none": choice = .none
            case "any": choice = .required
            case "tool":
                let nameField = try field.required("name")
                let name = try nameField.string()
                guard declared.contains(where: { $0.name == name }) else { throw nameField.invalid("is '\(name)', which names no tool in 'tools'") }
                choice = .function(name)
            default: throw typeField.invalid("must be auto, any, tool or none")
            }
            if let disable = field["disable_parallel_tool_use"] { parallel = try !disable.bool() }
        }
        if declared.isEmpty, choice == .required { throw APIError.invalid("'tool_choice' is any but 'tools' is empty", param: "tool_choice") }
        if !declared.isEmpty { tools = ToolRequest.declared(declared, descriptions: descriptions, choice: choice, parallel: parallel) }
    }
}

/// A content block of an answer.
enum AnthropicBlock: Encodable, Sendable {
    case text(String)
    case toolUse(id: String, name: String, input: EncodedJSON)

    private enum Keys: String, CodingKey { case type, text, id, name, input }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .text(let text):
            try container.encode("text", forKey: .type)
            try container.encode(text, forKey: .text)
        case .toolUse(let id, let name, let input):
            try container.encode("tool_use", forKey: .type)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(input, forKey: .input)
        }
    }

    /// A call's block: its arguments as the input object (an empty one when the output was cut
    /// before they closed).
    init(_ call: ToolCall) {
        let input = (try? OrderedJSON(parsing: call.arguments)).flatMap { value -> OrderedJSON? in
            if case .object = value { return value }
            return nil
        } ?? .object([])
        self = .toolUse(id: call.id, name: call.name, input: EncodedJSON(input))
    }
}

/// Token counts in Anthropic's terms: `input_tokens` are the prompt tokens computed, and those
/// the prefix cache supplied are `cache_read_input_tokens` (the two add up to the prompt).
struct AnthropicUsage: Encodable, Sendable {
    var inputTokens: Int
    var outputTokens: Int
    var cacheCreationInputTokens = 0
    var cacheReadInputTokens = 0

    init(prompt: Int, summary: SequenceSummary?) {
        let cached = min(prompt, summary?.cachedPromptTokens ?? 0)
        inputTokens = prompt - cached
        cacheReadInputTokens = cached
        outputTokens = summary?.generatedTokens ?? 0
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens", outputTokens = "output_tokens"
        case cacheCreationInputTokens = "cache_creation_input_tokens", cacheReadInputTokens = "cache_read_input_tokens"
    }
}

/// The answer, in Anthropic's shape.
struct AnthropicMessage: Encodable, Sendable {
    var id: String
    var type = "message"
    var role = "assistant"
    var model: String
    var content: [AnthropicBlock]
    var stopReason: String?
    var stopSequence: String?
    var usage: AnthropicUsage

    enum CodingKeys: String, CodingKey {
        case id, type, role, model, content, usage, stopReason = "stop_reason", stopSequence = "stop_sequence"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(role, forKey: .role)
        try container.encode(model, forKey: .model)
        try container.encode(content, forKey: .content)
        // Null until the answer ends, as Anthropic sends them.
        try container.encode(stopReason, forKey: .stopReason)
        try container.encode(stopSequence, forKey: .stopSequence)
        try container.encode(usage, forKey: .usage)
    }
}

/// A streamed event of the Messages API; each kind sets the fields it carries.
struct AnthropicEvent: Encodable, Sendable {
    struct Delta: Encodable, Sendable {
        var type: String?
        var text: String?
        var partialJSON: String?
        var stopReason: String?
        var stopSequence: String?
        enum CodingKeys: String, CodingKey {
            case type, text, partialJSON = "partial_json", stopReason = "stop_reason", stopSequence = "stop_sequence"
        }
    }
    struct Failure: Encodable, Sendable {
        var type: String
        var message: String
    }

    var type: String
    var message: AnthropicMessage?
    var index: Int?
    var contentBlock: AnthropicBlock?
    var delta: Delta?
    var usage: AnthropicUsage?
    var error: Failure?

    enum CodingKeys: String, CodingKey { case type, message, index, delta, usage, error, contentBlock = "content_block" }
}
