/// llama.cpp's GBNF grammar syntax: `name ::= alternatives` rules, `|`, parentheses, `*` `+` `?`
/// `{m}` `{m,}` `{m,n}`, string literals, character classes (`[a-z]`, `[^"\\]`), `.` and `#`
/// comments. Rules may span lines; a new rule starts where a name is followed by `::=`.
extension Grammar {
    /// Parses GBNF source; the start rule is `root`. Errors name the line and column.
    public init(gbnf source: String) throws(GrammarError) {
        var parser = GBNFParser(source)
        self = try parser.parseGrammar()
    }
}

struct GBNFParser {
    let text: [UInt8]
    var position = 0

    init(_ source: String) { text = Array(source.utf8) }

    mutating func parseGrammar() throws(GrammarError) -> Grammar {
        var rules: [(name: String, body: GrammarExpression)] = []
        var defined: [String: Int] = [:]
        var references: [(name: String, at: Int)] = []
        skipSpace()
        while position < text.count {
            let start = position
            guard let name = parseName() else { throw error("expected a rule name (letters, digits, '-' or '_')") }
            skipSpace()
            guard consume("::=") else { throw error("expected '::=' after rule name '\(name)'") }
            if defined[name] != nil { throw error("rule '\(name)' is defined twice", at: start) }
            skipSpace()
            let body = try parseAlternatives(nested: false, references: &references)
            defined[name] = rules.count
            rules.append((name, body))
            skipSpace()
        }
        for reference in references where defined[reference.name] == nil {
            throw error("rule '\(reference.name)' is used but never defined", at: reference.at)
        }
        guard defined["root"] != nil else { throw GrammarError("the grammar has no 'root' rule (the one a match starts from)") }
        return Grammar(rules: rules, root: "root")
    }

    // MARK: Expressions

    mutating func parseAlternatives(nested: Bool, references: inout [(name: String, at: Int)]) throws(GrammarError) -> GrammarExpression {
        var choices = [try parseSequence(nested: nested, references: &references)]
        while peek() == UInt8(ascii: "|") {
            position += 1
            skipSpace()
            choices.append(try parseSequence(nested: nested, references: &references))
        }
        return choices.count == 1 ? choices[0] : .choice(choices)
    }

    mutating func parseSequence(nested: Bool, references: inout [(name: String, at: Int)]) throws(GrammarError) -> GrammarExpression {
        var items: [GrammarExpression] = []
        while let byte = peek() {
            if byte == UInt8(ascii: "|") || byte == UInt8(ascii: ")") { break }
            if !nested && startsRule() { break }
            var item = try parsePrimary(references: &references)
            item = try parsePostfix(item)
            items.append(item)
            skipSpace()
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func parsePrimary(references: inout [(name: String, at: Int)]) throws(GrammarError) -> GrammarExpression {
        let start = position
        switch peek()! {
        case UInt8(ascii: "\""):
            position += 1
            var bytes: [UInt8] = []
            while true {
                guard let byte = peek() else { throw error("unterminated string literal", at: start) }
                if byte == UInt8(ascii: "\"") { position += 1; break }
                if byte == UInt8(ascii: "\n") { throw error("unterminated string literal (a newline inside it)", at: start) }
                if byte == UInt8(ascii: "\\") {
                    appendUTF8(try parseEscape(), to: &bytes)
                } else {
                    bytes.append(byte)
                    position += 1
                }
            }
            return .literal(bytes)
        case UInt8(ascii: "["):
            position += 1
            var negated = false
            if peek() == UInt8(ascii: "^") { negated = true; position += 1 }
            var ranges: [ClosedRange<UInt32>] = []
            while true {
                guard let byte = peek() else { throw error("unterminated character class", at: start) }
                if byte == UInt8(ascii: "]") { position += 1; break }
                let low = try parseClassCharacter()
                var high = low
                if peek() == UInt8(ascii: "-"), position + 1 < text.count, text[position + 1] != UInt8(ascii: "]") {
                    position += 1
                    high = try parseClassCharacter()
                    guard high >= low else { throw error("character range is backwards (end before start)", at: start) }
                }
                ranges.append(low...high)
            }
            return .characters(ranges, negated: negated)
        case UInt8(ascii: "."):
            position += 1
            return .anyCharacter
        case UInt8(ascii: "("):
            position += 1
            skipSpace()
            let inner = try parseAlternatives(nested: true, references: &references)
            guard peek() == UInt8(ascii: ")") else { throw error("expected ')' to close the group opened", at: start) }
            position += 1
            return inner
        case UInt8(ascii: "<"):
            throw error("token references (<...>) are not supported; write the text as a string literal")
        default:
            guard let name = parseName() else {
                throw error("unexpected character '\(String(decoding: [text[position]], as: UTF8.self))'")
            }
            references.append((name, start))
            return .rule(name)
        }
    }

    mutating func parsePostfix(_ item: GrammarExpression) throws(GrammarError) -> GrammarExpression {
        var item = item
        while true {
            // Postfix operators bind to the item right before them; spaces may not separate them.
            switch peek() {
            case UInt8(ascii: "*"): position += 1; item = .repeated(item, min: 0, max: nil)
            case UInt8(ascii: "+"): position += 1; item = .repeated(item, min: 1, max: nil)
            case UInt8(ascii: "?"): position += 1; item = .repeated(item, min: 0, max: 1)
            case UInt8(ascii: "{"):
                let start = position
                position += 1
                skipSpace()
                let low = parseNumber()
                skipSpace()
                var high = low
                if peek() == UInt8(ascii: ",") {
                    position += 1
                    skipSpace()
                    high = parseNumber()
                    skipSpace()
                }
                guard peek() == UInt8(ascii: "}") else { throw error("expected '}' to close the repetition count", at: start) }
                position += 1
                let minimum = low ?? 0
                if low == nil && high == nil { throw error("a repetition count needs a number: {m}, {m,}, {m,n} or {,n}", at: start) }
                if let high, high < minimum { throw error("repetition maximum \(high) is below the minimum \(minimum)", at: start) }
                if minimum > 10_000 || (high ?? 0) > 10_000 { throw error("repetition counts above 10000 are not supported", at: start) }
                item = .repeated(item, min: minimum, max: high)
            default:
                return item
            }
        }
    }

    mutating func parseNumber() -> Int? {
        var value: Int?
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            value = min(1_000_000, (value ?? 0) * 10 + Int(byte - UInt8(ascii: "0")))
            position += 1
        }
        return value
    }

    mutating func parseClassCharacter() throws(GrammarError) -> UInt32 {
        if peek() == UInt8(ascii: "\\") { return try parseEscape() }
        return try decodeScalar()
    }

    /// An escape after a backslash: `\n \r \t \\ \" \[ \] \xHH \uHHHH \UHHHHHHHH` and friends.
    mutating func parseEscape() throws(GrammarError) -> UInt32 {
        let start = position
        position += 1
        guard let byte = peek() else { throw error("a backslash at the end of the grammar", at: start) }
        position += 1
        switch byte {
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "0"): return 0
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = byte == UInt8(ascii: "x") ? 2 : (byte == UInt8(ascii: "u") ? 4 : 8)
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let digit = peek().flatMap(Self.hexValue) else {
                    throw error("'\\\(Character(UnicodeScalar(byte)))' needs \(digits) hex digits", at: start)
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            guard value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else { throw error("escape is not a Unicode scalar value", at: start) }
            return value
        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: "-"), UInt8(ascii: "^"), UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "|"):
            return UInt32(byte)
        default:
            throw error("unknown escape '\\\(String(decoding: [byte], as: UTF8.self))'", at: start)
        }
    }

    mutating func decodeScalar() throws(GrammarError) -> UInt32 {
        let first = text[position]
        let length = first < 0x80 ? 1 : first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : 2
        guard position + length <= text.count else { throw error("invalid UTF-8") }
        let scalar = String(decoding: text[position..<position + length], as: UTF8.self).unicodeScalars.first!.value
        position += length
        return scalar
    }

    // MARK: Lexing

    func peek() -> UInt8? { position < text.count ? text[position] : nil }

    mutating func consume(_ word: String) -> Bool {
        let bytes = Array(word.utf8)
        guard position + bytes.count <= text.count, Array(text[position..<position + bytes.count]) == bytes else { return false }
        position += bytes.count
        return true
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    mutating func parseName() -> String? {
        let start = position
        while let byte = peek(), Self.isNameByte(byte) { position += 1 }
        return position > start ? String(decoding: text[start..<position], as: UTF8.self) : nil
    }

    /// Whether a rule definition (`name ::=`) starts here, which ends the rule before it.
    func startsRule() -> Bool {
        var probe = self
        guard probe.parseName() != nil else { return false }
        while let byte = probe.peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { probe.position += 1 }
        return probe.consume("::=")
    }

    mutating func skipSpace() {
        while let byte = peek() {
            if byte == UInt8(ascii: "#") {
                while let byte = peek(), byte != UInt8(ascii: "\n") { position += 1 }
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                position += 1
            } else {
                return
            }
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: Array(String(Character(UnicodeScalar(scalar)!)).utf8))
    }

    func error(_ message: String, at offset: Int? = nil) -> GrammarError {
        let offset = min(offset ?? position, text.count)
        var line = 1
        var lineStart = 0
        for index in 0..<offset where text[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        // Columns count characters, not bytes.
        let column = String(decoding: text[lineStart..<offset], as: UTF8.self).count + 1
        return GrammarError(message, line: line, column: column)
    }
}
