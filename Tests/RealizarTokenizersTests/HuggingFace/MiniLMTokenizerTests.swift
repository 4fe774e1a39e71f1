import Foundation
import Testing
import RealizarCore
import RealizarTestSupport
@testable import RealizarTokenizers

/// all-MiniLM-L6-v2's own `tokenizer.json` (BertNormalizer, BertPreTokenizer, WordPiece, a
/// [CLS]/[SEP] template, truncation and fixed padding to 128 with [PAD] = 0) must give the ids of
/// ../shared/reference/minilm/embeddings-dev.json.
@Suite struct MiniLMTokenizerTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            var text: String
            var token_ids: [Int]
        }
        var cases: [Case]
    }

    static func load() throws -> (HuggingFaceTokenizer, [Reference.Case]) {
        let folder = URL(fileURLWithPath: try TestModels.path(.miniLM))
        let tokenizer = try HuggingFaceTokenizer.load(folder: folder)
        let data = try Data(contentsOf: ProjectPaths.reference("minilm/embeddings-dev.json"))
        return (tokenizer, try JSONDecoder().decode(Reference.self, from: data).cases)
    }

    @Test func everyReferenceCaseHasIdenticalIds() throws {
        let (tokenizer, cases) = try Self.load()
        #expect(cases.count >= 5)
        for c in cases {
            let ids = tokenizer.encoding(c.text).ids
            #expect(ids == c.token_ids, "\(c.text.debugDescription): expected \(c.token_ids), got \(ids)")
        }
    }

    @Test func batchOfReferenceTextsPadsAsTheFileSays() throws {
        let (tokenizer, cases) = try Self.load()
        let batch = tokenizer.encodeBatch(cases.map(\.text))
        #expect(batch.map(\.ids) == cases.map(\.token_ids))
        for (encoding, c) in zip(batch, cases) {
            let real = c.token_ids.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
            #expect(encoding.attentionMask.reduce(0, +) == real)
        }
    }

    @Test func protocolEncodeAddsClsAndSepWithoutPadding() throws {
        let (tokenizer, _) = try Self.load()
        let ids = tokenizer.encode("Hello world", addSpecial: true, parseSpecial: true)
        #expect(ids == [101, 7592, 2088, 102])
        #expect(tokenizer.decode(ids) == "hello world")
        #expect(tokenizer.decode(ids, renderSpecial: true) == "[CLS] hello world [SEP]")
        #expect(tokenizer.bosID == 101)
        #expect(tokenizer.paddingID == 0)
    }
}
