import RealizarCore

/// Per-token attributes (llama.cpp's `llama_token_attr`).
public struct TokenAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let unknown = TokenAttributes(rawValue: 1 << 0)
    public static let unused = TokenAttributes(rawValue: 1 << 1)
    public static let normal = TokenAttributes(rawValue: 1 << 2)
    public static let control = TokenAttributes(rawValue: 1 << 3)
    public static let userDefined = TokenAttributes(rawValue: 1 << 4)
    public static let byte = TokenAttributes(rawValue: 1 << 5)
    public static let normalized = TokenAttributes(rawValue: 1 << 6)
    public static let leftStrip = TokenAttributes(rawValue: 1 << 7)
    public static let rightStrip = TokenAttributes(rawValue: 1 << 8)
    public static let singleWord = TokenAttributes(rawValue: 1 << 9)

    /// The attributes of a GGUF `tokenizer.ggml.token_type` value (`llama_token_type`).
    static func fromTokenType(_ type: Int) -> TokenAttributes? {
        switch type {
        case 0: return []              // undefined
        case 1: return .normal
        case 2: return .unknown
        case 3: return .control
        case 4: return .userDefined
        case 5: return .unused
        case 6: return .byte
        default: return nil
        }
    }
}

/// The tokenization algorithm a vocabulary uses.
public enum TokenizerModel: String, Sendable {
    /// SentencePiece BPE with scores and byte fallback (`llama`: Llama 2, Gemma, Mistral, Phi-3).
    case sentencePiece
    /// Byte-level BPE with merges and a pre-tokenizer (`gpt2`, `gemma4`, `whitespace`).
    case bytePair
    /// BERT WordPiece (`bert`).
    case wordPiece
    /// SentencePiece unigram with a precompiled normalizer (`t5`).
    case unigram
    /// RWKV's greedy trie tokenizer (`rwkv`).
    case rwkv
}

/// The shared part of every tokenizer: the token table, scores and attributes, special tokens, the
/// tokenizer flags from GGUF metadata, special-token splitting and detokenization.
///
/// Built and validated from GGUF metadata by `init(file:)`, following llama.cpp's
/// `llama_vocab::impl::load` (defaults per model kind, auto-detected end-of-generation tokens), but
/// refusing malformed metadata with a `FormatError` naming the key instead of guessing.
public struct Vocabulary: Sendable {
    public let model: TokenizerModel
    /// `tokenizer.ggml.model` as written in the file.
    public let modelName: String
    /// `tokenizer.ggml.pre` (after llama.cpp's defaults), for byte-level BPE.
    public let preTokenizerName: String?
    let preTokenizer: PreTokenizerType.Settings?

    let texts: ByteStringTable
    let scores: [Float]
    let attributes: [TokenAttributes]
    let maxTokenLength: Int

    public let bosID: Int?
    public let eosID: Int?
    public let eotID: Int?
    public let eomID: Int?
    public let unknownID: Int?
    public let separatorID: Int?
    public let paddingID: Int?
    public let maskID: Int?
    public let fimPrefixID: Int?, fimSuffixID: Int?, fimMiddleID: Int?, fimPadID: Int?, fimRepoID: Int?, fimSeparatorID: Int?
    /// Tokens that end generation.
    public let endOfGenerationIDs: Set<Int>

    public let addBOS: Bool
    public let addEOS: Bool
    public let addSeparator: Bool
    public let addSpacePrefix: Bool
    let ignoreMerges: Bool
    let cleanSpaces: Bool
    /// Whether detokenization removes spaces before punctuation and contractions (llama.cpp's
    /// `clean_spaces`, from `clean_up_tokenization_spaces`).
    public var cleansSpaces: Bool { cleanSpaces }
    let removeExtraWhitespaces: Bool
    let escapeWhitespaces: Bool
    let treatWhitespaceAsSuffix: Bool
    let lowercase: Bool
    let stripAccents: Bool

    /// Control, user-defined and unknown tokens, longest text first (`cache_special_tokens`).
    let specialTokens: [Int32]
    /// Byte-level BPE merges.
    let merges: MergeTable?
    /// For `t5`: the precompiled normalization map (`tokenizer.ggml.precompiled_charsmap`).
    let precompiledCharsmap: [UInt8]

    public var count: Int { texts.count }

    // MARK: Lookup

    /// The raw vocabulary text of a token.
    public func text(of id: Int) -> [UInt8] { Array(texts[id]) }

    public func attributes(of id: Int) -> TokenAttributes {
        id >= 0 && id < count ? attributes[id] : []
    }

    public func score(of id: Int) -> Float { scores[id] }

    /// The id of a token with exactly this text, or nil.
    public func id(of text: [UInt8]) -> Int? {
        let id = texts.find(text)
        return id >= 0 ? id : nil
    }

    @inline(__always)
    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int { texts.find(bytes) }

    @inline(__always)
    func find(_ bytes: [UInt8]) -> Int { texts.find(bytes) }

    public func isEndOfGeneration(_ id: Int) -> Bool { endOfGenerationIDs.contains(id) }

    public func isControl(_ id: Int) -> Bool { attributes(of: id).contains(.control) }

    /// The token for one byte of byte fallback (`byte_to_token`): `<0xXX>`, else the byte itself as a
    /// token, else the unknown token.
    func byteToken(_ byte: UInt8) -> Int? {
        switch model {
        case .sentencePiece, .unigram, .rwkv:
            let id = texts.find(Self.byteTokenText(byte))
            if id >= 0 { return id }
            let single = texts.find([byte])
            if single >= 0 { return single }
            return unknownID
        case .bytePair, .wordPiece:
            let id = texts.find(UnicodeData.byteToUTF8[Int(byte)])
            return id >= 0 ? id : unknownID
        }
    }

    static func byteTokenText(_ byte: UInt8) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        return [0x3C, 0x30, 0x78, hex[Int(byte >> 4)], hex[Int(byte & 15)], 0x3E]  // <0xXX>
    }

    /// The byte a `<0xXX>` token stands for.
    static func byteValue(_ text: ArraySlice<UInt8>) -> UInt8? {
        guard text.count == 6 else { return nil }
        let t = Array(text)
        guard t[0] == 0x3C, t[1] == 0x30, t[2] == 0x78 || t[2] == 0x58, t[5] == 0x3E,
              let hi = hexValue(t[3]), let lo = hexValue(t[4]) else { return nil }
        return hi << 4 | lo
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    // MARK: Special-token splitting

    enum Fragment {
        case token(Int)
        case text(Range<Int>)
    }

    /// llama.cpp's `tokenizer_st_partition`: splits `text` around special tokens, longest tokens
    /// first, each token's occurrences leftmost first within the text still unsplit. Control and
    /// unknown tokens count only with `parseSpecial`; user-defined tokens always. Tokens with
    /// left/right-strip attributes swallow the whitespace beside them.
    func partition(_ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        guard !text.isEmpty else { return [] }
        guard let trie = specialTrie, !trie.nodes.isEmpty else { return [.text(0..<text.count)] }
        // Every occurrence of every special token, grouped by the token's rank in `specialTokens`.
        var occurrencesByRank: [Int: [Int]] = [:]
        trie.forEachMatch(in: text) { start, rank in
            let id = Int(specialTokens[rank])
            if !parseSpecial && !attributes[id].isDisjoint(with: [.control, .unknown]) { return }
            occurrencesByRank[rank, default: []].append(start)
        }
        if occurrencesByRank.isEmpty { return [.text(0..<text.count)] }

        // owner[i]: -1 free text, -2 stripped whitespace, else the rank of the token starting or
        // continuing there (token starts are marked in `tokenStart`).
        var owner = [Int32](repeating: -1, count: text.count)
        var tokenStart = [Int32](repeating: -1, count: text.count)
        @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        for rank in occurrencesByRank.keys.sorted() {
            let id = Int(specialTokens[rank])
            let length = texts.length(id)
            let attr = attributes[id]
            for start in occurrencesByRank[rank]! {  // ascending
                let end = start + length
                var free = true
                for i in start..<end where owner[i] != -1 { free = false; break }
                if !free { continue }
                for i in start..<end { owner[i] = Int32(rank) }
                tokenStart[start] = Int32(id)
                if attr.contains(.leftStrip) {
                    var i = start - 1
                    while i >= 0 && owner[i] == -1 && isSpace(text[i]) { owner[i] = -2; i -= 1 }
                }
                if attr.contains(.rightStrip) {
                    var i = end
                    while i < text.count && owner[i] == -1 && isSpace(text[i]) { owner[i] = -2; i += 1 }
                }
            }
        }
        var fragments: [Fragment] = []
        var i = 0
        while i < text.count {
            if tokenStart[i] >= 0 {
                let id = Int(tokenStart[i])
                fragments.append(.token(id))
                i += texts.length(id)
            } else if owner[i] == -1 {
                let start = i
                while i < text.count && owner[i] == -1 { i += 1 }
                fragments.append(.text(start..<i))
            } else {
                i += 1
            }
        }
        return fragments
    }

    let specialTrie: SpecialTokenTrie?

    // MARK: Pieces

    /// The bytes a token stands for (`token_to_piece`); control and unknown tokens render as their
    /// text only with `special`.
    public func piece(_ id: Int, special: Bool) -> [UInt8] {
        guard id >= 0 && id < count else { return [] }
        let attr = attributes[id]
        if !special && !attr.isDisjoint(with: [.unknown, .control]) { return [] }
        let text = texts[id]
        switch model {
        case .sentencePiece, .unigram, .wordPiece:
            if !attr.isDisjoint(with: [.unknown, .control, .userDefined]) { return Array(text) }
            if attr.contains(.normal) { return Self.unescapeWhitespace(text) }
            if attr.contains(.byte) { return [Self.byteValue(text) ?? 0] }
            return []
        case .bytePair:
            if !attr.isDisjoint(with: [.unknown, .control, .userDefined]) { return Array(text) }
            if attr.contains(.normal) {
                if escapeWhitespaces { return Self.unescapeWhitespace(text) }
                return Self.decodeByteLevel(text)
            }
            if attr.contains(.byte) { return [Self.byteValue(text) ?? 0] }
            return []
        case .rwkv:
            return RWKVTokenizer.unescape(text)
        }
    }

    /// Replaces U+2581 (▁) with spaces.
    static func unescapeWhitespace(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == 0xE2, i + 2 < text.endIndex, text[i + 1] == 0x96, text[i + 2] == 0x81 {
                out.append(0x20)
                i += 3
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }

    /// Replaces every space with U+2581 (▁).
    static func escapeWhitespace(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        for b in text {
            if b == 0x20 { out.append(0xE2); out.append(0x96); out.append(0x81) } else { out.append(b) }
        }
    }

    /// GPT-2 byte-level text back to bytes (`llama_decode_text`).
    static func decodeByteLevel(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        let cpts = UnicodeData.codepoints(Array(text))
        for cp in cpts {
            if let byte = UnicodeData.byte(forGPT2Codepoint: cp) {
                out.append(byte)
            } else {
                let utf8 = UnicodeData.utf8(cp)
                out.append(contentsOf: Array("[UNK_BYTE_0x".utf8))
                for b in utf8 {
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 15)])
                }
                out.append(contentsOf: text)
                out.append(0x5D)
            }
        }
        return out
    }

    // MARK: Detokenization

    /// llama.cpp's `llama_detokenize`: concatenated pieces, the leading space of the first piece
    /// removed when the vocabulary adds one, and spaces cleaned up where the vocabulary asks for it.
    public func detokenize(_ ids: [Int], removeSpecial: Bool, renderSpecial: Bool) -> [UInt8] {
        var tokens = ids[...]
        var removeSpace = addSpacePrefix
        if removeSpecial && addBOS, let first = tokens.first, first == bosID {
            removeSpace = false
            tokens = tokens.dropFirst()
        }
        if removeSpecial && addEOS, let last = tokens.last, last == eosID {
            tokens = tokens.dropLast()
        }
        var out: [UInt8] = []
        for id in tokens {
            var piece = piece(id, special: renderSpecial)[...]
            if removeSpace && model != .rwkv, piece.first == 0x20 { piece = piece.dropFirst() }
            removeSpace = false
            out.append(contentsOf: piece)
        }
        if cleanSpaces { Self.cleanUpSpaces(&out) }
        return out
    }

    /// The three clean-up passes of `llama_detokenize` (`clean_up_tokenization_spaces`), done the
    /// same way in place.
    static func cleanUpSpaces(_ text: inout [UInt8]) {
        let space: UInt8 = 0x20, quote: UInt8 = 0x27
        // 1: " ?", " !", " .", " ," lose the space.
        var total1 = text.count
        var total = total1 > 0 ? 1 : 0
        var i = 1
        while i < total1 {
            let x = text[i]
            if text[i - 1] == space && (x == 0x3F || x == 0x21 || x == 0x2E || x == 0x2C) { total -= 1 }
            text[total] = x
            total += 1
            i += 1
        }
        // 2: " ' " becomes "'".
        let total2 = total
        total = total2 > 0 ? 1 : 0
        i = 1
        while i < total2 {
            let x = text[i]
            if x == quote && i + 1 < total2 && text[i - 1] == space && text[i + 1] == space {
                total -= 1
                i += 1
                text[i] = 0
            }
            text[total] = x
            total += 1
            i += 1
        }
        // 3: " 's", " 'm", " 're", " 've" lose the space.
        let total3 = total
        total = total3 > 0 ? 1 : 0
        i = 1
        while i < total3 {
            let x = text[i]
            if text[i - 1] == space && x == quote && i + 1 < total3 {
                let x1 = text[i + 1]
                if x1 == 0x73 || x1 == 0x6D {
                    total -= 1
                } else if i + 2 < total3 {
                    let x2 = text[i + 2]
                    if (x1 == 0x72 && x2 == 0x65) || (x1 == 0x76 && x2 == 0x65) { total -= 1 }
                }
            }
            text[total] = x
            total += 1
            i += 1
        }
        total1 = total
        text.removeSubrange(total1...)
    }
}

/// Byte-level BPE merge ranks, keyed by the token ids of the two parts.
struct MergeTable: Sendable {
    let pairs: PairTable

    /// The rank of merging `left` and `right`, and the token it makes.
    @inline(__always)
    func lookup(_ left: Int, _ right: Int) -> (rank: Int32, result: Int32)? {
        pairs.find(left: left, right: right)
    }
}

/// An open-addressing hash map from a pair of token ids to (rank, result).
struct PairTable: Sendable {
    private var keys: [UInt64]
    private var values: [UInt64]
    private var mask: Int
    private(set) var count = 0
    private static let emptyKey = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.emptyKey, count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 32
        return Int(truncatingIfNeeded: h) & mask
    }

    @inline(__always)
    func find(left: Int, right: Int) -> (rank: Int32, result: Int32)? {
        let key = UInt64(UInt32(truncatingIfNeeded: left)) << 32 | UInt64(UInt32(truncatingIfNeeded: right))
        var slot = Self.slot(key, mask)
        while true {
            let k = keys[slot]
            if k == key {
                let v = values[slot]
                return (Int32(truncatingIfNeeded: v >> 32), Int32(truncatingIfNeeded: v))
            }
            if k == Self.emptyKey { return nil }
            slot = (slot + 1) & mask
        }
    }

    mutating func insertIfAbsent(left: Int, right: Int, rank: Int, result: Int) {
        if (count + 1) * 2 > keys.count { grow() }
        let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
        var slot = Self.slot(key, mask)
        while keys[slot] != Self.emptyKey {
            if keys[slot] == key { return }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = UInt64(UInt32(rank)) << 32 | UInt64(UInt32(result))
        count += 1
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let size = keys.count * 2
        keys = [UInt64](repeating: Self.emptyKey, count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for (k, v) in zip(oldKeys, oldValues) where k != Self.emptyKey {
            var slot = Self.slot(k, mask)
            while keys[slot] != Self.emptyKey { slot = (slot + 1) & mask }
            keys[slot] = k
            values[slot] = v
        }
    }
}

/// A byte trie of the special tokens, for finding all their occurrences in one pass.
struct SpecialTokenTrie: Sendable {
    struct Node: Sendable {
        var children: [(UInt8, Int32)] = []
        var rank: Int32 = -1
    }
    var nodes: [Node] = [Node()]

    mutating func insert(_ bytes: ArraySlice<UInt8>, rank: Int) {
        var node = 0
        for b in bytes {
            if let next = nodes[node].children.first(where: { $0.0 == b })?.1 {
                node = Int(next)
            } else {
                nodes.append(Node())
                nodes[node].children.append((b, Int32(nodes.count - 1)))
                node = nodes.count - 1
            }
        }
        if nodes[node].rank < 0 { nodes[node].rank = Int32(rank) }
    }

    /// Calls `body(start, rank)` for every occurrence, in ascending order of start.
    func forEachMatch(in text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        nodes.withUnsafeBufferPointer { nodes in
            let root = nodes[0]
            var firstByte = [Bool](repeating: false, count: 256)
            for (b, _) in root.children { firstByte[Int(b)] = true }
            for start in 0..<text.count where firstByte[Int(text[start])] {
                var node = 0
                var i = start
                while i < text.count {
                    let b = text[i]
                    var next = -1
                    for (c, n) in nodes[node].children where c == b { next = Int(n); break }
                    if next < 0 { break }
                    node = next
                    i += 1
                    if nodes[node].rank >= 0 { body(start, Int(nodes[node].rank)) }
                }
            }
        }
    }
}
