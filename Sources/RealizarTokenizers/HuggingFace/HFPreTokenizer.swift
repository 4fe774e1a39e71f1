/// A `tokenizer.json` pre-tokenizer (`pre_tokenizer` field): splits normalized text into the
/// pieces the model tokenizes one by one.
indirect enum HFPreTokenizer: Sendable {
    /// A piece of text and whether it starts the original input (Metaspace's `first` scheme
    /// prepends only there).
    struct Piece: Sendable {
        var text: [UInt32]
        var atStart: Bool
    }

    /// What happens to the delimiters a `Split` finds (`SplitDelimiterBehavior`).
    enum Behavior: String, Sendable {
        case removed, isolated, mergedWithPrevious = "merged_with_previous", mergedWithNext = "merged_with_next", contiguous
    }

    enum PrependScheme: String, Sendable { case always, first, never }

    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case metaspace(replacement: UInt32, prependScheme: PrependScheme, split: Bool)
    case bert
    case whitespace
    case whitespaceSplit
    case split(HFPattern, Behavior, invert: Bool)
    case digits(individual: Bool)
    case punctuation(Behavior)
    case sequence([HFPreTokenizer])

    static let gpt2Pattern = HFPattern.covering(.gpt2)

    func split(_ pieces: [Piece]) -> [Piece] {
        var out: [Piece] = []
        out.reserveCapacity(pieces.count)
        switch self {
        case .sequence(let steps):
            var current = pieces
            for step in steps { current = step.split(current) }
            return current
        case .byteLevel(let addPrefixSpace, let useRegex):
            for piece in pieces {
                var text = piece.text
                if addPrefixSpace && text.first != 0x20 { text.insert(0x20, at: 0) }
                let parts = useRegex ? Self.divide(text, Self.gpt2Pattern.matches(in: text), .isolated, invert: false) : [text[...]]
                for part in parts {
                    out.append(Piece(text: Self.byteLevelEncode(part), atStart: piece.atStart && part.startIndex == 0))
                }
            }
        case .metaspace(let replacement, let scheme, let split):
            for piece in pieces {
                var text = piece.text.map { $0 == 0x20 ? replacement : $0 }
                let prepend: Bool
                switch scheme {
                case .always: prepend = true
                case .first: prepend = piece.atStart
                case .never: prepend = false
                }
                if prepend && text.first != replacement { text.insert(replacement, at: 0) }
                if split {
                    let delimiters = text.indices.filter { text[$0] == replacement }.map { $0..<($0 + 1) }
                    for part in Self.divide(text, delimiters, .mergedWithNext, invert: false) {
                        out.append(Piece(text: Array(part), atStart: piece.atStart && part.startIndex == 0))
                    }
                } else {
                    out.append(Piece(text: text, atStart: piece.atStart))
                }
            }
        default:
            for piece in pieces {
                for part in splitOne(piece.text) {
                    out.append(Piece(text: Array(part), atStart: piece.atStart && part.startIndex == 0))
                }
            }
        }
        return out
    }

    /// The parts of one piece for the pre-tokenizers that only split.
    private func splitOne(_ text: [UInt32]) -> [ArraySlice<UInt32>] {
        func each(_ test: (UInt32) -> Bool) -> [Range<Int>] { text.indices.filter { test(text[$0]) }.map { $0..<($0 + 1) } }
        switch self {
        case .bert:
            // Whitespace separates (and is dropped); each punctuation character stands alone.
            var parts: [ArraySlice<UInt32>] = []
            var start = 0
            for (i, c) in text.enumerated() {
                let space = HFNormalizer.isWhitespace(c)
                guard space || Self.isPunctuation(c) else { continue }
                if i > start { parts.append(text[start..<i]) }
                if !space { parts.append(text[i..<(i + 1)]) }
                start = i + 1
            }
            if start < text.count { parts.append(text[start...]) }
            return parts
        case .whitespaceSplit:
            return Self.divide(text, each(HFNormalizer.isWhitespace), .removed, invert: false)
        case .whitespace:
            // `\w+|[^\w\s]+`: runs of word characters and runs of other non-space characters.
            var parts: [ArraySlice<UInt32>] = []
            var i = 0
            while i < text.count {
                if HFNormalizer.isWhitespace(text[i]) { i += 1; continue }
                let word = Self.isWordCharacter(text[i])
                var j = i + 1
                while j < text.count && !HFNormalizer.isWhitespace(text[j]) && Self.isWordCharacter(text[j]) == word { j += 1 }
                parts.append(text[i..<j])
                i = j
            }
            return parts
        case .split(let pattern, let behavior, let invert):
            return Self.divide(text, pattern.matches(in: text), behavior, invert: invert)
        case .digits(let individual):
            return Self.divide(text, each(Self.isNumeric), individual ? .isolated : .contiguous, invert: false)
        case .punctuation(let behavior):
            return Self.divide(text, each(Self.isPunctuation), behavior, invert: false)
        default:
            return [text[...]]
        }
    }

    /// Cuts `text` at `matches` (sorted, non-overlapping) the way `NormalizedString::split` does:
    /// every match and every run between matches is a span, the behaviour decides what is kept and
    /// what is joined, and empty parts are dropped.
    static func divide(_ text: [UInt32], _ matches: [Range<Int>], _ behavior: Behavior, invert: Bool) -> [ArraySlice<UInt32>] {
        var spans: [(range: Range<Int>, isMatch: Bool)] = []
        var previous = 0
        for m in matches {
            if m.lowerBound > previous { spans.append((previous..<m.lowerBound, invert)) }
            spans.append((m, !invert))
            previous = m.upperBound
        }
        if previous < text.count { spans.append((previous..<text.count, invert)) }

        var kept: [Range<Int>] = []
        switch behavior {
        case .removed:
            kept = spans.filter { !$0.isMatch }.map(\.range)
        case .isolated:
            kept = spans.map(\.range)
        case .mergedWithPrevious:
            var previousMatch = false
            for span in spans {
                if span.isMatch && !previousMatch, let last = kept.last {
                    kept[kept.count - 1] = last.lowerBound..<span.range.upperBound
                } else {
                    kept.append(span.range)
                }
                previousMatch = span.isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for span in spans.reversed() {
                if span.isMatch && !previousMatch, let last = kept.last {
                    kept[kept.count - 1] = span.range.lowerBound..<last.upperBound
                } else {
                    kept.append(span.range)
                }
                previousMatch = span.isMatch
            }
            kept.reverse()
        case .contiguous:
            var previousMatch = false
            for (i, span) in spans.enumerated() {
                if i > 0 && span.isMatch == previousMatch, let last = kept.last {
                    kept[kept.count - 1] = last.lowerBound..<span.range.upperBound
                } else {
                    kept.append(span.range)
                }
                previousMatch = span.isMatch
            }
        }
        return kept.filter { !$0.isEmpty }.map { text[$0] }
    }

    /// A piece's UTF-8 bytes written in GPT-2's byte alphabet (one printable code point a byte).
    static func byteLevelEncode(_ text: ArraySlice<UInt32>) -> [UInt32] {
        var bytes: [UInt8] = []
        for c in text { UnicodeData.appendUTF8(c, to: &bytes) }
        return bytes.map { UnicodeData.byteToCodepoint[Int($0)] }
    }

    /// BERT's punctuation: ASCII punctuation and every Unicode `P*` category.
    static func isPunctuation(_ c: UInt32) -> Bool {
        if c < 0x80 {
            return (0x21...0x2F).contains(c) || (0x3A...0x40).contains(c) || (0x5B...0x60).contains(c) || (0x7B...0x7E).contains(c)
        }
        switch HFNormalizer.scalar(c).properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// Rust's `char::is_numeric` (categories Nd, Nl, No).
    static func isNumeric(_ c: UInt32) -> Bool {
        if c < 0x80 { return c >= 0x30 && c <= 0x39 }
        switch HFNormalizer.scalar(c).properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Unicode `\w` as Oniguruma and Rust's regex define it (UTS #18): alphabetic characters,
    /// marks, decimal digits, connector punctuation and the joiners U+200C/U+200D (so a ZWJ
    /// emoji sequence splits around its joiners).
    static func isWordCharacter(_ c: UInt32) -> Bool {
        if c < 0x80 { return (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == 0x5F }
        if c == 0x200C || c == 0x200D { return true }
        let properties = HFNormalizer.scalar(c).properties
        if properties.isAlphabetic { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
