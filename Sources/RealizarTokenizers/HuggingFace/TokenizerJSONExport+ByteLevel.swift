import Foundation
import RealizarCore

extension TokenizerJSONExport {
    /// A `tokenizer.json` for a byte-level BPE vocabulary (GPT-2's scheme: SmolLM2, Llama 3,
    /// Qwen 2, ...), from the vocabulary and the GGUF's `tokenizer.ggml.merges` ("left right", in
    /// rank order).
    ///
    /// llama.cpp splits text with its pre-tokenizer's expressions in turn, each splitting the pieces
    /// the previous one made and keeping the text between matches: that is a `Split` with
    /// `Isolated` behaviour per expression, written exactly as llama.cpp has it (this engine's
    /// tokenizer.json reader then picks the same matchers). A `ByteLevel` step without its own
    /// expression maps the pieces to GPT-2's byte alphabet, in which the GGUF's token texts and
    /// merges already are. Control tokens become special added tokens and user-defined ones plain
    /// added tokens, as in the SentencePiece export.
    public static func byteLevelTokenizerJSON(for vocabulary: Vocabulary, merges: [String]) throws -> Data {
        guard vocabulary.model == .bytePair, let settings = vocabulary.preTokenizer else { throw Unsupported(model: vocabulary.model) }
        guard settings.type.byteEncode, !vocabulary.addSpacePrefix else {
            throw ModelError("cannot write a tokenizer.json for the \(vocabulary.preTokenizerName ?? "?") pre-tokenizer\(vocabulary.addSpacePrefix ? " with a space prefix" : " (it does not map bytes to GPT-2's alphabet)")")
        }
        var out = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
        out += addedTokens(vocabulary)
        out += "],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":["
        for expression in settings.type.expressions {
            out += "{\"type\":\"Split\",\"pattern\":{\"Regex\":\(quote(Array(expression.utf8)))},\"behavior\":\"Isolated\",\"invert\":false},"
        }
        out += "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":false}]},\"post_processor\":"
        out += postProcessor(vocabulary)
        out += ",\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}"
        out += ",\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
            + "\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,\"ignore_merges\":\(vocabulary.ignoreMerges),\"vocab\":{"
        var bytes = Array(out.utf8)
        bytes.reserveCapacity(bytes.count + vocabulary.count * 24 + merges.count * 16)
        for id in 0..<vocabulary.count {
            if id > 0 { bytes.append(UInt8(ascii: ",")) }
            appendQuoted(vocabulary.text(of: id), to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: String(id).utf8)
        }
        bytes.append(contentsOf: "},\"merges\":[".utf8)
        for (i, merge) in merges.enumerated() {
            let utf8 = Array(merge.utf8)
            // Byte-level texts hold no spaces (a space is Ġ): the first one separates the pair.
            guard let space = utf8.firstIndex(of: UInt8(ascii: " ")) else {
                throw FormatError(path: "tokenizer.ggml.merges", field: "[\(i)]", problem: "\(merge.debugDescription) is not two tokens separated by a space")
            }
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "["))
            appendQuoted(Array(utf8[..<space]), to: &bytes)
            bytes.append(UInt8(ascii: ","))
            appendQuoted(Array(utf8[(space + 1)...]), to: &bytes)
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(contentsOf: "]}}".utf8)
        return Data(bytes)
    }
}
