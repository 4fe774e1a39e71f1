/// Splits template source into tokens the way Jinja2's lexer does, including its whitespace rules:
///
/// - Newlines are normalised to `\n` and one trailing newline of the source is dropped
///   (`keep_trailing_newline=False`).
/// - `{%-`, `{{-`, `{#-` strip all whitespace before the tag; `-%}`, `-}}`, `-#}` all whitespace after.
/// - `trim_blocks`: the first newline after a block or comment tag is removed (`+%}` keeps it).
/// - `lstrip_blocks`: spaces and tabs from the start of a line up to a block or comment tag are
///   removed (`{%+` keeps them).
struct Lexer {
    struct Options {
        var trimBlocks: Bool
        var lstripBlocks: Bool
        /// Deepest bracket nesting accepted inside a tag: deeper input fails here, before
        /// anything is built for it.
        var maxNesting: Int
    }

    private var chars: [Unicode.Scalar]
    private var pos = 0
    private var line = 1
    private var column = 1
    private let options: Options
    private var tokens: [Token] = []

    static func tokenize(_ source: String, options: Options) throws -> [Token] {
        var lexer = Lexer(source: source, options: options)
        try lexer.run()
        return lexer.tokens
    }

    private init(source: String, options: Options) {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var iterator = source.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        while let c = pending {
            pending = iterator.next()
            if c == "\r" {
                scalars.append("\n")
                if pending == "\n" { pending = iterator.next() }
            } else {
                scalars.append(c)
            }
        }
        if scalars.last == "\n" { scalars.removeLast() }
        self.chars = scalars
        self.options = options
    }

    // MARK: - Helpers

    private var location: SourceLocation { SourceLocation(line: line, column: column) }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let i = pos + offset
        return i < chars.count ? chars[i] : nil
    }

    private func matches(_ s: String, at index: Int) -> Bool {
        var i = index
        for c in s.unicodeScalars {
            guard i < chars.count, chars[i] == c else { return false }
            i += 1
        }
        return true
    }

    private mutating func advance(_ n: Int = 1) {
        for _ in 0..<n {
            guard pos < chars.count else { return }
            if chars[pos] == "\n" { line += 1; column = 1 } else { column += 1 }
            pos += 1
        }
    }

    private mutating func skipWhitespace() {
        while let c = peek(), Lexer.isSpace(c) { advance() }
    }

    private func error(_ message: String, at loc: SourceLocation? = nil) -> TemplateError {
        TemplateError(.syntax, message, at: loc ?? location)
    }

    /// Python's `\s`, which Jinja2's whitespace control strips.
    private static func isSpace(_ c: Unicode.Scalar) -> Bool { String.isPythonSpace(c) }

    // MARK: - Template data

    private enum TagKind { case variable, block, comment }

    private mutating func run() throws {
        // True when the previous token ended a line: `lstrip_blocks` may then strip text that has no
        // newline of its own.
        var lineStarting = true
        while pos < chars.count {
            // Find the next tag opener.
            var i = pos
            var kind: TagKind? = nil
            while i + 1 < chars.count {
                if chars[i] == "{" {
                    let n = chars[i + 1]
                    if n == "{" { kind = .variable; break }
                    if n == "%" { kind = .block; break }
                    if n == "#" { kind = .comment; break }
                }
                i += 1
            }
            guard let tagKind = kind else {
                emitText(Array(chars[pos...]), at: location)
                advance(chars.count - pos)
                break
            }
            var text = Array(chars[pos..<i])
            let textLocation = location
            let sign: Unicode.Scalar? = (i + 2 < chars.count && (chars[i + 2] == "-" || chars[i + 2] == "+")) ? chars[i + 2] : nil
            if sign == "-" {
                while let last = text.last, Lexer.isSpace(last) { text.removeLast() }
            } else if sign != "+", options.lstripBlocks, tagKind != .variable {
                let lineStart = (text.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
                if lineStart > 0 || lineStarting {
                    let tail = text[lineStart...]
                    if !tail.isEmpty, tail.allSatisfy(Lexer.isSpace) { text.removeSubrange(lineStart...) }
                }
            }
            emitText(text, at: textLocation)
            advance(i - pos)
            let tagLocation = location
            advance(sign == nil ? 2 : 3)

            switch tagKind {
            case .comment:
                lineStarting = try lexCommentEnd(openedAt: tagLocation)
            case .variable:
                tokens.append(Token(kind: .variableBegin, location: tagLocation))
                lineStarting = try lexTagContents(variable: true, openedAt: tagLocation)
            case .block:
                if try lexRawIfPresent(openedAt: tagLocation) {
                    lineStarting = pos > 0 && chars[pos - 1] == "\n"
                    continue
                }
                tokens.append(Token(kind: .blockBegin, location: tagLocation))
                lineStarting = try lexTagContents(variable: false, openedAt: tagLocation)
            }
        }
        tokens.append(Token(kind: .eof, location: location))
    }

    private mutating func emitText(_ text: [Unicode.Scalar], at loc: SourceLocation) {
        guard !text.isEmpty else { return }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: text)
        tokens.append(Token(kind: .text(String(s)), location: loc))
    }

    /// Applies the whitespace rule of a closing tag whose `-`/`+` sign (if any) was just consumed
    /// together with the closer. Returns whether the consumed text ended with a newline.
    private mutating func applyClosingWhitespace(sign: Unicode.Scalar?, trims: Bool) -> Bool {
        var last: Unicode.Scalar? = nil
        if sign == "-" {
            while let c = peek(), Lexer.isSpace(c) { last = c; advance() }
            return last == "\n"
        }
        if sign == nil, trims, options.trimBlocks, peek() == "\n" {
            advance()
            return true
        }
        return false
    }

    private mutating func lexCommentEnd(openedAt start: SourceLocation) throws -> Bool {
        while pos < chars.count {
            if chars[pos] == "#", peek(1) == "}" {
                let before: Unicode.Scalar? = pos > 0 ? chars[pos - 1] : nil
                let sign: Unicode.Scalar? = (before == "-" || before == "+") ? before : nil
                advance(2)
                return applyClosingWhitespace(sign: sign, trims: true)
            }
            advance()
        }
        throw error("Missing end of comment tag", at: start)
    }

    /// `{% raw %}...{% endraw %}`: everything between is text, tags included.
    private mutating func lexRawIfPresent(openedAt start: SourceLocation) throws -> Bool {
        var i = pos
        while i < chars.count, Lexer.isSpace(chars[i]) { i += 1 }
        guard matches("raw", at: i) else { return false }
        i += 3
        while i < chars.count, Lexer.isSpace(chars[i]) { i += 1 }
        var openSign: Unicode.Scalar? = nil
        if i < chars.count, chars[i] == "-" || chars[i] == "+" { openSign = chars[i]; i += 1 }
        guard matches("%}", at: i) else { return false }
        advance(i + 2 - pos)
        _ = applyClosingWhitespace(sign: openSign, trims: true)
        // Find `{%[-+]? endraw [-+]?%}`.
        let bodyLocation = location
        var j = pos
        while j + 1 < chars.count {
            if chars[j] == "{", chars[j + 1] == "%" {
                var k = j + 2
                var sign: Unicode.Scalar? = nil
                if k < chars.count, chars[k] == "-" || chars[k] == "+" { sign = chars[k]; k += 1 }
                while k < chars.count, Lexer.isSpace(chars[k]) { k += 1 }
                if matches("endraw", at: k) {
                    k += 6
                    while k < chars.count, Lexer.isSpace(chars[k]) { k += 1 }
                    var closeSign: Unicode.Scalar? = nil
                    if k < chars.count, chars[k] == "-" || chars[k] == "+" { closeSign = chars[k]; k += 1 }
                    if matches("%}", at: k) {
                        var body = Array(chars[pos..<j])
                        if sign == "-" {
                            while let last = body.last, Lexer.isSpace(last) { body.removeLast() }
                        } else if sign != "+", options.lstripBlocks {
                            let lineStart = (body.lastIndex(of: "\n").map { $0 + 1 }) ?? 0
                            let tail = body[lineStart...]
                            if lineStart > 0, !tail.isEmpty, tail.allSatisfy(Lexer.isSpace) {
                                body.removeSubrange(lineStart...)
                            }
                        }
                        emitText(body, at: bodyLocation)
                        advance(k + 2 - pos)
                        _ = applyClosingWhitespace(sign: closeSign, trims: true)
                        return true
                    }
                }
            }
            j += 1
        }
        throw error("Missing end of raw directive", at: start)
    }

    // MARK: - Inside tags

    private static let operators1: Set<Unicode.Scalar> = [
        "+", "-", "*", "/", "%", "~", "=", "<", ">", ".", ":", "|", ",", "(", ")", "[", "]", "{", "}", ";",
    ]

    /// Lexes expression tokens up to the closing `}}` or `%}`. Like Jinja2, a closer only counts
    /// when brackets are balanced, so `{{ {'a': 1}}}` works.
    private mutating func lexTagContents(variable: Bool, openedAt start: SourceLocation) throws -> Bool {
        var brackets: [Unicode.Scalar] = []
        let closer: Unicode.Scalar = variable ? "}" : "%"
        while true {
            skipWhitespace()
            guard let c = peek() else {
                throw error(variable ? "unexpected end of template, expected '}}'" : "unexpected end of template, expected '%}'", at: start)
            }
            if brackets.isEmpty {
                // `-}}`, `+%}`, `}}`, `%}`
                if (c == "-" || c == "+"), peek(1) == closer, peek(2) == "}" {
                    let loc = location
                    advance(3)
                    tokens.append(Token(kind: variable ? .variableEnd : .blockEnd, location: loc))
                    return applyClosingWhitespace(sign: c, trims: !variable)
                }
                if c == closer, peek(1) == "}" {
                    let loc = location
                    advance(2)
                    tokens.append(Token(kind: variable ? .variableEnd : .blockEnd, location: loc))
                    return applyClosingWhitespace(sign: nil, trims: !variable)
                }
            }
            let loc = location
            if c == "_" || c.properties.isXIDStart {
                var name = String.UnicodeScalarView()
                while let d = peek(), d == "_" || d.properties.isXIDContinue {
                    name.append(d)
                    advance()
                }
                tokens.append(Token(kind: .name(String(name)), location: loc))
            } else if c == "'" || c == "\"" {
                tokens.append(Token(kind: .string(try lexString(quote: c)), location: loc))
            } else if ("0"..."9").contains(c) {
                tokens.append(Token(kind: try lexNumber(), location: loc))
            } else {
                var op: String? = nil
                if let n = peek(1) {
                    switch (c, n) {
                    case ("*", "*"): op = "**"
                    case ("/", "/"): op = "//"
                    case ("=", "="): op = "=="
                    case ("!", "="): op = "!="
                    case ("<", "="): op = "<="
                    case (">", "="): op = ">="
                    default: break
                    }
                }
                if op == nil, Lexer.operators1.contains(c) { op = String(Character(c)) }
                guard let found = op else { throw error("unexpected char '\(Character(c))'") }
                advance(found.unicodeScalars.count)
                switch found {
                case "(", "[", "{":
                    brackets.append(c)
                    if brackets.count > options.maxNesting {
                        throw TemplateError(.limit, "template nested too deeply (more than \(options.maxNesting) levels)", at: loc)
                    }
                case ")", "]", "}":
                    let expected: Unicode.Scalar = found == ")" ? "(" : found == "]" ? "[" : "{"
                    guard let open = brackets.popLast() else { throw error("unexpected '\(found)'", at: loc) }
                    if open != expected { throw error("unexpected '\(found)'", at: loc) }
                default: break
                }
                tokens.append(Token(kind: .op(found), location: loc))
            }
        }
    }

    /// String literals use Python escapes (`\n`, `\t`, `\\`, `\'`, `\"`, `\xHH`, `\uHHHH`,
    /// `\UHHHHHHHH`, octal); an unknown escape keeps its backslash, as Python's `unicode-escape` does.
    private mutating func lexString(quote: Unicode.Scalar) throws -> String {
        let start = location
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw error("unexpected end of string", at: start) }
            advance()
            if c == quote { break }
            if c != "\\" { out.append(c); continue }
            guard let e = peek() else { throw error("unexpected end of string", at: start) }
            advance()
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\n": break
            case "x", "u", "U":
                let count = e == "x" ? 2 : e == "u" ? 4 : 8
                var value: UInt32 = 0
                for _ in 0..<count {
                    guard let h = peek(), let d = Int(String(Character(h)), radix: 16) else {
                        throw error("truncated \\\(Character(e)) escape")
                    }
                    value = value * 16 + UInt32(d)
                    advance()
                }
                guard let scalar = Unicode.Scalar(value) else { throw error("invalid escape value") }
                out.append(scalar)
            case "0"..."7":
                var value = UInt32(e.value - 48)
                var n = 1
                while n < 3, let d = peek(), ("0"..."7").contains(d) {
                    value = value * 8 + (d.value - 48)
                    advance()
                    n += 1
                }
                out.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            default:
                out.append("\\")
                out.append(e)
            }
        }
        return String(out)
    }

    private mutating func lexNumber() throws -> TokenKind {
        let loc = location
        func digits(_ valid: (Unicode.Scalar) -> Bool) -> String {
            var s = ""
            while let c = peek(), valid(c) || (c == "_" && peek(1).map(valid) == true) {
                if c != "_" { s.unicodeScalars.append(c) }
                advance()
            }
            return s
        }
        let isDecimal: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
        if peek() == "0", let p = peek(1), "xXoObB".unicodeScalars.contains(p) {
            advance(2)
            let radix: Int
            let valid: (Unicode.Scalar) -> Bool
            switch p {
            case "x", "X": radix = 16; valid = { $0.properties.isASCIIHexDigit }
            case "o", "O": radix = 8; valid = { ("0"..."7").contains($0) }
            default: radix = 2; valid = { $0 == "0" || $0 == "1" }
            }
            guard let v = Int(digits(valid), radix: radix) else { throw error("invalid number", at: loc) }
            return .integer(v)
        }
        var text = digits(isDecimal)
        var isFloat = false
        if peek() == ".", let d = peek(1), isDecimal(d) {
            isFloat = true
            advance()
            text += "." + digits(isDecimal)
        }
        if let e = peek(), e == "e" || e == "E" {
            var k = 1
            if let s = peek(1), s == "+" || s == "-" { k = 2 }
            if let d = peek(k), isDecimal(d) {
                isFloat = true
                text += "e"
                if k == 2 { text.unicodeScalars.append(peek(1)!) }
                advance(k)
                text += digits(isDecimal)
            }
        }
        if isFloat {
            guard let d = Double(text) else { throw error("invalid number", at: loc) }
            return .float(d)
        }
        guard let v = Int(text) else { throw error("integer literal too large", at: loc) }
        return .integer(v)
    }
}
