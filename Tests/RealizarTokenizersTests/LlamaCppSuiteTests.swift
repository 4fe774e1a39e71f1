import Foundation
import Testing
import RealizarCore
import RealizarTestSupport
@testable import RealizarTokenizers

/// llama.cpp's own tokenizer suites (`models/ggml-vocab-*.gguf` with `.inp`/`.out`), run the way
/// tests/test-tokenizer-0.cpp runs them: no special tokens added, none parsed.
@Suite struct LlamaCppSuiteTests {
    static let suites = [
        "bert-bge", "command-r", "deepseek-coder", "deepseek-llm", "falcon", "gemma-4", "gpt-2", "llama-bpe",
        "llama-spm", "mpt", "phi-3", "qwen2", "qwen35", "refact", "starcoder",
    ]

    static func tokenizer(_ name: String) throws -> (any Tokenizer, [TokenizerCase]) {
        let tokenizer = try SharedTokenizers.tokenizer(name)
        let vocab = try SharedTokenizers.path(name)
        let cases = try TokenizerCases.load(input: URL(fileURLWithPath: vocab + ".inp"),
                                            output: URL(fileURLWithPath: vocab + ".out"))
        return (tokenizer, cases)
    }

    @Test(arguments: suites)
    func everyCaseMatchesLlamaCppAndRoundTrips(_ name: String) throws {
        let (tokenizer, cases) = try Self.tokenizer(name)
        #expect(!cases.isEmpty)
        let failures = TokenizerCases.mismatches(tokenizer, cases)
        #expect(failures.isEmpty, "\(name): \(failures.count) of \(cases.count) cases differ:\n\(failures.prefix(8).joined(separator: "\n"))")
        let (roundTripped, roundTripFailures) = TokenizerCases.roundTrip(tokenizer, cases)
        #expect(roundTripFailures.isEmpty, "\(name): \(roundTripFailures.count) cases do not round-trip:\n\(roundTripFailures.prefix(8).joined(separator: "\n"))")
        print("\(name): \(cases.count - failures.count) of \(cases.count) cases identical to llama.cpp, \(roundTripped) round-trip")
    }
}
