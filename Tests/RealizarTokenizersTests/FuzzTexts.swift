import Foundation
import RealizarCore
@testable import RealizarTokenizers

/// Deterministic random texts that exercise pre-tokenizers: every character class the expressions
/// care about (letters of many scripts, marks, digits of several scripts, punctuation, symbols,
/// whitespace of all kinds, newlines, contractions, emoji, control and unassigned code points, and
/// special-token markers).
enum FuzzTexts {
    static let pieces: [String] = [
        "a", "b", "Z", "q", "Hello", "world", "THE", "iPhone", "x", "ll", "re", "ve", "s", "t", "m", "d",
        "0", "1", "7", "42", "333", "1234", "1234567", "3.14", "1,000",
        "!", "\"", "#", "$", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/", ":", ";", "<", "=", ">", "?", "@",
        "[", "\\", "]", "^", "_", "`", "{", "|", "}", "~", "...", "!!", "?!", "--", "==>", "://",
        " ", " ", " ", "  ", "   ", "    ", "\t", "\n", "\n\n", "\r\n", "\r", " \n ", "\u{0B}", "\u{0C}",
        "\u{A0}", "\u{3000}", "\u{2009}", "\u{85}", "\u{2028}", "\u{1680}",
        "'s", "'t", "'RE", "'ll", "'D", "'Ve", "'M", "n't", "y'all", "'",
        "é", "Ä", "ñ", "ß", "ø", "œ", "e\u{301}", "a\u{308}\u{304}", "Cửa", "Việt", "İ", "ǅ", "ʰ",
        "λόγος", "Жизнь", "нещо", "Български", "שלום", "مرحبا", "٣", "۵", "३", "नमस्ते", "ক্ষ", "กาน", "ខលចេញ",
        "我", "想在", "一", "龥", "工作", "가", "힣", "ㄱ", "あ", "ア", "ｱ", "ｶﾞ", "〜", "～", "、", "。", "「」", "…", "“", "”", "‘", "’", "—",
        "Ａ", "ｚ", "！", "０", "㈱", "Ⅻ", "½", "²", "€", "©", "™", "±", "√", "→", "♥", "★", "°",
        "🦙", "😀", "👍🏽", "😶‍🌫️", "🇫🇷", "✅", "🚀", "𝔘", "𐐀", "𒀀", "🀄",
        "\u{1}", "\u{7F}", "\u{200B}", "\u{FEFF}", "\u{E000}", "\u{40000}", "\u{10FFFD}", "\u{0}",
        "<s>", "</s>", "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<start_of_turn>", "<end_of_turn>",
        "[CLS]", "[SEP]", "<mask>", "<|end|>", "<unk>", "<pad>", "<|begin_of_text|>", "<0x41>", "▁", "Ġ",
        "IMGIMGABZ", "<sentinel:12>",
    ]

    static func make(count: Int, seed: UInt64) -> [String] {
        var generator = SplitMix(seed: seed)
        var texts: [String] = []
        for _ in 0..<count {
            let length = 1 + Int(generator.next() % 24)
            var text = ""
            for _ in 0..<length {
                text += pieces[Int(generator.next() % UInt64(pieces.count))]
                if generator.next() % 3 == 0 { text += " " }
            }
            texts.append(text)
        }
        return texts
    }

    /// FNV-1a of token ids (as little-endian 32-bit values), with the count: "count:hash".
    static func digest(_ ids: [Int]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for id in ids {
            for shift in stride(from: 0, to: 32, by: 8) {
                h = (h ^ UInt64((UInt32(truncatingIfNeeded: id) >> UInt32(shift)) & 0xFF)) &* 0x100_0000_01B3
            }
        }
        return "\(ids.count):\(String(h, radix: 16))"
    }

    static func digest(bytes: [UInt8]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return "\(bytes.count):\(String(h, radix: 16))"
    }
}

/// Copies GGUF metadata into `GGUFWriter` values, to make variants of real vocabularies.
enum GGUFCopy {
    static func value(_ v: GGUFValue) -> GGUFWriter.Value {
        switch v {
        case .uint8(let x): return .u8(x)
        case .int8(let x): return .i8(x)
        case .uint16(let x): return .u32(UInt32(x))
        case .int16(let x): return .i32(Int32(x))
        case .uint32(let x): return .u32(x)
        case .int32(let x): return .i32(x)
        case .uint64(let x): return .u64(x)
        case .int64(let x): return .i64(x)
        case .float32(let x): return .f32(x)
        case .float64(let x): return .f64(x)
        case .bool(let x): return .bool(x)
        case .string(let x): return .string(x)
        case .array(let a): return array(a)
        }
    }

    static func array(_ a: GGUFArray) -> GGUFWriter.Value {
        switch a {
        case .string(let x): return .strings(x)
        case .float32(let x): return .f32s(x)
        case .int32(let x): return .i32s(x)
        case .uint32(let x): return .u32s(x)
        case .uint8(let x): return .u8s(x)
        case .int8(let x): return .i8s(x)
        case .bool(let x): return .bools(x)
        default: return .i32s((a.intValues ?? []).map { Int32(truncatingIfNeeded: $0) })
        }
    }

    /// The tokenizer metadata of `file` (and general.*), with `changes` applied (nil removes).
    static func entries(_ file: GGUFFile, _ changes: [String: GGUFWriter.Value?]) -> [(String, GGUFWriter.Value)] {
        var entries: [(String, GGUFWriter.Value)] = []
        for entry in file.metadata where entry.key.hasPrefix("tokenizer.ggml.") || entry.key.hasPrefix("general.") {
            if let change = changes[entry.key] {
                if let change { entries.append((entry.key, change)) }
            } else {
                entries.append((entry.key, value(entry.value)))
            }
        }
        for (key, change) in changes where !entries.contains(where: { $0.0 == key }) {
            if let change { entries.append((key, change)) }
        }
        return entries
    }
}
