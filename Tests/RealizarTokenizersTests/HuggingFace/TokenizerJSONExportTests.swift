import Foundation
import Testing
import RealizarCore
import RealizarTestSupport
@testable import RealizarTokenizers

/// Gemma 3's GGUF vocabulary written as a `tokenizer.json` must tokenize
/// ../shared/reference/gemma-3-270m/tokenizer-cases.inp exactly like llama.cpp did (.out).
@Suite struct TokenizerJSONExportTests {
    static func exportedGemma() throws -> (HuggingFaceTokenizer, Data) {
        let clock = ContinuousClock()
        let start = clock.now
        let vocabulary = try Vocabulary(file: GGUFFile(path: try TestModels.path(.gemma)))
        let loaded = clock.now
        let json = try TokenizerJSONExport.tokenizerJSON(for: vocabulary)
        let exported = clock.now
        let tokenizer = try HuggingFaceTokenizer(tokenizerJSON: json, file: "gemma3 tokenizer.json")
        print("gemma3 tokenizer.json: \(json.count) bytes; GGUF vocabulary \(loaded - start), export \(exported - loaded), load \(clock.now - exported)")
        return (tokenizer, json)
    }

    /// Both here and in the Python `tokenizers` package, which is what the file is for.
    @Test func gemma3ExportTokenizesTheReferenceCasesLikeLlamaCpp() throws {
        let (tokenizer, json) = try Self.exportedGemma()
        let cases = try TokenizerCases.load(input: ProjectPaths.reference("gemma-3-270m/tokenizer-cases.inp"),
                                            output: ProjectPaths.reference("gemma-3-270m/tokenizer-cases.out"))
        #expect(cases.count > 40)
        let failures = TokenizerCases.mismatches(tokenizer, cases)
        #expect(failures.isEmpty, "\(failures.count) of \(cases.count) cases differ:\n\(failures.prefix(8).joined(separator: "\n"))")

        let folder = try TemporaryFolder()
        try json.write(to: folder.file("tokenizer.json"))
        try JSONEncoder().encode(cases.map(\.text)).write(to: folder.file("texts.json"))
        let script = ProjectPaths.root.appendingPathComponent("Tests/Fixtures/huggingface/encode_with_tokenizers.py")
        let output = try Shell.run(["python3", script.path, folder.file("tokenizer.json").path, folder.file("texts.json").path])
        let pythonIDs = try JSONDecoder().decode([[Int]].self, from: Data(output.utf8))
        for (c, ids) in zip(cases, pythonIDs) {
            #expect(ids == c.ids, "tokenizers package, \(c.text.debugDescription): expected \(c.ids), got \(ids)")
        }
        #expect(tokenizer.vocabularySize == 262_144)
        #expect(tokenizer.encode("Hi", addSpecial: true, parseSpecial: true).first == 2)
        #expect(tokenizer.encode("<start_of_turn>user", addSpecial: false, parseSpecial: true).first == 105)
    }

    @Test func byteLevelVocabulariesAreRefusedWithAReason() throws {
        let vocabulary = try Vocabulary(file: GGUFFile(path: try TestModels.path(.smolLM2)))
        #expect(throws: TokenizerJSONExport.Unsupported.self) { try TokenizerJSONExport.tokenizerJSON(for: vocabulary) }
    }
}
