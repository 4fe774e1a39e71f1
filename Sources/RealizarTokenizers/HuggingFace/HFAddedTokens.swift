/// One entry of `added_tokens` in a `tokenizer.json`.
struct HFAddedToken: Sendable {
    var id: Int
    var content: String
    var special: Bool
    /// Matches only where it is not part of a longer word.
    var singleWord: Bool
    /// Swallows the whitespace on its left / right.
    var leftStrip: Bool
    var rightStrip: Bool
    /// Matched in normalized text (else in the raw input, before normalization).
    var normalized: Bool

    init(_ field: JSONField) throws {
        id = try field.int("id")
        guard id >= 0 && id <= HFModel.maxTokenID else { throw field.child("id")!.fail("token id \(id) is outside 0...\(HFModel.maxTokenID)") }
        content = try field.string("content")
        special = try field.bool("special", default: false)
        singleWord = try field.bool("single_word", default: false)
        leftStrip = try field.bool("lstrip", default: false)
        rightStrip = try field.bool("rstrip", default: false)
        normalized = try field.bool("normalized", default: !special)
    }
}

/// Finds added tokens in text the way the crate's `AddedVocabulary` does: leftmost-longest
/// matches, tokens that fail their `single_word` condition skipped, `lstrip`/`rstrip` widening a
/// match over whitespace.
struct HFAddedTokenMatcher: Sendable {
    enum Segment {
        case token(Int)
        /// Text between tokens, with its start offset in the text that was split.
        case text([UInt32], offset: Int)
    }

    private struct Pattern: Sendable {
        var scalars: [UInt32]
        var token: HFAddedToken
    }

    /// Patterns by first scalar, longest first.
    private let byFirst: [UInt32: [Pattern]]

    var isEmpty: Bool { byFirst.isEmpty }

    init(_ tokens: [HFAddedToken], patternOf: (HFAddedToken) -> [UInt32]) {
        var map: [UInt32: [Pattern]] = [:]
        for token in tokens {
            let scalars = patternOf(token)
            guard let first = scalars.first else { continue }
            map[first, default: []].append(Pattern(scalars: scalars, token: token))
        }
        for key in map.keys { map[key]!.sort { $0.scalars.count > $1.scalars.count } }
        byFirst = map
    }

    /// Splits `text` into added tokens and the text around them. With `skipSpecial`, special tokens
    /// are not recognized (they stay text).
    func split(_ text: [UInt32], skipSpecial: Bool) -> [Segment] {
        guard !isEmpty, !text.isEmpty else { return text.isEmpty ? [] : [.text(text, offset: 0)] }
        var segments: [Segment] = []
        var textStart = 0
        var i = 0
        let n = text.count
        while i < n {
            guard let candidates = byFirst[text[i]],
                  let pattern = candidates.first(where: { p in
                      i + p.scalars.count <= n && text[i..<(i + p.scalars.count)].elementsEqual(p.scalars)
                  })
            else {
                i += 1
                continue
            }
            var start = i
            var stop = i + pattern.scalars.count
            let token = pattern.token
            if skipSpecial && token.special { i = stop; continue }
            if token.singleWord {
                let startOK = start == 0 || !HFPreTokenizer.isWordCharacter(text[start - 1])
                let stopOK = stop == n || !HFPreTokenizer.isWordCharacter(text[stop])
                if !startOK || !stopOK { i = stop; continue }
            }
            if token.leftStrip {
                while start > textStart && HFNormalizer.isWhitespace(text[start - 1]) { start -= 1 }
            }
            if token.rightStrip {
                while stop < n && HFNormalizer.isWhitespace(text[stop]) { stop += 1 }
            }
            if start > textStart { segments.append(.text(Array(text[textStart..<start]), offset: textStart)) }
            segments.append(.token(token.id))
            textStart = stop
            i = stop
        }
        if textStart < n { segments.append(.text(Array(text[textStart...]), offset: textStart)) }
        return segments
    }
}
