/// Reading JSON that may still be arriving: where a value ends, or that the text ends first, or
/// the byte where it stops being JSON. Only what the tool-call parsers need: value extents and
/// the members of the call objects they look into.
enum JSONPrefix {
    enum End: Equatable {
        /// The value ends before this offset.
        case complete(Int)
        /// The text ends inside the value.
        case incomplete
        /// The byte at this offset cannot continue the value.
        case invalid(Int)
    }

    struct Member {
        var key: String
        var valueStart: Int
        var valueEnd: End
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    static func skipSpace(_ text: [UInt8], from start: Int) -> Int {
        var i = start
        while i < text.count, isSpace(text[i]) { i += 1 }
        return i
    }

    /// The end of the string literal whose opening quote is at `start`.
    static func stringEnd(_ text: [UInt8], from start: Int) -> End {
        var i = start + 1
        while i < text.count {
            switch text[i] {
            case UInt8(ascii: "\""): return .complete(i + 1)
            case UInt8(ascii: "\\"): i += 2
            case 0..<0x20: return .invalid(i)
            default: i += 1
            }
        }
        return .incomplete
    }

    /// The extent of the JSON value at `start`. Containers are checked for balance and strings
    /// for their end, not for every comma: the model's text passes through as it wrote it.
    static func valueEnd(_ text: [UInt8], from start: Int) -> End {
        var stack: [UInt8] = []
        var i = start
        while i < text.count {
            let byte = text[i]
            switch byte {
            case UInt8(ascii: "\""):
                let end = stringEnd(text, from: i)
                guard case .complete(let after) = end else { return end }
                i = after
                if stack.isEmpty { return .complete(i) }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard stack.last == byte else { return .invalid(i) }
                stack.removeLast()
                i += 1
                if stack.isEmpty { return .complete(i) }
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                guard !stack.isEmpty else { return .invalid(i) }
                i += 1
            case _ where isSpace(byte):
                guard !stack.isEmpty else { return .invalid(i) }
                i += 1
            default:
                // A number or a literal: letters, digits, sign, point, exponent.
                let scalarStart = i
                while i < text.count, isScalarByte(text[i]) { i += 1 }
                if i == scalarStart { return .invalid(i) }
                if stack.isEmpty {
                    if i == text.count { return .incomplete }
                    return .complete(i)
                }
            }
        }
        return .incomplete
    }

    private static func isScalarByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            return true
        default: return false
        }
    }

    /// The members of the object whose `{` is at `start`, as far as the text goes: the last one
    /// may be incomplete (its value runs to the end of the text).
    static func members(_ text: [UInt8], from start: Int) -> (members: [Member], end: End) {
        var members: [Member] = []
        var i = skipSpace(text, from: start + 1)
        if i < text.count, text[i] == UInt8(ascii: "}") { return (members, .complete(i + 1)) }
        while true {
            guard i < text.count else { return (members, .incomplete) }
            guard text[i] == UInt8(ascii: "\"") else { return (members, .invalid(i)) }
            let keyEnd = stringEnd(text, from: i)
            guard case .complete(let afterKey) = keyEnd else { return (members, keyEnd) }
            guard let key = decodeString(text[i..<afterKey]) else { return (members, .invalid(i)) }
            i = skipSpace(text, from: afterKey)
            guard i < text.count else { return (members, .incomplete) }
            guard text[i] == UInt8(ascii: ":") else { return (members, .invalid(i)) }
            i = skipSpace(text, from: i + 1)
            guard i < text.count else {
                members.append(Member(key: key, valueStart: i, valueEnd: .incomplete))
                return (members, .incomplete)
            }
            let end = valueEnd(text, from: i)
            members.append(Member(key: key, valueStart: i, valueEnd: end))
            guard case .complete(let afterValue) = end else { return (members, end) }
            i = skipSpace(text, from: afterValue)
            guard i < text.count else { return (members, .incomplete) }
            if text[i] == UInt8(ascii: "}") { return (members, .complete(i + 1)) }
            guard text[i] == UInt8(ascii: ",") else { return (members, .invalid(i)) }
            i = skipSpace(text, from: i + 1)
        }
    }

    /// A complete JSON string literal's value.
    static func decodeString(_ literal: ArraySlice<UInt8>) -> String? {
        guard literal.count >= 2, literal.first == UInt8(ascii: "\""), literal.last == UInt8(ascii: "\"") else { return nil }
        let inner = literal.dropFirst().dropLast()
        guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        var bytes: [UInt8] = []
        var i = inner.startIndex
        func flush() {
            scalars.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
            bytes.removeAll()
        }
        func hex(_ at: Int) -> UInt32? {
            guard at + 4 <= inner.endIndex else { return nil }
            return UInt32(String(decoding: inner[at..<at + 4], as: UTF8.self), radix: 16)
        }
        while i < inner.endIndex {
            let byte = inner[i]
            guard byte == UInt8(ascii: "\\") else { bytes.append(byte); i += 1; continue }
            guard i + 1 < inner.endIndex else { return nil }
            let escape = inner[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(escape)
            case UInt8(ascii: "u"):
                guard var code = hex(i) else { return nil }
                i += 4
                if (0xD800..<0xDC00).contains(code), i + 6 <= inner.endIndex, inner[i] == UInt8(ascii: "\\"),
                   inner[i + 1] == UInt8(ascii: "u"), let low = hex(i + 2), (0xDC00..<0xE000).contains(low) {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                flush()
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: return nil
            }
        }
        flush()
        return String(scalars)
    }
}
