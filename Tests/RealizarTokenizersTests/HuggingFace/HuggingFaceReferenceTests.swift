import Foundation
import Testing
import RealizarCore
import RealizarTestSupport
@testable import RealizarTokenizers

/// `tokenizer.json` files of several families, built by the Python `tokenizers` package
/// (Tests/Fixtures/huggingface/make_reference_tokenizers.py, one call per family), must give the
/// ids and decoded text that package gives.
@Suite struct HuggingFaceReferenceTests {
    struct Case: Decodable {
        var text: String
        var ids: [Int]
        var ids_no_special: [Int]
        var decoded: String
        var decoded_skip: String
    }

    struct Pair: Decodable {
        var a: String
        var b: String
        var ids: [Int]
        var type_ids: [Int]
        var attention_mask: [Int]
    }

    struct Padded: Decodable {
        var ids: [Int]
        var attention_mask: [Int]
    }

    struct Reference: Decodable {
        var name: String
        var cases: [Case]
        var pairs: [Pair]
        /// `encode_batch` of the first texts, where the file configures padding.
        var batch: [Padded]
    }

    struct Cases: Decodable { var tokenizers: [Reference] }

    static func run(_ family: String) throws -> (TemporaryFolder, [Reference]) {
        let folder = try TemporaryFolder()
        let script = ProjectPaths.root.appendingPathComponent("Tests/Fixtures/huggingface/make_reference_tokenizers.py")
        try Shell.run(["python3", script.path, family, folder.url.path])
        let data = try Data(contentsOf: folder.file("cases.json"))
        return (folder, try JSONDecoder().decode(Cases.self, from: data).tokenizers)
    }

    static func show(_ text: String) -> String { text.debugDescription }

    /// Compares every case of a family; returns the number of tokenizers checked.
    @discardableResult
    static func check(_ family: String) throws -> Int {
        let (folder, references) = try run(family)
        #expect(!references.isEmpty)
        for reference in references {
            let file = folder.file(reference.name + ".json")
            let tokenizer = try HuggingFaceTokenizer(tokenizerJSON: Data(contentsOf: file), file: file.path)
            var failures: [String] = []
            for c in reference.cases {
                let encoded = tokenizer.encoding(c.text)
                if encoded.ids != c.ids {
                    failures.append("\(show(c.text)): expected \(c.ids), got \(encoded.ids)")
                    continue
                }
                let plain = tokenizer.encoding(c.text, addSpecialTokens: false).ids
                if plain != c.ids_no_special {
                    failures.append("\(show(c.text)) without special tokens: expected \(c.ids_no_special), got \(plain)")
                }
                let decoded = tokenizer.decode(c.ids, skipSpecialTokens: false)
                if decoded != c.decoded { failures.append("decode \(c.ids): expected \(show(c.decoded)), got \(show(decoded))") }
                let skipped = tokenizer.decode(c.ids, skipSpecialTokens: true)
                if skipped != c.decoded_skip {
                    failures.append("decode skipping special \(c.ids): expected \(show(c.decoded_skip)), got \(show(skipped))")
                }
            }
            for p in reference.pairs {
                let encoded = tokenizer.encoding(p.a, pair: p.b)
                if encoded.ids != p.ids || encoded.typeIDs != p.type_ids || encoded.attentionMask != p.attention_mask {
                    failures.append("pair \(show(p.a)) + \(show(p.b)): expected \(p.ids) types \(p.type_ids), got \(encoded.ids) types \(encoded.typeIDs)")
                }
            }
            if !reference.batch.isEmpty {
                let texts = reference.cases.prefix(reference.batch.count).map(\.text)
                let batch = tokenizer.encodeBatch(Array(texts))
                if batch.map(\.ids) != reference.batch.map(\.ids) || batch.map(\.attentionMask) != reference.batch.map(\.attention_mask) {
                    failures.append("batch: expected \(reference.batch.map(\.ids)), got \(batch.map(\.ids))")
                }
            }
            #expect(failures.isEmpty, "\(reference.name): \(failures.count) mismatches:\n\(failures.prefix(10).joined(separator: "\n"))")
        }
        return references.count
    }

    @Test func gpt2StyleByteLevelBPEAndRoberta() throws { try Self.check("gpt2") }

    @Test func metaspaceUnigramWithAndWithoutByteFallback() throws { try Self.check("unigram") }

    @Test func sentencePieceStyleBPEWithByteFallback() throws { try Self.check("sentencepiece-bpe") }

    @Test func bertWordPieceWithPairsTruncationAndPadding() throws { try Self.check("wordpiece") }

    @Test func llama3StyleSplitRegexByteLevelWithAddedTokens() throws { try Self.check("llama3") }

    @Test func otherNormalizersPreTokenizersAndDecoders() throws { try Self.check("components") }
}
