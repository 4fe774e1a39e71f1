import Foundation
import RealizarEngine

// Request and response bodies of Ollama's API, with Ollama's field names. Durations are
// nanoseconds; times are RFC 3339.

/// Ollama's `options` (the model-file parameters a request may override). Unknown options
/// (num_gpu, num_thread, ...) are accepted and ignored.
struct OllamaOptions: Decodable, Sendable {
    var temperature: Double?
    var topK: Int?
    var topP: Double?
    var minP: Double?
    var typicalP: Double?
    var seed: Int64?
    var numPredict: Int?
    var numCtx: Int?
    var stop: [String]?
    var repeatPenalty: Double?
    var repeatLastN: Int?
    var presencePenalty: Double?
    var frequencyPenalty: Double?
    /// A GBNF grammar the output must match (as llama-server takes it).
    var grammar: String?

    enum CodingKeys: String, CodingKey {
        case temperature, seed, stop, grammar
        case topK = "top_k", topP = "top_p", minP = "min_p", typicalP = "typical_p", numPredict = "num_predict"
        case numCtx = "num_ctx", repeatPenalty = "repeat_penalty", repeatLastN = "repeat_last_n"
        case presencePenalty = "presence_penalty", frequencyPenalty = "frequency_penalty"
    }
}

struct OllamaMessage: Codable, Sendable {
    var role: String
    var content: String
    /// The model's reasoning, where its format sets it apart.
    var thinking: String?
    var toolCalls: [OllamaToolCall]?
    /// Base64 images: refused, as the models served take text only.
    var images: [String]?
    /// A tool message's tool (Ollama's field; `name` in older clients).
    var toolName: String?
    var name: String?

    init(role: String, content: String, thinking: String? = nil, toolCalls: [OllamaToolCall]? = nil) {
        self.role = role
        self.content = content
        self.thinking = thinking
        self.toolCalls = toolCalls
    }

    enum CodingKeys: String, CodingKey {
        case role, content, thinking, images, name
        case toolCalls = "tool_calls", toolName = "tool_name"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(String.self, forKey: .role)
        content = try container.decodeIfPresent(String.self, forKey: .content) ?? ""
        thinking = try container.decodeIfPresent(String.self, forKey: .thinking)
        toolCalls = try container.decodeIfPresent([OllamaToolCall].self, forKey: .toolCalls)
        images = try container.decodeIfPresent([String].self, forKey: .images)
        toolName = try container.decodeIfPresent(String.self, forKey: .toolName)
        name = try container.decodeIfPresent(String.self, forKey: .name)
    }
}

/// Ollama's call: `function.arguments` is an object, not JSON text.
struct OllamaToolCall: Codable, Sendable {
    struct Function: Codable, Sendable {
        var name: String
        var arguments: AnyJSON?
    }
    var function: Function

    init(_ call: ToolCall) {
        let arguments = try? JSONDecoder().decode(AnyJSON.self, from: Data(call.arguments.utf8))
        function = Function(name: call.name, arguments: arguments ?? .object([:]))
    }
}

struct OllamaGenerateRequest: Decodable, Sendable {
    var model: String?
    var prompt: String?
    var system: String?
    var raw: Bool?
    var format: AnyJSON?
    var options: OllamaOptions?
    var stream: Bool?
}

struct OllamaChatRequest: Decodable, Sendable {
    var model: String?
    var messages: [OllamaMessage]?
    var format: AnyJSON?
    var options: OllamaOptions?
    var stream: Bool?
}

struct OllamaShowRequest: Decodable, Sendable {
    var model: String?
    var name: String?
}

/// One line of a generate or chat response (streamed parts and the final one share the shape).
struct OllamaResponse: Encodable, Sendable {
    var model: String
    var createdAt: String
    var response: String?
    var message: OllamaMessage?
    var done: Bool
    var doneReason: String?
    var totalDuration: Int?
    var loadDuration: Int?
    var promptEvalCount: Int?
    var promptEvalDuration: Int?
    var evalCount: Int?
    var evalDuration: Int?

    enum CodingKeys: String, CodingKey {
        case model, response, message, done
        case createdAt = "created_at", doneReason = "done_reason", totalDuration = "total_duration"
        case loadDuration = "load_duration", promptEvalCount = "prompt_eval_count"
        case promptEvalDuration = "prompt_eval_duration", evalCount = "eval_count", evalDuration = "eval_duration"
    }
}

struct OllamaModelDetails: Encodable, Sendable {
    var parentModel = ""
    var format: String
    var family: String
    var families: [String]
    var parameterSize: String
    var quantizationLevel: String

    enum CodingKeys: String, CodingKey {
        case format, family, families
        case parentModel = "parent_model", parameterSize = "parameter_size", quantizationLevel = "quantization_level"
    }
}

struct OllamaModelEntry: Encodable, Sendable {
    var name: String
    var model: String
    var modifiedAt: String?
    var size: Int
    var digest: String
    var details: OllamaModelDetails
    var expiresAt: String?
    var sizeVram: Int?

    enum CodingKeys: String, CodingKey {
        case name, model, size, digest, details
        case modifiedAt = "modified_at", expiresAt = "expires_at", sizeVram = "size_vram"
    }
}

struct OllamaModelList: Encodable, Sendable {
    var models: [OllamaModelEntry]
}

struct OllamaShowResponse: Encodable, Sendable {
    var modelfile: String
    var parameters: String
    var template: String
    var details: OllamaModelDetails
    var modelInfo: [String: AnyJSON]?
    var capabilities: [String]
    var modifiedAt: String

    enum CodingKeys: String, CodingKey {
        case modelfile, parameters, template, details, capabilities
        case modelInfo = "model_info", modifiedAt = "modified_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(modelfile, forKey: .modelfile)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(template, forKey: .template)
        try container.encode(details, forKey: .details)
        try container.encode(modelInfo, forKey: .modelInfo)
        try container.encode(capabilities, forKey: .capabilities)
        try container.encode(modifiedAt, forKey: .modifiedAt)
    }
}

// MARK: Embeddings

/// Ollama's `keep_alive`: a number of seconds or a Go duration string ("5m", "1h30m", "-1s");
/// negative means forever. Served models stay loaded for the server's lifetime, so the value is
/// only validated.
struct OllamaDuration: Decodable, Sendable, Equatable {
    /// Nil: forever.
    var seconds: Double?

    init(seconds: Double?) {
        self.seconds = seconds
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let field = JSONBody.path(decoder.codingPath)
        if let number = try? container.decode(Double.self) {
            guard number.isFinite else { throw APIError.invalid("'\(field)' must be a finite number of seconds", param: field) }
            seconds = number < 0 ? nil : number
        } else if let text = try? container.decode(String.self) {
            guard let value = Self.parse(text) else {
                throw APIError.invalid("'\(field)' must be a duration such as \"5m\", \"1h30m\" or \"-1\" (forever), or a number of seconds; got \"\(text)\"",
                                       param: field)
            }
            seconds = value < 0 ? nil : value
        } else {
            throw APIError.invalid("'\(field)' must be a duration string or a number of seconds", param: field)
        }
    }

    /// Seconds of a duration as Go's `time.ParseDuration` reads it (units ns, us, µs, ms, s, m, h;
    /// a bare "0" needs none); a string of a plain number is seconds, as `OLLAMA_KEEP_ALIVE` reads it.
    static func parse(_ text: String) -> Double? {
        if let number = Double(text), number.isFinite, !text.contains(where: { $0.isLetter }) { return number }
        var rest = Substring(text)
        var sign = 1.0
        if let first = rest.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        let units: [String: Double] = ["ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600]
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let scale = units[String(unit)] else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        return sign * total
    }
}

/// `/api/embed`'s `input`: one string or an array of strings.
struct OllamaEmbedInput: Decodable, Sendable {
    /// An empty string gives no texts, as in Ollama.
    var texts: [String]
    /// Whether the field was an array (messages then name `input[i]`).
    var isList: Bool

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            texts = text.isEmpty ? [] : [text]
            isList = false
        } else if let list = try? container.decode([String].self) {
            texts = list
            isList = true
        } else {
            throw APIError.invalid("'input' must be a string or an array of strings", param: "input")
        }
    }
}

struct OllamaEmbedRequest: Decodable, Sendable {
    var model: String?
    var input: OllamaEmbedInput?
    var truncate: Bool?
    var keepAlive: OllamaDuration?
    var options: OllamaOptions?
    var dimensions: Int?

    enum CodingKeys: String, CodingKey {
        case model, input, truncate, options, dimensions
        case keepAlive = "keep_alive"
    }
}

struct OllamaEmbedResponse: Encodable, Sendable {
    var model: String
    var embeddings: [[Float]]
    var totalDuration: Int?
    var loadDuration: Int?
    var promptEvalCount: Int?

    enum CodingKeys: String, CodingKey {
        case model, embeddings
        case totalDuration = "total_duration", loadDuration = "load_duration", promptEvalCount = "prompt_eval_count"
    }
}

/// The legacy `/api/embeddings`: one `prompt`, always truncated.
struct OllamaEmbeddingsRequest: Decodable, Sendable {
    var model: String?
    var prompt: String?
    var keepAlive: OllamaDuration?
    var options: OllamaOptions?

    enum CodingKeys: String, CodingKey {
        case model, prompt, options
        case keepAlive = "keep_alive"
    }
}

/// Ollama's `format` (`"json"` or a JSON Schema object) and `options.grammar` as the output constraint.
enum OllamaFormat {
    /// `body` is the request's text, which holds the schema with its keys in order.
    static func constraint(_ format: AnyJSON?, grammar: String?, body: String? = nil) throws(APIError) -> OutputConstraint? {
        var constraint: OutputConstraint?
        switch format {
        case nil, .null: constraint = nil
        case .string(let value) where value == "json": constraint = .jsonObject
        case .string(let value) where value.isEmpty: constraint = nil
        case .object(let members):
            constraint = members.isEmpty ? .jsonObject
                : try OutputConstraint.jsonSchema(OutputConstraint.schemaText(.object(members), body: body, path: ["format"])).validated(param: "format")
        default: throw APIError.invalid("'format' must be \"json\" or a JSON schema object", param: "format")
        }
        guard let grammar else { return constraint }
        guard constraint == nil else { throw APIError.invalid("'options.grammar' and 'format' cannot be used together", param: "options.grammar") }
        return try OutputConstraint.grammar(grammar).validated(param: "options.grammar")
    }
}
