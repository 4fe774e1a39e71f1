import Foundation
import Testing
import RealizarCore
import RealizarTestSupport
@testable import RealizarTokenizers

/// Random texts (`FuzzTexts`) against llama.cpp itself: the pieces of every pre-tokenizer
/// (llama.cpp's `unicode_regex_split` with the same expressions) and the tokens and detokenized
/// text of many vocabularies (`llama_tokenize`, `llama_detokenize`), recorded as digests in
/// `LlamaCppFuzzReference`.
///
/// To record them again (after changing the texts or updating llama.cpp): build the harness in
/// `LlamaCppFuzzReference.swift`'s comment, run this suite with REALIZAR_FUZZ_DIR=<folder> to
/// write the inputs (and this engine's outputs, `mine-*`, to compare line by line with the
/// harness's), run the harness over them, and write the digests into the reference file.
@Suite struct LlamaCppFuzzTests {
    static let texts = FuzzTexts.make(count: LlamaCppFuzzReference.textCount, seed: LlamaCppFuzzReference.seed)

    static let vocabularies = [
        "bert-bge", "command-r", "deepseek-coder", "deepseek-llm", "falcon", "gemma-4", "gpt-2", "llama-bpe",
        "llama-spm", "mpt", "phi-3", "qwen2", "qwen35", "refact", "starcoder", "gpt-neox", "aquila", "baichuan",
        "nomic-bert-moe", "gemma3", "smollm2",
    ]

    /// Per text: the pieces, hex-encoded and separated by spaces (the harness's format).
    static func splitLines(_ type: PreTokenizerType) throws -> [String] {
        let pre = try PreTokenizer(type: type)
        return texts.map { text in
            let bytes = Array(text.utf8)
            let words = bytes.withUnsafeBufferPointer { pre.split($0) }
            return words.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: " ")
        }
    }

    /// Per text: the ids line and the detokenized-bytes line (the harness's format).
    static func tokenLines(_ tokenizer: any Tokenizer, special: Bool) -> (ids: [String], text: [String]) {
        var ids: [String] = [], text: [String] = []
        for t in texts {
            let tokens = tokenizer.encode(t, addSpecial: special, parseSpecial: special)
            ids.append(tokens.map(String.init).joined(separator: " "))
            text.append(tokenizer.decodeBytes(tokens, renderSpecial: special).map { String(format: "%02x", $0) }.joined())
        }
        return (ids, text)
    }

    static func digest(_ lines: [String]) -> String {
        FuzzTexts.digest(bytes: Array(lines.map { $0 + "\n" }.joined().utf8))
    }

    @Test(arguments: PreTokenizerType.allCases)
    func piecesMatchLlamaCpp(_ type: PreTokenizerType) throws {
        let expected = try #require(LlamaCppFuzzReference.splits[type.rawValue], "no reference for \(type)")
        #expect(Self.digest(try Self.splitLines(type)) == expected, "\(type): pieces differ from llama.cpp's")
    }

    @Test(arguments: vocabularies)
    func tokensMatchLlamaCpp(_ name: String) throws {
        let tokenizer = try SharedTokenizers.tokenizer(name)
        for special in [false, true] {
            let key = "\(name)/\(special ? 1 : 0)"
            let expected = try #require(LlamaCppFuzzReference.tokens[key], "no reference for \(key)")
            let (ids, text) = Self.tokenLines(tokenizer, special: special)
            #expect(Self.digest(ids) == expected.ids, "\(key): token ids differ from llama.cpp's")
            #expect(Self.digest(text) == expected.text, "\(key): detokenized text differs from llama.cpp's")
        }
    }

    /// Writes the inputs for llama.cpp (and this engine's outputs) when REALIZAR_FUZZ_DIR is set.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["REALIZAR_FUZZ_DIR"] != nil,
                   "writes llama.cpp's inputs only when REALIZAR_FUZZ_DIR names a folder"))
    func writeInputsForLlamaCpp() throws {
        let folder = ProcessInfo.processInfo.environment["REALIZAR_FUZZ_DIR"]!
        let dir = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name))
        }
        try write("texts.inp", Self.texts.map { $0 + "\n__ggml_vocab_test__\n" }.joined())
        var splitConfigs = ""
        for type in PreTokenizerType.allCases {
            try write("pre-\(type.rawValue).expr", type.expressions.joined(separator: "\n__expr__\n"))
            splitConfigs += "\(type.rawValue)\t\(type.byteEncode ? 1 : 0)\n"
            try write("mine-split-\(type.rawValue).txt", try Self.splitLines(type).map { $0 + "\n" }.joined())
        }
        try write("splits.txt", splitConfigs)
        var vocabConfigs = ""
        for name in Self.vocabularies {
            vocabConfigs += "\(name)\t\(try SharedTokenizers.path(name))\n"
            let tokenizer = try SharedTokenizers.tokenizer(name)
            for special in [false, true] {
                let (ids, text) = Self.tokenLines(tokenizer, special: special)
                try write("mine-tok-\(name)-\(special ? 1 : 0).txt", zip(ids, text).map { "\($0)\n\($1)\n" }.joined())
            }
        }
        try write("vocabs.txt", vocabConfigs)
    }
}
