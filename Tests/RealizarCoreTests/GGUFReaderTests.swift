import Foundation
import Testing
import RealizarCore
import RealizarTestSupport

@Suite struct GGUFReaderTests {
    @Test func readsHeaderMetadataAndTensorsOfARealModel() throws {
        let file = try GGUFFile(path: try TestModels.path(.gemma))
        #expect(file.version == 3)
        #expect(file.architecture == "gemma3")
        #expect(try file.int("gemma3.block_count") == 18)
        #expect(try file.int("gemma3.embedding_length") == 640)
        #expect(file.tensors.count == 236)
        #expect(try file.optionalStringArray("tokenizer.ggml.tokens")?.count == 262_144)
        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.type == GGMLType.q8_0)
        #expect(embedding.shape == [640, 262_144])
    }
}
