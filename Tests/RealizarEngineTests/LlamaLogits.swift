import Foundation
import RealizarTestSupport

/// llama.cpp's logits for a model file, from `scripts/llama-logits.cpp` as built by
/// `scripts/build-llama-logits` into `.llamacpp/` (`scripts/test` builds it). Tests that need it
/// are skipped, with the reason, where it has not been built.
enum LlamaLogits {
    static let binary = ProjectPaths.root.appendingPathComponent(".llamacpp/build-logits/llama-logits")

    static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

    struct Settings: Sendable, CustomStringConvertible {
        var threads = 2
        var batch = 512
        var flashAttention = false

        var description: String { "threads \(threads), batch \(batch), flash attention \(flashAttention ? "on" : "off")" }
    }

    /// One prompt's result: the context llama.cpp ran it in (the prompt's length padded to a
    /// multiple of 256) and its last token's logits.
    struct Result: Sendable {
        var context: Int
        var logits: [Float]
    }

    /// Runs every prompt in a fresh context of its own length.
    static func run(model: URL, prompts: [[Int]], settings: Settings = Settings()) throws -> [Result] {
        let tokens = prompts.map { $0.map(String.init).joined(separator: ",") }.joined(separator: ";")
        let output = try Shell.run([
            binary.path, "--model", model.path, "--tokens", tokens, "--threads", "\(settings.threads)",
            "--batch", "\(settings.batch)", "--ubatch", "\(settings.batch)",
            "--flash-attn", settings.flashAttention ? "on" : "off",
        ])
        struct Output: Decodable {
            struct Prompt: Decodable {
                var n_ctx: Int
                var logits: [[Float]]
            }
            var prompts: [Prompt]
        }
        let decoded = try JSONDecoder().decode(Output.self, from: Data(output.utf8))
        guard decoded.prompts.count == prompts.count, decoded.prompts.allSatisfy({ $0.logits.count == 1 }) else {
            throw Shell.Failure(command: [binary.path], status: 0, output: "expected one row of logits for each of \(prompts.count) prompts")
        }
        return decoded.prompts.map { Result(context: $0.n_ctx, logits: $0.logits[0]) }
    }
}

/// How two logit vectors differ where it matters: over the reference's 20 largest logits.
struct LogitComparison: CustomStringConvertible {
    /// max |actual − reference| over the reference's top 20.
    var maxDifference: Float
    /// The reference's top-1 token, and its lead over the second.
    var referenceTop: Int
    var referenceMargin: Float
    var actualTop: Int

    init(actual: [Float], reference: [Float]) {
        let order = reference.indices.sorted { reference[$0] > reference[$1] }
        maxDifference = order.prefix(20).map { abs(actual[$0] - reference[$0]) }.max() ?? 0
        referenceTop = order[0]
        referenceMargin = reference[order[0]] - reference[order[1]]
        actualTop = actual.indices.max { actual[$0] < actual[$1] || (actual[$0] == actual[$1] && $0 > $1) }!
    }

    var description: String {
        "max |Δlogit| over the top 20 = \(maxDifference); top-1 \(actualTop) vs llama.cpp's \(referenceTop) (margin \(referenceMargin))"
    }
}
