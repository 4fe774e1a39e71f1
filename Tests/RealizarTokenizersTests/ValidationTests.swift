import Foundation
import Testing
import RealizarCore
@testable import RealizarTokenizers

/// Hostile or broken tokenizer metadata gives a `FormatError` naming the key, never a crash.
@Suite struct ValidationTests {
    typealias Entries = [(String, GGUFWriter.Value)]

    func load(_ entries: Entries) throws -> any Tokenizer {
        try loadTokenizer(from: try GGUFFile(path: try GGUFWriter.write(entries)))
    }

    /// Expects loading to fail with a `FormatError` on `key` whose message contains `words`.
    func expectError(_ entries: Entries, key: String, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try load(entries)
            Issue.record("loaded although \(key) is broken", sourceLocation: sourceLocation)
        } catch let error as FormatError {
            #expect(error.field == key, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(words), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func tinyVocabulariesWork() throws {
        let spm = try load(TinyVocab.sentencePiece())
        #expect(spm.model == .sentencePiece)
        let ids = spm.encode("abc ab", addSpecial: true, parseSpecial: false)
        #expect(ids.first == 1)
        // llama.cpp keeps the leading space when the sequence starts with BOS.
        #expect(spm.decode(ids) == " abc ab")
        #expect(spm.decode(Array(ids.dropFirst())) == "abc ab")
        // A character no token covers falls back to byte tokens.
        let z = spm.encode("z", addSpecial: false, parseSpecial: false)
        #expect(z == [spm.vocabulary.id(of: Array("▁".utf8))!, 3 + 0x7A])
        // Control tokens in text only with parseSpecial; user-defined ones always.
        let turn = spm.vocabulary.id(of: Array("<start_of_turn>".utf8))!
        #expect(spm.encode("<start_of_turn>a", addSpecial: false, parseSpecial: true).first == turn)
        #expect(!spm.encode("<start_of_turn>a", addSpecial: false, parseSpecial: false).contains(turn))
        let newlines = spm.vocabulary.id(of: Array("\n\n".utf8))!
        #expect(spm.encode("a\n\nb", addSpecial: false, parseSpecial: false).contains(newlines))

        let bpe = try load(TinyVocab.bytePair())
        #expect(bpe.model == .bytePair)
        let abIds = bpe.encode(" ab", addSpecial: false, parseSpecial: false)
        #expect(abIds == [258])
        #expect(bpe.decode(bpe.encode("hello <|end|> world", addSpecial: false, parseSpecial: true), renderSpecial: true) == "hello <|end|> world")
        #expect(bpe.isEndOfGeneration(259))
    }

    @Test func missingOrUnknownModel() {
        expectError(TinyVocab.replacing(TinyVocab.sentencePiece(), "tokenizer.ggml.model", with: nil),
                    key: "tokenizer.ggml.model", "missing")
        expectError(TinyVocab.replacing(TinyVocab.sentencePiece(), "tokenizer.ggml.model", with: .string("plamo2")),
                    key: "tokenizer.ggml.model", "unsupported tokenizer model \"plamo2\"")
        expectError(TinyVocab.replacing(TinyVocab.sentencePiece(), "tokenizer.ggml.model", with: .u32(1)),
                    key: "tokenizer.ggml.model", "expected a string")
        expectError(TinyVocab.replacing(TinyVocab.bytePair(), "tokenizer.ggml.pre", with: .string("no-such-pre")),
                    key: "tokenizer.ggml.pre", "unknown pre-tokenizer")
    }

    @Test func wrongElementTypes() {
        let spm = TinyVocab.sentencePiece()
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.tokens", with: .i32s([1, 2, 3])),
                    key: "tokenizer.ggml.tokens", "array of strings")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.tokens", with: .string("<unk>")),
                    key: "tokenizer.ggml.tokens", "expected an array")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.scores", with: .strings(Array(repeating: "1", count: 270))),
                    key: "tokenizer.ggml.scores", "array of numbers")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.token_type", with: .f32s(Array(repeating: 1, count: 270))),
                    key: "tokenizer.ggml.token_type", "array of integers")
        expectError(TinyVocab.replacing(TinyVocab.bytePair(), "tokenizer.ggml.merges", with: .i32s([1])),
                    key: "tokenizer.ggml.merges", "array of strings")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.add_bos_token", with: .string("yes")),
                    key: "tokenizer.ggml.add_bos_token", "expected a bool")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.bos_token_id", with: .string("1")),
                    key: "tokenizer.ggml.bos_token_id", "expected an integer")
    }

    @Test func arrayLengths() {
        let spm = TinyVocab.sentencePiece()
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.scores", with: .f32s([0, 0, 0])),
                    key: "tokenizer.ggml.scores", "has 3 entries for 270 tokens")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.token_type", with: .i32s(Array(repeating: 1, count: 300))),
                    key: "tokenizer.ggml.token_type", "has 300 entries for 270 tokens")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.tokens", with: .strings([])),
                    key: "tokenizer.ggml.tokens", "empty")
    }

    @Test func tokenIDsOutsideTheVocabulary() {
        let spm = TinyVocab.sentencePiece()
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.bos_token_id", with: .u32(270)),
                    key: "tokenizer.ggml.bos_token_id", "outside the vocabulary of 270 tokens")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.eos_token_id", with: .i32(-1)),
                    key: "tokenizer.ggml.eos_token_id", "outside the vocabulary")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.unknown_token_id", with: .u64(UInt64.max)),
                    key: "tokenizer.ggml.unknown_token_id", "expected an integer")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.padding_token_id", with: .u32(1_000_000)),
                    key: "tokenizer.ggml.padding_token_id", "outside the vocabulary")
        expectError(TinyVocab.replacing(spm, "tokenizer.ggml.seperator_token_id", with: .i64(Int64.min)),
                    key: "tokenizer.ggml.seperator_token_id", "outside the vocabulary")
        // t5 vocabularies have no BOS by default.
        var t5 = TinyVocab.replacing(spm, "tokenizer.ggml.model", with: .string("t5"))
        t5 = TinyVocab.replacing(t5, "tokenizer.ggml.bos_token_id", with: nil)
        expectError(TinyVocab.replacing(t5, "tokenizer.ggml.add_bos_token", with: .bool(true)),
                    key: "tokenizer.ggml.add_bos_token", "no BOS token")
    }

    @Test func tokenTexts() {
        var spm = TinyVocab.sentencePiece()
        // A byte token that is not <0xNN>.
        if case .strings(var tokens) = spm[2].1 {
            tokens[3 + 0x41] = "<0xZZ>"
            spm = TinyVocab.replacing(spm, "tokenizer.ggml.tokens", with: .strings(tokens))
        }
        expectError(spm, key: "tokenizer.ggml.tokens", "byte type but is not of the form <0xNN>")
        // A duplicate.
        var dup = TinyVocab.sentencePiece()
        if case .strings(var tokens) = dup[2].1 {
            tokens[tokens.count - 3] = "a"
            dup = TinyVocab.replacing(dup, "tokenizer.ggml.tokens", with: .strings(tokens))
        }
        expectError(dup, key: "tokenizer.ggml.tokens", "duplicates token")
        // A type that is not a token type.
        var types = [Int32](repeating: 1, count: 270)
        types[7] = 42
        expectError(TinyVocab.replacing(TinyVocab.sentencePiece(), "tokenizer.ggml.token_type", with: .i32s(types)),
                    key: "tokenizer.ggml.token_type", "type 42 of token #7")
        // NaN scores.
        var scores = [Float](repeating: 0, count: 270)
        scores[5] = .nan
        expectError(TinyVocab.replacing(TinyVocab.sentencePiece(), "tokenizer.ggml.scores", with: .f32s(scores)),
                    key: "tokenizer.ggml.scores", "NaN")
    }

    @Test func merges() {
        let bpe = TinyVocab.bytePair()
        expectError(TinyVocab.replacing(bpe, "tokenizer.ggml.merges", with: nil),
                    key: "tokenizer.ggml.merges", "missing")
        expectError(TinyVocab.replacing(bpe, "tokenizer.ggml.merges", with: .strings(["Ġ a", "x yz"])),
                    key: "tokenizer.ggml.merges", "merge #1 \"x yz\" names \"yz\", which is not a token")
        expectError(TinyVocab.replacing(bpe, "tokenizer.ggml.merges", with: .strings(["ab"])),
                    key: "tokenizer.ggml.merges", "not two tokens separated by a space")
        expectError(TinyVocab.replacing(bpe, "tokenizer.ggml.merges", with: .strings(["b c"])),
                    key: "tokenizer.ggml.merges", "makes \"bc\", which is not a token")
    }

    @Test func unigramCharsmap() {
        var t5 = TinyVocab.replacing(TinyVocab.sentencePiece(), "tokenizer.ggml.model", with: .string("t5"))
        t5 = TinyVocab.replacing(t5, "tokenizer.ggml.precompiled_charsmap", with: .u8s([1, 2]))
        expectError(t5, key: "tokenizer.ggml.precompiled_charsmap", "too few")
        t5 = TinyVocab.replacing(t5, "tokenizer.ggml.precompiled_charsmap", with: .u8s([0xFF, 0xFF, 0, 0, 1, 2, 3]))
        expectError(t5, key: "tokenizer.ggml.precompiled_charsmap", "does not fit")
        t5 = TinyVocab.replacing(t5, "tokenizer.ggml.precompiled_charsmap", with: .strings(["x"]))
        expectError(t5, key: "tokenizer.ggml.precompiled_charsmap", "array of bytes")
    }

    /// Random damage to the metadata of the tiny vocabularies: every outcome is a working
    /// tokenizer or a `FormatError`, and a working one tokenizes without crashing.
    @Test func randomDamageNeverCrashes() throws {
        var generator = SplitMix(seed: 42)
        let values: [GGUFWriter.Value] = [
            .u32(0), .u32(5), .u32(100_000), .i32(-3), .u64(UInt64.max), .f32(1.5), .bool(true), .string(""),
            .string("gpt2"), .string("llama"), .string("bert"), .string("t5"), .string("rwkv"), .string("gemma4"),
            .strings([]), .strings(["a", "b"]), .strings(["", ""]), .strings(["<0x41>", "a b"]), .f32s([1, 2]),
            .i32s([6, 6, 6]), .u8s([0, 0, 0, 0, 9]), .bools([true]), .arrays([.strings(["x"])]),
        ]
        for round in 0..<150 {
            var entries = round % 2 == 0 ? TinyVocab.sentencePiece() : TinyVocab.bytePair()
            let keys = entries.map(\.0) + ["tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token",
                                            "tokenizer.ggml.add_space_prefix", "tokenizer.ggml.pre",
                                            "tokenizer.ggml.precompiled_charsmap", "tokenizer.ggml.merges"]
            for _ in 0...(Int(generator.next() % 3)) {
                let key = keys[Int(generator.next() % UInt64(keys.count))]
                let value = generator.next() % 8 == 0 ? nil : values[Int(generator.next() % UInt64(values.count))]
                entries = TinyVocab.replacing(entries, key, with: value)
            }
            do {
                let tokenizer = try load(entries)
                for text in ["", "abc ab", "<|end|><start_of_turn>\n\nz é 🦙", String(repeating: "ab ", count: 50)] {
                    for special in [false, true] {
                        let ids = tokenizer.encode(text, addSpecial: special, parseSpecial: special)
                        #expect(ids.allSatisfy { $0 >= 0 && $0 < tokenizer.vocabularySize })
                        _ = tokenizer.decode(ids, renderSpecial: special)
                    }
                }
            } catch is FormatError {
                // expected for most damage
            }
        }
    }
}

/// A small deterministic random number generator.
typealias SplitMix = SplitMix64
