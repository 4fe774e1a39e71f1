import Foundation
import RealizarCore
import RealizarEngine

/// What Ollama's `/api/show` and `/api/tags` say about a model: `details` (family, parameter
/// size, quantization, format), `model_info` in GGUF's key names (a GGUF file's own metadata, the
/// tokenizer's long arrays left out; for a folder the same keys made from its architecture),
/// the chat template, the capabilities and the context a request gets.
struct ModelDescription: Sendable {
    var details: OllamaModelDetails
    var modelInfo: [String: AnyJSON]
    var template: String
    var capabilities: [String]
    var context: Int

    /// A loaded model's description.
    init(host: ModelHost) {
        self.init(model: host.model, chat: host.chat, context: host.context, generates: host.generates)
    }

    init(model: LoadedModel, chat: ChatPrompt?, context: Int, generates: Bool) {
        let graph = model.decoder.graph
        let architecture = model.decoder.architecture
        let parameters = model.parameterCount
        let size = parameters >= 1_000_000_000 ? String(format: "%.1fB", Double(parameters) / 1e9) : String(format: "%.0fM", Double(parameters) / 1e6)
        var bytesByType: [String: Int] = [:]
        for matrix in graph.matrices { bytesByType[matrix.type.name, default: 0] += matrix.byteCount }
        let quantization = bytesByType.max { $0.value < $1.value }?.key ?? "unknown"
        let family = graph.description.name
        details = OllamaModelDetails(format: model.file == nil ? "safetensors" : "gguf", family: family, families: [family],
                                     parameterSize: size, quantizationLevel: quantization)

        var info: [String: AnyJSON] = [:]
        for entry in model.file?.metadata ?? [] where !entry.key.hasPrefix("tokenizer.") {
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
        for feature in graph.summary { info["realizar.\(feature.key)"] = .string(feature.value) }
        if let config = model.folder?.config {
            for (key, value) in config.values {
                if let number = value as? NSNumber { info["config.\(key)"] = .number(number.doubleValue) }
                if let text = value as? String { info["config.\(key)"] = .string(text) }
            }
        }
        // The keys Ollama's clients read, from the architecture the engine computes with: a
        // folder has no GGUF metadata, and a GGUF file's own values are kept where present.
        let arch: String
        if case .string(let name)? = info["general.architecture"] { arch = name } else { arch = family }
        let derived: [(String, Int)] = [
            ("\(arch).context_length", architecture.contextLength),
            ("\(arch).embedding_length", architecture.embeddingLength),
            ("\(arch).block_count", architecture.blockCount),
            ("\(arch).feed_forward_length", architecture.feedForwardLength),
            ("\(arch).attention.head_count", architecture.headCount),
            ("\(arch).attention.head_count_kv", architecture.headCountKV),
            ("\(arch).attention.key_length", architecture.headDimension),
        ]
        info["general.architecture"] = .string(arch)
        for (key, value) in derived where info[key] == nil { info[key] = .number(Double(value)) }
        info["general.parameter_count"] = .number(Double(parameters))
        modelInfo = info

        template = chat?.source ?? ""
        // Ollama's capability names: a model that only embeds has "embedding"; one that
        // generates has "completion" (and "chat" with a template). Decoders embed too, but Ollama
        // lists them by what they are for, and clients pick embedding models by this list.
        capabilities = !generates ? ["embedding"] : chat == nil ? ["completion"] : ["completion", "chat"]
        self.context = context
    }

    /// The description of a model that is not loaded: its file is mapped and its graph built on
    /// the CPU (cheap: weights stay in the mapped file), without a scheduler or KV cache.
    static func inspect(path: String) throws -> ModelDescription {
        let model = try LoadedModel(path: path, preferring: [CPUBackend(threads: 1)])
        let generates = model.decoder.graph.output == .logits
        return ModelDescription(model: model, chat: generates ? try? ChatPrompt(model: model) : nil,
                                context: model.defaultContext, generates: generates)
    }
}
