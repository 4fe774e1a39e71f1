import Foundation

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

    enum CodingKeys: String, CodingKey {
        case temperature, seed, stop
        case topK = "top_k", topP = "top_p", minP = "min_p", typicalP = "typical_p", numPredict = "num_predict"
        case numCtx = "num_ctx", repeatPenalty = "repeat_penalty", repeatLastN = "repeat_last_n"
        case presencePenalty = "presence_penalty", frequencyPenalty = "frequency_penalty"
    }
}

struct OllamaMessage: Codable, Sendable {
    var role: String
    var content: String
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
    var format = "gguf"
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
