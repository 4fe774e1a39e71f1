import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// What the engine does not compute it refuses, with a message naming the key or tensor: a model
/// that loads computes what its file says, and sizes that would trap are errors.
@Suite struct ModelRefusalTests {
    /// Loads `bytes` as a model; the error's message, or nil when it loaded.
    static func loadError(_ bytes: Data) throws -> String? {
        let folder = try TemporaryFolder()
        let url = folder.file("model.gguf")
        try bytes.write(to: url)
        do {
            _ = try ModelRegistry.load(try GGUFFile(path: url.path), threads: 1)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: ["yarn", "longrope", "dynamic"])
    func anUnimplementedRopeScalingTypeIsRefusedByName(_ type: String) throws {
        let message = try Self.loadError(HostileModelTests.tinyLlama {
            $0.set("llama.rope.scaling.type", .string(type))
            $0.set("llama.rope.scaling.factor", .float32(4))
        })
        #expect(message?.contains("llama.rope.scaling.type = \(type) is not implemented") == true, "\(message ?? "it loaded")")
    }

    @Test func linearAndNoRopeScalingLoad() throws {
        for type in ["linear", "none"] {
            let message = try Self.loadError(HostileModelTests.tinyLlama { $0.set("llama.rope.scaling.type", .string(type)) })
            #expect(message == nil, "rope.scaling.type = \(type): \(message ?? "")")
        }
    }

    /// llama.cpp's default type is linear: a factor without a type scales positions.
    @Test func aScalingFactorWithoutATypeIsLinear() throws {
        let folder = try TemporaryFolder()
        let url = folder.file("model.gguf")
        try HostileModelTests.tinyLlama { $0.set("llama.rope.scaling.factor", .float32(4)) }.write(to: url)
        let model = try ModelRegistry.load(try GGUFFile(path: url.path), threads: 1)
        #expect(model.architecture.ropeScale == 4)
    }

    @Test(arguments: ["blk.0.attn_sinks.weight", "rope_freqs_extra.weight", "blk.0.attn_q.bias_typo"])
    func aTensorTheEngineDoesNotUseIsRefusedByName(_ name: String) throws {
        let message = try Self.loadError(HostileModelTests.tinyLlama {
            $0.add(.init(name: name, type: .f32, shape: [2], data: [Float](repeating: 0, count: 2).withUnsafeBytes { Data($0) }))
        })
        #expect(message?.contains("tensor \(name) is not one this engine computes with") == true, "\(message ?? "it loaded")")
    }

    @Test(arguments: [GGUFValue.uint32(0), .int32(-1), .int64(-4096), .uint64(1 << 40)])
    func anImpossibleContextLengthIsRefusedByName(_ value: GGUFValue) throws {
        let message = try Self.loadError(HostileModelTests.tinyLlama { $0.set("llama.context_length", value) })
        #expect(message?.contains("llama.context_length") == true, "\(value): \(message ?? "it loaded")")
    }

    @Test(arguments: [0, -1, 1 << 40])
    func anImpossibleRequestedContextIsRefused(_ context: Int) throws {
        let folder = try TemporaryFolder()
        let url = folder.file("model.gguf")
        try HostileModelTests.tinyLlama().write(to: url)
        let model = try LoadedModel(path: url.path, threads: 1)
        #expect(throws: ModelError.self) { try model.validate(prompt: [1], context: context) }
    }

    /// GPT-2 learns one embedding per position: a context past its table is an error, both when
    /// asked for and when a cache larger than the table fills up.
    @Test func gpt2RefusesPositionsPastItsLearnedTable() throws {
        let folder = try TemporaryFolder()
        let url = folder.file("gpt2.gguf")
        try ConformanceModel(variant: .gpt2, type: .f32).serialized().write(to: url)
        let model = try LoadedModel(path: url.path, threads: 1)
        let learned = ConformanceModel(variant: .gpt2, type: .f32).shape.context
        #expect(model.decoder.maximumContext == learned)
        try model.validate(prompt: [1, 2], context: learned)
        let error = #expect(throws: ModelError.self) { try model.validate(prompt: [1, 2], context: learned + 1) }
        #expect(error?.message.contains("learned \(learned) positions") == true, "\(error?.message ?? "")")

        let cache = try model.decoder.makeCache(capacity: learned + 8)
        _ = try model.decoder.forward(Array(repeating: 5, count: learned), cache: cache)
        let past = #expect(throws: ModelError.self) { try model.decoder.forward([5], cache: cache) }
        #expect(past?.message.contains("position \(learned) was requested") == true, "\(past?.message ?? "")")
    }
}
