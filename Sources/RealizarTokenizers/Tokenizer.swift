import RealizarCore

/// Turns text into token ids and back, exactly as llama.cpp does for the same GGUF vocabulary.
///
///     let tokenizer = try loadTokenizer(from: GGUFFile(path: path))
///     let ids = tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)  // BOS + ids
///     var stream = StreamingDetokenizer(tokenizer: tokenizer)
///     for id in generated where !tokenizer.isEndOfGeneration(id) { print(stream.append(id), terminator: "") }
///     print(stream.finish())
///
/// Conforming types hold a validated `Vocabulary` and implement `encode`; decoding, pieces and
/// special-token queries are shared (see the extension).
public protocol Tokenizer: Sendable {
    /// The token table, special tokens and flags the tokenizer was built from.
    var vocabulary: Vocabulary { get }

    /// The token ids of `text` (`llama_tokenize`). `addSpecial` adds BOS/EOS/SEP as the vocabulary
    /// asks; `parseSpecial` turns control tokens written in the text (`<start_of_turn>`,
    /// `<|im_start|>`) into their ids. User-defined tokens are always recognized.
    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int]

    /// The bytes of a token sequence; `decode` and `decodeBytes` go through it. The default is
    /// llama.cpp's `llama_detokenize` over the vocabulary; tokenizers with their own decoding rules
    /// (Hugging Face `tokenizer.json` decoders) provide theirs.
    func detokenize(_ ids: [Int], removeSpecial: Bool, renderSpecial: Bool) -> [UInt8]
}

extension Tokenizer {
    public var model: TokenizerModel { vocabulary.model }
    public var vocabularySize: Int { vocabulary.count }
    public var bosID: Int? { vocabulary.bosID }
    public var eosID: Int? { vocabulary.eosID }
    public var eotID: Int? { vocabulary.eotID }
    public var unknownID: Int? { vocabulary.unknownID }
    public var separatorID: Int? { vocabulary.separatorID }
    public var paddingID: Int? { vocabulary.paddingID }
    /// Whether `encode(addSpecial: true)` starts with BOS.
    public var addsBOS: Bool { (vocabulary.addBOS || vocabulary.model == .wordPiece) && vocabulary.bosID != nil }
    /// Whether `encode(addSpecial: true)` ends with EOS.
    public var addsEOS: Bool { vocabulary.addEOS && vocabulary.eosID != nil }

    /// `encode(text, addSpecial: true, parseSpecial: false)`.
    public func encode(_ text: String) -> [Int] {
        encode(text, addSpecial: true, parseSpecial: false)
    }

    /// The text of a token sequence (`llama_detokenize`). `removeSpecial` drops a leading BOS and
    /// trailing EOS the vocabulary adds; `renderSpecial` writes control tokens as their text.
    /// Bytes that are not valid UTF-8 become U+FFFD.
    public func decode(_ ids: [Int], removeSpecial: Bool = false, renderSpecial: Bool = false) -> String {
        String(decoding: detokenize(ids, removeSpecial: removeSpecial, renderSpecial: renderSpecial), as: UTF8.self)
    }

    /// The bytes of a token sequence, before UTF-8 decoding.
    public func decodeBytes(_ ids: [Int], removeSpecial: Bool = false, renderSpecial: Bool = false) -> [UInt8] {
        detokenize(ids, removeSpecial: removeSpecial, renderSpecial: renderSpecial)
    }

    public func detokenize(_ ids: [Int], removeSpecial: Bool, renderSpecial: Bool) -> [UInt8] {
        vocabulary.detokenize(ids, removeSpecial: removeSpecial, renderSpecial: renderSpecial)
    }

    /// The bytes one token stands for (`llama_token_to_piece`); possibly part of a UTF-8 character.
    /// Control tokens are empty unless `renderSpecial`.
    public func piece(_ id: Int, renderSpecial: Bool = true) -> [UInt8] {
        vocabulary.piece(id, special: renderSpecial)
    }

    /// The piece of a token as text, for display (invalid UTF-8 shown as U+FFFD).
    public func pieceText(_ id: Int, renderSpecial: Bool = true) -> String {
        String(decoding: piece(id, renderSpecial: renderSpecial), as: UTF8.self)
    }

    /// The token's text as stored in the vocabulary (e.g. `▁Hello`, `ĠHello`, `<0x0A>`).
    public func tokenText(_ id: Int) -> String? {
        id >= 0 && id < vocabularySize ? String(decoding: vocabulary.text(of: id), as: UTF8.self) : nil
    }

    public func attributes(of id: Int) -> TokenAttributes { vocabulary.attributes(of: id) }

    /// Whether generation should stop at this token (EOS, EOT, `<|im_end|>`, `<end_of_turn>`, ...).
    public func isEndOfGeneration(_ id: Int) -> Bool { vocabulary.isEndOfGeneration(id) }

    public func isControl(_ id: Int) -> Bool { vocabulary.isControl(id) }
}

/// Builds the tokenizer a GGUF file's metadata describes (`tokenizer.ggml.model`), after
/// validating it; throws `FormatError` naming the offending key otherwise.
public func loadTokenizer(from file: GGUFFile) throws -> any Tokenizer {
    let vocabulary = try Vocabulary(file: file)
    return try makeTokenizer(vocabulary)
}

/// Builds the tokenizer for an already loaded vocabulary.
public func makeTokenizer(_ vocabulary: Vocabulary) throws -> any Tokenizer {
    switch vocabulary.model {
    case .sentencePiece: return SentencePieceTokenizer(vocabulary: vocabulary)
    case .bytePair: return try BytePairTokenizer(vocabulary: vocabulary)
    case .wordPiece: return WordPieceTokenizer(vocabulary: vocabulary)
    case .unigram: return UnigramTokenizer(vocabulary: vocabulary)
    case .rwkv: return RWKVTokenizer(vocabulary: vocabulary)
    }
}

extension String {
    /// The UTF-8 bytes of the string, as an array.
    var utf8Bytes: [UInt8] {
        if let bytes = utf8.withContiguousStorageIfAvailable({ Array($0) }) { return bytes }
        return Array(utf8)
    }
}
