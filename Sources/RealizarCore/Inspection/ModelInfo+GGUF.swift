extension ModelInfo {
    /// Describes a GGUF file.
    public init(gguf file: GGUFFile, includeTensors: Bool) throws {
        let arch = file.architecture
        func archInt(_ name: String) -> Int? { (try? file.optionalInt(file.architectureKey(name))) ?? nil }

        var hyper: [HyperParameter] = []
        if let arch {
            for entry in file.metadata where entry.key.hasPrefix(arch + ".") {
                let key = String(entry.key.dropFirst(arch.count + 1))
                if let value = Self.reportValue(entry.value) { hyper.append(HyperParameter(key: key, value: value)) }
            }
        }
        let tokens = file["tokenizer.ggml.tokens"]?.arrayValue?.count
        let headCount = archInt("attention.head_count")
        let embedding = archInt("embedding_length")
        let keyLength = archInt("attention.key_length")

        self.init(
            path: file.file.path,
            format: "gguf",
            formatVersion: file.version,
            fileSize: file.file.size,
            name: file["general.name"]?.stringValue,
            architecture: arch,
            parameterCount: file.tensors.reduce(0) { $0 + $1.elementCount },
            contextLength: archInt("context_length"),
            embeddingLength: embedding,
            blockCount: archInt("block_count"),
            feedForwardLength: archInt("feed_forward_length"),
            headCount: headCount,
            headCountKV: archInt("attention.head_count_kv") ?? headCount,
            headDimension: keyLength ?? {
                guard let embedding, let headCount, headCount > 0 else { return nil }
                return embedding / headCount
            }(),
            vocabularySize: archInt("vocab_size") ?? tokens,
            hyperParameters: hyper,
            details: Self.details(of: file),
            tokenizer: Tokenizer(kind: file["tokenizer.ggml.model"]?.stringValue,
                                 preTokenizer: file["tokenizer.ggml.pre"]?.stringValue,
                                 vocabularySize: tokens),
            hasChatTemplate: file["tokenizer.chat_template"]?.stringValue.map { !$0.isEmpty } ?? false,
            tensorCount: file.tensors.count,
            tensorTypes: Self.histogram(file.tensors.map { ($0.type.name, $0.byteCount) }),
            tensors: includeTensors
                ? file.tensors.map { Tensor(name: $0.name, type: $0.type.name, shape: $0.shape, offset: $0.fileOffset, bytes: $0.byteCount) }
                : nil)
    }

    /// What the engine runs, from the graph its architecture file builds; a model it cannot run
    /// says why instead.
    static func details(of file: GGUFFile) -> [HyperParameter] {
        do {
            return try ModelRegistry.graph(file).summary.map { HyperParameter(key: $0.key, value: .string($0.value)) }
        } catch {
            return [HyperParameter(key: "runs", value: .string("no: \(error)"))]
        }
    }

    static func reportValue(_ value: GGUFValue) -> Value? {
        switch value {
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .float32(let f): return .double(Double(f))
        case .float64(let d): return .double(d)
        case .array(let a):
            // Per-layer arrays (head counts, window patterns) are hyper-parameters too.
            guard a.count <= 256 else { return .string(a.summary) }
            if let ints = a.intValues { return .string("[" + ints.map(String.init).joined(separator: ", ") + "]") }
            return .string(a.summary)
        default: return value.intValue.map(Value.int)
        }
    }

    static func histogram(_ items: [(type: String, bytes: Int)]) -> [TypeCount] {
        var counts: [String: (Int, Int)] = [:]
        for item in items {
            let current = counts[item.type] ?? (0, 0)
            counts[item.type] = (current.0 + 1, current.1 + item.bytes)
        }
        return counts.map { TypeCount(type: $0.key, tensors: $0.value.0, bytes: $0.value.1) }
            .sorted { ($0.bytes, $0.type) > ($1.bytes, $1.type) }
    }
}
