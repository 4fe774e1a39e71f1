/// Detokenizes a token stream as it is generated: each `append` returns the text that is final
/// so far, holding back an incomplete UTF-8 character (a piece can end in the middle of one) and
/// the few bytes that llama.cpp's space clean-up could still change. All the text returned by
/// `append` and `finish` together equals `decode` of the whole sequence.
///
/// The first piece loses its leading space when the vocabulary adds one (SentencePiece), unless the
/// sequence starts with BOS, as in `llama_detokenize`.
public struct StreamingDetokenizer: Sendable {
    public let tokenizer: any Tokenizer
    /// Whether control tokens are written as their text.
    public let renderSpecial: Bool

    private var isFirst = true
    /// Bytes after the last clean-up checkpoint (only when the vocabulary cleans up spaces).
    private var raw: [UInt8] = []
    /// Final bytes not yet returned because they end in an incomplete UTF-8 character.
    private var pending: [UInt8] = []

    public init(tokenizer: any Tokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Adds a token; returns the text that became final (possibly empty).
    public mutating func append(_ id: Int) -> String {
        let vocabulary = tokenizer.vocabulary
        var piece = vocabulary.piece(id, special: renderSpecial)[...]
        if isFirst {
            isFirst = false
            if vocabulary.addSpacePrefix && vocabulary.model != .rwkv && piece.first == 0x20 {
                piece = piece.dropFirst()
            }
        }
        if vocabulary.cleanSpaces {
            raw.append(contentsOf: piece)
            if let cut = Self.checkpoint(raw) {
                var done = Array(raw[..<cut])
                Vocabulary.cleanUpSpaces(&done)
                pending.append(contentsOf: done)
                raw.removeSubrange(..<cut)
            }
        } else {
            pending.append(contentsOf: piece)
        }
        return takeCompleteCharacters()
    }

    /// Adds several tokens; returns the text that became final.
    public mutating func append(contentsOf ids: [Int]) -> String {
        var text = ""
        for id in ids { text += append(id) }
        return text
    }

    /// Ends the stream: returns everything held back (an incomplete character becomes U+FFFD).
    public mutating func finish() -> String {
        if !raw.isEmpty {
            Vocabulary.cleanUpSpaces(&raw)
            pending.append(contentsOf: raw)
            raw.removeAll()
        }
        let text = String(decoding: pending, as: UTF8.self)
        pending.removeAll()
        return text
    }

    /// Returns the longest prefix of `pending` that does not end inside a UTF-8 character.
    private mutating func takeCompleteCharacters() -> String {
        guard !pending.isEmpty else { return "" }
        var keep = 0
        // Look back at most 3 bytes for the start of an unfinished sequence.
        var i = pending.count - 1
        while i >= 0 && i >= pending.count - 4 {
            let b = pending[i]
            if b & 0xC0 == 0x80 { i -= 1; continue }  // continuation byte
            if b >= 0xC0 {
                let needed = b >= 0xF0 ? 4 : (b >= 0xE0 ? 3 : 2)
                if pending.count - i < needed { keep = pending.count - i }
            }
            break
        }
        let cut = pending.count - keep
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeSubrange(..<cut)
        return text
    }

    /// A position in `raw` where the space clean-up passes can be split without changing their
    /// result: the four bytes around it can neither be removed nor decide a removal (no space,
    /// quote or `?!.,`), so no pass looks across it. The last such position, or nil.
    static func checkpoint(_ raw: [UInt8]) -> Int? {
        @inline(__always) func plain(_ b: UInt8) -> Bool {
            !(b == 0x20 || b == 0x27 || b == 0x3F || b == 0x21 || b == 0x2E || b == 0x2C)
        }
        var c = raw.count - 1
        while c >= 3 {
            if plain(raw[c]) && plain(raw[c - 1]) && plain(raw[c - 2]) && plain(raw[c - 3]) { return c }
            c -= 1
        }
        return nil
    }
}
