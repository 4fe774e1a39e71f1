/// Character classes of Unicode scalars as llama.cpp sees them (its `unicode_cpt_flags`), plus the
/// UTF-8 and byte-level helpers the tokenizers share.
///
/// Every class comes from the tables in `UnicodeTables.swift`, generated from llama.cpp's own data, so
/// `\p{L}`, `\p{N}`, `\s` and friends mean exactly what they mean there, independent of the Unicode
/// version of the Swift runtime.
struct CodepointFlags: OptionSet, Sendable {
    let rawValue: UInt16

    static let undefined = CodepointFlags(rawValue: 0x0001)
    static let number = CodepointFlags(rawValue: 0x0002)       // \p{N}
    static let letter = CodepointFlags(rawValue: 0x0004)       // \p{L}
    static let separator = CodepointFlags(rawValue: 0x0008)    // \p{Z}
    static let accentMark = CodepointFlags(rawValue: 0x0010)   // \p{M}
    static let punctuation = CodepointFlags(rawValue: 0x0020)  // \p{P}
    static let symbol = CodepointFlags(rawValue: 0x0040)       // \p{S}
    static let control = CodepointFlags(rawValue: 0x0080)      // \p{C}
    static let whitespace = CodepointFlags(rawValue: 0x0100)   // \s
    static let categoryMask: UInt16 = 0x00FF

    @inline(__always) var isNumber: Bool { rawValue & 0x0002 != 0 }
    @inline(__always) var isLetter: Bool { rawValue & 0x0004 != 0 }
    @inline(__always) var isAccentMark: Bool { rawValue & 0x0010 != 0 }
    @inline(__always) var isPunctuation: Bool { rawValue & 0x0020 != 0 }
    @inline(__always) var isSymbol: Bool { rawValue & 0x0040 != 0 }
    @inline(__always) var isControl: Bool { rawValue & 0x0080 != 0 }
    @inline(__always) var isWhitespace: Bool { rawValue & 0x0100 != 0 }
    /// The general category bit alone (one of undefined ... control).
    @inline(__always) var category: UInt16 { rawValue & Self.categoryMask }
}

enum UnicodeData {
    static let codepointCount = 0x110000
    static let replacementCharacter: UInt32 = 0xFFFD

    /// Flags of every code point, indexed by code point (2.2 MB, built once).
    static let flagTable: [UInt16] = {
        var table = [UInt16](repeating: CodepointFlags.undefined.rawValue, count: codepointCount)
        let ranges = parsePairs(UnicodeTables.categoryRanges)
        table.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<(ranges.count - 1) {
                let start = Int(ranges[index].0), end = min(Int(ranges[index + 1].0), codepointCount)
                let flags = UInt16(ranges[index].1)
                if start < end { for cp in start..<end { buffer[cp] = flags } }
            }
            for cp in parseFields(UnicodeTables.whitespace) { buffer[Int(cp)] |= CodepointFlags.whitespace.rawValue }
        }
        return table
    }()

    /// Sorted `(from, to)` lowercase mappings.
    static let lowercase: [(UInt32, UInt32)] = parsePairs(UnicodeTables.lowercase)

    /// Sorted `(first, last, base)` ranges for llama.cpp's simplified NFD (a code point's first
    /// decomposed code point).
    static let decompositions: [(UInt32, UInt32, UInt32)] = {
        parseFieldGroups(UnicodeTables.decompositions, width: 3).map { ($0[0], $0[1], $0[2]) }
    }()

    @inline(__always)
    static func flags(_ codepoint: UInt32) -> CodepointFlags {
        codepoint < UInt32(codepointCount) ? CodepointFlags(rawValue: flagTable[Int(codepoint)]) : .undefined
    }

    /// llama.cpp's `unicode_tolower`: the simple lowercase mapping, or the code point itself.
    static func toLower(_ codepoint: UInt32) -> UInt32 {
        var low = 0, high = lowercase.count
        while low < high {
            let mid = (low + high) / 2
            if lowercase[mid].0 < codepoint { low = mid + 1 } else { high = mid }
        }
        return low < lowercase.count && lowercase[low].0 == codepoint ? lowercase[low].1 : codepoint
    }

    /// llama.cpp's `unicode_cpts_normalize_nfd` for one code point.
    static func decompositionBase(_ codepoint: UInt32) -> UInt32 {
        // The last range whose first code point is <= codepoint.
        var low = 0, high = decompositions.count
        while low < high {
            let mid = (low + high) / 2
            if decompositions[mid].0 <= codepoint { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return codepoint }
        let range = decompositions[low - 1]
        return range.0 <= codepoint && codepoint <= range.1 ? range.2 : codepoint
    }

    /// llama.cpp's `unicode_cpt_is_han`.
    static func isHan(_ cp: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(cp) || (0x3400...0x4DBF).contains(cp) || (0x20000...0x2A6DF).contains(cp)
            || (0x2A700...0x2B73F).contains(cp) || (0x2B740...0x2B81F).contains(cp) || (0x2B820...0x2CEAF).contains(cp)
            || (0x2CEB0...0x2EBEF).contains(cp) || (0xF900...0xFAFF).contains(cp) || (0x2F800...0x2FA1F).contains(cp)
    }

    // MARK: UTF-8

    /// The length of a UTF-8 sequence from its first byte, as llama.cpp's `unicode_len_utf8` computes it
    /// (a continuation byte counts as a sequence of one).
    @inline(__always)
    static func sequenceLength(_ first: UInt8) -> Int {
        switch first >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }

    /// Decodes one code point the way llama.cpp's `unicode_cpt_from_utf8` does, or nil for an invalid
    /// sequence (llama.cpp then consumes one byte and uses U+FFFD).
    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> (UInt32, Int)? {
        let b0 = bytes[offset]
        if b0 & 0x80 == 0 { return (UInt32(b0), 1) }
        if b0 & 0x40 == 0 { return nil }
        let count = bytes.count
        @inline(__always) func continuation(_ i: Int) -> UInt32? {
            guard i < count, bytes[i] & 0xC0 == 0x80 else { return nil }
            return UInt32(bytes[i] & 0x3F)
        }
        if b0 & 0x20 == 0 {
            guard let c1 = continuation(offset + 1) else { return nil }
            return ((UInt32(b0 & 0x1F) << 6) | c1, 2)
        }
        if b0 & 0x10 == 0 {
            guard let c1 = continuation(offset + 1), let c2 = continuation(offset + 2) else { return nil }
            return ((UInt32(b0 & 0x0F) << 12) | (c1 << 6) | c2, 3)
        }
        if b0 & 0x08 == 0 {
            guard let c1 = continuation(offset + 1), let c2 = continuation(offset + 2), let c3 = continuation(offset + 3) else { return nil }
            return ((UInt32(b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4)
        }
        return nil
    }

    /// llama.cpp's `unicode_cpts_from_utf8`: invalid bytes become U+FFFD one byte at a time.
    static func codepoints(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(bytes.count)
        var offset = 0
        while offset < bytes.count {
            if let (cp, length) = decode(bytes, at: offset) {
                result.append(cp)
                offset += length
            } else {
                result.append(replacementCharacter)
                offset += 1
            }
        }
        return result
    }

    static func codepoints(_ bytes: [UInt8]) -> [UInt32] {
        bytes.withUnsafeBufferPointer { codepoints($0) }
    }

    /// Appends the UTF-8 encoding of a code point (values past U+10FFFF are not produced by the decoder).
    @inline(__always)
    static func appendUTF8(_ cp: UInt32, to output: inout [UInt8]) {
        switch cp {
        case 0..<0x80:
            output.append(UInt8(cp))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (cp >> 6)))
            output.append(UInt8(0x80 | (cp & 0x3F)))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (cp >> 12)))
            output.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (cp & 0x3F)))
        default:
            output.append(UInt8(0xF0 | ((cp >> 18) & 0x07)))
            output.append(UInt8(0x80 | ((cp >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (cp & 0x3F)))
        }
    }

    static func utf8(_ cp: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        appendUTF8(cp, to: &out)
        return out
    }

    // MARK: GPT-2 byte-level encoding

    /// The code point GPT-2's byte-level BPE uses for each byte (`bytes_to_unicode`).
    static let byteToCodepoint: [UInt32] = {
        var map = [UInt32](repeating: 0, count: 256)
        var assigned = [Bool](repeating: false, count: 256)
        for b in 0x21...0x7E { map[b] = UInt32(b); assigned[b] = true }
        for b in 0xA1...0xAC { map[b] = UInt32(b); assigned[b] = true }
        for b in 0xAE...0xFF { map[b] = UInt32(b); assigned[b] = true }
        var next: UInt32 = 256
        for b in 0..<256 where !assigned[b] {
            map[b] = next
            next += 1
        }
        return map
    }()

    /// The UTF-8 bytes of each byte's GPT-2 code point.
    static let byteToUTF8: [[UInt8]] = byteToCodepoint.map { utf8($0) }

    /// The byte a GPT-2 code point stands for, or nil.
    static func byte(forGPT2Codepoint cp: UInt32) -> UInt8? {
        switch cp {
        case 0x21...0x7E, 0xA1...0xAC, 0xAE...0xFF: return UInt8(cp)
        case 256..<(256 + 68): return gpt2ExtraBytes[Int(cp - 256)]
        default: return nil
        }
    }

    private static let gpt2ExtraBytes: [UInt8] = {
        var bytes: [UInt8] = []
        for b in 0..<256 where byteToCodepoint[b] >= 256 { bytes.append(UInt8(b)) }
        return bytes
    }()

    // MARK: Table parsing

    private static func parseFields(_ text: String) -> [UInt32] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt32($0, radix: 16)! }
    }

    private static func parseFieldGroups(_ text: String, width: Int) -> [[UInt32]] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { group in
            let fields = group.split(separator: ":").map { UInt32($0, radix: 16)! }
            precondition(fields.count == width, "malformed Unicode table entry \(group)")
            return fields
        }
    }

    private static func parsePairs(_ text: String) -> [(UInt32, UInt32)] {
        parseFieldGroups(text, width: 2).map { ($0[0], $0[1]) }
    }
}
