import Foundation

/// Reading the `normalizer`, `pre_tokenizer`, `post_processor` and `decoder` objects of a
/// `tokenizer.json`. Every failure names the field path; `Sequence` nesting is bounded so that a
/// hostile file cannot exhaust the stack.
enum HFParsing {
    static let maxNesting = 32

    static func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

    /// A one-character string field (Metaspace's `replacement`, Strip's `content`).
    static func character(_ field: JSONField, _ key: String, default d: String) throws -> UInt32 {
        let s = try field.string(key, default: d) ?? d
        let scalars = s.unicodeScalars
        guard scalars.count == 1, let c = scalars.first else {
            throw (field.child(key) ?? field).fail("expected a single character, found \(s.debugDescription)")
        }
        return c.value
    }

    static func elements(_ field: JSONField, _ key: String, depth: Int) throws -> [JSONField] {
        guard depth < maxNesting else { throw field.fail("Sequence nesting deeper than \(maxNesting) levels") }
        return try field.required(key).asArray()
    }

    static func normalizer(_ field: JSONField, depth: Int = 0) throws -> HFNormalizer {
        let type = try field.typeTag()
        switch type {
        case "NFC": return .unicode(.nfc)
        case "NFD": return .unicode(.nfd)
        case "NFKC": return .unicode(.nfkc)
        case "NFKD": return .unicode(.nfkd)
        case "Lowercase": return .lowercase
        case "StripAccents": return .stripAccents
        case "Strip":
            return .strip(left: try field.bool("strip_left", default: true), right: try field.bool("strip_right", default: true))
        case "BertNormalizer":
            let lowercase = try field.bool("lowercase", default: true)
            // `strip_accents: null` means "strip when lowercasing", as BERT's uncased models do.
            let strip = try field.optionalBool("strip_accents") ?? lowercase
            return .bert(cleanText: try field.bool("clean_text", default: true),
                         handleChineseChars: try field.bool("handle_chinese_chars", default: true),
                         stripAccents: strip, lowercase: lowercase)
        case "Replace":
            return .replace(try HFPattern(field.required("pattern")), with: scalars(try field.string("content")))
        case "Prepend":
            return .prepend(scalars(try field.string("prepend")))
        case "Precompiled":
            guard let map = field.optional("precompiled_charsmap") else { return .sequence([]) }
            guard let bytes = Data(base64Encoded: try map.asString()) else { throw map.fail("is not valid base64") }
            let charsmap = [UInt8](bytes)
            if charsmap.isEmpty { return .sequence([]) }
            if let problem = UnigramNormalizer.validate(charsmap) { throw map.fail(problem) }
            return .precompiled(UnigramNormalizer(precompiledCharsmap: charsmap))
        case "Sequence":
            return .sequence(try elements(field, "normalizers", depth: depth).map { try normalizer($0, depth: depth + 1) })
        default:
            throw field.child("type")!.fail("unknown normalizer type \(type.debugDescription)")
        }
    }

    static func behavior(_ field: JSONField, _ key: String, default d: HFPreTokenizer.Behavior) throws -> HFPreTokenizer.Behavior {
        guard let f = field.optional(key) else { return d }
        let name = try f.asString()
        let snake = name.reduce(into: "") { s, c in
            if c.isUppercase && !s.isEmpty { s += "_" }
            s += c.lowercased()
        }
        guard let b = HFPreTokenizer.Behavior(rawValue: snake) else { throw f.fail("unknown split behavior \(name.debugDescription)") }
        return b
    }

    /// Metaspace's scheme: `prepend_scheme`, or the older `add_prefix_space` flag.
    static func prependScheme(_ field: JSONField) throws -> HFPreTokenizer.PrependScheme {
        if let f = field.optional("prepend_scheme") {
            let name = try f.asString()
            guard let scheme = HFPreTokenizer.PrependScheme(rawValue: name) else {
                throw f.fail("unknown prepend scheme \(name.debugDescription) (expected always, first or never)")
            }
            return scheme
        }
        return try field.bool("add_prefix_space", default: true) ? .always : .never
    }

    static func preTokenizer(_ field: JSONField, depth: Int = 0) throws -> HFPreTokenizer {
        let type = try field.typeTag()
        switch type {
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try field.bool("add_prefix_space", default: true),
                              useRegex: try field.bool("use_regex", default: true))
        case "Metaspace":
            return .metaspace(replacement: try character(field, "replacement", default: "\u{2581}"),
                              prependScheme: try prependScheme(field), split: try field.bool("split", default: true))
        case "BertPreTokenizer": return .bert
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "Split":
            return .split(try HFPattern(field.required("pattern")), try behavior(field, "behavior", default: .isolated),
                          invert: try field.bool("invert", default: false))
        case "CharDelimiterSplit":
            return .split(.literal([try character(field, "delimiter", default: " ")]), .removed, invert: false)
        case "Digits": return .digits(individual: try field.bool("individual_digits", default: false))
        case "Punctuation": return .punctuation(try behavior(field, "behavior", default: .isolated))
        case "Sequence":
            return .sequence(try elements(field, "pretokenizers", depth: depth).map { try preTokenizer($0, depth: depth + 1) })
        default:
            throw field.child("type")!.fail("unknown pre-tokenizer type \(type.debugDescription)")
        }
    }

    static func decoder(_ field: JSONField, depth: Int = 0) throws -> HFDecoder {
        let type = try field.typeTag()
        switch type {
        case "ByteLevel": return .byteLevel
        case "Metaspace":
            return .metaspace(replacement: try character(field, "replacement", default: "\u{2581}"),
                              stripFirstSpace: try prependScheme(field) != .never)
        case "WordPiece":
            return .wordPiece(prefix: scalars(try field.string("prefix", default: "##") ?? "##"),
                              cleanup: try field.bool("cleanup", default: true))
        case "BPEDecoder": return .bpe(suffix: scalars(try field.string("suffix", default: "</w>") ?? "</w>"))
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            return .strip(content: try character(field, "content", default: " "),
                          start: try field.int("start", default: 0) ?? 0, stop: try field.int("stop", default: 0) ?? 0)
        case "Replace":
            return .replace(try HFPattern(field.required("pattern")), with: scalars(try field.string("content")))
        case "CTC":
            return .ctc(pad: scalars(try field.string("pad_token", default: "<pad>") ?? "<pad>"),
                        wordDelimiter: scalars(try field.string("word_delimiter_token", default: "|") ?? "|"),
                        cleanup: try field.bool("cleanup", default: true))
        case "Sequence":
            return .sequence(try elements(field, "decoders", depth: depth).map { try decoder($0, depth: depth + 1) })
        default:
            throw field.child("type")!.fail("unknown decoder type \(type.debugDescription)")
        }
    }

    static func postProcessor(_ field: JSONField, depth: Int = 0) throws -> HFPostProcessor {
        let type = try field.typeTag()
        switch type {
        case "TemplateProcessing":
            var specials: [String: [Int]] = [:]
            if let tokens = field.optional("special_tokens") {
                for (name, token) in try tokens.asObject() {
                    specials[name] = try token.required("ids").asArray().map { try $0.asInt() }
                }
            }
            func template(_ key: String) throws -> [HFPostProcessor.Piece] {
                guard let f = field.optional(key) else { return [] }
                return try f.asArray().map { element in
                    if let s = element.optional("SpecialToken") {
                        let name = try s.string("id")
                        guard let ids = specials[name] else {
                            throw s.child("id")!.fail("names \(name.debugDescription), which is not in special_tokens")
                        }
                        return .special(ids: ids, typeID: try s.int("type_id", default: 0) ?? 0)
                    }
                    let s = try element.required("Sequence")
                    let id = try s.string("id")
                    guard id == "A" || id == "B" else { throw s.child("id")!.fail("expected \"A\" or \"B\", found \(id.debugDescription)") }
                    return .sequence(second: id == "B", typeID: try s.int("type_id", default: 0) ?? 0)
                }
            }
            return .template(single: try template("single"), pair: try template("pair"))
        case "BertProcessing", "RobertaProcessing":
            func tokenID(_ key: String) throws -> Int {
                let pair = try field.required(key).asArray()
                guard pair.count == 2 else { throw field.child(key)!.fail("expected [token, id]") }
                return try pair[1].asInt()
            }
            return .bert(cls: try tokenID("cls"), sep: try tokenID("sep"), roberta: type == "RobertaProcessing")
        case "ByteLevel": return .none
        case "Sequence":
            return .sequence(try elements(field, "processors", depth: depth).map { try postProcessor($0, depth: depth + 1) })
        default:
            throw field.child("type")!.fail("unknown post-processor type \(type.debugDescription)")
        }
    }
}

extension UnigramNormalizer {
    /// The precompiled map alone, without SentencePiece's whitespace handling (in `tokenizer.json`
    /// that is the Metaspace pre-tokenizer's job).
    init(precompiledCharsmap map: [UInt8]) {
        let blobSize = Int(map[0]) | Int(map[1]) << 8 | Int(map[2]) << 16 | Int(map[3]) << 24
        var xcda: [UInt32] = []
        xcda.reserveCapacity(blobSize / 4)
        for i in 0..<(blobSize / 4) {
            let o = 4 + i * 4
            xcda.append(UInt32(map[o]) | UInt32(map[o + 1]) << 8 | UInt32(map[o + 2]) << 16 | UInt32(map[o + 3]) << 24)
        }
        self.xcda = xcda
        replacements = Array(map[(4 + blobSize)...])
        userDefined = ByteStringTable()
        userDefinedMaxLength = 0
        space = [0x20]
        prependSpace = false
        appendSpace = false
        mergeSpaces = false
    }
}
