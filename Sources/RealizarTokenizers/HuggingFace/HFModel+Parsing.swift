/// Reading the `model` object of a `tokenizer.json`.
extension HFModel {
    /// Limits that keep a hostile file from allocating without bound.
    static let maxTokens = 4_000_000
    static let maxTokenID = 8_000_000
    static let maxMerges = 8_000_000

    static func parse(_ field: JSONField) throws -> HFModel {
        guard field.isObject else { throw field.fail("expected an object, found \(field.typeName)") }
        // Files written by old versions of the crate may leave out `type`; infer it as the crate does.
        let type: String
        if field.optional("type") != nil {
            type = try field.string("type")
        } else if field.optional("merges") != nil {
            type = "BPE"
        } else if let vocab = field.optional("vocab"), !vocab.isObject {
            type = "Unigram"
        } else if field.optional("max_input_chars_per_word") != nil {
            type = "WordPiece"
        } else {
            type = "WordLevel"
        }
        switch type {
        case "BPE": return .bpe(try bpe(field))
        case "WordPiece": return .wordPiece(try wordPiece(field))
        case "WordLevel":
            // A word is a token or unknown: WordPiece that never splits.
            let vocab = try tokenTable(field.required("vocab"))
            return .wordPiece(HFWordPieceModel(vocab: vocab, unknownID: try unknownID(field, vocab), continuingSubwordPrefix: Array("\u{0}\u{0}no-split".utf8),
                                               maxInputCharsPerWord: Int.max))
        case "Unigram": return .unigram(try unigram(field))
        default: throw field.child("type")!.fail("unknown model type \(type.debugDescription) (expected BPE, WordPiece, WordLevel or Unigram)")
        }
    }

    /// `{"token": id, ...}`.
    static func tokenTable(_ field: JSONField) throws -> HFTokenTable {
        let members = try field.asObject()
        guard members.count <= maxTokens else { throw field.fail("has \(members.count) tokens, more than the \(maxTokens) accepted") }
        var table = HFTokenTable(capacity: members.count)
        for (token, value) in members {
            let id = try value.asInt()
            guard id >= 0 && id <= maxTokenID else { throw value.fail("token id \(id) is outside 0...\(maxTokenID)") }
            _ = table.insert(Array(token.utf8), id: id)
        }
        return table
    }

    static func unknownID(_ field: JSONField, _ vocab: HFTokenTable) throws -> Int? {
        guard let name = try field.string("unk_token", default: nil) else { return nil }
        guard let id = vocab.id(name) else { throw field.child("unk_token")!.fail("\(name.debugDescription) is not in the vocabulary") }
        return id
    }

    static func affix(_ field: JSONField, _ key: String) throws -> [UInt8] {
        Array((try field.string(key, default: nil) ?? "").utf8)
    }

    static func bpe(_ field: JSONField) throws -> HFBPEModel {
        let vocab = try tokenTable(field.required("vocab"))
        let prefix = try affix(field, "continuing_subword_prefix")
        if let dropout = field.optional("dropout"), try dropout.asDouble() != 0 {
            throw dropout.fail("BPE dropout is random and not supported; set it to null")
        }
        let mergesField = try field.required("merges")
        let merges = try mergesField.asArray()
        guard merges.count <= maxMerges else { throw mergesField.fail("has \(merges.count) merges, more than the \(maxMerges) accepted") }
        var table = PairTable(capacity: max(merges.count, 1))
        for (rank, merge) in merges.enumerated() {
            let left: String, right: String
            if merge.isString {
                let parts = try merge.asString().split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw merge.fail("expected \"left right\", found \(try merge.asString().debugDescription)") }
                (left, right) = (String(parts[0]), String(parts[1]))
            } else {
                let pair = try merge.asArray()
                guard pair.count == 2 else { throw merge.fail("expected [left, right], found \(pair.count) elements") }
                (left, right) = (try pair[0].asString(), try pair[1].asString())
            }
            guard let leftID = vocab.id(left) else { throw merge.fail("\(left.debugDescription) is not in the vocabulary") }
            guard let rightID = vocab.id(right) else { throw merge.fail("\(right.debugDescription) is not in the vocabulary") }
            var rightBytes = Array(right.utf8)
            if !prefix.isEmpty && rightBytes.starts(with: prefix) { rightBytes.removeFirst(prefix.count) }
            let joined = Array(left.utf8) + rightBytes
            guard let result = vocab.id(joined) else {
                throw merge.fail("makes \(String(decoding: joined, as: UTF8.self).debugDescription), which is not in the vocabulary")
            }
            table.insertIfAbsent(left: leftID, right: rightID, rank: rank, result: result)
        }
        return HFBPEModel(vocab: vocab, merges: table, unknownID: try unknownID(field, vocab), continuingSubwordPrefix: prefix,
                          endOfWordSuffix: try affix(field, "end_of_word_suffix"), fuseUnknown: try field.bool("fuse_unk", default: false),
                          byteFallback: try field.bool("byte_fallback", default: false),
                          ignoreMerges: try field.bool("ignore_merges", default: false))
    }

    static func wordPiece(_ field: JSONField) throws -> HFWordPieceModel {
        let vocab = try tokenTable(field.required("vocab"))
        let maxChars = try field.int("max_input_chars_per_word", default: 100) ?? 100
        return HFWordPieceModel(vocab: vocab, unknownID: try unknownID(field, vocab),
                                continuingSubwordPrefix: Array((try field.string("continuing_subword_prefix", default: "##") ?? "##").utf8),
                                maxInputCharsPerWord: maxChars)
    }

    static func unigram(_ field: JSONField) throws -> HFUnigramModel {
        let vocabField = try field.required("vocab")
        let entries = try vocabField.asArray()
        guard entries.count <= maxTokens else { throw vocabField.fail("has \(entries.count) tokens, more than the \(maxTokens) accepted") }
        var table = HFTokenTable(capacity: entries.count)
        var scores: [Double] = []
        scores.reserveCapacity(entries.count)
        for (id, entry) in entries.enumerated() {
            let pair = try entry.asArray()
            guard pair.count == 2 else { throw entry.fail("expected [piece, score], found \(pair.count) elements") }
            let piece = try pair[0].asString()
            guard table.insert(Array(piece.utf8), id: id) else { throw entry.fail("repeats the piece \(piece.debugDescription)") }
            scores.append(try pair[1].asDouble())
        }
        var unknownID: Int?
        if let f = field.optional("unk_id") {
            let id = try f.asInt()
            guard id >= 0 && id < entries.count else { throw f.fail("\(id) is not a token id (the vocabulary has \(entries.count))") }
            unknownID = id
        }
        return HFUnigramModel(vocab: table, scores: scores, unknownID: unknownID, byteFallback: try field.bool("byte_fallback", default: false))
    }
}
