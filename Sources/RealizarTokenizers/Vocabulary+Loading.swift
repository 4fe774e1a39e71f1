import RealizarCore

/// Metadata keys (llama.cpp's `LLM_KV_TOKENIZER_*`).
enum TokenizerKey {
    static let model = "tokenizer.ggml.model"
    static let pre = "tokenizer.ggml.pre"
    static let tokens = "tokenizer.ggml.tokens"
    static let tokenType = "tokenizer.ggml.token_type"
    static let scores = "tokenizer.ggml.scores"
    static let merges = "tokenizer.ggml.merges"
    static let bos = "tokenizer.ggml.bos_token_id"
    static let eos = "tokenizer.ggml.eos_token_id"
    static let eot = "tokenizer.ggml.eot_token_id"
    static let eom = "tokenizer.ggml.eom_token_id"
    static let unknown = "tokenizer.ggml.unknown_token_id"
    static let separator = "tokenizer.ggml.seperator_token_id"  // sic, as llama.cpp writes it
    static let padding = "tokenizer.ggml.padding_token_id"
    static let mask = "tokenizer.ggml.mask_token_id"
    static let fimPre = "tokenizer.ggml.fim_pre_token_id"
    static let fimSuf = "tokenizer.ggml.fim_suf_token_id"
    static let fimMid = "tokenizer.ggml.fim_mid_token_id"
    static let fimPad = "tokenizer.ggml.fim_pad_token_id"
    static let fimRep = "tokenizer.ggml.fim_rep_token_id"
    static let fimSep = "tokenizer.ggml.fim_sep_token_id"
    static let prefix = "tokenizer.ggml.prefix_token_id"
    static let suffix = "tokenizer.ggml.suffix_token_id"
    static let middle = "tokenizer.ggml.middle_token_id"
    static let addBOS = "tokenizer.ggml.add_bos_token"
    static let addEOS = "tokenizer.ggml.add_eos_token"
    static let addSep = "tokenizer.ggml.add_sep_token"
    static let addSpacePrefix = "tokenizer.ggml.add_space_prefix"
    static let removeExtraWhitespaces = "tokenizer.ggml.remove_extra_whitespaces"
    static let precompiledCharsmap = "tokenizer.ggml.precompiled_charsmap"
    static let lowercase = "tokenizer.ggml.normalizer.lowercase"
    static let stripAccents = "tokenizer.ggml.normalizer.strip_accents"
}

extension Vocabulary {
    /// Reads and validates the tokenizer metadata of a GGUF file.
    ///
    /// Throws `FormatError` naming the offending key for a missing or mistyped key, arrays whose
    /// lengths disagree, token ids outside the vocabulary, byte tokens that are not `<0xNN>`, merges
    /// that do not name existing tokens, duplicate tokens, and tokenizer models or pre-tokenizers
    /// this engine (and llama.cpp) does not know.
    public init(file: GGUFFile) throws {
        let path = file.file.path
        func fail(_ key: String, _ problem: String) -> FormatError {
            FormatError(path: path, field: key, problem: problem)
        }

        // MARK: Model kind and its defaults
        guard let modelName = try file.optionalString(TokenizerKey.model) else {
            throw fail(TokenizerKey.model, "required metadata key is missing (the file carries no tokenizer)")
        }
        var preName = try file.optionalString(TokenizerKey.pre)
        var model: TokenizerModel
        var bos: Int? = 1, eos: Int? = 2, unk: Int? = 0, sep: Int? = nil, pad: Int? = nil, mask: Int? = nil
        var addBOS = false, addEOS = false, addSep = false, addSpacePrefix = false
        var ignoreMerges = false, cleanSpaces = false, escapeWhitespaces = true
        var lowercaseOverride: Bool?
        var settings: PreTokenizerType.Settings?
        switch modelName {
        case "llama":
            model = .sentencePiece
        case "bert":
            model = .wordPiece
            bos = 101; eos = nil; unk = 100; sep = 102; pad = 0; mask = 103
            addSep = true
        case "gpt2", "whitespace":
            model = .bytePair
            bos = 11; eos = 11; unk = nil
        case "gemma4":
            model = .bytePair
            bos = nil; eos = nil; unk = nil
            preName = "gemma4"
        case "t5":
            model = .unigram
            bos = nil; eos = 1; unk = 2; pad = 0
        case "rwkv":
            model = .rwkv
            bos = nil; eos = nil; unk = nil
        case "no_vocab", "none":
            throw fail(TokenizerKey.model, "the model has no vocabulary (tokenizer model \"\(modelName)\")")
        default:
            throw fail(TokenizerKey.model, "unsupported tokenizer model \"\(modelName)\" (supported: llama, gpt2, gemma4, whitespace, bert, t5, rwkv)")
        }

        switch model {
        case .bytePair:
            let name = preName ?? ""
            guard let s = PreTokenizerType.settings(forName: name) else {
                throw fail(TokenizerKey.pre, "unknown pre-tokenizer \"\(name)\"")
            }
            settings = s
            addSpacePrefix = false
            escapeWhitespaces = s.escapeWhitespaces
            cleanSpaces = s.cleanSpaces
            ignoreMerges = s.ignoreMerges
            addBOS = s.addBOS ?? false
            addSep = s.addSep
            lowercaseOverride = s.lowercase
            if s.noBOS { bos = nil }
        case .sentencePiece:
            addSpacePrefix = true; cleanSpaces = false; addBOS = true; addEOS = false
        case .wordPiece:
            addSpacePrefix = false; cleanSpaces = true; addBOS = true; addEOS = false; addSep = true
        case .unigram:
            addBOS = false; addEOS = true
        case .rwkv:
            addSpacePrefix = false; cleanSpaces = false; addBOS = false; addEOS = false
        }
        addSpacePrefix = try file.optionalBool(TokenizerKey.addSpacePrefix) ?? addSpacePrefix
        let removeExtraWhitespaces = try file.optionalBool(TokenizerKey.removeExtraWhitespaces) ?? false

        // MARK: Tokens, scores, types
        guard let tokenArray = try file.optionalArray(TokenizerKey.tokens) else {
            throw fail(TokenizerKey.tokens, "required metadata key is missing")
        }
        guard let tokenStrings = tokenArray.stringValues else {
            throw fail(TokenizerKey.tokens, "expected an array of strings, found an array of \(tokenArray.elementType.name)")
        }
        let n = tokenStrings.count
        guard n > 0 else { throw fail(TokenizerKey.tokens, "the vocabulary is empty") }
        guard n < Int(Int32.max) else { throw fail(TokenizerKey.tokens, "\(n) tokens are more than a token id can hold") }

        var scores = [Float](repeating: 0, count: n)
        if let array = try file.optionalArray(TokenizerKey.scores) {
            guard array.count == n else {
                throw fail(TokenizerKey.scores, "has \(array.count) entries for \(n) tokens")
            }
            if let floats = array.floatValues {
                scores = floats
            } else if let ints = array.intValues {
                scores = ints.map { Float($0) }
            } else {
                throw fail(TokenizerKey.scores, "expected an array of numbers, found an array of \(array.elementType.name)")
            }
            if let bad = scores.firstIndex(where: { $0.isNaN }) {
                throw fail(TokenizerKey.scores, "score of token #\(bad) is NaN")
            }
        }

        var attributes = [TokenAttributes](repeating: .normal, count: n)
        if let array = try file.optionalArray(TokenizerKey.tokenType) {
            guard array.count == n else {
                throw fail(TokenizerKey.tokenType, "has \(array.count) entries for \(n) tokens")
            }
            guard let types = array.intValues else {
                throw fail(TokenizerKey.tokenType, "expected an array of integers, found an array of \(array.elementType.name)")
            }
            for (i, type) in types.enumerated() {
                guard let attr = TokenAttributes.fromTokenType(type) else {
                    throw fail(TokenizerKey.tokenType, "type \(type) of token #\(i) is not a token type (0...6)")
                }
                attributes[i] = attr
            }
        }

        var totalBytes = 0
        for s in tokenStrings { totalBytes += s.utf8.count }
        var texts = ByteStringTable(reservingCapacity: n, bytes: totalBytes)
        var maxTokenLength = 0
        for (i, string) in tokenStrings.enumerated() {
            // An empty token gets the name llama.cpp gives it.
            let (existing, inserted) = string.isEmpty ? texts.insert(Array("[EMPTY_\(i)]".utf8)) : texts.insert(utf8: string)
            guard inserted else {
                throw fail(TokenizerKey.tokens, "token #\(i) \(Self.quoted(Array(string.utf8))) duplicates token #\(existing)")
            }
            maxTokenLength = max(maxTokenLength, texts.length(i))
            if attributes[i].contains(.byte) && Self.byteValue(texts[i]) == nil {
                throw fail(TokenizerKey.tokens, "token #\(i) \(Self.quoted(Array(string.utf8))) has the byte type but is not of the form <0xNN>")
            }
        }

        // MARK: Merges
        var merges: MergeTable?
        if model == .bytePair {
            if let array = try file.optionalArray(TokenizerKey.merges) {
                guard let strings = array.stringValues else {
                    throw fail(TokenizerKey.merges, "expected an array of strings, found an array of \(array.elementType.name)")
                }
                merges = try MergeTable(strings: strings, tokens: texts) { index, problem in
                    fail(TokenizerKey.merges, "merge #\(index) \(problem)")
                }
            } else if preName != "kimi-k2" {
                throw fail(TokenizerKey.merges, "required metadata key is missing (byte-level BPE needs merges)")
            } else {
                merges = MergeTable.empty
            }
        }

        // MARK: Special tokens
        // Defaults outside the vocabulary are dropped (llama.cpp disables them too).
        func inRange(_ id: Int?) -> Int? { id.flatMap { $0 >= 0 && $0 < n ? $0 : nil } }
        bos = inRange(bos); eos = inRange(eos); unk = inRange(unk); sep = inRange(sep); pad = inRange(pad); mask = inRange(mask)
        func specialID(_ key: String, _ current: Int?) throws -> Int? {
            guard let value = try file.optionalInt(key) else { return current }
            guard value >= 0 && value < n else {
                throw fail(key, "token id \(value) is outside the vocabulary of \(n) tokens")
            }
            return value
        }
        bos = try specialID(TokenizerKey.bos, bos)
        eos = try specialID(TokenizerKey.eos, eos)
        var eot = try specialID(TokenizerKey.eot, nil)
        var eom = try specialID(TokenizerKey.eom, nil)
        unk = try specialID(TokenizerKey.unknown, unk)
        sep = try specialID(TokenizerKey.separator, sep)
        pad = try specialID(TokenizerKey.padding, pad)
        mask = try specialID(TokenizerKey.mask, mask)
        var fimPre = try specialID(TokenizerKey.fimPre, nil)
        var fimSuf = try specialID(TokenizerKey.fimSuf, nil)
        var fimMid = try specialID(TokenizerKey.fimMid, nil)
        var fimPad = try specialID(TokenizerKey.fimPad, nil)
        var fimRep = try specialID(TokenizerKey.fimRep, nil)
        var fimSep = try specialID(TokenizerKey.fimSep, nil)
        fimPre = try specialID(TokenizerKey.prefix, fimPre)
        fimSuf = try specialID(TokenizerKey.suffix, fimSuf)
        fimMid = try specialID(TokenizerKey.middle, fimMid)

        addBOS = try file.optionalBool(TokenizerKey.addBOS) ?? addBOS
        addEOS = try file.optionalBool(TokenizerKey.addEOS) ?? addEOS
        addSep = try file.optionalBool(TokenizerKey.addSep) ?? addSep
        if settings?.type == .gemma4 { addBOS = true }  // llama.cpp's Gemma 4 workaround
        if addBOS && bos == nil && model != .wordPiece {
            throw fail(TokenizerKey.addBOS, "is true but the vocabulary has no BOS token")
        }
        if addEOS && eos == nil {
            throw fail(TokenizerKey.addEOS, "is true but the vocabulary has no EOS token")
        }

        let lowercase = try file.optionalBool(TokenizerKey.lowercase) ?? lowercaseOverride ?? true
        let stripAccents = try file.optionalBool(TokenizerKey.stripAccents) ?? lowercase

        // Auto-detected special tokens, by text (llama.cpp does this too, for converters that do
        // not record them). Among several candidates the lowest id is taken.
        func text(_ id: Int) -> String { String(decoding: texts[id], as: UTF8.self) }
        func ids(_ names: [String]) -> [Int] { names.compactMap { let id = texts.find(Array($0.utf8)); return id >= 0 ? id : nil } }
        func detect(_ current: inout Int?, _ names: [String]) {
            guard current == nil, let id = ids(names).min() else { return }
            current = id
            attributes[id].insert(.control)
        }
        detect(&eot, ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                      "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"])
        detect(&eom, ["<|eom_id|>"])
        detect(&fimPre, ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"])
        detect(&fimSuf, ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"])
        detect(&fimMid, ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"])
        detect(&fimPad, ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"])
        detect(&fimRep, ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"])
        detect(&fimSep, ["<|file_sep|>"])
        // Control tokens named "unused" are unused.
        let unusedBytes = Array("unused".utf8)
        for id in 0..<n where attributes[id].contains(.control) && !attributes[id].contains(.unused) {
            if Self.contains(texts[id], unusedBytes) { attributes[id].insert(.unused) }
        }
        var eog = Set<Int>()
        for id in [fimPad, fimRep, fimSep].compactMap({ $0 }) { eog.insert(id) }
        for id in ids(["<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
                       "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
                       "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
                       "<｜end▁of▁sentence｜>", "[e~["]) {
            eog.insert(id)
            attributes[id].insert(.control)
        }
        // gpt-oss: always rendered.
        for id in ids(["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]) { attributes[id] = .userDefined }
        for id in [eos, eot, eom].compactMap({ $0 }) { eog.insert(id) }
        // o200k_harmony and solar-open: "<|end|>" does not end generation there.
        do {
            let names = Dictionary(eog.map { (text($0), $0) }, uniquingKeysWith: { a, _ in a })
            if let end = names["<|end|>"],
               (names["<|return|>"] != nil && (names["<|call|>"] != nil || names["<|calls|>"] != nil))
                || ((names["<|call|>"] != nil || names["<|calls|>"] != nil) && names["<|flush|>"] != nil) {
                eog.remove(end)
                attributes[end] = .userDefined
            }
            // Gemma 4 and PLaMo have a normal "</s>".
            if let s = names["</s>"], names["<|tool_response>"] != nil || names["<|plamo:eos|>"] != nil {
                eog.remove(s)
                attributes[s] = .normal
            }
        }

        // Special tokens for splitting, longest first (ties by id; llama.cpp's sort is unstable).
        var special = (0..<n).filter { !attributes[$0].isDisjoint(with: [.control, .userDefined, .unknown]) }
        special.sort { a, b in
            let la = texts.length(a), lb = texts.length(b)
            return la != lb ? la > lb : a < b
        }

        // Per-model attribute fixes llama.cpp applies by name.
        let generalName = (try? file.optionalString("general.name")).flatMap { $0 }?.lowercased() ?? ""
        let architecture = (try? file.optionalString("general.architecture")).flatMap { $0 } ?? ""
        let rawPre = (try? file.optionalString(TokenizerKey.pre)).flatMap { $0 } ?? ""
        func idOf(_ s: String) -> Int? { let id = texts.find(Array(s.utf8)); return id >= 0 ? id : nil }
        if ["jina-v2-de", "jina-v2-es", "jina-v2-code"].contains(where: { rawPre.contains($0) })
            || ["nomic-bert-moe", "jina-bert-v3"].contains(where: { architecture.contains($0) }) {
            if let id = idOf("<mask>") { attributes[id].insert(.leftStrip) }
        } else if generalName.contains("phi-3") || generalName.contains("phi3") {
            for id in special { attributes[id].insert(.rightStrip) }
            if let id = idOf("</s>") { attributes[id].insert(.rightStrip) }
            for name in ["<unk>", "<s>", "<|endoftext|>"] {
                if let id = idOf(name) { attributes[id].remove(.rightStrip) }
            }
        } else if generalName.contains("modern-bert") {
            if let id = idOf("[MASK]") { attributes[id].insert(.leftStrip) }
        }

        var trie = SpecialTokenTrie()
        for (rank, id) in special.enumerated() { trie.insert(texts[id], rank: rank) }

        // MARK: Unigram normalizer
        var charsmap: [UInt8] = []
        if model == .unigram, let array = try file.optionalArray(TokenizerKey.precompiledCharsmap) {
            switch array {
            case .uint8(let bytes): charsmap = bytes
            case .int8(let bytes): charsmap = bytes.map { UInt8(bitPattern: $0) }
            default:
                throw fail(TokenizerKey.precompiledCharsmap, "expected an array of bytes, found an array of \(array.elementType.name)")
            }
            if let problem = UnigramNormalizer.validate(charsmap) { throw fail(TokenizerKey.precompiledCharsmap, problem) }
        }

        self.model = model
        self.modelName = modelName
        self.preTokenizerName = model == .bytePair ? (preName ?? "default") : nil
        self.preTokenizer = settings
        self.texts = texts
        self.scores = scores
        self.attributes = attributes
        self.maxTokenLength = maxTokenLength
        self.bosID = bos
        self.eosID = eos
        self.eotID = eot
        self.eomID = eom
        self.unknownID = unk
        self.separatorID = sep
        self.paddingID = pad
        self.maskID = mask
        self.fimPrefixID = fimPre
        self.fimSuffixID = fimSuf
        self.fimMiddleID = fimMid
        self.fimPadID = fimPad
        self.fimRepoID = fimRep
        self.fimSeparatorID = fimSep
        self.endOfGenerationIDs = eog
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSeparator = addSep
        self.addSpacePrefix = addSpacePrefix
        self.ignoreMerges = ignoreMerges
        self.cleanSpaces = cleanSpaces
        self.removeExtraWhitespaces = removeExtraWhitespaces
        self.escapeWhitespaces = escapeWhitespaces
        self.treatWhitespaceAsSuffix = false
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        self.specialTokens = special.map { Int32($0) }
        self.specialTrie = trie
        self.merges = merges
        self.precompiledCharsmap = charsmap
    }

    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        var i = haystack.startIndex
        while i + needle.count <= haystack.endIndex {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// A token's text for error messages: quoted, with control characters escaped, shortened.
    static func quoted(_ bytes: [UInt8]) -> String {
        var s = "\""
        for scalar in String(decoding: bytes.prefix(60), as: UTF8.self).unicodeScalars {
            switch scalar {
            case "\n": s += "\\n"
            case "\t": s += "\\t"
            case "\"": s += "\\\""
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    s += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    s.unicodeScalars.append(scalar)
                }
            }
        }
        return s + (bytes.count > 60 ? "...\"" : "\"")
    }
}

extension MergeTable {
    static let empty = MergeTable(pairs: PairTable(capacity: 1))

    /// Parses `tokenizer.ggml.merges` ("left right", split at the first space after the first
    /// byte, as llama.cpp does). Both parts and their concatenation must be tokens. A repeated pair
    /// keeps its first rank.
    init(strings: [String], tokens: ByteStringTable, error: (Int, String) -> FormatError) throws {
        var pairs = PairTable(capacity: strings.count)
        var joined: [UInt8] = []
        for (rank, string) in strings.enumerated() {
            var string = string
            // (left, right, result), or the problem.
            let parsed: Result<(Int, Int, Int), FormatError> = string.withUTF8 { bytes in
                var space = -1
                var i = 1
                while i < bytes.count {
                    if bytes[i] == 0x20 { space = i; break }
                    i += 1
                }
                guard space > 0, space + 1 < bytes.count else {
                    return .failure(error(rank, "\(Vocabulary.quoted(Array(bytes))) is not two tokens separated by a space"))
                }
                let leftBytes = UnsafeBufferPointer(rebasing: bytes[..<space])
                let rightBytes = UnsafeBufferPointer(rebasing: bytes[(space + 1)...])
                var h = ByteStringTable.hashSeed
                for b in leftBytes { h = ByteStringTable.hashStep(h, b) }
                let left = tokens.find(leftBytes, hash: ByteStringTable.hashFinish(h))
                let right = tokens.find(rightBytes)
                for b in rightBytes { h = ByteStringTable.hashStep(h, b) }
                joined.removeAll(keepingCapacity: true)
                joined.append(contentsOf: leftBytes)
                joined.append(contentsOf: rightBytes)
                let result = joined.withUnsafeBufferPointer { tokens.find($0, hash: ByteStringTable.hashFinish(h)) }
                guard left >= 0 else {
                    return .failure(error(rank, "\(Vocabulary.quoted(Array(bytes))) names \(Vocabulary.quoted(Array(leftBytes))), which is not a token"))
                }
                guard right >= 0 else {
                    return .failure(error(rank, "\(Vocabulary.quoted(Array(bytes))) names \(Vocabulary.quoted(Array(rightBytes))), which is not a token"))
                }
                guard result >= 0 else {
                    return .failure(error(rank, "\(Vocabulary.quoted(Array(bytes))) makes \(Vocabulary.quoted(joined)), which is not a token"))
                }
                return .success((left, right, result))
            }
            let (left, right, result) = try parsed.get()
            pairs.insertIfAbsent(left: left, right: right, rank: rank, result: result)
        }
        self.init(pairs: pairs)
    }
}
