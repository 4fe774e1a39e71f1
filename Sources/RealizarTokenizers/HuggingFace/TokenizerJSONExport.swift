import Foundation
import RealizarCore

/// Writes a Hugging Face `tokenizer.json` that tokenizes like a GGUF vocabulary, for exporting
/// GGUF models as safetensors folders.
///
/// Supported: SentencePiece BPE vocabularies (`llama`: Gemma, Llama 2, Mistral). llama.cpp merges
/// adjacent symbols by the score of the merged token; the file gets one BPE merge `(a, b)` for
/// every token that splits into two tokens `a` + `b`, ranked by the merged token's score, which is
/// the same order as long as scores are distinct (they are in Gemma's 255k normal tokens). Spaces
/// become ▁ by a `Replace` normalizer (after a `Prepend` where the vocabulary adds a space prefix),
/// bytes no token covers fall back to `<0xXX>`, control tokens become special added tokens and
/// user-defined ones plain added tokens matched in the raw text, as llama.cpp matches them.
public enum TokenizerJSONExport {
    public struct Unsupported: Error, CustomStringConvertible {
        public var model: TokenizerModel
        public var description: String { "cannot write a tokenizer.json for \(model.rawValue) vocabularies yet (only SentencePiece BPE)" }
    }

    public static func tokenizerJSON(for vocabulary: Vocabulary) throws -> Data {
        guard vocabulary.model == .sentencePiece else { throw Unsupported(model: vocabulary.model) }
        let n = vocabulary.count
        var out = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
        out += addedTokens(vocabulary)
        out += "],\"normalizer\":"
        let replace = "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\u{2581}\"}"
        out += vocabulary.addSpacePrefix
            ? "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"\u{2581}\"},\(replace)]}"
            : replace
        out += ",\"pre_tokenizer\":null,\"post_processor\":"
        out += postProcessor(vocabulary)
        out += ",\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\u{2581}\"},\"content\":\" \"},"
            + "{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"}"
            + (vocabulary.addSpacePrefix ? ",{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}" : "") + "]}"
        let unk = vocabulary.unknownID.map { quote(vocabulary.text(of: $0)) } ?? "null"
        out += ",\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":\(unk),\"continuing_subword_prefix\":null,"
            + "\"end_of_word_suffix\":null,\"fuse_unk\":true,\"byte_fallback\":true,\"ignore_merges\":false,\"vocab\":{"
        // The two big tables are written as bytes: building them as interpolated strings takes
        // most of the export's time.
        var bytes = Array(out.utf8)
        bytes.reserveCapacity(bytes.count + n * 40)
        for id in 0..<n {
            if id > 0 { bytes.append(UInt8(ascii: ",")) }
            appendQuoted(vocabulary.text(of: id), to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: String(id).utf8)
        }
        bytes.append(contentsOf: "},\"merges\":[".utf8)
        for (i, merge) in merges(vocabulary).enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "["))
            appendQuoted(vocabulary.text(of: merge.left), to: &bytes)
            bytes.append(UInt8(ascii: ","))
            appendQuoted(vocabulary.text(of: merge.right), to: &bytes)
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(contentsOf: "]}}".utf8)
        return Data(bytes)
    }

    /// Every split of a token into two tokens, highest merged score first (then by id, then by
    /// split position, so that the output is deterministic).
    /// The `added_tokens` entries, comma-separated: control and unknown tokens as special ones,
    /// user-defined ones as plain tokens matched in the raw text, as llama.cpp matches them.
    static func addedTokens(_ vocabulary: Vocabulary) -> String {
        var entries: [String] = []
        for id in 0..<vocabulary.count {
            let attr = vocabulary.attributes(of: id)
            let special = !attr.isDisjoint(with: [.control, .unknown])
            guard special || attr.contains(.userDefined) else { continue }
            entries.append("{\"id\":\(id),\"content\":\(quote(vocabulary.text(of: id))),\"single_word\":false,\"lstrip\":false,"
                           + "\"rstrip\":false,\"normalized\":false,\"special\":\(special)}")
        }
        return entries.joined(separator: ",")
    }

    static func merges(_ vocabulary: Vocabulary) -> [(left: Int, right: Int)] {
        var found: [(score: Float, id: Int, left: Int, right: Int)] = []
        for id in 0..<vocabulary.count {
            vocabulary.texts.withBytes(id) { text in
                guard text.count > 1 else { return }
                var split = UnicodeData.sequenceLength(text[0])
                while split < text.count {
                    let left = vocabulary.find(UnsafeBufferPointer(rebasing: text[..<split]))
                    if left >= 0 {
                        let right = vocabulary.find(UnsafeBufferPointer(rebasing: text[split...]))
                        if right >= 0 { found.append((vocabulary.score(of: id), id, left, right)) }
                    }
                    split += UnicodeData.sequenceLength(text[split])
                }
            }
        }
        found.sort { a, b in a.score != b.score ? a.score > b.score : a.id != b.id ? a.id < b.id : a.left < b.left }
        return found.map { ($0.left, $0.right) }
    }

    static func postProcessor(_ vocabulary: Vocabulary) -> String {
        var single: [String] = [], pair: [String] = [], specials: [String] = []
        func special(_ id: Int?) -> String? {
            guard let id else { return nil }
            let name = quote(vocabulary.text(of: id))
            specials.append("\(name):{\"id\":\(name),\"ids\":[\(id)],\"tokens\":[\(name)]}")
            return "{\"SpecialToken\":{\"id\":\(name),\"type_id\":0}}"
        }
        let bos = vocabulary.addBOS ? special(vocabulary.bosID) : nil
        let eos = vocabulary.addEOS ? special(vocabulary.eosID) : nil
        for (sequence, target) in [("A", 0), ("B", 1)] {
            var parts: [String] = []
            if let bos { parts.append(bos) }
            parts.append("{\"Sequence\":{\"id\":\"\(sequence)\",\"type_id\":\(target)}}")
            if let eos { parts.append(eos) }
            if sequence == "A" { single = parts }
            pair += parts
        }
        specials = Array(Set(specials)).sorted()
        return "{\"type\":\"TemplateProcessing\",\"single\":[\(single.joined(separator: ","))],\"pair\":[\(pair.joined(separator: ","))],"
            + "\"special_tokens\":{\(specials.joined(separator: ","))}}"
    }

    /// Appends a JSON string literal of UTF-8 bytes (invalid sequences become U+FFFD).
    static func appendQuoted(_ text: [UInt8], to bytes: inout [UInt8]) {
        guard text.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C && $0 != 0x7F }),
              String(validating: text, as: UTF8.self) != nil else {
            bytes.append(contentsOf: quote(text).utf8)
            return
        }
        bytes.append(0x22)
        bytes.append(contentsOf: text)
        bytes.append(0x22)
    }

    /// A JSON string literal of UTF-8 bytes (invalid sequences become U+FFFD).
    static func quote(_ bytes: [UInt8]) -> String {
        JSONString.literal(String(decoding: bytes, as: UTF8.self))
    }
}
