import Foundation
import Testing
import RealizarCore
@testable import RealizarCUDA
import RealizarTestSupport

/// The CUDA backend end to end with its kernels run by the interpreter, against the CPU backend,
/// on random-weight models of every architecture (`ConformanceModel`): three sequences of 32
/// prompt tokens prefilled in one pass, then 8 decode steps of all three, the later ones replayed
/// from a captured step.
@Suite struct CUDABackendTests {
    static let models: [ConformanceModel] = ([.llama, .qwen2, .qwen3, .phi3, .gpt2, .gemma3, .gemma2] as [ConformanceModel.Variant])
        .flatMap { [ConformanceModel(variant: $0, type: .f32), ConformanceModel(variant: $0, type: .q8_0)] }

    /// The error of a pass: largest |Δ| over max(1, largest |CPU logit|), as the op conformance
    /// suite measures (absolute for small logits, relative for large ones).
    static func error(_ actual: [Float], _ expected: [Float]) -> Float {
        guard actual.count == expected.count else { return .infinity }
        let scale = max(1, expected.map(abs).max() ?? 0)
        return zip(actual, expected).map { $1.isFinite && $0.isFinite ? abs($0 - $1) : .infinity }.max()! / scale
    }

    /// Logits of the prefill pass, then of each decode step, all sequences in every pass.
    static func run(_ model: DecoderModel, prompts: [[Int]], steps: [[Int]]) throws -> [[Float]] {
        let caches = try prompts.map { _ in try model.makeCache(capacity: 48) }
        var passes: [[Float]] = []
        var logits: [Float] = []
        try model.forward(batch: zip(caches, prompts).map { SequenceBatch(cache: $0, tokens: $1) }, logits: &logits)
        passes.append(logits)
        for step in steps {
            try model.forward(batch: zip(caches, step).map { SequenceBatch(cache: $0, tokens: [$1]) }, logits: &logits)
            passes.append(logits)
        }
        return passes
    }

    @Test(arguments: models)
    func interpretedKernelsMatchTheCPUBackend(_ model: ConformanceModel) throws {
        let folder = try TemporaryFolder()
        let url = folder.file("\(model.variant.rawValue)-\(model.type.name).gguf")
        try model.serialized().write(to: url)
        let file = try GGUFFile(path: url.path)
        let graph = try ModelRegistry.graph(file)
        var random = SeededGenerator(seed: 77)
        func tokens(_ count: Int) -> [Int] { (0..<count).map { _ in Int(random.next() % UInt64(ConformanceModel.vocabularySize)) } }
        let prompts = (0..<3).map { _ in tokens(32) }
        let steps = (0..<8).map { _ in tokens(3) }

        let cpu = try DecoderModel(graph: graph, weights: file, backend: CPUBackend(threads: 2))
        let cuda = try DecoderModel(graph: graph, weights: file, backend: CUDABackend(device: InterpreterDevice()))
        let expected = try Self.run(cpu, prompts: prompts, steps: steps)
        let actual = try Self.run(cuda, prompts: prompts, steps: steps)
        let errors = zip(actual, expected).map { Self.error($0, $1) }
        print("\(model): error per pass \(errors.map { String(format: "%.1e", $0) })")
        // f32 weights: the same f32 arithmetic in another order (measured ≤ 1.9e-6). Q8_0: both
        // quantize matrix inputs to 8 bits, the CPU with f32 block scales, the GPU to Q8_1 with f16
        // scales as ggml does (2^-11 relative per block), a difference that grows over the layers:
        // measured 1.3e-2 (gpt2) to 6.6e-2 (gemma3, whose q/k norms amplify it), so 0.1. A wrong
        // kernel (a lost bias, a RoPE off by a position) moves these logits by their own size.
        let tolerance: Float = model.type == .f32 ? 1e-5 : 0.1
        #expect(errors.allSatisfy { $0 <= tolerance }, "\(model): errors \(errors) exceed \(tolerance)")

        let prepared = try #require(cuda.prepared as? CUDAModel)
        // Step 1 runs as launched, step 2 is captured (seen twice), steps 3 to 8 are replays.
        #expect(prepared.capturedSteps == 1 && prepared.replayedSteps == 6,
                "captured \(prepared.capturedSteps), replayed \(prepared.replayedSteps)")
    }

    /// A sequence's logits do not depend on what shares its batch, nor on whether its step was
    /// replayed: the second sequence alone against the batched run, bit for bit.
    @Test func batchedAndReplayedStepsAreBitIdenticalToOneSequenceAlone() throws {
        let folder = try TemporaryFolder()
        let url = folder.file("llama.gguf")
        try ConformanceModel(variant: .llama, type: .q8_0).serialized().write(to: url)
        let file = try GGUFFile(path: url.path)
        let graph = try ModelRegistry.graph(file)
        let model = try DecoderModel(graph: graph, weights: file, backend: CUDABackend(device: InterpreterDevice()))
        // The second prompt is long enough for the tensor cores; its tile is shared differently alone.
        let prompts = [[5, 6, 7, 8, 9], Array(10..<30), [30]]
        let steps = [[40, 41, 42], [43, 44, 45], [46, 47, 48], [49, 50, 51]]
        let batched = try Self.run(model, prompts: prompts, steps: steps)
        let alone = try Self.run(model, prompts: [prompts[1]], steps: steps.map { [$0[1]] })
        let vocabulary = model.vocabularySize
        for (pass, (together, single)) in zip(batched, alone).enumerated() {
            let row = Array(together[vocabulary..<(2 * vocabulary)])
            #expect(row.map(\.bitPattern) == single.map(\.bitPattern), "pass \(pass): the batched logits differ from the sequence alone")
        }
    }

    /// The fused decode kernels compute what the separate kernels compute, bit for bit, on every
    /// architecture: short prompts (which take the fused plan too) and decode steps of two
    /// sequences, fused against unfused.
    @Test(arguments: [ConformanceModel.Variant.llama, .qwen2, .qwen3, .phi3, .gpt2, .gemma3, .gemma2])
    func fusedDecodeKernelsAreBitIdenticalToTheSeparateOnes(_ variant: ConformanceModel.Variant) throws {
        let folder = try TemporaryFolder()
        let url = folder.file("\(variant.rawValue).gguf")
        try ConformanceModel(variant: variant, type: .q8_0).serialized().write(to: url)
        let file = try GGUFFile(path: url.path)
        let graph = try ModelRegistry.graph(file)
        let prompts = [[5, 6, 7, 8, 9], [30, 31]]
        let steps = [[40, 41], [42, 43], [44, 45]]
        let fused = try DecoderModel(graph: graph, weights: file, backend: CUDABackend(device: InterpreterDevice()))
        let separate = try DecoderModel(graph: graph, weights: file, backend: CUDABackend(device: InterpreterDevice(), fusesDecode: false))
        let kinds = try #require(fused.prepared as? CUDAModel).fusedStepKinds
        // Every architecture fuses its residual connections and norms with the quantization, and
        // the attention output's; gated feed-forwards and RoPE'd heads where the model has them.
        var expected: Set<String> = ["residual", "attention", "multiply"]
        if variant != .gpt2 { expected.formUnion(["gated", "headPrep"]) }
        #expect(kinds == expected, "\(variant): fused \(kinds.sorted())")
        for (pass, (a, b)) in zip(try Self.run(fused, prompts: prompts, steps: steps),
                                  try Self.run(separate, prompts: prompts, steps: steps)).enumerated() {
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(variant) pass \(pass): fused logits differ")
        }
    }

    /// Greedy decoding with the argmax on the device gives the tokens the host's argmax of the
    /// downloaded logits gives, step after step (the later steps replayed from a capture).
    @Test func deviceArgmaxMatchesTheHostArgmax() throws {
        let folder = try TemporaryFolder()
        let url = folder.file("qwen2.gguf")
        try ConformanceModel(variant: .qwen2, type: .q8_0).serialized().write(to: url)
        let file = try GGUFFile(path: url.path)
        let model = try DecoderModel(graph: try ModelRegistry.graph(file), weights: file, backend: CUDABackend(device: InterpreterDevice()))
        let prompts = [[3, 4, 5], Array(40..<60), [7, 8]]
        let onDevice = try prompts.map { _ in try model.makeCache(capacity: 40) }
        let onHost = try prompts.map { _ in try model.makeCache(capacity: 40) }
        // Each run on its own, so that its steps repeat and get captured.
        var deviceTokens = [try model.forwardGreedy(batch: zip(onDevice, prompts).map { SequenceBatch(cache: $0, tokens: $1) })]
        for _ in 0..<6 {
            deviceTokens.append(try model.forwardGreedy(batch: zip(onDevice, deviceTokens.last!).map { SequenceBatch(cache: $0, tokens: [$1]) }))
        }
        var logits: [Float] = []
        let vocabulary = model.vocabularySize
        func hostArgmax() -> [Int] {
            (0..<prompts.count).map { row in
                let slice = logits[(row * vocabulary)..<((row + 1) * vocabulary)]
                return slice.indices.max { slice[$0] < slice[$1] || (slice[$0] == slice[$1] && $0 > $1) }! - row * vocabulary
            }
        }
        try model.forward(batch: zip(onHost, prompts).map { SequenceBatch(cache: $0, tokens: $1) }, logits: &logits)
        var hostTokens = [hostArgmax()]
        for _ in 0..<6 {
            try model.forward(batch: zip(onHost, hostTokens.last!).map { SequenceBatch(cache: $0, tokens: [$1]) }, logits: &logits)
            hostTokens.append(hostArgmax())
        }
        #expect(deviceTokens == hostTokens)
        let prepared = try #require(model.prepared as? CUDAModel)
        #expect(prepared.replayedSteps >= 8, "replayed \(prepared.replayedSteps) steps")
    }
}
