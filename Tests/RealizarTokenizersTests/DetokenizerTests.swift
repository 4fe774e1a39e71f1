import Foundation
import Testing
import RealizarCore
import RealizarTestSupport
@testable import RealizarTokenizers

@Suite struct DetokenizerTests {
    /// Streams the ids one at a time; returns the chunks.
    static func stream(_ tokenizer: any Tokenizer, _ ids: [Int], renderSpecial: Bool = false) -> [String] {
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer, renderSpecial: renderSpecial)
        var chunks = ids.map { detokenizer.append($0) }
        chunks.append(detokenizer.finish())
        return chunks
    }

    @Test(arguments: ["llama-spm", "gpt-2", "llama-bpe", "bert-bge", "phi-3", "gemma-4", "falcon"])
    func streamingEqualsWholeDecoding(_ suite: String) throws {
        let (tokenizer, cases) = try LlamaCppSuiteTests.tokenizer(suite)
        for c in cases {
            let chunks = Self.stream(tokenizer, c.ids)
            #expect(chunks.joined() == tokenizer.decode(c.ids), "\(suite): \(c.text.debugDescription)")
            // Text is only handed out in whole characters: no chunk has a replacement character
            // unless the whole decoding has one.
            if !tokenizer.decode(c.ids).contains("\u{FFFD}") {
                #expect(!chunks.contains { $0.contains("\u{FFFD}") }, "\(suite): \(c.text.debugDescription)")
            }
        }
    }

    @Test func partialCharactersAreHeldBack() throws {
        let tokenizer = try SharedTokenizers.tokenizer("gemma3")
        // 🦙 (4 bytes) has no token in Gemma's vocabulary: it comes out as four byte tokens.
        let ids = tokenizer.encode("🦙!", addSpecial: false, parseSpecial: false)
        let bytes = ids.map { tokenizer.piece($0) }
        #expect(bytes.prefix(4).allSatisfy { $0.count == 1 }, "\(ids)")
        let chunks = Self.stream(tokenizer, ids)
        #expect(chunks.prefix(3).allSatisfy { $0.isEmpty })
        #expect(chunks[3] == "🦙")
        #expect(chunks.joined() == "🦙!")
        // An incomplete character at the end becomes U+FFFD.
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        #expect(detokenizer.append(ids[0]) == "")
        #expect(detokenizer.finish() == "\u{FFFD}")
    }

    @Test func leadingSpaceAndSpecialTokens() throws {
        let spm = try LlamaCppSuiteTests.tokenizer("llama-spm").0
        let hello = spm.encode("Hello world", addSpecial: false, parseSpecial: false)
        #expect(Self.stream(spm, hello).joined() == "Hello world")
        // With BOS first, llama.cpp keeps the space of the first word.
        let withBOS = spm.encode("Hello world", addSpecial: true, parseSpecial: false)
        #expect(withBOS.first == spm.bosID)
        #expect(spm.decode(withBOS) == " Hello world")
        #expect(Self.stream(spm, withBOS).joined() == " Hello world")
        #expect(spm.decode(withBOS, renderSpecial: true) == "<s> Hello world")
        #expect(Self.stream(spm, withBOS, renderSpecial: true).joined() == "<s> Hello world")
    }

    @Test func spaceCleanUpStreamsLikeWholeDecoding() throws {
        let gpt2 = try LlamaCppSuiteTests.tokenizer("gpt-2").0
        for text in ["Hello , world ! Is it ? Yes .", "he 's here , 're you ? ' quoted ' x", " ' ' ' ", "a 've b 'm c 'll d 't",
                     "end with space ", "end with ' ", "??? !!! ... ,,, ' ' '"] {
            let ids = gpt2.encode(text, addSpecial: false, parseSpecial: false)
            #expect(Self.stream(gpt2, ids).joined() == gpt2.decode(ids), "\(text.debugDescription)")
        }
        #expect(gpt2.decode(gpt2.encode("Hello , world ? he 's", addSpecial: false, parseSpecial: false)) == "Hello, world? he's")
    }
}

@Suite struct SpecialTokenTests {
    @Test func gemmaChatTokens() throws {
        let gemma = try SharedTokenizers.tokenizer("gemma3")
        let text = "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"
        let parsed = gemma.encode(text, addSpecial: true, parseSpecial: true)
        let start = try #require(gemma.vocabulary.id(of: Array("<start_of_turn>".utf8)))
        let end = try #require(gemma.vocabulary.id(of: Array("<end_of_turn>".utf8)))
        #expect(parsed.first == gemma.bosID)
        #expect(parsed.filter { $0 == start }.count == 2)
        #expect(parsed.contains(end))
        #expect(gemma.isEndOfGeneration(end))
        #expect(gemma.isEndOfGeneration(try #require(gemma.eosID)))
        #expect(!gemma.isEndOfGeneration(start))
        // Without parseSpecial the markers are text.
        let plain = gemma.encode(text, addSpecial: false, parseSpecial: false)
        #expect(!plain.contains(start) && !plain.contains(end))
        #expect(gemma.decode(plain) == text)
        // Control tokens are hidden unless rendered.
        #expect(gemma.decode(parsed, renderSpecial: true) == "<bos>" + text)
        #expect(gemma.decode(parsed) == "user\nHi\nmodel\n")
        #expect(gemma.addsBOS && !gemma.addsEOS)
    }

    @Test func smolLM2ChatTokens() throws {
        let smol = try SharedTokenizers.tokenizer("smollm2")
        let ids = smol.encode("<|im_start|>user\nHi<|im_end|>", addSpecial: true, parseSpecial: true)
        #expect(ids.first == 1)  // <|im_start|>; SmolLM2 adds no BOS
        #expect(ids.last == 2)
        #expect(smol.isEndOfGeneration(2))
        #expect(!smol.addsBOS)
        #expect(smol.model == .bytePair && smol.vocabulary.preTokenizerName == "smollm")
    }
}

@Suite struct SplitRegexTests {
    static func pieces(_ pattern: String, _ text: String) throws -> [String] {
        let regex = try SplitRegex(UnicodeData.codepoints(Array(pattern.utf8)), display: pattern)
        let units = UnicodeData.codepoints(Array(text.utf8))
        let lengths = units.withUnsafeBufferPointer { PreTokenizer.regexSplit(regex, $0, [units.count]) }
        var start = 0
        return lengths.map { length in
            defer { start += length }
            var bytes: [UInt8] = []
            for cp in units[start..<(start + length)] { UnicodeData.appendUTF8(cp, to: &bytes) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test func ecmaScriptSemantics() throws {
        // Alternatives in order, not the longest.
        #expect(try Self.pieces("a|ab", "abab") == ["a", "b", "a", "b"])
        // Greedy with backtracking; lookahead.
        #expect(try Self.pieces("\\s+(?!\\S)|\\s+", "a   b") == ["a", "  ", " ", "b"])
        #expect(try Self.pieces("[0-9]{1,3}", "1234567") == ["123", "456", "7"])
        #expect(try Self.pieces("x{2}|y{2,}", "xxxyyyy") == ["xx", "x", "yyyy"])
        // Lazy quantifiers and classes.
        #expect(try Self.pieces("a+?", "aaa") == ["a", "a", "a"])
        #expect(try Self.pieces("[^a-c\\s]+", "abxy z") == ["ab", "xy", " ", "z"])
        // Empty matches split nothing.
        #expect(try Self.pieces("(?=(\\d{3})+(?!\\d))", "1234567") == ["1", "234", "567"])
        // End anchor.
        #expect(try Self.pieces("\\s+$", "a b  ") == ["a b", "  "])
        // Bad syntax is an error, not a crash.
        #expect(throws: SplitRegex.SyntaxError.self) { _ = try Self.pieces("(a", "a") }
        #expect(throws: SplitRegex.SyntaxError.self) { _ = try Self.pieces("[a", "a") }
        #expect(throws: SplitRegex.SyntaxError.self) { _ = try Self.pieces("(a*)*", "a") }
    }
}
