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

@Suite struct ChatTests {
    @Test func smolLM2AnswersTheCapitalOfFrance() throws {
        let folder = try TemporaryFolder()
        let input = folder.file("input.txt")
        // A question whose first reply token wins by 1.5 logits: the plain "What is the capital of
        // France?" is a near-tie (exact margin 0.08) that 8-bit activations may tip either way.
        try Data("What is the capital of France? Answer in one word.\n/bye\n".utf8).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\"$0\" chat smollm2-135m-instruct --temperature 0 -n 48 < \"$1\"", RealizarBinary.url.path, input.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("Paris"), "the reply was: \(text)")
    }

    @Test func theTemplateOfAModelRendersItsConversation() throws {
        let folder = try TemporaryFolder()
        let messages = folder.file("messages.json")
        try Data(#"[{"role": "user", "content": "Hi"}]"#.utf8).write(to: messages)
        let result = try RealizarBinary.run(["template", "render", "--template", "smollm2-135m-instruct",
                                             "--messages", messages.path, "--add-generation-prompt"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"), "\(result.stdout)")
        let gemma = try RealizarBinary.run(["template", "render", "--template", "gemma3-270m",
                                            "--messages", messages.path, "--add-generation-prompt"])
        #expect(gemma.status == 0 && gemma.stdout.contains("<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"), "built-in Gemma turns: \(gemma.stdout)")
    }
}
