import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// Every architecture the README claims, and the RoPE and size variants that change how llama.cpp
/// computes them, on random-weight GGUF files (`ConformanceModel`): Realizar's logits against
/// llama.cpp's on the same file, prompt by prompt.
@Suite(.enabled(if: LlamaLogits.isBuilt, "llama.cpp's logits tool is not built: run scripts/build-llama-logits (scripts/test does)"))
struct ArchitectureConformanceTests {
    /// The largest |Δlogit| over llama.cpp's top 20 that llama.cpp shows against itself, over
    /// every model and prompt here, between threads 1 and 2, batch sizes 1 and 512, and flash
    /// attention on and off (`llamaCppAgreesWithItselfWithinTheTolerance` measures it): 2.4e-5
    /// for f32 weights, 0.082 for Q8_0 (where one rounding of an activation to 8 bits flips with
    /// the summation order). Realizar may differ by at most this.
    static func tolerance(_ type: GGMLType) -> Float { type == .q8_0 ? 0.25 : 2e-3 }

    /// Top-1 must agree wherever llama.cpp's top token leads the second by more than this: twice
    /// the tolerance, so that no allowed difference can swap them.
    static func clearMargin(_ type: GGMLType) -> Float { 2 * tolerance(type) }

    /// Five prompts of 1 to 300 tokens. The longest reaches the wavelengths Llama 3.1's factors
    /// stretch and runs past the LongRoPE model's original context of 256 (llama.cpp then runs it
    /// in a context of 512 with the long factors; the others get the short ones).
    static let prompts: [[Int]] = [1, 8, 37, 120, 300].enumerated().map { index, length in
        var random = SeededGenerator(seed: UInt64(1000 + index))
        return (0..<length).map { _ in Int(random.next() % UInt64(ConformanceModel.vocabularySize)) }
    }

    /// Realizar's last-token logits for each prompt, each in a fresh cache of `contexts[i]` positions.
    static func realizarLogits(_ url: URL, contexts: [Int]) throws -> [[Float]] {
        let model = try ModelRegistry.load(try GGUFFile(path: url.path), threads: 2)
        return try zip(prompts, contexts).map { prompt, context in
            try model.forward(prompt, cache: try model.makeCache(capacity: context))
        }
    }

    @Test(arguments: ConformanceModel.all)
    func logitsMatchLlamaCpp(_ model: ConformanceModel) throws {
        let folder = try TemporaryFolder()
        let url = folder.file("\(model.variant.rawValue)-\(model.type.name).gguf")
        try model.serialized().write(to: url)
        let reference = try LlamaLogits.run(model: url, prompts: Self.prompts)
        let actual = try Self.realizarLogits(url, contexts: reference.map(\.context))
        var worst: Float = 0
        for (index, (ours, theirs)) in zip(actual, reference).enumerated() {
            let comparison = LogitComparison(actual: ours, reference: theirs.logits)
            worst = max(worst, comparison.maxDifference)
            let prompt = "prompt \(index) (\(Self.prompts[index].count) tokens, context \(theirs.context))"
            #expect(comparison.maxDifference <= Self.tolerance(model.type), "\(model), \(prompt): \(comparison)")
            if comparison.referenceMargin > Self.clearMargin(model.type) {
                #expect(comparison.actualTop == comparison.referenceTop, "\(model), \(prompt): \(comparison)")
            }
        }
        print("conformance \(model): max |Δlogit| over llama.cpp's top 20 on 5 prompts = \(worst)")
    }

    /// Each variant's file exercises what makes it one: an engine that ignored it (the same file
    /// without it, on Realizar) is far outside the tolerance against llama.cpp on the real file.
    @Test(arguments: [ConformanceModel.Variant.gemma3Linear, .gemma3Blocks62, .llamaRopeFreqs, .phi3LongRope])
    func eachVariantsFeatureChangesTheLogits(_ variant: ConformanceModel.Variant) throws {
        let folder = try TemporaryFolder()
        let real = folder.file("real.gguf"), plain = folder.file("plain.gguf")
        try ConformanceModel(variant: variant, type: .f32).serialized().write(to: real)
        try ConformanceModel(variant: variant, type: .f32, feature: false).serialized().write(to: plain)
        let reference = try LlamaLogits.run(model: real, prompts: Self.prompts)
        let ignoring = try Self.realizarLogits(plain, contexts: reference.map(\.context))
        let worst = zip(ignoring, reference).map { LogitComparison(actual: $0, reference: $1.logits).maxDifference }.max()!
        print("conformance \(variant.rawValue) with its feature ignored: max |Δlogit| over llama.cpp's top 20 on 5 prompts = \(worst)")
        #expect(worst > 10 * Self.tolerance(.f32), "\(variant.rawValue): ignoring the feature moves the logits by only \(worst)")
    }

    /// The tolerance above is llama.cpp's own variation with room to spare: its logits under other
    /// thread counts, batch sizes and attention kernels stay within it.
    @Test(arguments: ConformanceModel.all)
    func llamaCppAgreesWithItselfWithinTheTolerance(_ model: ConformanceModel) throws {
        let folder = try TemporaryFolder()
        let url = folder.file("\(model.variant.rawValue)-\(model.type.name).gguf")
        try model.serialized().write(to: url)
        if let keep = ProcessInfo.processInfo.environment["REALIZAR_CONFORMANCE_KEEP"] {
            try? FileManager.default.copyItem(at: url, to: URL(fileURLWithPath: keep).appendingPathComponent(url.lastPathComponent))
        }
        let base = try LlamaLogits.run(model: url, prompts: Self.prompts)
        var spread: Float = 0
        // Batch 1 runs on one thread: ggml's threads spin at each of a pass's barriers, and one
        // token per pass on two busy cores makes that take minutes.
        for settings in [LlamaLogits.Settings(threads: 1), LlamaLogits.Settings(threads: 1, batch: 1),
                         LlamaLogits.Settings(flashAttention: true)] {
            let other = try LlamaLogits.run(model: url, prompts: Self.prompts, settings: settings)
            var worst: Float = 0
            for (a, b) in zip(other, base) {
                worst = max(worst, LogitComparison(actual: a.logits, reference: b.logits).maxDifference)
            }
            print("llama.cpp's own spread for \(model), \(settings) against the default: \(worst)")
            spread = max(spread, worst)
        }
        #expect(spread <= Self.tolerance(model.type), "llama.cpp's spread \(spread) for \(model) exceeds the tolerance \(Self.tolerance(model.type))")
    }
}
