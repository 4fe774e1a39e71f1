/// A JSON Schema `pattern` (an ECMA-262 regex subset) as a GBNF expression over the *JSON text*
/// of a string's content: characters that JSON must escape are matched in escaped form.
///
/// Supported: literals and escapes (`\d \w \s \D \W \S`, `\.` and the like), classes `[...]`
/// and `[^...]`, `.`, groups `(...)` and `(?:...)`, `|`, `* + ? {m} {m,} {m,n}` (lazy forms
/// match the same strings), and `^`/`$` at the ends. A pattern without `^` (or `$`) may be
/// preceded (or followed) by any text, as JSON Schema's search semantics say. Unbounded
/// quantifiers and that surrounding text repeat at most `maxRepetition` times
/// (``JSONSchemaLimits/maxPatternRepetition``), so that a match is finite; a pattern anchored at
/// neither end allows at most 8 characters after its match.
struct SchemaRegex {
    let pattern: [Unicode.Scalar]
    var position = 0
    let path: String
    var maxRepetition = 64
    /// Characters after the match of a pattern anchored at neither end.
    static let unanchoredTail = 8

    static func gbnf(_ pattern: String, path: String, maxRepetition: Int = JSONSchemaLimits.default.maxPatternRepetition) throws(JSONSchemaError) -> String {
        var parser = SchemaRegex(pattern: Array(pattern.unicodeScalars), path: path, maxRepetition: maxRepetition)
        var anchoredStart = false
        if parser.peek() == "^" { anchoredStart = true; parser.position += 1 }
        let body = try parser.alternation()
        var anchoredEnd = false
        if parser.peek() == "$" { anchoredEnd = true; parser.position += 1 }
        guard parser.position == parser.pattern.count else { throw parser.error("unexpected '\(parser.pattern[parser.position])'") }
        let any = "json-char{0,\(maxRepetition)}"
        // Text on both sides makes the automaton track every offset since each earlier match
        // (2^n states for n characters after it), so the text after the match is kept short.
        let after = anchoredStart ? any : "json-char{0,\(min(maxRepetition, Self.unanchoredTail))}"
        return [anchoredStart ? nil : any, "(" + body + ")", anchoredEnd ? nil : after].compactMap { $0 }.joined(separator: " ")
    }

    func error(_ message: String) -> JSONSchemaError {
        JSONSchemaError("'pattern' at \(path): \(message) (position \(position) of the regex)")
    }

    func peek() -> Unicode.Scalar? { position < pattern.count ? pattern[position] : nil }

    mutating func alternation() throws(JSONSchemaError) -> String {
        var choices = [try sequence()]
        while peek() == "|" {
            position += 1
            choices.append(try sequence())
        }
        return choices.count == 1 ? choices[0] : choices.map { "(" + $0 + ")" }.joined(separator: " | ")
    }

    mutating func sequence() throws(JSONSchemaError) -> String {
        var items: [String] = []
        while let scalar = peek(), scalar != "|", scalar != ")" {
            if scalar == "$" && position == pattern.count - 1 { break }
            if scalar == "^" || scalar == "$" { throw error("anchors are supported only at the start and end") }
            var item = try atom()
            item = try quantifier(item)
            items.append(item)
        }
        return items.isEmpty ? "\"\"" : items.joined(separator: " ")
    }

    mutating func quantifier(_ item: String) throws(JSONSchemaError) -> String {
        guard let scalar = peek() else { return item }
        var result: String
        switch scalar {
        case "*": result = "(" + item + "){0,\(maxRepetition)}"; position += 1
        case "+": result = "(" + item + "){1,\(max(1, maxRepetition))}"; position += 1
        case "?": result = "(" + item + ")?"; position += 1
        case "{":
            var probe = position + 1
            var low = "", high: String?
            while probe < pattern.count, ("0"..."9").contains(pattern[probe]) { low.unicodeScalars.append(pattern[probe]); probe += 1 }
            if probe < pattern.count, pattern[probe] == "," {
                probe += 1
                var text = ""
                while probe < pattern.count, ("0"..."9").contains(pattern[probe]) { text.unicodeScalars.append(pattern[probe]); probe += 1 }
                high = text
            } else {
                high = low
            }
            guard probe < pattern.count, pattern[probe] == "}", !low.isEmpty else { return item }  // a literal '{'
            position = probe + 1
            guard let minimum = Int(low), minimum <= 1000, (high ?? "").isEmpty || Int(high!)! <= 1000 else {
                throw error("repetition counts above 1000 are not supported")
            }
            let upper = high.flatMap { $0.isEmpty ? nil : $0 } ?? String(max(minimum, maxRepetition))
            result = "(" + item + "){" + low + "," + upper + "}"
        default: return item
        }
        if peek() == "?" { position += 1 }  // lazy: the same strings
        if peek() == "+" { throw error("possessive quantifiers are not supported") }
        return result
    }

    mutating func atom() throws(JSONSchemaError) -> String {
        let scalar = pattern[position]
        position += 1
        switch scalar {
        case "(":
            if peek() == "?" {
                guard position + 1 < pattern.count, pattern[position + 1] == ":" else {
                    throw error("lookarounds and named groups are not supported")
                }
                position += 2
            }
            let inner = try alternation()
            guard peek() == ")" else { throw error("unclosed group") }
            position += 1
            return "(" + inner + ")"
        case "[": return try characterClass()
        case ".": return Self.charset([(0x0A...0x0A)], negated: true)
        case "\\": return try escape(inClass: false).expression
        case "*", "+", "?": throw error("nothing to repeat before '\(scalar)'")
        default: return Self.charset([scalar.value...scalar.value], negated: false)
        }
    }

    /// An escape as scalar ranges (and whether they are negated), or a whole expression.
    mutating func escape(inClass: Bool) throws(JSONSchemaError) -> (ranges: [ClosedRange<UInt32>], negated: Bool, expression: String) {
        guard let scalar = peek() else { throw error("a backslash at the end") }
        position += 1
        let digit: [ClosedRange<UInt32>] = [0x30...0x39]
        let word: [ClosedRange<UInt32>] = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
        let space: [ClosedRange<UInt32>] = [0x09...0x0D, 0x20...0x20]
        func make(_ ranges: [ClosedRange<UInt32>], _ negated: Bool) -> ([ClosedRange<UInt32>], Bool, String) {
            (ranges, negated, Self.charset(ranges, negated: negated))
        }
        switch scalar {
        case "d": return make(digit, false)
        case "D": return make(digit, true)
        case "w": return make(word, false)
        case "W": return make(word, true)
        case "s": return make(space, false)
        case "S": return make(space, true)
        case "n": return make([0x0A...0x0A], false)
        case "t": return make([0x09...0x09], false)
        case "r": return make([0x0D...0x0D], false)
        case "f": return make([0x0C...0x0C], false)
        case "v": return make([0x0B...0x0B], false)
        case "b", "B":
            throw error("word boundaries are not supported")
        case "u", "x":
            let count = scalar == "u" ? 4 : 2
            guard position + count <= pattern.count,
                  let value = UInt32(String(String.UnicodeScalarView(pattern[position..<position + count])), radix: 16) else {
                throw error("'\\\(scalar)' needs \(count) hex digits")
            }
            position += count
            return make([value...value], false)
        case "1"..."9": throw error("backreferences are not supported")
        default:
            guard !("a"..."z").contains(scalar) && !("A"..."Z").contains(scalar) else { throw error("unknown escape '\\\(scalar)'") }
            return make([scalar.value...scalar.value], false)
        }
    }

    mutating func characterClass() throws(JSONSchemaError) -> String {
        var negated = false
        if peek() == "^" { negated = true; position += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        var negatedParts: [String] = []
        var first = true
        while true {
            guard let scalar = peek() else { throw error("unclosed character class") }
            if scalar == "]" && !first { position += 1; break }
            first = false
            position += 1
            var low: UInt32
            if scalar == "\\" {
                let escaped = try escape(inClass: true)
                if escaped.negated || escaped.ranges.count != 1 || escaped.ranges[0].count != 1 {
                    if escaped.negated {
                        guard !negated else { throw error("a negated escape inside a negated class is not supported") }
                        negatedParts.append(escaped.expression)
                    } else {
                        ranges += escaped.ranges
                    }
                    continue
                }
                low = escaped.ranges[0].lowerBound
            } else {
                low = scalar.value
            }
            if peek() == "-", position + 1 < pattern.count, pattern[position + 1] != "]" {
                position += 1
                var high = pattern[position].value
                position += 1
                if high == 0x5C {  // an escaped range end
                    let escaped = try escape(inClass: true)
                    high = escaped.ranges.first?.lowerBound ?? low
                }
                guard high >= low else { throw error("character range is backwards") }
                ranges.append(low...high)
            } else {
                ranges.append(low...low)
            }
        }
        let main = Self.charset(ranges, negated: negated)
        return negatedParts.isEmpty ? main : "(" + ([main] + negatedParts).joined(separator: " | ") + ")"
    }

    /// One character of the class, as it appears inside a JSON string: unescaped where JSON
    /// allows it, `\"` `\\` and the short escapes for the rest.
    static func charset(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> String {
        let scalars = UTF8Sequences.scalars(ranges, negated: negated)
        func contains(_ value: UInt32) -> Bool { scalars.contains { $0.contains(value) } }
        var plain: [ClosedRange<UInt32>] = []
        for range in scalars {
            // The plain part leaves out '"', '\\' and control characters.
            var low = range.lowerBound
            for cut: UInt32 in [0x22, 0x5C] where range.contains(cut) {
                if low < cut { plain.append(max(low, 0x20)...(cut - 1)) }
                low = cut + 1
            }
            if low <= range.upperBound && range.upperBound >= 0x20 { plain.append(max(low, 0x20)...range.upperBound) }
        }
        plain = plain.filter { $0.lowerBound <= $0.upperBound }
        var parts: [String] = []
        if !plain.isEmpty { parts.append("[" + plain.map { classText($0) }.joined() + "]") }
        let escapes: [(UInt32, String)] = [(0x22, "\\\\\\\""), (0x5C, "\\\\\\\\"), (0x0A, "\\\\n"), (0x09, "\\\\t"), (0x0D, "\\\\r"), (0x0C, "\\\\f"), (0x08, "\\\\b")]
        for (value, text) in escapes where contains(value) { parts.append("\"" + text + "\"") }
        if parts.isEmpty { return "[^\\x00-\\U0010FFFF]" }
        return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " | ") + ")"
    }

    static func classText(_ range: ClosedRange<UInt32>) -> String {
        func one(_ value: UInt32) -> String {
            if value < 0x20 || value == 0x5D || value == 0x5C || value == 0x5E || value == 0x2D || value == 0x7F {
                return String(format8: value)
            }
            return String(Character(UnicodeScalar(value)!))
        }
        return range.lowerBound == range.upperBound ? one(range.lowerBound) : one(range.lowerBound) + "-" + one(range.upperBound)
    }
}

extension String {
    /// `\xHH`, `\uHHHH` or `\UHHHHHHHH`: a GBNF escape for `value`.
    init(format8 value: UInt32) {
        let hex = String(value, radix: 16)
        if value < 0x100 { self = "\\x" + String(repeating: "0", count: 2 - hex.count) + hex }
        else if value < 0x10000 { self = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex }
        else { self = "\\U" + String(repeating: "0", count: 8 - hex.count) + hex }
    }
}
