import Foundation
import Testing
import RealizarCore
@testable import RealizarTokenizers

/// Malformed `tokenizer.json` files are refused with an error naming the file and the field path,
/// never a crash.
@Suite struct HuggingFaceMalformedTests {
    static let wordPieceModel = ###""model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1, "##b": 2}}"###

    static func error(_ json: String) -> FormatError? {
        do {
            _ = try HuggingFaceTokenizer(tokenizerJSON: Data(json.utf8), file: "/models/x/tokenizer.json")
            return nil
        } catch let error as FormatError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    static func expectError(_ json: String, field: String?, containing words: String) {
        guard let error = error(json) else {
            Issue.record("expected an error for \(json.prefix(120))")
            return
        }
        #expect(error.path == "/models/x/tokenizer.json")
        #expect(error.field == field, "\(error)")
        #expect(error.description.contains(words), "\(error.description) should mention \(words)")
    }

    @Test func badJSONNamesTheFile() {
        Self.expectError("{\"model\": ", field: nil, containing: "not valid JSON")
    }

    @Test func missingModelIsNamed() {
        Self.expectError("{}", field: "model", containing: "missing")
    }

    @Test func missingVocabIsNamed() {
        Self.expectError(#"{"model": {"type": "BPE", "merges": []}}"#, field: "model.vocab", containing: "missing")
    }

    @Test func unknownModelType() {
        Self.expectError(#"{"model": {"type": "Magic", "vocab": {}}}"#, field: "model.type", containing: "Magic")
    }

    @Test func unknownNormalizerInsideSequence() {
        Self.expectError(#"{"normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Shout"}]}, \#(Self.wordPieceModel)}"#,
                         field: "normalizer.normalizers[1].type", containing: "Shout")
    }

    @Test func unknownPreTokenizer() {
        Self.expectError(#"{"pre_tokenizer": {"type": "Chop"}, \#(Self.wordPieceModel)}"#, field: "pre_tokenizer.type", containing: "Chop")
    }

    @Test func unknownDecoder() {
        Self.expectError(#"{"decoder": {"type": "Unzip"}, \#(Self.wordPieceModel)}"#, field: "decoder.type", containing: "Unzip")
    }

    @Test func unknownPostProcessor() {
        Self.expectError(#"{"post_processor": {"type": "Wrap"}, \#(Self.wordPieceModel)}"#, field: "post_processor.type", containing: "Wrap")
    }

    @Test func wrongFieldTypes() {
        Self.expectError(#"{"model": {"type": "WordPiece", "vocab": ["a"]}}"#, field: "model.vocab", containing: "expected an object")
        Self.expectError(#"{"model": {"type": "WordPiece", "vocab": {"a": "one"}}}"#, field: "model.vocab.a", containing: "expected an integer")
        Self.expectError(#"{"normalizer": {"type": "BertNormalizer", "lowercase": "yes"}, \#(Self.wordPieceModel)}"#,
                         field: "normalizer.lowercase", containing: "expected a boolean")
        Self.expectError(#"{"added_tokens": [{"id": 5}], \#(Self.wordPieceModel)}"#, field: "added_tokens[0].content", containing: "missing")
    }

    @Test func mergesNamingUnknownTokens() {
        Self.expectError(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a c"]}}"#,
                         field: "model.merges[0]", containing: "\"c\"")
        Self.expectError(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": [["a", "b"]]}}"#,
                         field: "model.merges[0]", containing: "\"ab\"")
        Self.expectError(#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b c"]}}"#,
                         field: "model.merges[0]", containing: "left right")
    }

    @Test func unknownTokenOutsideTheVocabulary() {
        Self.expectError(#"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"a": 0}}}"#,
                         field: "model.unk_token", containing: "not in the vocabulary")
        Self.expectError(#"{"model": {"type": "Unigram", "unk_id": 7, "vocab": [["a", -1.0]]}}"#,
                         field: "model.unk_id", containing: "not a token id")
    }

    @Test func hostileIdsAndNestingAreBounded() {
        Self.expectError(#"{"model": {"type": "WordPiece", "vocab": {"a": 99999999999}}}"#, field: "model.vocab.a", containing: "outside")
        Self.expectError(#"{"model": {"type": "WordPiece", "vocab": {"a": 0, "b": 7000000}}}"#, field: nil, containing: "only 2 tokens")
        Self.expectError(String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), field: nil, containing: "nesting")
        var nested = #"{"type": "NFC"}"#
        for _ in 0..<40 { nested = #"{"type": "Sequence", "normalizers": [\#(nested)]}"# }
        guard let error = Self.error(#"{"normalizer": \#(nested), \#(Self.wordPieceModel)}"#) else {
            Issue.record("deep nesting was accepted")
            return
        }
        #expect(error.description.contains("nesting"))
    }

    @Test func invalidRegexIsRefusedAtLoad() {
        Self.expectError(#"{"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(ab"}, "behavior": "Isolated"}, \#(Self.wordPieceModel)}"#,
                         field: "pre_tokenizer.pattern.Regex", containing: "(ab")
    }

    @Test func templateNamingAnUndeclaredSpecialToken() {
        Self.expectError(#"{"post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[X]", "type_id": 0}}], "pair": [], "special_tokens": {}}, \#(Self.wordPieceModel)}"#,
                         field: "post_processor.single[0].SpecialToken.id", containing: "[X]")
    }

    @Test func postProcessorAddingAnIdOutsideTheVocabulary() {
        Self.expectError(#"{"post_processor": {"type": "BertProcessing", "cls": ["[CLS]", 101], "sep": ["[SEP]", 102]}, \#(Self.wordPieceModel)}"#,
                         field: "post_processor", containing: "101")
    }

    @Test func missingFolderFileIsNamed() {
        #expect(throws: FormatError.self) { try HuggingFaceTokenizer.load(folder: "/nonexistent/model") }
    }
}
