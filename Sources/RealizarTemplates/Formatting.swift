import Foundation

/// Python's `%` string formatting (`"%s: %d" % (a, b)`).
enum PercentFormat {
    static func format(_ format: String, _ argument: Value) throws -> String {
        var positional: [Value]
        var mapping: DictBox? = nil
        switch argument {
        case .tuple(let items): positional = items
        case .dict(let box):
            positional = [argument]
            mapping = box
        default: positional = [argument]
        }
        var next = 0
        func take() throws -> Value {
            guard next < positional.count else { throw TemplateError(.type, "not enough arguments for format string") }
            defer { next += 1 }
            return positional[next]
        }
        let s = format.scalars
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            let c = s[i]
            i += 1
            if c != "%" {
                out.append(c)
                continue
            }
            guard i < s.count else { throw TemplateError(.value, "incomplete format") }
            var value: Value? = nil
            if s[i] == "(" {
                guard let close = s[i...].firstIndex(of: ")") else { throw TemplateError(.value, "incomplete format key") }
                let key = String(scalars: s[(i + 1)..<close])
                guard let box = mapping else { throw TemplateError(.type, "format requires a mapping") }
                guard let v = box.dict.get(key) else { throw TemplateError(.value, "KeyError: '\(key)'") }
                value = v
                i = close + 1
            }
            var spec = FormatSpec()
            while i < s.count, "-+ #0".unicodeScalars.contains(s[i]) {
                switch s[i] {
                case "-": spec.align = "<"
                case "+": spec.sign = "+"
                case " ": if spec.sign != "+" { spec.sign = " " }
                case "#": spec.alternate = true
                default: spec.zeroPad = true
                }
                i += 1
            }
            if i < s.count, s[i] == "*" {
                spec.width = try FormatSpec.checked(try take().intArgument("* width"), "width")
                i += 1
            } else {
                var w = 0
                var any = false
                while i < s.count, let d = Int(String(s[i])) { w = min(w * 10 + d, Int.max / 20); i += 1; any = true }
                if any { spec.width = try FormatSpec.checked(w, "width") }
            }
            if i < s.count, s[i] == "." {
                i += 1
                if i < s.count, s[i] == "*" {
                    spec.precision = try FormatSpec.checked(try take().intArgument("* precision"), "precision")
                    i += 1
                } else {
                    var p = 0
                    while i < s.count, let d = Int(String(s[i])) { p = min(p * 10 + d, Int.max / 20); i += 1 }
                    spec.precision = try FormatSpec.checked(p, "precision")
                }
            }
            while i < s.count, "hlL".unicodeScalars.contains(s[i]) { i += 1 }
            guard i < s.count else { throw TemplateError(.value, "incomplete format") }
            let type = s[i]
            i += 1
            if type == "%" {
                out.append("%")
                continue
            }
            let v = try value ?? take()
            if case .undefined(let u) = v, !"sra".unicodeScalars.contains(type) { throw u.error }
            if spec.align == nil { spec.align = ">" }
            if spec.zeroPad, spec.align == ">", "diouxXeEfFgG".unicodeScalars.contains(type) { spec.fill = "0"; spec.align = "=" }
            let text: String
            switch type {
            case "s": text = spec.pad(truncate(PythonText.str(v), spec.precision))
            case "r", "a": text = spec.pad(truncate(PythonText.repr(v), spec.precision))
            case "c":
                if case .string(let str) = v, str.scalarCount == 1 { text = spec.pad(str) } else if let n = v.integerValue, let u = Unicode.Scalar(n) {
                    text = spec.pad(String(u))
                } else {
                    throw TemplateError(.type, "%c requires int or char")
                }
            case "d", "i", "u", "x", "X", "o":
                guard let n = v.integerValue ?? v.numberValue.map({ Int($0) }) else {
                    throw TemplateError(.type, "%\(Character(type)) format: a real number is required, not \(v.typeName)")
                }
                spec.type = type == "i" || type == "u" ? "d" : type
                var body = try spec.formatInteger(n)
                if let p = spec.precision, body.count < p { body = String(repeating: "0", count: p - body.count) + body }
                text = spec.padNumber(body, negative: n < 0)
            case "e", "E", "f", "F", "g", "G":
                guard let d = v.numberValue else {
                    throw TemplateError(.type, "must be real number, not \(v.typeName)")
                }
                spec.type = type
                text = spec.padNumber(spec.formatFloat(abs(d), defaultPrecision: 6), negative: d < 0 || (d == 0 && d.sign == .minus))
            default:
                throw TemplateError(.value, "unsupported format character '\(Character(type))'")
            }
            out.append(contentsOf: text.unicodeScalars)
        }
        // Python checks leftovers only for tuples and plain values: anything with items (a list)
        // counts as a mapping there.
        var isMappingLike = mapping != nil
        if case .list = argument { isMappingLike = true }
        if !isMappingLike, next < positional.count {
            throw TemplateError(.type, "not all arguments converted during string formatting")
        }
        return String(out)
    }

    private static func truncate(_ s: String, _ precision: Int?) -> String {
        guard let p = precision, s.scalarCount > p else { return s }
        return String(scalars: s.scalars.prefix(p))
    }
}

/// One `[[fill]align][sign][#][0][width][,][.precision][type]` specification.
struct FormatSpec {
    /// Widths and precisions beyond this are refused: `'{:>999999999999}'` must not allocate a
    /// terabyte.
    static let maxWidth = 1 << 24

    static func checked(_ n: Int, _ what: String) throws -> Int {
        if n > maxWidth { throw TemplateError(.limit, "format \(what) too large (the limit is \(maxWidth))") }
        return n
    }

    var fill: Unicode.Scalar = " "
    var align: Unicode.Scalar? = nil
    var sign: Unicode.Scalar = "-"
    var alternate = false
    var zeroPad = false
    var width: Int? = nil
    var grouping: Unicode.Scalar? = nil
    var precision: Int? = nil
    var type: Unicode.Scalar? = nil

    /// Parses the part after `:` in a `str.format` field.
    init(parsing text: String) throws {
        let s = text.scalars
        var i = 0
        let aligns: Set<Unicode.Scalar> = ["<", ">", "^", "="]
        if s.count >= 2, aligns.contains(s[1]) {
            fill = s[0]
            align = s[1]
            i = 2
        } else if s.count >= 1, aligns.contains(s[0]) {
            align = s[0]
            i = 1
        }
        if i < s.count, "+- ".unicodeScalars.contains(s[i]) { sign = s[i]; i += 1 }
        if i < s.count, s[i] == "z" { i += 1 }
        if i < s.count, s[i] == "#" { alternate = true; i += 1 }
        if i < s.count, s[i] == "0" {
            zeroPad = true
            if align == nil { fill = "0"; align = "=" }
            i += 1
        }
        var w = 0
        var any = false
        while i < s.count, let d = Int(String(s[i])) { w = min(w * 10 + d, Int.max / 20); i += 1; any = true }
        if any { width = try FormatSpec.checked(w, "width") }
        if i < s.count, s[i] == "," || s[i] == "_" { grouping = s[i]; i += 1 }
        if i < s.count, s[i] == "." {
            i += 1
            var p = 0
            any = false
            while i < s.count, let d = Int(String(s[i])) { p = min(p * 10 + d, Int.max / 20); i += 1; any = true }
            if !any { throw TemplateError(.value, "Format specifier missing precision") }
            precision = try FormatSpec.checked(p, "precision")
        }
        if i < s.count { type = s[i]; i += 1 }
        if i != s.count { throw TemplateError(.value, "Invalid format specifier '\(text)'") }
    }

    init() {}

    func pad(_ body: String, defaultAlign: Unicode.Scalar = "<") -> String {
        guard let width, body.scalarCount < width else { return body }
        let padding = width - body.scalarCount
        let f = String(fill)
        switch align ?? defaultAlign {
        case ">", "=": return String(repeating: f, count: padding) + body
        case "^":
            let left = padding / 2
            return String(repeating: f, count: left) + body + String(repeating: f, count: padding - left)
        default: return body + String(repeating: f, count: padding)
        }
    }

    /// Adds the sign and pads a number's digits (`=` alignment pads between sign and digits).
    func padNumber(_ digits: String, negative: Bool) -> String {
        let signText = negative ? "-" : sign == "+" ? "+" : sign == " " ? " " : ""
        if (align ?? ">") == "=", let width, digits.scalarCount + signText.count < width {
            return signText + String(repeating: String(fill), count: width - digits.scalarCount - signText.count) + digits
        }
        return pad(signText + digits, defaultAlign: ">")
    }

    private func group(_ digits: String) -> String {
        guard let grouping else { return digits }
        var out: [Character] = []
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(Character(String(grouping))) }
            out.append(c)
        }
        return String(out.reversed())
    }

    /// The digits of |n| in this spec's base (no sign).
    func formatInteger(_ n: Int) throws -> String {
        let magnitude = n.magnitude
        switch type {
        case "x": return (alternate ? "0x" : "") + String(magnitude, radix: 16)
        case "X": return (alternate ? "0X" : "") + String(magnitude, radix: 16).uppercased()
        case "o": return (alternate ? "0o" : "") + String(magnitude, radix: 8)
        case "b": return (alternate ? "0b" : "") + String(magnitude, radix: 2)
        default: return group(String(magnitude))
        }
    }

    /// The text of a non-negative float in this spec's style (`f`, `e`, `g`, `%`).
    func formatFloat(_ d: Double, defaultPrecision: Int) -> String {
        if d.isNaN { return type.map { "EFG".unicodeScalars.contains($0) } == true ? "NAN" : "nan" }
        if d.isInfinite { return type.map { "EFG".unicodeScalars.contains($0) } == true ? "INF" : "inf" }
        let p = precision ?? defaultPrecision
        var text: String
        switch type {
        case "f", "F": text = String(format: "%.\(p)f", d)
        case "e", "E": text = String(format: "%.\(p)\(type == "e" ? "e" : "E")", d)
        case "%": text = String(format: "%.\(p)f", d * 100) + "%"
        case "g", "G": text = String(format: "%\(alternate ? "#" : "").\(p)\(type == "g" ? "g" : "G")", d)
        default:
            // No type: like `g` but always showing a decimal point for whole numbers (repr style).
            if precision == nil { return group(PythonText.floatRepr(d)) }
            text = String(format: "%.\(max(p, 1))g", d)
            if !text.contains(".") && !text.contains("e") && !text.contains("n") { text += ".0" }
        }
        if grouping != nil, let dot = text.firstIndex(where: { !$0.isNumber }) {
            text = group(String(text[..<dot])) + text[dot...]
        } else if grouping != nil {
            text = group(text)
        }
        return text
    }
}

/// Python's `str.format(*args, **kwargs)`.
enum BraceFormat {
    static func format(_ template: String, _ arguments: Arguments, _ interpreter: Interpreter) throws -> String {
        let s = template.scalars
        var out = String.UnicodeScalarView()
        var automatic = 0
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "}" {
                guard i + 1 < s.count, s[i + 1] == "}" else { throw TemplateError(.value, "Single '}' encountered in format string") }
                out.append("}")
                i += 2
                continue
            }
            if c != "{" {
                out.append(c)
                i += 1
                continue
            }
            if i + 1 < s.count, s[i + 1] == "{" {
                out.append("{")
                i += 2
                continue
            }
            // Find the matching close brace (a spec may nest one level of braces).
            var depth = 1
            var j = i + 1
            while j < s.count, depth > 0 {
                if s[j] == "{" { depth += 1 } else if s[j] == "}" { depth -= 1 }
                if depth > 0 { j += 1 }
            }
            guard j < s.count else { throw TemplateError(.value, "Single '{' encountered in format string") }
            let field = String(scalars: s[(i + 1)..<j])
            i = j + 1
            var name = field
            var conversion: String? = nil
            var spec = ""
            if let colon = field.firstIndex(of: ":") {
                name = String(field[..<colon])
                spec = String(field[field.index(after: colon)...])
            }
            if let bang = name.firstIndex(of: "!") {
                conversion = String(name[name.index(after: bang)...])
                name = String(name[..<bang])
            }
            // Nested replacement fields inside the spec, e.g. `{:{width}}`.
            if spec.contains("{") {
                spec = try format(spec, arguments, interpreter)
            }
            var value = try resolve(name, arguments, &automatic, interpreter)
            switch conversion {
            case nil: break
            case "r", "a": value = .string(PythonText.repr(value))
            case "s": value = .string(PythonText.str(value))
            default: throw TemplateError(.value, "Unknown conversion specifier \(conversion!)")
            }
            out.append(contentsOf: try formatValue(value, spec: spec).unicodeScalars)
        }
        return String(out)
    }

    private static func resolve(_ field: String, _ arguments: Arguments, _ automatic: inout Int, _ interpreter: Interpreter) throws -> Value {
        // The first part is an index or a keyword name; then `.attr` and `[key]` parts.
        let scalars = field.scalars
        var k = 0
        while k < scalars.count, scalars[k] != ".", scalars[k] != "[" { k += 1 }
        let head = String(scalars: scalars[..<k])
        var value: Value
        if head.isEmpty {
            guard automatic < arguments.positional.count else {
                throw TemplateError(.value, "Replacement index \(automatic) out of range for positional args tuple")
            }
            value = arguments.positional[automatic]
            automatic += 1
        } else if let index = Int(head) {
            guard index < arguments.positional.count else {
                throw TemplateError(.value, "Replacement index \(index) out of range for positional args tuple")
            }
            value = arguments.positional[index]
        } else {
            guard let v = arguments.keyword(head) else { throw TemplateError(.value, "KeyError: '\(head)'") }
            value = v
        }
        while k < scalars.count {
            if scalars[k] == "." {
                var e = k + 1
                while e < scalars.count, scalars[e] != ".", scalars[e] != "[" { e += 1 }
                value = try interpreter.attribute(of: value, String(scalars: scalars[(k + 1)..<e]))
                k = e
            } else {
                guard let close = scalars[k...].firstIndex(of: "]") else { throw TemplateError(.value, "Missing ']' in format string") }
                let key = String(scalars: scalars[(k + 1)..<close])
                value = try interpreter.item(of: value, Int(key).map { .int($0) } ?? .string(key))
                k = close + 1
            }
        }
        return value
    }

    /// `format(value, spec)`.
    static func formatValue(_ value: Value, spec text: String) throws -> String {
        if text.isEmpty { return PythonText.str(value) }
        var spec = try FormatSpec(parsing: text)
        switch value.plain {
        case .string(let s):
            if let t = spec.type, t != "s" { throw TemplateError(.value, "Unknown format code '\(Character(t))' for object of type 'str'") }
            var body = s
            if let p = spec.precision, body.scalarCount > p { body = String(scalars: body.scalars.prefix(p)) }
            return spec.pad(body, defaultAlign: "<")
        case .int, .bool:
            let n = value.integerValue!
            if let t = spec.type, "eEfFgG%".unicodeScalars.contains(t) {
                return spec.padNumber(spec.formatFloat(abs(Double(n)), defaultPrecision: 6), negative: n < 0)
            }
            if spec.type == "c", let u = Unicode.Scalar(n) { return spec.pad(String(u)) }
            if case .bool(let b) = value, spec.type == nil { return spec.pad(b ? "True" : "False") }
            if spec.type == "n" { spec.type = "d" }
            return spec.padNumber(try spec.formatInteger(n), negative: n < 0)
        case .float(let d):
            if let t = spec.type, !"eEfFgGn%".unicodeScalars.contains(t) {
                throw TemplateError(.value, "Unknown format code '\(Character(t))' for object of type 'float'")
            }
            if spec.type == "n" { spec.type = "g" }
            return spec.padNumber(spec.formatFloat(abs(d), defaultPrecision: 6), negative: d < 0 || (d == 0 && d.sign == .minus))
        default:
            if spec.type != nil && spec.type != "s" { throw TemplateError(.type, "unsupported format string passed to \(value.typeName).__format__") }
            return spec.pad(PythonText.str(value), defaultAlign: "<")
        }
    }
}
