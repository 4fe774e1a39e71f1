import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// Small models written by the test, each broken in one way a loader must catch: a clear error
/// naming the key or tensor, never a crash.
@Suite struct HostileModelTests {
    /// A tiny valid llama model: 1 block, 8-wide embedding, 2 heads of 4, 1 KV head, 5 tokens.
    static func tinyLlama(_ change: (inout GGUFWriter) -> Void = { _ in }) -> Data {
        var w = GGUFWriter()
        let d = 8, ff = 16, vocab = 5, heads = 2, kvHeads = 1, headDim = 4
        w.set("general.architecture", .string("llama"))
        w.set("llama.embedding_length", .uint32(UInt32(d)))
        w.set("llama.block_count", .uint32(1))
        w.set("llama.feed_forward_length", .uint32(UInt32(ff)))
        w.set("llama.attention.head_count", .uint32(UInt32(heads)))
        w.set("llama.attention.head_count_kv", .uint32(UInt32(kvHeads)))
        w.set("llama.context_length", .uint32(64))
        w.set("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
        w.set("tokenizer.ggml.model", .string("llama"))
        w.set("tokenizer.ggml.tokens", .array(.string(["<unk>", "<s>", "</s>", "▁a", "▁b"])))
        w.set("tokenizer.ggml.scores", .array(.float32([0, 0, 0, -1, -2])))
        w.set("tokenizer.ggml.token_type", .array(.int32([2, 3, 3, 1, 1])))
        w.set("tokenizer.ggml.bos_token_id", .uint32(1))
        w.set("tokenizer.ggml.eos_token_id", .uint32(2))
        func matrix(_ name: String, _ rows: Int, _ columns: Int) {
            let values = (0..<(rows * columns)).map { Float(($0 * 7919) % 17) / 17 - 0.5 }
            w.add(.init(name: name, type: .f32, shape: [columns, rows], data: values.withUnsafeBytes { Data($0) }))
        }
        func vector(_ name: String, _ count: Int) {
            w.add(.init(name: name, type: .f32, shape: [count], data: [Float](repeating: 1, count: count).withUnsafeBytes { Data($0) }))
        }
        matrix("token_embd.weight", vocab, d)
        vector("blk.0.attn_norm.weight", d)
        matrix("blk.0.attn_q.weight", heads * headDim, d)
        matrix("blk.0.attn_k.weight", kvHeads * headDim, d)
        matrix("blk.0.attn_v.weight", kvHeads * headDim, d)
        matrix("blk.0.attn_output.weight", d, heads * headDim)
        vector("blk.0.ffn_norm.weight", d)
        matrix("blk.0.ffn_gate.weight", ff, d)
        matrix("blk.0.ffn_up.weight", ff, d)
        matrix("blk.0.ffn_down.weight", d, ff)
        vector("output_norm.weight", d)
        change(&w)
        return w.serialized()
    }

    func logits(_ bytes: Data, _ extra: [String] = ["--tokens", "1,3,4"]) throws -> RealizarBinary.Result {
        let folder = try TemporaryFolder()
        let url = folder.file("tiny.gguf")
        try bytes.write(to: url)
        return try RealizarBinary.run(["logits", url.path] + extra, timeout: 10)
    }

    @Test func theTinyModelRuns() throws {
        let result = try logits(Self.tinyLlama())
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 5)
    }

    static let cases: [(name: String, expected: String, change: @Sendable (inout GGUFWriter) -> Void)] = [
        ("KV heads do not divide heads", "head_count_kv", { $0.set("llama.attention.head_count_kv", .uint32(3)) }),
        ("zero heads", "head_count", { $0.set("llama.attention.head_count", .uint32(0)) }),
        ("more blocks than tensors", "blk.1.attn_norm.weight", { $0.set("llama.block_count", .uint32(2)) }),
        ("tensors of a block past block_count", "blk.1.attn_norm.weight", {
            $0.add(.init(name: "blk.1.attn_norm.weight", type: .f32, shape: [8], data: Data(count: 32)))
        }),
        ("rope dimensions larger than a head", "rope.dimension_count", { $0.set("llama.rope.dimension_count", .uint32(64)) }),
        ("zero feed-forward length", "feed_forward_length", { $0.set("llama.feed_forward_length", .uint32(0)) }),
        ("block count of the wrong type", "llama.block_count", { $0.set("llama.block_count", .string("one")) }),
        ("unsupported architecture", "not supported", { $0.set("general.architecture", .string("mamba9")) }),
        ("missing tensor", "blk.0.ffn_down.weight", { $0.tensors.removeAll { $0.name == "blk.0.ffn_down.weight" } }),
        ("misshapen tensor", "blk.0.attn_q.weight", { w in
            let i = w.tensors.firstIndex { $0.name == "blk.0.attn_q.weight" }!
            w.tensors[i].shape = [4, 16]
        }),
        ("tokens of the wrong element type", "tokenizer.ggml.tokens", { $0.set("tokenizer.ggml.tokens", .array(.int32([1, 2, 3, 4, 5]))) }),
        ("scores shorter than tokens", "tokenizer.ggml.scores", { $0.set("tokenizer.ggml.scores", .array(.float32([0, 0]))) }),
        ("BOS outside the vocabulary", "bos", { $0.set("tokenizer.ggml.bos_token_id", .uint32(99)) }),
    ]

    @Test(arguments: cases.map(\.name))
    func aBrokenModelGivesAClearError(name: String) throws {
        let entry = Self.cases.first { $0.name == name }!
        let result = try logits(Self.tinyLlama(entry.change))
        #expect(!result.crashed, "\(name): crashed: \(result.stderr)")
        #expect(result.status == 1, "\(name): exit \(result.status): \(result.stderr)")
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.lowercased().contains(entry.expected.lowercased()),
                "\(name): expected an error naming \(entry.expected), got: \(result.stderr)")
    }

    @Test func badRequestsGiveClearErrors() throws {
        let tiny = Self.tinyLlama()
        let unknownToken = try logits(tiny, ["--tokens", "1,999"])
        #expect(unknownToken.status == 1 && unknownToken.stderr.contains("token id 999 is outside the vocabulary"), "\(unknownToken.stderr)")
        let folder = try TemporaryFolder()
        let url = folder.file("tiny.gguf")
        try tiny.write(to: url)
        let tooLong = try RealizarBinary.run(["run", url.path, String(repeating: "a b ", count: 40), "--ctx", "16", "-n", "4"], timeout: 10)
        #expect(tooLong.status == 1 && tooLong.stderr.contains("the context holds 16"), "\(tooLong.stderr)")
        let empty = try RealizarBinary.run(["run", url.path, "", "-n", "4"], timeout: 10)
        #expect(empty.status == 1 && empty.stderr.contains("prompt is empty"), "\(empty.stderr)")
        let emptyLogits = try logits(tiny, ["--prompt", ""])
        #expect(emptyLogits.status == 1 && emptyLogits.stderr.contains("prompt is empty"), "\(emptyLogits.stderr)")
    }
}
