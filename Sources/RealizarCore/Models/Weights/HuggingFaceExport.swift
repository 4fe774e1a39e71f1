import Foundation

/// Writes a GGUF model as a Hugging Face folder (`realizar export-safetensors`): `model.safetensors`
/// with every tensor dequantized to f32 (or rounded to f16/bf16) under its checkpoint name,
/// `config.json` with the keys `transformers` reads for the architecture, `generation_config.json`,
/// `tokenizer_config.json`, the caller's `tokenizer.json`, and for BERT the sentence-transformers
/// module files.
///
/// What llama.cpp's converter changed is undone: Gemma's norms lose the 1 it added, and Llama's
/// q/k rows get back the order Hugging Face's half-split RoPE expects (the converter interleaves
/// each head's halves for llama.cpp's adjacent-pair RoPE). The export is checked before a byte
/// is written: the folder's `config.json`, read back by the architecture's own reader, must give
/// the hyper-parameters the GGUF gives; what cannot round-trip is refused with the reason.
public enum HuggingFaceExport {
    /// The element type of the written tensors.
    public enum ElementType: String, CaseIterable, Sendable {
        case f32, f16, bf16

        public var dtype: SafetensorsDType {
            switch self {
            case .f32: return .f32
            case .f16: return .f16
            case .bf16: return .bf16
            }
        }

        /// `torch_dtype` in config.json.
        var torchName: String {
            switch self {
            case .f32: return "float32"
            case .f16: return "float16"
            case .bf16: return "bfloat16"
            }
        }
    }

    /// The tokenizer files' part the GGUF's metadata alone does not give: a `tokenizer.json` made
    /// from its vocabulary, and whether BOS/EOS are added as the vocabulary resolves it (llama.cpp
    /// defaults them by tokenizer model when the GGUF has no `add_bos_token` key).
    public struct Tokenizer: Sendable {
        public var json: Data?
        public var addBOS: Bool?
        public var addEOS: Bool?
        /// Whether detokenizing removes spaces before punctuation (`clean_up_tokenization_spaces`;
        /// false when nil).
        public var cleanUpSpaces: Bool?

        public init(json: Data? = nil, addBOS: Bool? = nil, addEOS: Bool? = nil, cleanUpSpaces: Bool? = nil) {
            self.json = json
            self.addBOS = addBOS
            self.addEOS = addEOS
            self.cleanUpSpaces = cleanUpSpaces
        }
    }

    /// What an export wrote.
    public struct Summary: Sendable {
        /// `model_type` of the folder.
        public var modelType: String
        /// Files written, relative to the folder, with their sizes.
        public var files: [(name: String, bytes: Int)]
        public var tensorCount: Int
        /// The output projection is the token embedding (no `lm_head.weight`, `tie_word_embeddings`).
        public var tiedOutput: Bool
    }

    /// Exports `file` into `folder` (created if needed; files of the same names are replaced).
    @discardableResult
    public static func export(_ file: GGUFFile, to folder: String, type: ElementType = .f32,
                              tokenizer: Tokenizer = Tokenizer()) throws -> Summary {
        let plan = try Plan(file, type: type)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        var files: [(String, Int)] = []
        func write(_ name: String, _ data: Data) throws {
            if name.contains("/") {
                try FileManager.default.createDirectory(atPath: path((name as NSString).deletingLastPathComponent),
                                                        withIntermediateDirectories: true)
            }
            try data.write(to: URL(fileURLWithPath: path(name)))
            files.append((name, data.count))
        }

        let weights = path("model.safetensors")
        do {
            try writeWeights(plan, file: file, to: weights)
        } catch {
            try? FileManager.default.removeItem(atPath: weights)
            throw error
        }
        files.append(("model.safetensors", (try? FileManager.default.attributesOfItem(atPath: weights)[.size] as? Int) ?? 0))
        try write("config.json", Data(plan.config.utf8))
        if plan.configuration.causal {
            try write("generation_config.json", Data(JSONText.object(generationConfig(file)).rendered().utf8))
        }
        if let json = tokenizer.json { try write("tokenizer.json", json) }
        try write("tokenizer_config.json", Data(JSONText.object(try tokenizerConfig(file, plan, tokenizer)).rendered().utf8))
        if plan.modelType == "bert" {
            for (name, json) in sentenceTransformersFiles(plan.configuration) { try write(name, Data(json.rendered().utf8)) }
        }
        return Summary(modelType: plan.modelType, files: files, tensorCount: plan.tensors.count, tiedOutput: plan.tiedOutput)
    }

    /// Refuses what `export` would refuse, without writing anything.
    public static func check(_ file: GGUFFile) throws {
        _ = try Plan(file, type: .f32)
    }

    /// The `config.json` that `export` writes for `file`.
    public static func configJSON(_ file: GGUFFile, type: ElementType = .f32) throws -> String {
        try Plan(file, type: type).config
    }

    /// Each Hugging Face architecture by GGUF architecture: `architectures[0]` and `model_type`.
    static let classes: [String: (architecture: String, modelType: String)] = [
        "llama": ("LlamaForCausalLM", "llama"), "mistral": ("MistralForCausalLM", "mistral"),
        "qwen2": ("Qwen2ForCausalLM", "qwen2"), "qwen3": ("Qwen3ForCausalLM", "qwen3"),
        "phi3": ("Phi3ForCausalLM", "phi3"), "gemma3": ("Gemma3ForCausalLM", "gemma3_text"), "bert": ("BertModel", "bert"),
    ]

    /// One tensor to write: where it comes from, its checkpoint name, and what undoes the converter.
    struct TensorPlan {
        var source: GGUFTensorInfo
        var name: String
        var subtractOne: Bool
        /// Heads whose q/k rows llama.cpp's converter interleaved, for Llama.
        var unpermuteHeads: Int?
    }

    /// Everything `export` writes, worked out and checked first.
    struct Plan {
        let configuration: DecoderArchitecture
        let modelType: String
        let tensors: [TensorPlan]
        let tiedOutput: Bool
        let config: String
        let type: ElementType

        init(_ file: GGUFFile, type: ElementType) throws {
            self.type = type
            let fileName = file.file.fileName
            let architecture = try ModelRegistry.architecture(of: file)
            let name = file.architecture ?? "?"
            let a = try architecture.configuration(file)
            configuration = a
            if a.experts != nil {
                throw ModelError("\(fileName): \(name) is a mixture-of-experts model; exporting experts as a Hugging Face folder is not implemented")
            }
            guard let names = ModelRegistry.huggingFaceNames(architecture: name), let classes = HuggingFaceExport.classes[name] else {
                throw ModelError("\(fileName): architecture \(name) cannot be exported as a Hugging Face folder (exportable: \(HuggingFaceExport.classes.keys.sorted().joined(separator: ", ")))")
            }
            modelType = classes.modelType
            if file.tensor(named: "rope_freqs.weight") != nil {
                throw ModelError("\(fileName): the model has Llama 3.1-style RoPE frequency factors (rope_freqs.weight); exporting them as rope_scaling \"llama3\" is not implemented, and writing the folder without them would compute another model")
            }
            let scaling = try file.optionalString("\(name).rope.scaling.type")
            if file.tensor(named: "rope_factors_long.weight") != nil || file.tensor(named: "rope_factors_short.weight") != nil
                || a.ropeAttentionFactor != 1 || scaling == "longrope" {
                throw ModelError("\(fileName): the model uses LongRoPE (Phi-3 128k-style rope factors); exporting it as a Hugging Face folder is not implemented")
            }
            let llama = Llama.names.contains(name)
            if llama && a.rotaryDimensions != a.headDimension {
                throw ModelError("\(fileName): RoPE on \(a.rotaryDimensions) of \(a.headDimension) head dimensions cannot be written for a Llama folder (Hugging Face's Llama rotates whole heads)")
            }
            // The graph finds and checks every tensor, and refuses any the architecture does not compute with.
            _ = try ModelRegistry.graph(file)

            var tensors: [TensorPlan] = []
            for tensor in file.tensors {
                guard let checkpoint = names.checkpointName(of: tensor.name) else {
                    throw ModelError("\(fileName): tensor \(tensor.name) has no name in a Hugging Face \(classes.modelType) checkpoint; refusing to export a folder without it")
                }
                guard Dequantization.isSupported(tensor.type) else {
                    throw ModelError("\(fileName): tensor \(tensor.name) has type \(tensor.type.name), which this engine cannot dequantize")
                }
                var heads: Int?
                if llama, let module = Self.module(tensor.name) {
                    if module == "attn_q" { heads = a.headCount }
                    if module == "attn_k" { heads = a.headCountKV }
                }
                if let heads {
                    let rows = tensor.shape.count == 1 ? tensor.shape[0] : tensor.shape.dropFirst().reduce(1, *)
                    guard rows % (2 * heads) == 0 else {
                        throw ModelError("\(fileName): tensor \(tensor.name) has \(rows) rows, not two halves for each of \(heads) heads")
                    }
                }
                tensors.append(TensorPlan(source: tensor, name: checkpoint, subtractOne: names.transform(of: tensor.name) == .addOne,
                                          unpermuteHeads: heads))
            }
            guard let embedding = file.tensor(named: "token_embd.weight"), embedding.shape.count == 2 else {
                throw ModelError("\(fileName): tensor token_embd.weight is missing")
            }
            tiedOutput = a.causal && file.tensor(named: "output.weight") == nil
            self.tensors = tensors

            let values = try HuggingFaceExport.config(file, a, classes: classes, vocabulary: embedding.shape[1], tied: tiedOutput, type: type)
            config = JSONText.object(values).rendered()
            // The folder must load as the model the GGUF is: read config.json back as a folder would.
            let readBack = try architecture.configuration(huggingFace: HuggingFaceConfig(path: "config.json", data: Data(config.utf8)))
            var expected = a
            if llama {
                guard a.rotary == .adjacent else { throw ModelError("\(fileName): a Llama GGUF should use adjacent-pair RoPE") }
                expected.rotary = .halves
            }
            if let field = HuggingFaceExport.firstDifference(expected, readBack) {
                throw ModelError("\(fileName): the exported config.json would read back with another \(field.name) (\(field.folder) instead of \(field.gguf)); refusing to write a folder that computes another model")
            }
        }

        /// `attn_q` of `blk.N.attn_q.weight`.
        static func module(_ name: String) -> String? {
            let parts = name.split(separator: ".")
            guard parts.count == 4, parts[0] == "blk" else { return nil }
            return String(parts[2])
        }
    }

    /// The first hyper-parameter that differs between the GGUF's configuration and the folder's,
    /// skipping what a folder states elsewhere or nothing computes with: the name (`mistral` folders
    /// load as `llama`), pooling (sentence-transformers' files), and the original context of
    /// LongRoPE, which is refused.
    static func firstDifference(_ gguf: DecoderArchitecture, _ folder: DecoderArchitecture) -> (name: String, gguf: String, folder: String)? {
        let skipped: Set<String> = ["name", "pooling", "ropeOriginalContext"]
        for (left, right) in zip(Mirror(reflecting: gguf).children, Mirror(reflecting: folder).children) {
            guard let label = left.label, !skipped.contains(label) else { continue }
            func text(_ value: Any) -> String {
                if let set = value as? Set<Int> { return "\(set.sorted())" }
                if let float = value as? Float { return "\(float)" }
                return "\(value)"
            }
            // Floats (optional ones unwrapped by the casts) within a rounding of each other agree.
            if let x = left.value as? Float, let y = right.value as? Float {
                if abs(x - y) <= 1e-6 * max(abs(x), abs(y)) { continue }
            } else if text(left.value) == text(right.value) {
                continue
            }
            return (label, text(left.value), text(right.value))
        }
        return nil
    }

    // MARK: Weights

    /// Streams every tensor into the safetensors file, a few thousand rows at a time.
    static func writeWeights(_ plan: Plan, file: GGUFFile, to path: String) throws {
        let writer = try SafetensorsWriter(path: path, tensors: plan.tensors.map {
            SafetensorsWriter.Tensor(name: $0.name, dtype: plan.type.dtype, shape: $0.source.shape.reversed())
        })
        for tensor in plan.tensors {
            let info = tensor.source
            let data = file.data(of: info)
            // A vector's elements are the rows of a permutation (q/k biases); otherwise a row is
            // the fastest-varying dimension, a whole number of blocks.
            let vector = info.shape.count == 1
            let columns = vector ? (tensor.unpermuteHeads == nil ? info.shape[0] : 1) : info.shape[0]
            let rows = info.elementCount / max(columns, 1)
            guard columns > 0, rows > 0 else { continue }
            guard let rowBytes = info.type.byteCount(forElements: columns) else {
                throw ModelError("\(file.file.fileName): tensor \(info.name) of \(info.type.name) cannot be split into rows of \(columns) values")
            }
            let group = tensor.unpermuteHeads.map { rows / $0 } ?? 1
            let rowsPerChunk = max(1, (1 << 20) / columns / group) * group
            var values = [Float](repeating: 0, count: min(rows, rowsPerChunk) * columns)
            var permuted = tensor.unpermuteHeads == nil ? [] : values
            var row = 0
            while row < rows {
                let count = min(rowsPerChunk, rows - row)
                let elements = count * columns
                try values.withUnsafeMutableBufferPointer { out in
                    try Dequantization.dequantize(info.type, from: data.baseAddress! + row * rowBytes, count: elements, into: out.baseAddress!)
                }
                if tensor.subtractOne { for i in 0..<elements { values[i] -= 1 } }
                if tensor.unpermuteHeads != nil {
                    unpermute(values, into: &permuted, rows: count, columns: columns, headRows: group)
                    try permuted.withUnsafeBufferPointer { try writer.append(UnsafeBufferPointer(rebasing: $0[0..<elements])) }
                } else {
                    try values.withUnsafeBufferPointer { try writer.append(UnsafeBufferPointer(rebasing: $0[0..<elements])) }
                }
                row += count
            }
        }
        try writer.finish()
    }

    /// The inverse of llama.cpp's `LlamaModel.permute` (convert_hf_to_gguf.py), which reshapes each
    /// head's `headRows` rows as (2, headRows/2) and swaps the axes: GGUF row `2i + j` of a head is
    /// Hugging Face row `j · headRows/2 + i`. `rows` is a whole number of heads.
    static func unpermute(_ gguf: [Float], into hf: inout [Float], rows: Int, columns: Int, headRows: Int) {
        let half = headRows / 2
        for head in stride(from: 0, to: rows, by: headRows) {
            for i in 0..<half {
                for j in 0..<2 {
                    let from = (head + 2 * i + j) * columns
                    let to = (head + j * half + i) * columns
                    for c in 0..<columns { hf[to + c] = gguf[from + c] }
                }
            }
        }
    }

    // MARK: config.json

    static func config(_ file: GGUFFile, _ a: DecoderArchitecture, classes: (architecture: String, modelType: String),
                       vocabulary: Int, tied: Bool, type: ElementType) throws -> [(String, JSONText)] {
        let ids = try SpecialTokens(file)
        func id(_ value: Int?) -> JSONText { value.map(JSONText.int) ?? .null }
        let activation: String
        switch a.activation {
        case .silu: activation = "silu"
        case .geluTanh: activation = "gelu_pytorch_tanh"
        case .gelu: activation = "gelu"
        }
        var c: [(String, JSONText)] = [("architectures", .array([.string(classes.architecture)])), ("model_type", .string(classes.modelType))]
        if classes.modelType == "bert" {
            c += [("hidden_size", .int(a.embeddingLength)), ("intermediate_size", .int(a.feedForwardLength)),
                  ("num_hidden_layers", .int(a.blockCount)), ("num_attention_heads", .int(a.headCount))]
            if a.headDimension * a.headCount != a.embeddingLength { c.append(("head_dim", .int(a.headDimension))) }
            c += [("max_position_embeddings", .int(a.contextLength)), ("layer_norm_eps", .float(a.normEpsilon)),
                  ("hidden_act", .string(activation)), ("position_embedding_type", .string("absolute")),
                  ("type_vocab_size", .int(file.tensor(named: "token_types.weight").map { $0.shape.count > 1 ? $0.shape[1] : 1 } ?? 2)),
                  ("vocab_size", .int(vocabulary)), ("pad_token_id", .int(ids.padding ?? 0)), ("torch_dtype", .string(type.torchName))]
            return c
        }
        c += [("hidden_size", .int(a.embeddingLength)), ("intermediate_size", .int(a.feedForwardLength)),
              ("num_hidden_layers", .int(a.blockCount)), ("num_attention_heads", .int(a.headCount)),
              ("num_key_value_heads", .int(a.headCountKV)), ("head_dim", .int(a.headDimension)),
              ("max_position_embeddings", .int(a.contextLength)), ("rms_norm_eps", .float(a.normEpsilon)),
              ("rope_theta", .float(a.ropeBase)),
              ("rope_scaling", a.ropeScale == 1 ? .null : .object([("rope_type", .string("linear")), ("factor", .float(a.ropeScale))]))]
        if a.rotaryDimensions != a.headDimension {
            c.append(("partial_rotary_factor", .float(Float(a.rotaryDimensions) / Float(a.headDimension))))
        }
        c.append((classes.modelType == "gemma3_text" ? "hidden_activation" : "hidden_act", .string(activation)))
        c.append(("attention_bias", .bool(file.tensor(named: "blk.0.attn_q.bias") != nil || file.tensor(named: "blk.0.attn_qkv.bias") != nil)))
        switch classes.modelType {
        case "gemma3_text":
            c.append(("rope_local_base_freq", .float(a.localRopeBase ?? 10_000)))
            if let window = a.slidingWindow {
                c.append(("sliding_window", .int(window)))
                let pattern = try file.optionalInt("gemma3.attention.sliding_window_pattern") ?? 6
                if a.slidingLayers == Set((0..<a.blockCount).filter { ($0 + 1) % pattern != 0 }) {
                    c.append(("sliding_window_pattern", .int(pattern)))
                }
                c.append(("layer_types", .array((0..<a.blockCount).map {
                    .string(a.slidingLayers.contains($0) ? "sliding_attention" : "full_attention")
                })))
            } else {
                c.append(("sliding_window", .null))
            }
            let scale = Double(a.attentionScale)
            var scalar = 1 / (scale * scale)
            if abs(scalar - scalar.rounded()) < 1e-3 * scalar { scalar = scalar.rounded() }
            // An integer where it is one: transformers' config class types it so.
            c.append(("query_pre_attn_scalar", scalar == scalar.rounded() && scalar < 1e9 ? .int(Int(scalar)) : .float(Float(scalar))))
            c.append(("final_logit_softcapping", a.finalLogitSoftcap.map(JSONText.float) ?? .null))
            c.append(("attn_logit_softcapping", a.attentionLogitSoftcap.map(JSONText.float) ?? .null))
        case "phi3":
            c.append(("sliding_window", a.slidingWindow.map(JSONText.int) ?? .null))
            c.append(("original_max_position_embeddings", .int(a.contextLength)))
        case "qwen2":
            c.append(("use_sliding_window", .bool(false)))
        case "mistral":
            c.append(("sliding_window", .null))
        default:
            break
        }
        // pad_token_id null rather than absent: config classes default it (Phi-3's to 32000, past
        // a smaller vocabulary's end).
        c += [("vocab_size", .int(vocabulary)), ("bos_token_id", id(ids.bos)), ("eos_token_id", id(ids.eos)),
              ("pad_token_id", id(ids.padding))]
        c += [("tie_word_embeddings", .bool(tied)), ("torch_dtype", .string(type.torchName))]
        return c
    }

    static func generationConfig(_ file: GGUFFile) throws -> [(String, JSONText)] {
        let ids = try SpecialTokens(file)
        var c: [(String, JSONText)] = []
        if let bos = ids.bos { c.append(("bos_token_id", .int(bos))) }
        if let eos = ids.eos { c.append(("eos_token_id", .int(eos))) }
        if let pad = ids.padding { c.append(("pad_token_id", .int(pad))) }
        return c
    }

    // MARK: Tokenizer and sentence-transformers files

    /// The special tokens' ids as the GGUF's metadata names them.
    struct SpecialTokens {
        var bos, eos, unknown, padding, separator, mask: Int?

        init(_ file: GGUFFile) throws {
            func id(_ key: String) throws -> Int? { try file.optionalInt("tokenizer.ggml.\(key)") }
            bos = try id("bos_token_id")
            eos = try id("eos_token_id")
            unknown = try id("unknown_token_id")
            padding = try id("padding_token_id")
            separator = try id("seperator_token_id")  // sic, as llama.cpp writes it
            mask = try id("mask_token_id")
        }
    }

    static func tokenizerConfig(_ file: GGUFFile, _ plan: Plan, _ tokenizer: Tokenizer) throws -> [(String, JSONText)] {
        let ids = try SpecialTokens(file)
        let tokens = try file.optionalStringArray("tokenizer.ggml.tokens") ?? []
        var c: [(String, JSONText)] = []
        if let add = try tokenizer.addBOS ?? file.optionalBool("tokenizer.ggml.add_bos_token") { c.append(("add_bos_token", .bool(add))) }
        if let add = try tokenizer.addEOS ?? file.optionalBool("tokenizer.ggml.add_eos_token") { c.append(("add_eos_token", .bool(add))) }
        func token(_ key: String, _ id: Int?) {
            if let id, tokens.indices.contains(id) { c.append((key, .string(tokens[id]))) }
        }
        if plan.modelType == "bert" {
            token("cls_token", ids.bos)
            token("sep_token", ids.separator ?? ids.eos)
            token("mask_token", ids.mask)
        } else {
            token("bos_token", ids.bos)
            token("eos_token", ids.eos)
        }
        token("unk_token", ids.unknown)
        token("pad_token", ids.padding)
        if let template = try file.optionalString("tokenizer.chat_template") { c.append(("chat_template", .string(template))) }
        c += [("model_max_length", .int(plan.configuration.contextLength)), ("clean_up_tokenization_spaces", .bool(tokenizer.cleanUpSpaces ?? false)),
              ("tokenizer_class", .string("PreTrainedTokenizerFast"))]
        return c
    }

    /// `modules.json` and the pooling module's config: the GGUF's pooling, and normalised
    /// embeddings as the engine gives a GGUF encoder's.
    static func sentenceTransformersFiles(_ a: DecoderArchitecture) -> [(String, JSONText)] {
        let modules = JSONText.array([
            .object([("idx", .int(0)), ("name", .string("0")), ("path", .string("")), ("type", .string("sentence_transformers.models.Transformer"))]),
            .object([("idx", .int(1)), ("name", .string("1")), ("path", .string("1_Pooling")), ("type", .string("sentence_transformers.models.Pooling"))]),
            .object([("idx", .int(2)), ("name", .string("2")), ("path", .string("2_Normalize")), ("type", .string("sentence_transformers.models.Normalize"))]),
        ])
        let pooling = JSONText.object([
            ("word_embedding_dimension", .int(a.embeddingLength)),
            ("pooling_mode_cls_token", .bool(a.pooling == .cls)), ("pooling_mode_mean_tokens", .bool(a.pooling == .mean)),
            ("pooling_mode_max_tokens", .bool(false)), ("pooling_mode_mean_sqrt_len_tokens", .bool(false)),
            ("pooling_mode_lasttoken", .bool(a.pooling == .last)),
        ])
        return [("modules.json", modules), ("1_Pooling/config.json", pooling)]
    }
}

/// A JSON value written with its keys in the order given (config files read best in the order
/// `transformers` writes them), floats in their shortest round-tripping form (`1e-06`).
indirect enum JSONText {
    case null
    case bool(Bool)
    case int(Int)
    case float(Float)
    case string(String)
    case array([JSONText])
    case object([(String, JSONText)])

    func rendered(indent: Int = 0) -> String {
        let inner = String(repeating: " ", count: indent + 2)
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .float(let value): return value.isFinite ? "\(value)" : "null"
        case .string(let value): return JSONString.literal(value)
        case .array(let values):
            if values.allSatisfy({ if case .object = $0 { return false } else { return true } }) {
                return "[" + values.map { $0.rendered() }.joined(separator: ", ") + "]"
            }
            return "[\n" + values.map { inner + $0.rendered(indent: indent + 2) }.joined(separator: ",\n") + "\n" + String(repeating: " ", count: indent) + "]"
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            return "{\n" + fields.map { "\(inner)\(JSONString.literal($0.0)): \($0.1.rendered(indent: indent + 2))" }.joined(separator: ",\n")
                + "\n" + String(repeating: " ", count: indent) + "}"
        }
    }
}
