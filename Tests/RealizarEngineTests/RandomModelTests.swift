import Foundation
import Testing
@testable import RealizarCore
import RealizarTestSupport

/// `realizar gen-random`'s files: standard GGUF that llama.cpp loads and computes as Realizar does,
/// with llama.cpp's tensor types for each file type.
struct RandomModelTests {
    static let tiny = RandomModel.Family.allCases.flatMap { family in
        RandomModel.FileType.allCases.map { try! RandomModel(family: family, shape: "tiny", fileType: $0) }
    }

    /// Tolerances stated from what was measured (2026-12-02, logits of about unit spread, max
    /// over the top 20): f16 files differ by f32 rounding, at most 1.8e-3, so 5e-3; quantized ones
    /// by the activations' 8 bits (Realizar keeps f32 block scales, llama.cpp f16), Q8_0
    /// 0.024–0.046 and Q4_K_M 0.006–0.113, so 0.15 — about twice llama.cpp's own spread between
    /// its two attention kernels on the same files (up to 0.079), printed beside each result.
    @Test(.enabled(if: LlamaLogits.isBuilt, "llama.cpp's logits tool is not built: run scripts/build-llama-logits (scripts/test does)"),
          arguments: tiny)
    func llamaCppLoadsTheFileAndAgrees(_ model: RandomModel) throws {
        let folder = try TemporaryFolder()
        let url = folder.file("random.gguf")
        try model.write(to: url)
        let prompts = [[5, 6, 7, 300, 42], Array(10..<90)]
        let reference = try LlamaLogits.run(model: url, prompts: prompts)
        let flash = try LlamaLogits.run(model: url, prompts: prompts, settings: .init(flashAttention: true))
        let spread = zip(flash, reference).map { LogitComparison(actual: $0.logits, reference: $1.logits).maxDifference }.max()!
        let tolerance: Float = model.fileType == .f16 ? 5e-3 : 0.15
        let decoder = try ModelRegistry.load(try GGUFFile(path: url.path), threads: 2)
        for (prompt, theirs) in zip(prompts, reference) {
            let ours = try decoder.forward(prompt, cache: try decoder.makeCache(capacity: prompt.count))
            let comparison = LogitComparison(actual: ours, reference: theirs.logits)
            print("random \(model.family) \(model.fileType): \(comparison), llama.cpp spread \(spread)")
            // Top-1 must agree where no allowed difference can swap the first two.
            let clear = comparison.referenceMargin > 2 * tolerance
            #expect(comparison.maxDifference <= tolerance && (!clear || comparison.actualTop == comparison.referenceTop),
                    "\(model.family) \(model.fileType): \(comparison), tolerance \(tolerance)")
        }
    }

    /// Q4_K_M as llama.cpp makes it: Q6_K for the output and for attn_v/ffn_down on the layers
    /// `use_more_bits` names, Q4_K elsewhere, Q5_0/Q8_0 where rows are not whole 256-value blocks.
    @Test func q4KMTypesFollowLlamaCpp() throws {
        let llama = Dictionary(uniqueKeysWithValues: try RandomModel(family: .llama, shape: "8b", fileType: .q4_k_m).plan().map { ($0.name, $0.type) })
        #expect(llama["output.weight"] == .q6_K && llama["token_embd.weight"] == .q4_K)
        // 32 layers: 0–3 and 28–31, and 6, 9, …, 27 get more bits.
        for i in 0..<32 {
            let more = i < 4 || i >= 28 || (i - 4) % 3 == 2
            #expect(llama["blk.\(i).attn_v.weight"] == (more ? .q6_K : .q4_K) && llama["blk.\(i).ffn_down.weight"] == (more ? .q6_K : .q4_K))
            #expect(llama["blk.\(i).attn_q.weight"] == .q4_K && llama["blk.\(i).attn_norm.weight"] == .f32)
        }
        // Gemma 3 270M's rows of 640 values: the real file's Q5_0 and Q8_0, tied Q8_0 embedding.
        let gemma = Dictionary(uniqueKeysWithValues: try RandomModel(family: .gemma3, shape: "270m", fileType: .q4_k_m).plan().map { ($0.name, $0.type) })
        #expect(gemma["token_embd.weight"] == .q8_0 && gemma["output.weight"] == nil)
        #expect(gemma["blk.1.attn_q.weight"] == .q5_0 && gemma["blk.0.attn_v.weight"] == .q8_0)
        // Its feed-forward down projection reads rows of 2048: whole blocks.
        #expect(gemma["blk.1.ffn_down.weight"] == .q4_K || gemma["blk.1.ffn_down.weight"] == .q6_K)
        // A Llama 3 8B Q4_K_M file is about 4.9 GB, as the published one.
        let bytes = try RandomModel(family: .llama, shape: "8b", fileType: .q4_k_m).tensorBytes
        #expect((4_600_000_000...5_000_000_000).contains(bytes), "\(bytes) bytes")
    }

    @Test func anUnknownShapeIsRefusedByName() {
        #expect(throws: ModelError.self) { try RandomModel(family: .qwen3, shape: "70b", fileType: .q8_0) }
    }
}
