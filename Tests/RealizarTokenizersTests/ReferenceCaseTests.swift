import Foundation
import Testing
import RealizarCore
import RealizarTestSupport
@testable import RealizarTokenizers

/// The project's reference cases (../shared/reference/*/tokenizer-cases.*), made with llama.cpp on
/// the catalog models.
@Suite struct ReferenceCaseTests {
    static func check(_ model: TestModels.Name, _ folder: String) throws {
        let tokenizer = try SharedTokenizers.tokenizer(model == .gemma ? "gemma3" : "smollm2")
        let cases = try TokenizerCases.load(input: ProjectPaths.reference("\(folder)/tokenizer-cases.inp"),
                                            output: ProjectPaths.reference("\(folder)/tokenizer-cases.out"))
        #expect(cases.count > 40)
        let failures = TokenizerCases.mismatches(tokenizer, cases)
        #expect(failures.isEmpty, "\(folder): \(failures.count) of \(cases.count) cases differ:\n\(failures.prefix(8).joined(separator: "\n"))")
        let (roundTripped, roundTripFailures) = TokenizerCases.roundTrip(tokenizer, cases)
        #expect(roundTripFailures.isEmpty, "\(folder): \(roundTripFailures.count) cases do not round-trip:\n\(roundTripFailures.prefix(8).joined(separator: "\n"))")
        print("\(folder): \(cases.count - failures.count) of \(cases.count) cases identical to llama.cpp, \(roundTripped) round-trip")
    }

    @Test func gemma3Cases() throws {
        try Self.check(.gemma, "gemma-3-270m")
    }

    @Test func smolLM2Cases() throws {
        try Self.check(.smolLM2, "smollm2-135m")
    }

    /// The prompts of the logits references: BOS (Gemma adds one, SmolLM2 does not) plus the
    /// prompt's tokens, as llama.cpp tokenized them with special tokens added.
    @Test(arguments: [(TestModels.Name.gemma, "gemma-3-270m"), (.smolLM2, "smollm2-135m")])
    func logitsReferencePromptsTokenizeAlike(_ model: TestModels.Name, _ folder: String) throws {
        let tokenizer = try SharedTokenizers.tokenizer(model == .gemma ? "gemma3" : "smollm2")
        let data = try Data(contentsOf: ProjectPaths.reference("\(folder)/logits-dev.json"))
        let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let prompts = try String(contentsOf: ProjectPaths.reference("gemma-3-270m/prompts-dev.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(entries.count >= 10)
        for (index, entry) in entries.enumerated() {
            let expected = try #require(entry["tokens"] as? [Int])
            let prompt = (entry["prompt"] as? String) ?? prompts[index]
            #expect(tokenizer.encode(prompt, addSpecial: true, parseSpecial: false) == expected, "\(folder) prompt \(index): \(prompt.debugDescription)")
        }
    }
}
