import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

@Suite struct GenerationTests {
    func run(_ arguments: [String]) throws -> [String: Any] {
        let result = try RealizarBinary.run(["run", "smollm2-135m-instruct"] + arguments + ["--json"], timeout: 300)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test func theSameSeedGivesTheSameTextAndOtherSeedsDiffer() throws {
        let prompt = "Once upon a time"
        let first = try run([prompt, "-n", "24", "--temperature", "1.0", "--seed", "42"])
        let again = try run([prompt, "-n", "24", "--temperature", "1.0", "--seed", "42"])
        #expect(first["text"] as? String == again["text"] as? String)
        let others = try [7, 1234].map { try run([prompt, "-n", "24", "--temperature", "1.0", "--seed", "\($0)"])["text"] as? String }
        #expect(others.contains { $0 != first["text"] as? String }, "different seeds gave the same text: \(others)")
    }

    @Test func runJSONReportsPromptAndGeneratedTokens() throws {
        let output = try run(["The capital of France is", "-n", "4", "--temperature", "0"])
        #expect(output["prompt_tokens"] as? [Int] == [504, 3575, 282, 4649, 314])
        #expect((output["tokens"] as? [Int])?.first == 7042)
        #expect((output["text"] as? String)?.hasPrefix(" Paris") == true)
    }

    @Test func stopStringsEndTheTextBeforeThem() throws {
        let output = try run(["1, 2, 3, 4, 5,", "-n", "32", "--temperature", "0", "--stop", "8"])
        let text = output["text"] as? String ?? ""
        #expect(!text.contains("8") && text.contains("7"), "\(text)")
        #expect(output["finish_reason"] as? String == "stop_sequence")
    }
}
