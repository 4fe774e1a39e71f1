import Foundation

/// A `tokenizer.json` normalizer (`normalizer` field), applied to text before pre-tokenization.
///
/// Text is handled as Unicode scalars, which is what the Rust `tokenizers` crate calls chars; the
/// offset alignments it also tracks are not needed to produce ids and are not kept.
indirect enum HFNormalizer: Sendable {
    enum Form: Sendable { case nfc, nfd, nfkc, nfkd }

    case unicode(Form)
    case lowercase
    case stripAccents
    case strip(left: Bool, right: Bool)
    case bert(cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool, lowercase: Bool)
    case replace(HFPattern, with: [UInt32])
    case prepend([UInt32])
    /// SentencePiece's precompiled character map (the model's own normalization rules, usually NFKC
    /// plus whitespace and control-character fixes), applied as SentencePiece does: longest match.
    case precompiled(UnigramNormalizer)
    case sequence([HFNormalizer])

    func normalize(_ text: [UInt32]) -> [UInt32] {
        switch self {
        case .unicode(let form): return Self.unicodeNormalize(text, form)
        case .lowercase: return Self.lowercased(text)
        case .stripAccents: return text.filter { !Self.isNonspacingMark($0) }
        case .strip(let left, let right):
            var slice = text[...]
            if left { while let f = slice.first, Self.isWhitespace(f) { slice = slice.dropFirst() } }
            if right { while let l = slice.last, Self.isWhitespace(l) { slice = slice.dropLast() } }
            return Array(slice)
        case .bert(let clean, let chinese, let strip, let lower):
            var out: [UInt32] = []
            out.reserveCapacity(text.count)
            for c in text {
                if clean {
                    if c == 0 || c == 0xFFFD || Self.isBertControl(c) { continue }
                    if Self.isBertWhitespace(c) { out.append(0x20); continue }
                }
                if chinese && Self.isChineseChar(c) {
                    out.append(0x20); out.append(c); out.append(0x20)
                } else {
                    out.append(c)
                }
            }
            if strip { out = Self.unicodeNormalize(out, .nfd).filter { !Self.isNonspacingMark($0) } }
            if lower { out = Self.lowercased(out) }
            return out
        case .replace(let pattern, let content):
            let matches = pattern.matches(in: text)
            guard !matches.isEmpty else { return text }
            var out: [UInt32] = []
            var previous = 0
            for m in matches {
                out.append(contentsOf: text[previous..<m.lowerBound])
                out.append(contentsOf: content)
                previous = m.upperBound
            }
            out.append(contentsOf: text[previous...])
            return out
        case .prepend(let prefix):
            return text.isEmpty ? text : prefix + text
        case .precompiled(let map):
            var bytes: [UInt8] = []
            for c in text { UnicodeData.appendUTF8(c, to: &bytes) }
            let normalized = bytes.withUnsafeBufferPointer { map.normalize($0) }
            return UnicodeData.codepoints(normalized)
        case .sequence(let steps):
            var t = text
            for step in steps { t = step.normalize(t) }
            return t
        }
    }

    // MARK: Character classes as the Rust crate defines them

    static func scalar(_ c: UInt32) -> Unicode.Scalar { Unicode.Scalar(c) ?? "\u{FFFD}" }

    /// Rust's `char::is_whitespace` (the White_Space property).
    static func isWhitespace(_ c: UInt32) -> Bool { scalar(c).properties.isWhitespace }

    static func isNonspacingMark(_ c: UInt32) -> Bool { scalar(c).properties.generalCategory == .nonspacingMark }

    static func isBertWhitespace(_ c: UInt32) -> Bool { c == 0x09 || c == 0x0A || c == 0x0D || isWhitespace(c) }

    /// BERT's control test: any "other" category (Cc, Cf, Cn, Co, Cs) except tab and newlines.
    static func isBertControl(_ c: UInt32) -> Bool {
        if c == 0x09 || c == 0x0A || c == 0x0D { return false }
        switch scalar(c).properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isChineseChar(_ c: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(c) || (0x3400...0x4DBF).contains(c) || (0x20000...0x2A6DF).contains(c)
            || (0x2A700...0x2B73F).contains(c) || (0x2B740...0x2B81F).contains(c) || (0x2B920...0x2CEAF).contains(c)
            || (0xF900...0xFAFF).contains(c) || (0x2F800...0x2FA1F).contains(c)
    }

    /// Each scalar's full lowercase mapping, scalar by scalar (no context-dependent final sigma), as
    /// Rust's `char::to_lowercase`.
    static func lowercased(_ text: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(text.count)
        for c in text {
            if c < 0x80 {
                out.append(c >= 0x41 && c <= 0x5A ? c + 32 : c)
            } else {
                out.append(contentsOf: scalar(c).properties.lowercaseMapping.unicodeScalars.map(\.value))
            }
        }
        return out
    }

    static func unicodeNormalize(_ text: [UInt32], _ form: Form) -> [UInt32] {
        if text.allSatisfy({ $0 < 0x80 }) { return text }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: text.map(scalar))
        let string = String(s)
        let normalized: String
        switch form {
        case .nfc: normalized = string.precomposedStringWithCanonicalMapping
        case .nfd: normalized = string.decomposedStringWithCanonicalMapping
        case .nfkc: normalized = string.precomposedStringWithCompatibilityMapping
        case .nfkd: normalized = string.decomposedStringWithCompatibilityMapping
        }
        return normalized.unicodeScalars.map(\.value)
    }
}
