import RealizarCore

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
        let members = try field.rawMembers()
        guard members.count <= maxTokens else { throw field.fail("has \(members.count) tokens, more than the \(maxTokens) accepted") }
        var table = HFTokenTable(capacity: members.count)
        for (token, value) in members {
            let id: Int
            if case .number(let d, true) = value, d >= 0, d <= Double(maxTokenID) {
                id = Int(d)
            } else {
                let f = field.member(token, value)
                let n = try f.asInt()
                throw f.fail("token id \(n) is outside 0...\(maxTokenID)")
            }
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
        let merges = try mergesField.rawElements()
        guard merges.count <= maxMerges else { throw mergesField.fail("has \(merges.count) merges, more than the \(maxMerges) accepted") }
        var table = PairTable(capacity: max(merges.count, 1))
        var joined: [UInt8] = []
        for (rank, raw) in merges.enumerated() {
            func fail(_ problem: String) -> FormatError { mergesField.element(rank, raw).fail(problem) }
            let left: String, right: String
            switch raw {
            case .string(let s):
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw fail("expected \"left right\", found \(s.debugDescription)") }
                (left, right) = (String(parts[0]), String(parts[1]))
            case .array(let pair):
                guard pair.count == 2, case .string(let a) = pair[0], case .string(let b) = pair[1] else {
                    throw fail("expected [left, right] (two strings)")
                }
                (left, right) = (a, b)
            default:
                throw fail("expected \"left right\" or [left, right], found \(mergesField.element(rank, raw).typeName)")
            }
            let leftBytes = Array(left.utf8), rightBytes = Array(right.utf8)
            guard let leftID = vocab.id(leftBytes) else { throw fail("\(left.debugDescription) is not in the vocabulary") }
            guard let rightID = vocab.id(rightBytes) else { throw fail("\(right.debugDescription) is not in the vocabulary") }
            joined.removeAll(keepingCapacity: true)
            joined.append(contentsOf: leftBytes)
            if !prefix.isEmpty && rightBytes.starts(with: prefix) {
                joined.append(contentsOf: rightBytes[prefix.count...])
            } else {
                joined.append(contentsOf: rightBytes)
            }
            guard let result = vocab.id(joined) else {
                throw fail("makes \(String(decoding: joined, as: UTF8.self).debugDescription), which is not in the vocabulary")
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
        let entries = try vocabField.rawElements()
        guard entries.count <= maxTokens else { throw vocabField.fail("has \(entries.count) tokens, more than the \(maxTokens) accepted") }
        var table = HFTokenTable(capacity: entries.count)
        var scores: [Double] = []
        scores.reserveCapacity(entries.count)
        for (id, raw) in entries.enumerated() {
            guard case .array(let pair) = raw, pair.count == 2, case .string(let piece) = pair[0], case .number(let score, _) = pair[1] else {
                throw vocabField.element(id, raw).fail("expected [piece, score]")
            }
            guard table.insert(Array(piece.utf8), id: id) else { throw vocabField.element(id, raw).fail("repeats the piece \(piece.debugDescription)") }
            scores.append(score)
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
