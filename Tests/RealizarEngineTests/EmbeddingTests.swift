import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// Sentence embeddings from a Hugging Face folder (all-MiniLM-L6-v2: safetensors, BERT,
/// WordPiece) against sentence-transformers' vectors, and from a decoder GGUF.
@Suite(.serialized) struct EmbeddingTests {
    struct Case {
        let text: String
        let ids: [Int]
        let embedding: [Double]
    }

    static func referenceCases() throws -> [Case] {
        let data = try Data(contentsOf: ProjectPaths.reference("minilm/embeddings-dev.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: Any]])
        return try cases.map { c in
            Case(text: try #require(c["text"] as? String), ids: try #require(c["token_ids"] as? [Int]),
                 embedding: try #require(c["embedding"] as? [Double]))
        }
    }

    static let miniLM: EmbeddingModel? = try? EmbeddingModel(path: TestModels.path(.miniLM), threads: 2)

    static func cosine(_ a: [Float], _ b: [Double]) -> Double {
        let dot = zip(a, b).reduce(0) { $0 + Double($1.0) * $1.1 }
        let na = a.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(), nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return dot / (na * nb)
    }

    @Test func miniLMMatchesSentenceTransformersOnEveryReferenceCase() throws {
        let model = try #require(Self.miniLM)
        #expect(model.dimensions == 384)
        #expect(model.pooling == .mean && model.normalizes)
        #expect(model.maximumTokens == 256, "sentence_bert_config.json's max_seq_length, not tokenizer.json's 128")
        let cases = try Self.referenceCases()
        #expect(cases.count >= 10)
        let ids = try cases.map { try model.tokenize($0.text) }
        let vectors = try model.embed(ids)
        for (c, (tokens, vector)) in zip(cases, zip(ids, vectors)) {
            // The reference ids are padded to tokenizer.json's fixed 128 with [PAD] = 0; the engine
            // runs each text unpadded.
            let real = Array(c.ids.prefix { $0 != 0 })
            #expect(tokens == real, "\(c.text)")
            #expect(c.ids.dropFirst(real.count).allSatisfy { $0 == 0 })
            let similarity = Self.cosine(vector, c.embedding)
            #expect(similarity >= 0.9999, "cosine \(similarity) for \(c.text)")
            let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test func textsBatchedTogetherGetTheVectorsTheyGetAlone() throws {
        let model = try #require(Self.miniLM)
        let texts = try Self.referenceCases().map(\.text) + ["A longer sentence about rivers, mountains and the cities between them."]
        let ids = try texts.map { try model.tokenize($0) }
        let together = try model.embed(ids)
        for (tokens, vector) in zip(ids, together) {
            #expect(try model.embed([tokens])[0] == vector)
        }
    }

    @Test func longTextsAreCutToTheModelsLengthOrRefused() throws {
        let model = try #require(Self.miniLM)
        let text = Array(repeating: "mountain", count: 400).joined(separator: " ")
        let ids = try model.tokenize(text)
        #expect(ids.count == 256)
        #expect(ids.first == 101 && ids.last == 102, "[CLS] … [SEP] kept around the cut")
        #expect(throws: EmbeddingModel.TooLong.self) { try model.tokenize(text, truncate: false) }
        #expect(throws: ModelError.self) { try model.embed([Array(repeating: 1000, count: 257)]) }
        #expect(throws: ModelError.self) { try model.embed([[]]) }
        #expect(throws: ModelError.self) { try model.embed([[101, 40_000, 102]]) }
        #expect(try model.embed([ids]).first?.count == 384)
    }

    @Test func decoderModelsEmbedThroughTheirLastTokensFinalState() throws {
        let model = try EmbeddingModel(path: try TestModels.path(.smolLM2), threads: 2)
        #expect(model.dimensions == 576 && model.pooling == .last && model.normalizes)
        let texts = ["The cat sat on the mat.", "Stock markets fell sharply today.", "The cat sat on the mat."]
        let vectors = try model.embed(try texts.map { try model.tokenize($0) })
        for vector in vectors {
            let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
        #expect(vectors[0] == vectors[2])
        #expect(vectors[0] != vectors[1])
    }
}

/// Broken model folders: each refusal names the file and the field or tensor at fault.
@Suite struct MalformedFolderTests {
    /// A copy of the MiniLM folder (files linked, `replace` written) in a fresh temporary folder.
    static func folder(replacing files: [String: Data] = [:], removing: [String] = []) throws -> String {
        let source = try TestModels.path(.miniLM)
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("rz-folder-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source) where files[name] == nil && !removing.contains(name) {
            try FileManager.default.createSymbolicLink(atPath: target + "/" + name, withDestinationPath: source + "/" + name)
        }
        for (name, data) in files { try data.write(to: URL(fileURLWithPath: target + "/" + name)) }
        return target
    }

    static func config(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        let source = try TestModels.path(.miniLM) + "/config.json"
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source))) as? [String: Any])
        edit(&json)
        return try JSONSerialization.data(withJSONObject: json)
    }

    /// The message of the error loading `path` throws.
    static func failure(_ path: String) -> String {
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try EmbeddingModel(path: path, threads: 1)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    @Test func badJSONInConfigNamesTheFile() throws {
        let message = Self.failure(try Self.folder(replacing: ["config.json": Data("{\"hidden_size\": 384,".utf8)]))
        #expect(message.contains("config.json") && message.contains("not valid JSON"), "\(message)")
    }

    @Test func missingAndMistypedFieldsAreNamed() throws {
        var message = Self.failure(try Self.folder(replacing: ["config.json": try Self.config { $0["hidden_size"] = nil }]))
        #expect(message.contains("config.json: hidden_size: is missing"), "\(message)")
        message = Self.failure(try Self.folder(replacing: ["config.json": try Self.config { $0["num_hidden_layers"] = "six" }]))
        #expect(message.contains("num_hidden_layers: must be an integer"), "\(message)")
        message = Self.failure(try Self.folder(replacing: ["config.json": try Self.config { $0["model_type"] = "mamba" }]))
        #expect(message.contains("model_type: mamba is not supported from a folder"), "\(message)")
        message = Self.failure(try Self.folder(replacing: ["config.json": try Self.config { $0["hidden_act"] = "relu6" }]))
        #expect(message.contains("hidden_act: relu6 is not an activation"), "\(message)")
    }

    @Test func aShapeTheConfigDoesNotExplainNamesTheTensor() throws {
        let message = Self.failure(try Self.folder(replacing: ["config.json": try Self.config { $0["intermediate_size"] = 1024 }]))
        #expect(message.contains("tensor blk.0.ffn_up.weight has shape [384, 1536], expected [384, 1024]"), "\(message)")
    }

    @Test func missingAndUnknownTensorsAreNamed() throws {
        let file = try SafetensorsFile(path: try TestModels.path(.miniLM) + "/model.safetensors")
        func rewritten(dropping dropped: String?, adding extra: String?) -> Data {
            var header: [String: Any] = [:], body = Data()
            var tensors = file.tensors.filter { $0.name != dropped }.map { ($0.name, $0) }
            if let extra, let first = file.tensors.first(where: { $0.dtype == .f32 }) { tensors.append((extra, first)) }
            for (name, tensor) in tensors {
                header[name] = ["dtype": tensor.dtype.rawValue, "shape": tensor.shape, "data_offsets": [body.count, body.count + tensor.byteCount]]
                body.append(Data(file.data(of: tensor)))
            }
            var json = try! JSONSerialization.data(withJSONObject: header)
            while json.count % 8 != 0 { json.append(0x20) }
            var out = Data(withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) })
            out.append(json)
            out.append(body)
            return out
        }
        var message = Self.failure(try Self.folder(replacing: ["model.safetensors": rewritten(dropping: "encoder.layer.3.output.dense.weight", adding: nil)]))
        #expect(message.contains("tensor blk.3.ffn_down.weight is missing"), "\(message)")
        message = Self.failure(try Self.folder(replacing: ["model.safetensors": rewritten(dropping: nil, adding: "encoder.layer.0.adapter.weight")]))
        #expect(message.contains("model.safetensors: tensor encoder.layer.0.adapter.weight is not one this engine computes with"), "\(message)")
    }

    @Test func aShardIndexNamingAMissingShardIsRefused() throws {
        let index = Data(#"{"metadata": {}, "weight_map": {"embeddings.word_embeddings.weight": "model-00002-of-00002.safetensors"}}"#.utf8)
        let message = Self.failure(try Self.folder(replacing: ["model.safetensors.index.json": index], removing: ["model.safetensors"]))
        #expect(message.contains("model-00002-of-00002.safetensors"), "\(message)")
    }

    @Test func anUnknownNormalizerInTokenizerJSONIsNamed() throws {
        let path = try TestModels.path(.miniLM) + "/tokenizer.json"
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        json["normalizer"] = ["type": "Reverse"]
        let message = Self.failure(try Self.folder(replacing: ["tokenizer.json": try JSONSerialization.data(withJSONObject: json)]))
        #expect(message.contains("tokenizer.json") && message.contains("Reverse"), "\(message)")
    }

    @Test func sentenceTransformersModulesThisEngineLacksAreRefused() throws {
        let modules = Data(#"[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "name": "1", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}]"#.utf8)
        var message = Self.failure(try Self.folder(replacing: ["modules.json": modules]))
        #expect(message.contains("modules.json: [1].type: sentence_transformers.models.Dense is not a module"), "\(message)")
        let escaping = Data(#"[{"idx": 1, "name": "1", "path": "../x", "type": "sentence_transformers.models.Pooling"}]"#.utf8)
        message = Self.failure(try Self.folder(replacing: ["modules.json": escaping]))
        #expect(message.contains("[0].path: must be a folder inside the model folder"), "\(message)")
    }
}
