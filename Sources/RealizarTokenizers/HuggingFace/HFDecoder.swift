/// A `tokenizer.json` decoder (`decoder` field): turns the token strings of an id sequence back
/// into text. Tokens are handled as arrays of Unicode scalars, so that comparisons are exact
/// (Swift `String` comparison would treat canonically equivalent texts as equal).
indirect enum HFDecoder: Sendable {
    case byteLevel
    case metaspace(replacement: UInt32, stripFirstSpace: Bool)
    case wordPiece(prefix: [UInt32], cleanup: Bool)
    case bpe(suffix: [UInt32])
    case byteFallback
    case fuse
    case strip(content: UInt32, start: Int, stop: Int)
    case replace(HFPattern, with: [UInt32])
    case ctc(pad: [UInt32], wordDelimiter: [UInt32], cleanup: Bool)
    case sequence([HFDecoder])

    func decode(_ tokens: [[UInt32]]) -> [[UInt32]] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                let mapped = token.compactMap(UnicodeData.byte(forGPT2Codepoint:))
                if mapped.count == token.count {
                    bytes.append(contentsOf: mapped)
                } else {
                    for c in token { UnicodeData.appendUTF8(c, to: &bytes) }
                }
            }
            return [Self.lossy(bytes)]
        case .metaspace(let replacement, let stripFirstSpace):
            return tokens.enumerated().map { i, token in
                var t = token.map { $0 == replacement ? 0x20 : $0 }
                if i == 0 && stripFirstSpace && t.first == 0x20 { t.removeFirst() }
                return t
            }
        case .wordPiece(let prefix, let cleanup):
            return tokens.enumerated().map { i, token in
                var t = token
                if i != 0 {
                    if !prefix.isEmpty && t.starts(with: prefix) { t.removeFirst(prefix.count) } else { t.insert(0x20, at: 0) }
                }
                return cleanup ? Self.cleanup(t) : t
            }
        case .bpe(let suffix):
            return tokens.enumerated().map { i, token in
                Self.replacing(token, .literal(suffix), with: i == tokens.count - 1 ? [] : [0x20])
            }
        case .byteFallback:
            var out: [[UInt32]] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let s = String(validating: pending, as: UTF8.self) {
                    out.append(s.unicodeScalars.map(\.value))
                } else {
                    out.append(contentsOf: Array(repeating: [0xFFFD], count: pending.count))
                }
                pending.removeAll()
            }
            for token in tokens {
                if let byte = Self.byteValue(token) {
                    pending.append(byte)
                } else {
                    flush()
                    out.append(token)
                }
            }
            flush()
            return out
        case .fuse:
            return [tokens.flatMap { $0 }]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                var lower = 0, upper = token.count
                while lower < min(start, token.count), token[lower] == content { lower += 1 }
                while upper > lower, token.count - upper < stop, token[upper - 1] == content { upper -= 1 }
                return Array(token[lower..<upper])
            }
        case .replace(let pattern, let content):
            return tokens.map { Self.replacing($0, pattern, with: content) }
        case .ctc(let pad, let delimiter, let cleanup):
            var deduplicated: [[UInt32]] = []
            for token in tokens where deduplicated.last != token { deduplicated.append(token) }
            return deduplicated.compactMap { token in
                var t = Self.replacing(token, .literal(pad), with: [])
                if cleanup { t = Self.replacing(Self.cleanup(t), .literal(delimiter), with: [0x20]) }
                return t.isEmpty ? nil : t
            }
        case .sequence(let steps):
            var t = tokens
            for step in steps { t = step.decode(t) }
            return t
        }
    }

    static func lossy(_ bytes: [UInt8]) -> [UInt32] {
        String(decoding: bytes, as: UTF8.self).unicodeScalars.map(\.value)
    }

    static func byteValue(_ token: [UInt32]) -> UInt8? {
        guard token.count == 6, token.allSatisfy({ $0 < 0x80 }) else { return nil }
        return Vocabulary.byteValue(token.map { UInt8($0) }[...])
    }

    static func replacing(_ text: [UInt32], _ pattern: HFPattern, with content: [UInt32]) -> [UInt32] {
        HFNormalizer.replace(pattern, with: content).normalize(text)
    }

    /// The crate's `wordpiece::cleanup`: spaces before punctuation and in common contractions removed.
    static func cleanup(_ text: [UInt32]) -> [UInt32] {
        var t = text
        for (from, to) in cleanupRules { t = replacing(t, .literal(from), with: to) }
        return t
    }

    private static let cleanupRules: [([UInt32], [UInt32])] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { (Array($0.0.unicodeScalars.map(\.value)), Array($0.1.unicodeScalars.map(\.value))) }
}
