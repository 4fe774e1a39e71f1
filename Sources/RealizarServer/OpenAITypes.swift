import Foundation
import RealizarEngine

// Request and response bodies of OpenAI's chat and completions APIs. Field names follow the API
// (snake_case through CodingKeys); fields Realizar does not use are ignored when decoded.

/// A message's content: a string, an array of parts (only text parts are read), or null.
struct MessageContent: Decodable, Sendable {
    var text: String

    private struct Part: Decodable {
        var type: String
        var text: String?
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            text = ""
        } else if let string = try? container.decode(String.self) {
            text = string
        } else {
            let parts = try container.decode([Part].self)
            for (index, part) in parts.enumerated() where ["image_url", "image", "input_image", "input_audio"].contains(part.type) {
                let field = JSONBody.path(decoder.codingPath) + "[\(index)]"
                throw APIError.invalid("'\(field)' is an \(part.type == "input_audio" ? "audio" : "image") part, but this model takes text only",
                                       param: field)
            }
            text = parts.compactMap { $0.type == "text" ? $0.text : nil }.joined(separator: "\n")
        }
    }
}

struct ChatMessageIn: Decodable, Sendable {
    var role: String
    var content: MessageContent?
    var name: String?
    /// An assistant message's calls, sent back with the conversation.
    var toolCalls: [ToolCallIn]?
    /// A tool message's answer to this call.
    var toolCallID: String?

    enum CodingKeys: String, CodingKey { case role, content, name, toolCalls = "tool_calls", toolCallID = "tool_call_id" }
}

/// A call in an assistant message of the request: arguments are JSON text.
struct ToolCallIn: Decodable, Sendable {
    struct Function: Decodable, Sendable {
        var name: String
        var arguments: String?
    }
    var id: String?
    var type: String?
    var function: Function
}

struct ResponseFormat: Decodable, Sendable {
    var type: String
    var jsonSchema: JSONSchemaFormat?

    enum CodingKeys: String, CodingKey { case type, jsonSchema = "json_schema" }
}

/// `response_format.json_schema`: the schema the output must validate against (`strict` or not,
/// it is enforced by the grammar).
struct JSONSchemaFormat: Decodable, Sendable {
    var name: String?
    var schema: AnyJSON?
    var strict: Bool?
}

extension OutputConstraint {
    /// The constraint once it compiles; otherwise a 400 naming `param`.
    func validated(param: String) throws(APIError) -> OutputConstraint {
        try ServerLimits.checkGrammar(self, param: param)
        do {
            _ = try compile()
        } catch {
            throw APIError.invalid("'\(param)': \(error)", param: param)
        }
        return self
    }

    /// The schema at `path` in the request body's text, its keys in the client's order: the
    /// grammar writes properties in that order, as OpenAI's strict mode does, and the decoded
    /// value has lost it. The decoded value's text where the body does not hold it there.
    static func schemaText(_ schema: AnyJSON, body: String?, path: [String]) -> String {
        if let body, var value = try? OrderedJSON(parsing: body) {
            for key in path {
                guard let next = value[key] else { return schemaText(schema) }
                value = next
            }
            return value.text
        }
        return schemaText(schema)
    }

    /// A schema value as JSON text (keys sorted, so that the same schema compiles once).
    static func schemaText(_ schema: AnyJSON) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(schema)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

struct StreamOptions: Decodable, Sendable {
    var includeUsage: Bool?
    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// The sampling fields that chat and completions requests share.
struct OpenAISampling: Decodable, Sendable {
    var temperature: Double?
    var topP: Double?
    var topK: Int?
    var minP: Double?
    var presencePenalty: Double?
    var frequencyPenalty: Double?
    var repeatPenalty: Double?
    var logitBias: [String: Double]?
    var seed: Int64?

    enum CodingKeys: String, CodingKey {
        case temperature, seed
        case topP = "top_p", topK = "top_k", minP = "min_p", presencePenalty = "presence_penalty"
        case frequencyPenalty = "frequency_penalty", repeatPenalty = "repeat_penalty", logitBias = "logit_bias"
    }
}

struct ChatCompletionRequest: Decodable, Sendable {
    var model: String?
    var messages: [ChatMessageIn]
    var maxTokens: Int?
    var maxCompletionTokens: Int?
    var n: Int?
    var stop: StringOrStrings?
    var logprobs: Bool?
    var topLogprobs: Int?
    var responseFormat: ResponseFormat?
    /// A GBNF grammar the output must match (llama-server's field).
    var grammar: String?
    var stream: Bool?
    var streamOptions: StreamOptions?
    var sampling: OpenAISampling

    enum CodingKeys: String, CodingKey {
        case model, messages, n, stop, logprobs, stream, grammar
        case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens", topLogprobs = "top_logprobs"
        case responseFormat = "response_format", streamOptions = "stream_options"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([ChatMessageIn].self, forKey: .messages)
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        maxCompletionTokens = try container.decodeIfPresent(Int.self, forKey: .maxCompletionTokens)
        n = try container.decodeIfPresent(Int.self, forKey: .n)
        stop = try container.decodeIfPresent(StringOrStrings.self, forKey: .stop)
        logprobs = try container.decodeIfPresent(Bool.self, forKey: .logprobs)
        topLogprobs = try container.decodeIfPresent(Int.self, forKey: .topLogprobs)
        responseFormat = try container.decodeIfPresent(ResponseFormat.self, forKey: .responseFormat)
        grammar = try container.decodeIfPresent(String.self, forKey: .grammar)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        sampling = try OpenAISampling(from: decoder)
    }
}

/// A completions prompt: text, texts, token ids, or lists of token ids.
enum CompletionPrompt: Decodable, Sendable {
    case text(String)
    case tokens([Int])

    static func decodeList(from container: SingleValueDecodingContainer) throws -> [CompletionPrompt] {
        if let text = try? container.decode(String.self) { return [.text(text)] }
        if let texts = try? container.decode([String].self) { return texts.map { .text($0) } }
        if let tokens = try? container.decode([Int].self) { return [.tokens(tokens)] }
        if let lists = try? container.decode([[Int]].self) { return lists.map { .tokens($0) } }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: container.codingPath,
            debugDescription: "expected a string, an array of strings, or token ids"))
    }

    init(from decoder: any Decoder) throws {
        self = try Self.decodeList(from: decoder.singleValueContainer())[0]
    }
}

struct PromptList: Decodable, Sendable {
    var prompts: [CompletionPrompt]
    init(from decoder: any Decoder) throws {
        prompts = try CompletionPrompt.decodeList(from: decoder.singleValueContainer())
    }
}

struct CompletionRequest: Decodable, Sendable {
    var model: String?
    var prompt: PromptList
    var maxTokens: Int?
    var n: Int?
    var stop: StringOrStrings?
    var logprobs: Int?
    var echo: Bool?
    var stream: Bool?
    var streamOptions: StreamOptions?
    var responseFormat: ResponseFormat?
    /// A GBNF grammar the output must match (llama-server's field).
    var grammar: String?
    var sampling: OpenAISampling

    enum CodingKeys: String, CodingKey {
        case model, prompt, n, stop, logprobs, echo, stream, grammar
        case maxTokens = "max_tokens", streamOptions = "stream_options", responseFormat = "response_format"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        prompt = try container.decode(PromptList.self, forKey: .prompt)
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        n = try container.decodeIfPresent(Int.self, forKey: .n)
        stop = try container.decodeIfPresent(StringOrStrings.self, forKey: .stop)
        logprobs = try container.decodeIfPresent(Int.self, forKey: .logprobs)
        echo = try container.decodeIfPresent(Bool.self, forKey: .echo)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        responseFormat = try container.decodeIfPresent(ResponseFormat.self, forKey: .responseFormat)
        grammar = try container.decodeIfPresent(String.self, forKey: .grammar)
        sampling = try OpenAISampling(from: decoder)
    }
}

// MARK: Responses

struct Usage: Encodable, Sendable {
    var promptTokens: Int
    var completionTokens: Int
    /// Prompt tokens the prefix cache supplied (the most of any choice: they share one prompt).
    var cachedTokens = 0
    var totalTokens: Int { promptTokens + completionTokens }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
    }

    enum DetailKeys: String, CodingKey {
        case cachedTokens = "cached_tokens"
    }

    /// Counts a finished choice.
    mutating func record(_ summary: SequenceSummary) {
        completionTokens += summary.generatedTokens
        cachedTokens = max(cachedTokens, summary.cachedPromptTokens)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(totalTokens, forKey: .totalTokens)
        var details = container.nestedContainer(keyedBy: DetailKeys.self, forKey: .promptTokensDetails)
        try details.encode(cachedTokens, forKey: .cachedTokens)
    }
}

struct TopLogprob: Encodable, Sendable {
    var token: String
    var logprob: Float
    var bytes: [UInt8]
}

struct TokenLogprobEntry: Encodable, Sendable {
    var token: String
    var logprob: Float
    var bytes: [UInt8]
    var topLogprobs: [TopLogprob]
    enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }
}

struct ChatLogprobs: Encodable, Sendable {
    var content: [TokenLogprobEntry]
}

struct AssistantMessage: Encodable, Sendable {
    var role = "assistant"
    /// Null (not absent) when the message is only calls, as OpenAI sends it.
    var content: String?
    var reasoningContent: String?
    var toolCalls: [ToolCallOut]?

    enum CodingKeys: String, CodingKey { case role, content, reasoningContent = "reasoning_content", toolCalls = "tool_calls" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encode(content, forKey: .content)
        try container.encodeIfPresent(reasoningContent, forKey: .reasoningContent)
        try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
    }
}

/// A call in a response: `function.arguments` is JSON text.
struct ToolCallOut: Encodable, Sendable {
    struct Function: Encodable, Sendable {
        var name: String
        var arguments: String
    }
    var id: String
    var type = "function"
    var function: Function

    init(_ call: ToolCall) {
        id = call.id
        function = Function(name: call.name, arguments: call.arguments)
    }
}

/// A streamed piece of a call: index, id, type and name first, then argument fragments.
struct ToolCallDeltaOut: Encodable, Sendable {
    struct Function: Encodable, Sendable {
        var name: String?
        var arguments: String
    }
    var index: Int
    var id: String?
    var type: String?
    var function: Function

    init(_ delta: ToolCallDelta) {
        index = delta.index
        id = delta.id
        type = delta.id == nil ? nil : "function"
        function = Function(name: delta.name, arguments: delta.arguments)
    }
}

struct ChatChoice: Encodable, Sendable {
    var index: Int
    var message: AssistantMessage
    var logprobs: ChatLogprobs?
    var finishReason: String
    enum CodingKeys: String, CodingKey { case index, message, logprobs, finishReason = "finish_reason" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(message, forKey: .message)
        try container.encode(logprobs, forKey: .logprobs)
        try container.encode(finishReason, forKey: .finishReason)
    }
}

struct ChatCompletion: Encodable, Sendable {
    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var systemFingerprint = "realizar"
    var choices: [ChatChoice]
    var usage: Usage
    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint" }
}

struct ChatDelta: Encodable, Sendable {
    var role: String?
    var content: String?
    var reasoningContent: String?
    var toolCalls: [ToolCallDeltaOut]?

    enum CodingKeys: String, CodingKey { case role, content, reasoningContent = "reasoning_content", toolCalls = "tool_calls" }
}

struct ChatChunkChoice: Encodable, Sendable {
    var index: Int
    var delta: ChatDelta
    var logprobs: ChatLogprobs?
    var finishReason: String?
    enum CodingKeys: String, CodingKey { case index, delta, logprobs, finishReason = "finish_reason" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(delta, forKey: .delta)
        try container.encode(logprobs, forKey: .logprobs)
        try container.encode(finishReason, forKey: .finishReason)
    }
}

struct ChatCompletionChunk: Encodable, Sendable {
    var id: String
    var object = "chat.completion.chunk"
    var created: Int
    var model: String
    var systemFingerprint = "realizar"
    var choices: [ChatChunkChoice]
    var usage: Usage?
    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint" }
}

/// The legacy completions `logprobs` object: parallel arrays per token.
struct CompletionLogprobs: Encodable, Sendable {
    var tokens: [String] = []
    var tokenLogprobs: [Float] = []
    var topLogprobs: [[String: Float]] = []
    var textOffset: [Int] = []
    enum CodingKeys: String, CodingKey {
        case tokens, tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs", textOffset = "text_offset"
    }
}

struct CompletionChoice: Encodable, Sendable {
    var text: String
    var index: Int
    var logprobs: CompletionLogprobs?
    var finishReason: String?
    enum CodingKeys: String, CodingKey { case text, index, logprobs, finishReason = "finish_reason" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(index, forKey: .index)
        try container.encode(logprobs, forKey: .logprobs)
        try container.encode(finishReason, forKey: .finishReason)
    }
}

struct Completion: Encodable, Sendable {
    var id: String
    var object = "text_completion"
    var created: Int
    var model: String
    var systemFingerprint = "realizar"
    var choices: [CompletionChoice]
    var usage: Usage?
    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, systemFingerprint = "system_fingerprint" }
}

struct ModelObject: Encodable, Sendable {
    var id: String
    var object = "model"
    var created: Int
    var ownedBy = "realizar"
    enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
}

struct ModelList: Encodable, Sendable {
    var object = "list"
    var data: [ModelObject]
}

// MARK: Embeddings

/// An embeddings `input`: a string, an array of strings, an array of token ids, or an array of
/// arrays of token ids.
struct EmbeddingInput: Decodable, Sendable {
    enum Inputs: Sendable {
        case texts([String])
        case tokens([[Int]])
    }

    var inputs: Inputs
    /// Whether the field was an array of inputs (messages then name `input[i]`), not one input.
    var isList: Bool

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { (inputs, isList) = (.texts([text]), false) }
        else if let texts = try? container.decode([String].self) { (inputs, isList) = (.texts(texts), true) }
        else if let ids = try? container.decode([Int].self) { (inputs, isList) = (.tokens([ids]), false) }
        else if let lists = try? container.decode([[Int]].self) { (inputs, isList) = (.tokens(lists), true) }
        else {
            throw APIError.invalid("'input' must be a string, an array of strings, an array of token ids or an array of arrays of token ids",
                                   param: "input")
        }
    }

    var count: Int {
        switch inputs {
        case .texts(let texts): texts.count
        case .tokens(let lists): lists.count
        }
    }
}

struct EmbeddingRequest: Decodable, Sendable {
    var model: String?
    var input: EmbeddingInput
    var encodingFormat: String?
    var dimensions: Int?
    /// Accepted and ignored, as OpenAI uses it for abuse monitoring only.
    var user: String?

    enum CodingKeys: String, CodingKey {
        case model, input, dimensions, user
        case encodingFormat = "encoding_format"
    }
}

/// A vector as floats, or as base64 of its little-endian float32 bytes.
enum EmbeddingVector: Encodable, Sendable {
    case floats([Float])
    case base64(String)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .floats(let values): try container.encode(values)
        case .base64(let text): try container.encode(text)
        }
    }
}

struct EmbeddingObject: Encodable, Sendable {
    var object = "embedding"
    var index: Int
    var embedding: EmbeddingVector
}

struct EmbeddingUsage: Encodable, Sendable {
    var promptTokens: Int
    var totalTokens: Int
    enum CodingKeys: String, CodingKey { case promptTokens = "prompt_tokens", totalTokens = "total_tokens" }
}

struct EmbeddingList: Encodable, Sendable {
    var object = "list"
    var data: [EmbeddingObject]
    var model: String
    var usage: EmbeddingUsage
}
