import Foundation

extension ModelInfo {
    /// Describes a safetensors model: the weights plus, when beside them, `config.json` (the
    /// Hugging Face hyper-parameters) and `tokenizer.json`.
    public init(safetensors checkpoint: SafetensorsCheckpoint, folder: URL?, includeTensors: Bool) throws {
        var config: [String: Any] = [:]
        var tokenizerKind: String?
        var tokenizerVocabulary: Int?
        var chatTemplate = false
        if let folder {
            let configURL = folder.appendingPathComponent("config.json")
            if let data = try? Data(contentsOf: configURL) {
                guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw FormatError(path: configURL.path, problem: "is not a JSON object")
                }
                config = object
            }
            if let data = try? Data(contentsOf: folder.appendingPathComponent("tokenizer.json")),
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let model = object["model"] as? [String: Any] {
                tokenizerKind = model["type"] as? String
                tokenizerVocabulary = (model["vocab"] as? [String: Any])?.count ?? (model["vocab"] as? [Any])?.count
            }
            if let data = try? Data(contentsOf: folder.appendingPathComponent("tokenizer_config.json")),
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                chatTemplate = object["chat_template"] != nil
            }
            chatTemplate = chatTemplate || FileManager.default.fileExists(atPath: folder.appendingPathComponent("chat_template.jinja").path)
        }
        func int(_ key: String) -> Int? { (config[key] as? NSNumber)?.intValue }

        var hyper: [HyperParameter] = []
        for key in config.keys.sorted() {
            switch config[key] {
            case let string as String: hyper.append(HyperParameter(key: key, value: .string(string)))
            case let number as NSNumber:
                switch JSONNumber(number) {
                case .boolean(let value): hyper.append(HyperParameter(key: key, value: .bool(value)))
                case .float(let value): hyper.append(HyperParameter(key: key, value: .double(value)))
                case .integer(let value): hyper.append(HyperParameter(key: key, value: .int(value)))
                case nil: continue
                }
            default: continue
            }
        }
        let tensors = checkpoint.tensors
        let headCount = int("num_attention_heads")
        let embedding = int("hidden_size")
        let architecture = (config["architectures"] as? [Any])?.first as? String ?? config["model_type"] as? String
        self.init(
            path: checkpoint.shards.first?.file.path ?? folder?.path ?? "",
            format: "safetensors",
            formatVersion: nil,
            fileSize: checkpoint.shards.reduce(0) { $0 + $1.file.size },
            name: config["_name_or_path"] as? String,
            architecture: architecture,
            parameterCount: tensors.reduce(0) { $0 + $1.elementCount },
            contextLength: int("max_position_embeddings"),
            embeddingLength: embedding,
            blockCount: int("num_hidden_layers"),
            feedForwardLength: int("intermediate_size"),
            headCount: headCount,
            headCountKV: int("num_key_value_heads") ?? headCount,
            headDimension: int("head_dim") ?? {
                guard let embedding, let headCount, headCount > 0 else { return nil }
                return embedding / headCount
            }(),
            vocabularySize: int("vocab_size") ?? tokenizerVocabulary,
            hyperParameters: hyper,
            details: [],
            tokenizer: Tokenizer(kind: tokenizerKind, preTokenizer: nil, vocabularySize: tokenizerVocabulary),
            hasChatTemplate: chatTemplate,
            tensorCount: tensors.count,
            tensorTypes: Self.histogram(tensors.map { ($0.dtype.rawValue, $0.byteCount) }),
            tensors: includeTensors
                ? tensors.map { Tensor(name: $0.name, type: $0.dtype.rawValue, shape: $0.shape, offset: $0.fileOffset, bytes: $0.byteCount) }
                : nil)
    }

    /// Describes whatever `path` holds: a GGUF file, a safetensors file or index, or a folder.
    public static func inspect(path: String, includeTensors: Bool) throws -> ModelInfo {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw FormatError(path: path, problem: "no such file or folder")
        }
        if isFolder.boolValue {
            let checkpoint = try SafetensorsCheckpoint(path: path)
            return try ModelInfo(safetensors: checkpoint, folder: URL(fileURLWithPath: path), includeTensors: includeTensors)
        }
        let file = try MappedFile(path: path)
        if file.size >= 4, file.bytes.loadUnaligned(as: UInt32.self) == GGUFFile.magic || path.hasSuffix(".gguf") {
            return try ModelInfo(gguf: GGUFFile(file: file), includeTensors: includeTensors)
        }
        if path.hasSuffix(".safetensors") || path.hasSuffix(".json") {
            let checkpoint = try SafetensorsCheckpoint(path: path)
            return try ModelInfo(safetensors: checkpoint, folder: URL(fileURLWithPath: path).deletingLastPathComponent(), includeTensors: includeTensors)
        }
        throw FormatError(path: path, offset: 0, field: "magic", problem: "neither a GGUF file (no \"GGUF\" magic) nor a .safetensors file")
    }
}
