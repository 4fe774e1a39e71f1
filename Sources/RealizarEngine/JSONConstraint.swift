import RealizarTokenizers

/// A byte-level JSON recognizer that keeps generated text a valid prefix of one JSON object, for
/// OpenAI's `response_format: {"type": "json_object"}` and Ollama's `format: "json"`.
///
/// The sequence state asks ``accepts(_:)`` for each candidate token's bytes and masks the tokens it
/// refuses, so the model can only write text that some continuation turns into valid JSON; when the
/// top-level object closes, ``isComplete`` becomes true and generation ends there. A value type of a
/// few bytes with no heap storage, so trying a candidate copies it for free.
///
/// Limits that keep a small model from wandering forever: nesting at most 64 deep, and at most
/// ``maxWhitespaceRun`` whitespace bytes in a row outside strings. Inside strings, bytes ≥ 0x80 pass
/// unchecked (a token may end inside a UTF-8 character; the detokenizer repairs what is invalid).
public struct JSONConstraint: Sendable, Equatable {
    enum Phase: UInt8 {
        case start, objectKeyOrEnd, objectKey, colon, arrayValueOrEnd, value, afterValue
        case string, stringEscape, stringUnicode, number, literal, done
    }

    enum NumberPart: UInt8 { case minus, zero, integer, dot, fraction, exponent, exponentSign, exponentDigits }

    public static let maxDepth = 64
    public static let maxWhitespaceRun = 32

    var phase = Phase.start
    var stringIsKey = false
    var unicodeLeft: UInt8 = 0
    var number = NumberPart.minus
    var literal: UInt8 = 0
    var literalIndex: UInt8 = 0
    /// Bit `i` set: the container at depth `i` is an object (else an array).
    var stack: UInt64 = 0
    var depth: UInt8 = 0
    var whitespaceRun: UInt8 = 0

    private static let literals: [[UInt8]] = [Array("true".utf8), Array("false".utf8), Array("null".utf8)]

    public init() {}

    /// Whether the top-level object has closed.
    public var isComplete: Bool { phase == .done }

    /// Whether `bytes` may follow the text so far.
    public func accepts(_ bytes: some Collection<UInt8>) -> Bool {
        var copy = self
        for byte in bytes where !copy.feed(byte) { return false }
        return true
    }

    /// Takes one byte; false (and the state unchanged in meaning) when it would make the text invalid.
    @discardableResult
    public mutating func feed(_ byte: UInt8) -> Bool {
        let isSpace = byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
        switch phase {
        case .string, .stringEscape, .stringUnicode, .number, .literal: break
        default:
            if isSpace {
                guard phase != .done, whitespaceRun < Self.maxWhitespaceRun else { return false }
                whitespaceRun += 1
                return true
            }
            whitespaceRun = 0
        }
        switch phase {
        case .done:
            return false
        case .start:
            return byte == UInt8(ascii: "{") && push(object: true)
        case .objectKeyOrEnd, .objectKey:
            if byte == UInt8(ascii: "\"") {
                phase = .string
                stringIsKey = true
                return true
            }
            if byte == UInt8(ascii: "}") && phase == .objectKeyOrEnd { pop(); return true }
            return false
        case .colon:
            guard byte == UInt8(ascii: ":") else { return false }
            phase = .value
            return true
        case .value, .arrayValueOrEnd:
            if byte == UInt8(ascii: "]") && phase == .arrayValueOrEnd { pop(); return true }
            return beginValue(byte)
        case .afterValue:
            let inObject = stack & (1 << UInt64(depth - 1)) != 0
            switch byte {
            case UInt8(ascii: ","): phase = inObject ? .objectKey : .value
            case UInt8(ascii: "}") where inObject: pop()
            case UInt8(ascii: "]") where !inObject: pop()
            default: return false
            }
            return true
        case .string:
            switch byte {
            case UInt8(ascii: "\""): phase = stringIsKey ? .colon : .afterValue
            case UInt8(ascii: "\\"): phase = .stringEscape
            case ..<0x20: return false
            default: break
            }
            return true
        case .stringEscape:
            if byte == UInt8(ascii: "u") {
                unicodeLeft = 4
                phase = .stringUnicode
                return true
            }
            guard "\"\\/bfnrt".utf8.contains(byte) else { return false }
            phase = .string
            return true
        case .stringUnicode:
            guard Self.isHex(byte) else { return false }
            unicodeLeft -= 1
            if unicodeLeft == 0 { phase = .string }
            return true
        case .number:
            return feedNumber(byte)
        case .literal:
            let word = Self.literals[Int(literal)]
            guard word[Int(literalIndex)] == byte else { return false }
            literalIndex += 1
            if Int(literalIndex) == word.count { phase = .afterValue }
            return true
        }
    }

    private mutating func beginValue(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "{"): return push(object: true)
        case UInt8(ascii: "["): return push(object: false)
        case UInt8(ascii: "\""):
            phase = .string
            stringIsKey = false
        case UInt8(ascii: "-"):
            phase = .number
            number = .minus
        case UInt8(ascii: "0"):
            phase = .number
            number = .zero
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            phase = .number
            number = .integer
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            phase = .literal
            literal = byte == UInt8(ascii: "t") ? 0 : (byte == UInt8(ascii: "f") ? 1 : 2)
            literalIndex = 1
        default:
            return false
        }
        return true
    }

    private mutating func feedNumber(_ byte: UInt8) -> Bool {
        let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        let isExponent = byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
        switch number {
        case .minus:
            guard isDigit else { return false }
            number = byte == UInt8(ascii: "0") ? .zero : .integer
            return true
        case .zero, .integer, .fraction:
            if isDigit && number != .zero { return true }
            if byte == UInt8(ascii: ".") && number != .fraction { number = .dot; return true }
            if isExponent { number = .exponent; return true }
        case .dot:
            guard isDigit else { return false }
            number = .fraction
            return true
        case .exponent:
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { number = .exponentSign; return true }
            guard isDigit else { return false }
            number = .exponentDigits
            return true
        case .exponentSign:
            guard isDigit else { return false }
            number = .exponentDigits
            return true
        case .exponentDigits:
            if isDigit { return true }
        }
        // The number is complete; the byte belongs to what follows it.
        phase = .afterValue
        return feed(byte)
    }

    private mutating func push(object: Bool) -> Bool {
        guard Int(depth) < Self.maxDepth else { return false }
        if object { stack |= 1 << UInt64(depth) } else { stack &= ~(1 << UInt64(depth)) }
        depth += 1
        phase = object ? .objectKeyOrEnd : .arrayValueOrEnd
        return true
    }

    private mutating func pop() {
        depth -= 1
        phase = depth == 0 ? .done : .afterValue
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}

/// Every token's bytes in one flat buffer, built once per model: what the JSON constraint checks
/// candidates against without asking the tokenizer (and allocating) on each step.
public final class TokenPieceTable: Sendable {
    private let bytes: [UInt8]
    private let offsets: [Int32]

    public init(tokenizer: any Tokenizer) {
        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(tokenizer.vocabularySize + 1)
        for id in 0..<tokenizer.vocabularySize {
            bytes.append(contentsOf: tokenizer.piece(id, renderSpecial: false))
            offsets.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.offsets = offsets
    }

    public var count: Int { offsets.count - 1 }

    /// Calls `body` with token `id`'s bytes (empty for control tokens and ids outside the table).
    @inline(__always)
    public func withPiece<R>(_ id: Int, _ body: (ArraySlice<UInt8>) -> R) -> R {
        guard id >= 0, id < count else { return body([]) }
        return body(bytes[Int(offsets[id])..<Int(offsets[id + 1])])
    }
}
