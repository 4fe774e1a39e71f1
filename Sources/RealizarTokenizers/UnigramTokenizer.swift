/// SentencePiece unigram (`tokenizer.ggml.model` = `t5`): T5 and XLM-R-style vocabularies.
///
/// The text is normalized with the vocabulary's precompiled character map (SentencePiece's XOR
/// compressed double array) and whitespace handling, then segmented by Viterbi over token scores,
/// with a penalized unknown token for characters no token covers (llama.cpp's
/// `llm_tokenizer_ugm_session`).
public struct UnigramTokenizer: Tokenizer {
    public let vocabulary: Vocabulary
    let normalizer: UnigramNormalizer
    let unknownScore: Double

    public init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
        normalizer = UnigramNormalizer(vocabulary: vocabulary)
        var minScore = Float.greatestFiniteMagnitude
        for id in 0..<vocabulary.count where vocabulary.attributes[id].contains(.normal) {
            minScore = min(minScore, vocabulary.scores[id])
        }
        unknownScore = Double(minScore - 10)
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int] {
        let bytes = text.utf8Bytes
        var output: [Int] = []
        if addSpecial && vocabulary.addBOS, let bos = vocabulary.bosID { output.append(bos) }
        bytes.withUnsafeBufferPointer { buffer in
            for fragment in vocabulary.partition(buffer, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id): output.append(id)
                case .text(let range): tokenize(UnsafeBufferPointer(rebasing: buffer[range]), into: &output)
                }
            }
        }
        if addSpecial && vocabulary.addEOS, let eos = vocabulary.eosID { output.append(eos) }
        return output
    }

    /// Whether the Viterbi search may use a token (normal, user-defined or unused ones).
    @inline(__always)
    private func isCandidate(_ id: Int) -> Bool {
        !vocabulary.attributes[id].isDisjoint(with: [.normal, .userDefined, .unused])
    }

    func tokenize(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Int]) {
        let normalized = normalizer.normalize(text)
        let n = normalized.count
        guard n > 0 else { return }
        let unk = vocabulary.unknownID ?? -1
        struct Best { var token: Int; var start: Int; var score: Double }
        var best = [Best](repeating: Best(token: unk, start: 0, score: -Double.greatestFiniteMagnitude), count: n + 1)
        best[0] = Best(token: unk, start: 0, score: 0)
        let maxLength = vocabulary.maxTokenLength
        normalized.withUnsafeBufferPointer { input in
            var offset = 0
            while offset < n {
                let units = min(UnicodeData.sequenceLength(input[offset]), n - offset)
                let current = best[offset]
                var singleCodepointFound = false
                var h = ByteStringTable.hashSeed
                var end = offset
                while end < n && end - offset < maxLength {
                    h = ByteStringTable.hashStep(h, input[end])
                    end += 1
                    let id = vocabulary.texts.find(UnsafeBufferPointer(rebasing: input[offset..<end]), hash: ByteStringTable.hashFinish(h))
                    guard id >= 0, isCandidate(id) else { continue }
                    if end - offset == units { singleCodepointFound = true }
                    let score = vocabulary.attributes[id].contains(.userDefined) ? 0 : Double(vocabulary.scores[id])
                    let challenger = current.score + score
                    if challenger > best[end].score { best[end] = Best(token: id, start: offset, score: challenger) }
                }
                if !singleCodepointFound {
                    let challenger = current.score + unknownScore
                    let end = offset + units
                    if challenger > best[end].score { best[end] = Best(token: unk, start: offset, score: challenger) }
                }
                offset += units
            }
        }
        // Backtrack, merging runs of unknown tokens into one.
        var reversed: [Int] = []
        var previousUnknown = false
        var position = n
        while true {
            let b = best[position]
            let isUnknown = b.token == unk
            if !(previousUnknown && isUnknown) && b.token >= 0 { reversed.append(b.token) }
            if b.start == 0 { break }
            previousUnknown = isUnknown
            position = b.start
        }
        output.append(contentsOf: reversed.reversed())
    }
}

/// The unigram normalizer: user-defined tokens kept whole, the precompiled character map applied
/// (longest match), whitespace escaped as ▁ and optionally merged, a space prefix added.
struct UnigramNormalizer: Sendable {
    let xcda: [UInt32]
    let replacements: [UInt8]
    let userDefined: ByteStringTable
    let userDefinedMaxLength: Int
    let space: [UInt8]
    let prependSpace: Bool
    let appendSpace: Bool
    let mergeSpaces: Bool

    /// Why a precompiled character map cannot be used, or nil.
    static func validate(_ charsmap: [UInt8]) -> String? {
        guard charsmap.count >= 4 else { return "has \(charsmap.count) bytes, too few for its 4-byte header" }
        let blobSize = Int(charsmap[0]) | Int(charsmap[1]) << 8 | Int(charsmap[2]) << 16 | Int(charsmap[3]) << 24
        guard blobSize + 4 < charsmap.count else {
            return "declares a \(blobSize)-byte double array, which does not fit in its \(charsmap.count) bytes"
        }
        return nil
    }

    init(vocabulary: Vocabulary) {
        let map = vocabulary.precompiledCharsmap
        if map.count >= 4, Self.validate(map) == nil {
            let blobSize = Int(map[0]) | Int(map[1]) << 8 | Int(map[2]) << 16 | Int(map[3]) << 24
            var xcda: [UInt32] = []
            xcda.reserveCapacity(blobSize / 4)
            for i in 0..<(blobSize / 4) {
                let o = 4 + i * 4
                xcda.append(UInt32(map[o]) | UInt32(map[o + 1]) << 8 | UInt32(map[o + 2]) << 16 | UInt32(map[o + 3]) << 24)
            }
            self.xcda = xcda
            replacements = Array(map[(4 + blobSize)...])
        } else {
            xcda = []
            replacements = []
        }
        var table = ByteStringTable()
        var maxLength = 0
        for id in 0..<vocabulary.count where vocabulary.attributes[id].contains(.userDefined) {
            table.insert(Array(vocabulary.texts[id]))
            maxLength = max(maxLength, vocabulary.texts.length(id))
        }
        userDefined = table
        userDefinedMaxLength = maxLength
        space = vocabulary.escapeWhitespaces ? [0xE2, 0x96, 0x81] : [0x20]
        prependSpace = !vocabulary.treatWhitespaceAsSuffix && vocabulary.addSpacePrefix
        appendSpace = vocabulary.treatWhitespaceAsSuffix && vocabulary.addSpacePrefix
        mergeSpaces = vocabulary.removeExtraWhitespaces
    }

    func normalize(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 3)
        var spacePrepended = false
        var processingNonSpace = false
        var offset = 0
        var buffer: [UInt8] = []
        while offset < input.count {
            let consumed = normalizePrefix(input, offset, into: &buffer)
            for c in buffer {
                if c != 0x20 {
                    if !processingNonSpace {
                        processingNonSpace = true
                        if (prependSpace && !spacePrepended) || mergeSpaces {
                            out.append(contentsOf: space)
                            spacePrepended = true
                        }
                    }
                    out.append(c)
                } else {
                    processingNonSpace = false
                    if !mergeSpaces { out.append(contentsOf: space) }
                }
            }
            offset += consumed
        }
        if appendSpace { out.append(contentsOf: space) }
        return out
    }

    /// The normalization of the input at `offset` into `buffer`; returns the bytes consumed.
    private func normalizePrefix(_ input: UnsafeBufferPointer<UInt8>, _ offset: Int, into buffer: inout [UInt8]) -> Int {
        buffer.removeAll(keepingCapacity: true)
        // The longest user-defined token at this point stays as it is.
        if userDefinedMaxLength > 0 {
            var longest = 0
            var end = offset
            var h = ByteStringTable.hashSeed
            while end < input.count && end - offset < userDefinedMaxLength {
                h = ByteStringTable.hashStep(h, input[end])
                end += 1
                if userDefined.find(UnsafeBufferPointer(rebasing: input[offset..<end]), hash: ByteStringTable.hashFinish(h)) >= 0 {
                    longest = end - offset
                }
            }
            if longest > 0 {
                buffer.append(contentsOf: input[offset..<(offset + longest)])
                return longest
            }
        }
        // The longest prefix in the character map.
        var longestLength = 0
        var longestValue = 0
        if !xcda.isEmpty {
            var node = Int(base(0) ?? 0)
            var i = offset
            while i < input.count {
                let c = input[i]
                if c == 0 { break }
                node ^= Int(c)
                guard let check = lcheck(node), check == UInt32(c) else { break }
                let leaf = isLeaf(node)
                guard let b = base(node) else { break }
                node ^= Int(b)
                if leaf {
                    longestLength = i - offset + 1
                    longestValue = Int(value(node) ?? UInt32.max)
                }
                i += 1
            }
        }
        if longestLength > 0 {
            // A replacement: a NUL-terminated string in the replacements area.
            if longestValue < replacements.count {
                var end = longestValue
                while end < replacements.count && replacements[end] != 0 { end += 1 }
                if end < replacements.count {
                    buffer.append(contentsOf: replacements[longestValue..<end])
                    return longestLength
                }
            }
            // A malformed map (llama.cpp throws here): keep the input as it is.
        }
        if let (_, length) = UnicodeData.decode(input, at: offset) {
            buffer.append(contentsOf: input[offset..<(offset + length)])
            return length
        }
        buffer.append(contentsOf: [0xEF, 0xBF, 0xBD])  // U+FFFD for an invalid byte
        return 1
    }

    private func node(_ index: Int) -> UInt32? { index >= 0 && index < xcda.count ? xcda[index] : nil }
    private func base(_ index: Int) -> UInt32? {
        guard let n = node(index) else { return nil }
        return (n >> 10) << ((n & (1 << 9)) >> 6)
    }
    private func lcheck(_ index: Int) -> UInt32? { node(index).map { $0 & ((1 << 31) | 0xFF) } }
    private func isLeaf(_ index: Int) -> Bool { node(index).map { ($0 >> 8) & 1 == 1 } ?? false }
    private func value(_ index: Int) -> UInt32? { node(index).map { $0 & ((1 << 31) - 1) } }
}
