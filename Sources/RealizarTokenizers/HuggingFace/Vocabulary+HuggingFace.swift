/// The `Vocabulary` view of a `tokenizer.json`, so that a Hugging Face tokenizer serves everything
/// that reads a vocabulary (pieces for streaming, special-token queries, end-of-generation).
extension Vocabulary {
    /// Names of tokens that end a turn in the common chat formats.
    static let endOfTurnNames: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<end_of_turn>", "<|endoftext|>", "<|end|>", "<|eom_id|>", "</s>", "<|end_of_text|>",
    ]

    struct HuggingFaceParts {
        var model: HFModel
        var added: [HFAddedToken]
        var kind: TokenizerModel
        var spacePrefix: Bool
        var escapeWhitespace: Bool
        var bos: Int?, eos: Int?, unk: Int?, pad: Int?, sep: Int?, cls: Int?, mask: Int?
        var addBOS: Bool, addEOS: Bool
    }

    init(huggingFace parts: HuggingFaceParts, scores unigramScores: [Double]?) {
        var maxID = -1
        parts.model.tokens.forEach { _, id in maxID = max(maxID, id) }
        for token in parts.added { maxID = max(maxID, token.id) }
        let n = maxID + 1
        var textByID = [[UInt8]?](repeating: nil, count: n)
        var attributes = [TokenAttributes](repeating: .unused, count: n)
        parts.model.tokens.forEach { text, id in
            textByID[id] = Array(text)
            attributes[id] = Self.byteValue(text) != nil ? [.byte] : .normal
        }
        for token in parts.added {
            textByID[token.id] = Array(token.content.utf8)
            attributes[token.id] = token.special ? .control : .userDefined
            if token.leftStrip { attributes[token.id].insert(.leftStrip) }
            if token.rightStrip { attributes[token.id].insert(.rightStrip) }
            if token.singleWord { attributes[token.id].insert(.singleWord) }
            if token.normalized { attributes[token.id].insert(.normalized) }
        }
        if let unk = parts.unk, unk < n { attributes[unk] = .unknown }
        var table = ByteStringTable(reservingCapacity: n)
        var maxLength = 0
        for id in 0..<n {
            // Ids the file leaves out, or whose text another id already has, get a unique
            // placeholder so that ids stay dense.
            var text = textByID[id] ?? Array("<|unused-id-\(id)|>".utf8)
            if !table.insert(text).inserted {
                text = Array("<|duplicate-id-\(id)|>".utf8)
                attributes[id] = .unused
                while !table.insert(text).inserted { text += Array("~".utf8) }
            }
            maxLength = max(maxLength, text.count)
        }
        var endOfGeneration = Set<Int>()
        if let eos = parts.eos { endOfGeneration.insert(eos) }
        for token in parts.added where Self.endOfTurnNames.contains(token.content) { endOfGeneration.insert(token.id) }

        model = parts.kind
        modelName = "tokenizer.json"
        preTokenizerName = nil
        preTokenizer = nil
        texts = table
        scores = (0..<n).map { id in unigramScores.map { id < $0.count ? Float($0[id]) : 0 } ?? 0 }
        self.attributes = attributes
        maxTokenLength = maxLength
        bosID = parts.bos ?? parts.cls
        eosID = parts.eos
        eotID = parts.added.first { ["<|eot_id|>", "<|im_end|>", "<end_of_turn>"].contains($0.content) }?.id
        eomID = parts.added.first { $0.content == "<|eom_id|>" }?.id
        unknownID = parts.unk
        separatorID = parts.sep
        paddingID = parts.pad
        maskID = parts.mask
        fimPrefixID = nil; fimSuffixID = nil; fimMiddleID = nil; fimPadID = nil; fimRepoID = nil; fimSeparatorID = nil
        endOfGenerationIDs = endOfGeneration
        addBOS = parts.addBOS
        addEOS = parts.addEOS
        addSeparator = false
        addSpacePrefix = parts.spacePrefix
        ignoreMerges = false
        cleanSpaces = false
        removeExtraWhitespaces = false
        escapeWhitespaces = parts.escapeWhitespace
        treatWhitespaceAsSuffix = false
        lowercase = false
        stripAccents = false
        // Special tokens are found by the tokenizer's own added-token matcher, not by `partition`.
        specialTokens = []
        specialTrie = nil
        merges = nil
        precompiledCharsmap = []
    }
}
