import Foundation
import RealizarCore

/// A tokenizer configured by a Hugging Face `tokenizer.json`: normalizer, pre-tokenizer, model
/// (BPE, WordPiece, WordLevel, Unigram), post-processor, decoder and added tokens, giving the same
/// ids as the `tokenizers` crate.
///
///     let tokenizer = try HuggingFaceTokenizer.load(folder: modelFolder)
///     let ids = tokenizer.encode("Hello world", addSpecial: true, parseSpecial: true)  // [CLS] ... [SEP]
///     let batch = tokenizer.encodeBatch(["a", "b c"])   // truncated and padded as the file says
///     tokenizer.decode(ids, skipSpecialTokens: true)
///
/// `encode(_:addSpecial:parseSpecial:)` (the `Tokenizer` protocol) applies the post-processor but
/// neither truncation nor padding, which suit fixed-size inputs (embeddings) rather than prompts;
/// `encoding(_:pair:)` and `encodeBatch` apply both as configured.
public struct HuggingFaceTokenizer: Tokenizer {
    public let vocabulary: Vocabulary
    /// `tokenizer_config.json` and friends; `.empty` when loaded from `tokenizer.json` alone.
    public let configuration: HuggingFaceTokenizerConfiguration
    public let truncation: Truncation?
    public let padding: Padding?

    let normalizer: HFNormalizer?
    let preTokenizer: HFPreTokenizer?
    let model: HFModel
    let postProcessor: HFPostProcessor?
    let decoder: HFDecoder?
    /// Added tokens matched in the raw text, and those matched after normalization.
    let rawAddedTokens: HFAddedTokenMatcher
    let normalizedAddedTokens: HFAddedTokenMatcher
    let specialIDs: Set<Int>

    /// `truncation` of a `tokenizer.json`.
    public struct Truncation: Sendable, Equatable {
        public enum Strategy: String, Sendable { case longestFirst = "LongestFirst", onlyFirst = "OnlyFirst", onlySecond = "OnlySecond" }
        public var maxLength: Int
        /// Kept for overflowing windows, which this engine does not return (only the first window).
        public var stride: Int
        public var strategy: Strategy
        /// Drops tokens from the start instead of the end.
        public var fromLeft: Bool
    }

    /// `padding` of a `tokenizer.json`.
    public struct Padding: Sendable, Equatable {
        /// Pads every encoding to this length; nil pads a batch to its longest member.
        public var fixedLength: Int?
        public var multipleOf: Int?
        public var id: Int
        public var typeID: Int
        public var token: String
        public var onLeft: Bool
    }

    /// Loads `tokenizer.json` from a model folder, with `tokenizer_config.json`,
    /// `special_tokens_map.json` and `chat_template.jinja` where present.
    public static func load(folder: URL) throws -> HuggingFaceTokenizer {
        let file = folder.appendingPathComponent("tokenizer.json")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw FormatError(path: file.path, problem: "cannot be read (the folder has no tokenizer.json)")
        }
        return try HuggingFaceTokenizer(tokenizerJSON: data, file: file.path, configuration: HuggingFaceTokenizerConfiguration(folder: folder))
    }

    public static func load(folder: String) throws -> HuggingFaceTokenizer {
        try load(folder: URL(fileURLWithPath: folder))
    }

    /// Parses a `tokenizer.json`; `file` names it in errors.
    public init(tokenizerJSON data: Data, file: String = "tokenizer.json", configuration: HuggingFaceTokenizerConfiguration = .empty) throws {
        let root = try JSONField.parse(data, file: file)
        guard root.isObject else { throw root.fail("expected an object, found \(root.typeName)") }
        self.configuration = configuration
        model = try HFModel.parse(root.required("model"))
        normalizer = try root.optional("normalizer").map { try HFParsing.normalizer($0) }
        preTokenizer = try root.optional("pre_tokenizer").map { try HFParsing.preTokenizer($0) }
        postProcessor = try root.optional("post_processor").map { try HFParsing.postProcessor($0) }
        decoder = try root.optional("decoder").map { try HFParsing.decoder($0) }
        truncation = try Self.truncation(root.optional("truncation"))
        padding = try Self.padding(root.optional("padding"))

        let added = try (root.optional("added_tokens")?.asArray() ?? []).map(HFAddedToken.init)
        guard added.count <= HFModel.maxTokens else { throw root.child("added_tokens")!.fail("has too many tokens") }
        // Ids are dense in the vocabulary view; a file whose ids are mostly gaps is refused
        // instead of filling millions of placeholders.
        var defined = 0, maxID = -1
        model.tokens.forEach { _, id in defined += 1; maxID = max(maxID, id) }
        for token in added { maxID = max(maxID, token.id) }
        guard maxID < 2 * (defined + added.count) + 1024 else {
            throw root.fail("token ids go up to \(maxID) but only \(defined + added.count) tokens are defined")
        }
        specialIDs = Set(added.filter(\.special).map(\.id))
        rawAddedTokens = HFAddedTokenMatcher(added.filter { !$0.normalized }) { HFParsing.scalars($0.content) }
        let normalizer = normalizer
        normalizedAddedTokens = HFAddedTokenMatcher(added.filter(\.normalized)) { token in
            let scalars = HFParsing.scalars(token.content)
            return normalizer?.normalize(scalars) ?? scalars
        }
        vocabulary = Self.makeVocabulary(model: model, added: added, decoder: decoder, preTokenizer: preTokenizer,
                                         postProcessor: postProcessor, configuration: configuration)
        if let bad = postProcessor?.specialIDs.first(where: { $0 < 0 || $0 >= vocabulary.count }) {
            throw root.child("post_processor")!.fail("adds token id \(bad), which is not in the vocabulary of \(vocabulary.count) tokens")
        }
    }

    // MARK: Encoding

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        let ids = tokenize(text, parseSpecial: parseSpecial)
        guard addSpecial, let postProcessor else { return ids }
        return postProcessor.process(HuggingFaceEncoding(ids: ids), nil).ids
    }

    /// The ids of `text` for a model that reads at most `maxLength` tokens, as sentence-transformers
    /// makes them: truncated (from the right, or as the file's truncation says) so that the
    /// post-processor's special tokens still fit, never padded.
    public func encode(_ text: String, maxLength: Int) -> [Int] {
        var first = HuggingFaceEncoding(ids: tokenize(text, parseSpecial: true))
        var second: HuggingFaceEncoding? = nil
        let added = postProcessor?.addedCount(pair: false) ?? 0
        let settings = truncation ?? Truncation(maxLength: maxLength, stride: 0, strategy: .longestFirst, fromLeft: false)
        Self.truncate(&first, &second, settings, maxLength: max(maxLength - added, 0))
        return postProcessor.map { $0.process(first, nil).ids } ?? first.ids
    }

    /// The encoding of `text` (and `pair`) as the `tokenizers` crate makes it: added tokens,
    /// normalization, pre-tokenization, the model, truncation, the post-processor (with
    /// `addSpecialTokens`) and padding as configured in the file.
    public func encoding(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true) -> HuggingFaceEncoding {
        var first = HuggingFaceEncoding(ids: tokenize(text, parseSpecial: true))
        var second = pair.map { HuggingFaceEncoding(ids: tokenize($0, parseSpecial: true), typeID: 1) }
        if let truncation {
            let added = addSpecialTokens ? (postProcessor?.addedCount(pair: second != nil) ?? 0) : 0
            Self.truncate(&first, &second, truncation, maxLength: max(truncation.maxLength - added, 0))
        }
        var result: HuggingFaceEncoding
        if addSpecialTokens, let postProcessor {
            result = postProcessor.process(first, second)
        } else {
            result = first
            if let second { result.append(second) }
        }
        // A lone encoding pads too: to the fixed length, or its own length rounded up to
        // `pad_to_multiple_of`.
        if padding != nil { result = pad([result])[0] }
        return result
    }

    /// The encodings of several texts, padded together as the file's `padding` says (to the
    /// longest, or to its fixed length); without `padding` in the file, padded to the longest
    /// with the pad token of the configuration (else id 0), as embedding batches need.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true) -> [HuggingFaceEncoding] {
        pad(texts.map { encoding($0, addSpecialTokens: addSpecialTokens) })
    }

    /// Pads encodings to a common length: `length`, else the file's fixed length, else the longest.
    public func pad(_ encodings: [HuggingFaceEncoding], to length: Int? = nil) -> [HuggingFaceEncoding] {
        let settings = padding ?? Padding(fixedLength: nil, multipleOf: nil, id: vocabulary.paddingID ?? 0, typeID: 0,
                                          token: configuration.padToken ?? "", onLeft: false)
        var target = length ?? settings.fixedLength ?? encodings.map(\.count).max() ?? 0
        if let multiple = settings.multipleOf, multiple > 0, target % multiple != 0 { target += multiple - target % multiple }
        return encodings.map { e in
            var e = e
            e.pad(to: target, id: settings.id, typeID: settings.typeID, onLeft: settings.onLeft)
            return e
        }
    }

    /// Added tokens, then normalization, more added tokens, pre-tokenization and the model.
    func tokenize(_ text: String, parseSpecial: Bool) -> [Int] {
        var ids: [Int] = []
        let raw = HFParsing.scalars(text)
        for segment in rawAddedTokens.split(raw, skipSpecial: !parseSpecial) {
            switch segment {
            case .token(let id): ids.append(id)
            case .text(let part, let offset):
                let normalized = normalizer?.normalize(part) ?? part
                for inner in normalizedAddedTokens.split(normalized, skipSpecial: !parseSpecial) {
                    switch inner {
                    case .token(let id): ids.append(id)
                    case .text(let piece, let innerOffset):
                        let start = HFPreTokenizer.Piece(text: piece, atStart: offset == 0 && innerOffset == 0)
                        var utf8: [UInt8] = []
                        for word in preTokenizer?.split([start]) ?? [start] {
                            utf8.removeAll(keepingCapacity: true)
                            for c in word.text { UnicodeData.appendUTF8(c, to: &utf8) }
                            model.tokenize(utf8, into: &ids)
                        }
                    }
                }
            }
        }
        return ids
    }

    // MARK: Decoding

    /// The text of `ids` as the crate's `decode`: token strings (special ones left out with
    /// `skipSpecialTokens`) through the decoder, or joined by spaces without one.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var tokens: [[UInt32]] = []
        tokens.reserveCapacity(ids.count)
        for id in ids where id >= 0 && id < vocabulary.count {
            if vocabulary.attributes[id] == .unused { continue }
            if skipSpecialTokens && specialIDs.contains(id) { continue }
            tokens.append(UnicodeData.codepoints(vocabulary.text(of: id)))
        }
        var out = String.UnicodeScalarView()
        if let decoder {
            for token in decoder.decode(tokens) { out.append(contentsOf: token.map(HFNormalizer.scalar)) }
        } else {
            for (i, token) in tokens.enumerated() {
                if i > 0 { out.append(" ") }
                out.append(contentsOf: token.map(HFNormalizer.scalar))
            }
        }
        return String(out)
    }

    /// `decode(ids, skipSpecialTokens: !renderSpecial)` as bytes; `removeSpecial` changes nothing
    /// more, since special tokens are either all shown or all skipped.
    public func detokenize(_ ids: [Int], removeSpecial: Bool, renderSpecial: Bool) -> [UInt8] {
        Array(decode(ids, skipSpecialTokens: !renderSpecial).utf8)
    }
}
