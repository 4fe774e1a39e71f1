import Foundation

/// Jinja2's builtin filters (and Hugging Face's `tojson`), by name. Collection filters are in
/// CollectionFilters.swift.
enum Filters {
    typealias Filter = @Sendable (Interpreter, Value, Arguments) throws -> Value

    static let table: [String: Filter] = stringFilters.merging(collectionFilters) { a, _ in a }

    /// Filters that read their input as text call `str()` on it first, as Jinja2's `soft_str` does.
    static func text(_ v: Value) -> String { PythonText.str(v) }

    static let stringFilters: [String: Filter] = [
        "string": { _, v, _ in .string(text(v)) },
        "safe": { _, v, _ in .markup(text(v)) },
        "pprint": { _, v, _ in .string(PythonText.repr(v)) },
        "upper": { _, v, _ in .string(text(v).uppercased()) },
        "lower": { _, v, _ in .string(text(v).lowercased()) },
        "capitalize": { _, v, _ in .string(text(v).pythonCapitalize()) },
        "title": { _, v, _ in .string(jinjaTitle(text(v))) },
        "trim": { _, v, a in
            let chars = try a.bind(["chars"], function: "trim")[0]
            return .string(text(v).pythonStrip(chars.flatMap { $0.isNone ? nil : text($0) }))
        },
        "escape": { _, v, _ in Markup.escape(v) },
        "e": { _, v, _ in Markup.escape(v) },
        "forceescape": { _, v, _ in .markup(Markup.escape(PythonText.str(v))) },
        "replace": { interpreter, v, a in
            let b = try a.bind(["old", "new", "count"], function: "replace")
            guard let old = b[0], let new = b[1] else { throw TemplateError(.type, "replace() missing required arguments 'old' and 'new'") }
            let count = try b[2].flatMap { $0.isNone ? nil : try $0.intArgument("count") } ?? -1
            return .string(try interpreter.replace(text(v), text(old), text(new), count: count))
        },
        "center": { _, v, a in
            let width = try FormatSpec.checked(try (try a.bind(["width"], function: "center")[0] ?? .int(80)).intArgument("width"), "width")
            return .string(text(v).pythonCenter(width))
        },
        "indent": { interpreter, v, a in
            // Jinja2 appends to the value first, which fails for undefined.
            if case .undefined(let u) = v { throw u.error }
            guard case .string = v else {
                throw TemplateError(.type, "unsupported operand type(s) for +=: '\(v.typeName)' and 'str'")
            }
            let b = try a.bind(["width", "first", "blank"], function: "indent")
            let indentation: String
            if case .string(let s) = b[0] {
                indentation = s
            } else {
                indentation = String(repeating: " ", count: max(0, try FormatSpec.checked(try (b[0] ?? .int(4)).intArgument("width"), "width")))
            }
            let s = text(v)
            // Every line may get the indentation: check the size before building the text.
            let lines = s.utf8.reduce(1) { $1 == 10 ? $0 + 1 : $0 }
            try interpreter.chargeString(s.utf8.count + lines * indentation.utf8.count)
            return .string(indent(s, indentation, first: b[1]?.isTruthy ?? false, blank: b[2]?.isTruthy ?? false))
        },
        "truncate": { interpreter, v, a in
            let b = try a.bind(["length", "killwords", "end", "leeway"], function: "truncate")
            // Jinja2 measures the value itself: a short enough list or undefined comes back as it is.
            switch v {
            case .string: break
            case .undefined: return v
            case .list, .tuple, .dict:
                let count = try interpreter.iterate(v).count
                if count <= (try (b[0] ?? .int(255)).intArgument("length")) + 5 { return v }
                throw TemplateError(.type, "can only truncate text, not a long \(v.typeName)")
            default: throw TemplateError(.type, "object of type '\(v.typeName)' has no len()")
            }
            let s = text(v).scalars
            let length = try (b[0] ?? .int(255)).intArgument("length")
            let end = text(b[2] ?? .string("...")).scalars
            let leeway = try (b[3].flatMap { $0.isNone ? nil : $0 } ?? .int(5)).intArgument("leeway")
            if length < end.count { throw TemplateError(.value, "expected length >= \(end.count), got \(length)") }
            if leeway < 0 { throw TemplateError(.value, "expected leeway >= 0, got \(leeway)") }
            if s.count <= length + leeway { return .string(String(scalars: s)) }
            let head = String(scalars: s.prefix(length - end.count))
            if b[1]?.isTruthy ?? false { return .string(head + String(scalars: end)) }
            let kept = try head.pythonRSplit(" ", maxSplit: 1)[0]
            return .string(kept + String(scalars: end))
        },
        "wordcount": { _, v, _ in
            var count = 0
            var inWord = false
            for c in text(v).unicodeScalars {
                let isWord = c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
                if isWord && !inWord { count += 1 }
                inWord = isWord
            }
            return .int(count)
        },
        "striptags": { _, v, _ in .string(stripTags(text(v))) },
        "format": { interpreter, v, a in
            let argument: Value
            if !a.keywords.isEmpty {
                var dict = OrderedDict()
                for (k, x) in a.keywords { dict.set(k, x) }
                argument = .dict(dict)
            } else {
                argument = .tuple(a.positional)
            }
            let result = try PercentFormat.format(text(v), argument)
            try interpreter.chargeString(result.utf8.count)
            return .string(result)
        },
        "tojson": { interpreter, v, a in
            let b = try a.bind(["ensure_ascii", "indent", "separators", "sort_keys"], function: "tojson")
            var options = PythonJSON.Options()
            options.ensureASCII = b[0]?.isTruthy ?? false
            options.maxBytes = interpreter.limits.maxValueSize
            switch b[1] {
            case .int(let n)?: options.indent = String(repeating: " ", count: max(0, n))
            case .string(let s)?: options.indent = s
            case nil, .none?: break
            case let other?: throw TemplateError(.type, "indent must be an int or a string, not \(other.typeName)")
            }
            if let separators = b[2], !separators.isNone {
                let parts = try interpreter.iterate(separators)
                guard parts.count == 2, case .string(let item) = parts[0], case .string(let key) = parts[1] else {
                    throw TemplateError(.value, "separators must be a pair of strings")
                }
                options.itemSeparator = item
                options.keySeparator = key
            }
            options.sortKeys = b[3]?.isTruthy ?? false
            let result = try PythonJSON.encode(v, options: options)
            try interpreter.chargeString(result.utf8.count)
            return .string(result)
        },
        "default": defaultFilter,
        "d": defaultFilter,
        "int": { _, v, a in
            // int(Undefined) raises instead of falling back to the default.
            if case .undefined(let u) = v { throw u.error }
            let b = try a.bind(["default", "base"], function: "int")
            return toInt(v, base: try (b[1] ?? .int(10)).intArgument("base")) ?? b[0] ?? .int(0)
        },
        "float": { _, v, a in
            if case .undefined(let u) = v { throw u.error }
            let fallback = try a.bind(["default"], function: "float")[0]
            return toFloat(v) ?? fallback ?? .float(0)
        },
        "abs": { _, v, _ in
            switch v {
            case .int(let i):
                if i == Int.min { throw Operators.overflow("abs") }
                return .int(abs(i))
            case .bool(let b): return .int(b ? 1 : 0)
            case .float(let d): return .float(abs(d))
            case .undefined(let u): throw u.error
            default: throw TemplateError(.type, "bad operand type for abs(): '\(v.typeName)'")
            }
        },
        "round": { _, v, a in
            let b = try a.bind(["precision", "method"], function: "round")
            let precision = try (b[0] ?? .int(0)).intArgument("precision")
            let method = text(b[1] ?? .string("common"))
            if case .undefined(let u) = v { throw u.error }
            guard let d = v.numberValue else { throw TemplateError(.type, "type \(v.typeName) doesn't define __round__ method") }
            switch method {
            case "common":
                // Python's round() keeps integers integral.
                if let i = v.integerValue {
                    if precision >= 0 { return .int(i) }
                    return .int(Int(pythonRound(Double(i), precision)))
                }
                return .float(pythonRound(d, precision))
            case "floor", "ceil":
                let scale = pow(10, Double(precision))
                let scaled = d * scale
                return .float((method == "floor" ? scaled.rounded(.down) : scaled.rounded(.up)) / scale)
            default: throw TemplateError(.type, "method must be common, ceil or floor")
            }
        },
        "attr": { interpreter, v, a in
            guard let name = try a.bind(["name"], function: "attr")[0] else { throw TemplateError(.type, "attr() missing argument 'name'") }
            // Python's getattr only: dict keys are not attributes.
            if case .dict = v {
                return Methods.bound(v, text(name)) ?? .undefined("'dict object' has no attribute '\(text(name))'")
            }
            return try interpreter.attribute(of: v, text(name))
        },
    ]

    private static let defaultFilter: Filter = { _, v, a in
        let b = try a.bind(["default_value", "boolean"], function: "default")
        let fallback = b[0] ?? .string("")
        if v.isUndefined { return fallback }
        if b[1]?.isTruthy ?? false, !v.isTruthy { return fallback }
        return v
    }

    /// Jinja2's `title` filter: upper-cases the first letter after `-`, whitespace or an opening
    /// bracket, lower-cases the rest of each word.
    static func jinjaTitle(_ s: String) -> String {
        var out = ""
        var atWordStart = true
        for c in s.unicodeScalars {
            let isSeparator = c == "-" || String.isPythonSpace(c) || "({[<".unicodeScalars.contains(c)
            if isSeparator {
                out.unicodeScalars.append(c)
                atWordStart = true
            } else {
                out += atWordStart ? String(c).uppercased() : String(c).lowercased()
                atWordStart = false
            }
        }
        return out
    }

    /// Jinja2's `indent`: lines after the first get the indentation; empty lines only when `blank`.
    static func indent(_ s: String, _ indentation: String, first: Bool, blank: Bool) -> String {
        let lines = splitLines(s + "\n")
        var result: String
        if blank {
            result = lines.joined(separator: "\n" + indentation)
        } else {
            result = lines.first ?? ""
            let rest = lines.dropFirst()
            if !rest.isEmpty {
                result += "\n" + rest.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n")
            }
        }
        if first { result = indentation + result }
        return result
    }

    /// Python's `str.splitlines()` without line ends.
    static func splitLines(_ s: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        let scalars = s.scalars
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029].contains(c.value) {
                if c == "\r", i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(c)
            }
            i += 1
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    static func stripTags(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var inTag = false
        var inComment = false
        let scalars = s.scalars
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if inComment {
                if c == "-", i + 2 < scalars.count, scalars[i + 1] == "-", scalars[i + 2] == ">" { inComment = false; i += 2 }
            } else if inTag {
                if c == ">" { inTag = false }
            } else if c == "<", i + 3 < scalars.count, scalars[i + 1] == "!", scalars[i + 2] == "-", scalars[i + 3] == "-" {
                inComment = true
                i += 3
            } else if c == "<", i + 1 < scalars.count, scalars[i + 1].properties.isAlphabetic || scalars[i + 1] == "/" || scalars[i + 1] == "!" {
                inTag = true
            } else {
                out.append(c)
            }
            i += 1
        }
        let collapsed = ((try? String(out).pythonSplit(nil)) ?? []).joined(separator: " ")
        return collapsed.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#34;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Python's `round(x, n)`: correctly rounded, ties to even on the exact binary value.
    static func pythonRound(_ d: Double, _ precision: Int) -> Double {
        if !d.isFinite { return d }
        if precision == 0 { return d.rounded(.toNearestOrEven) }
        if precision > 0 {
            // printf rounds the exact binary value correctly, as CPython does.
            return Double(String(format: "%.\(min(precision, 330))f", d)) ?? d
        }
        let scale = pow(10, Double(-precision))
        return (d / scale).rounded(.toNearestOrEven) * scale
    }

    /// Jinja2's `int` filter: `int(value)`, or `int(float(value))` for text like "42.5".
    static func toInt(_ v: Value, base: Int) -> Value? {
        switch v {
        case .int: return v
        case .bool(let b): return .int(b ? 1 : 0)
        case .float(let d):
            guard d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) else { return nil }
            return .int(i)
        case .string(let s):
            let t = s.pythonStrip(nil).replacingOccurrences(of: "_", with: "")
            var digits = Substring(t)
            var negative = false
            if let f = digits.first, f == "+" || f == "-" {
                negative = f == "-"
                digits = digits.dropFirst()
            }
            var radix = base
            let lower = digits.lowercased()
            if (base == 16 || base == 0) && lower.hasPrefix("0x") { digits = digits.dropFirst(2); radix = 16 }
            else if (base == 8 || base == 0) && lower.hasPrefix("0o") { digits = digits.dropFirst(2); radix = 8 }
            else if (base == 2 || base == 0) && lower.hasPrefix("0b") { digits = digits.dropFirst(2); radix = 2 }
            else if base == 0 { radix = 10 }
            if let i = Int(digits, radix: radix) { return .int(negative ? -i : i) }
            if let d = Double(t), d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) { return .int(i) }
            return nil
        default:
            return nil
        }
    }

    static func toFloat(_ v: Value) -> Value? {
        switch v {
        case .float: return v
        case .int(let i): return .float(Double(i))
        case .bool(let b): return .float(b ? 1 : 0)
        case .string(let s):
            let t = s.pythonStrip(nil).lowercased()
            switch t {
            case "nan", "+nan", "-nan": return .float(.nan)
            case "inf", "+inf", "infinity", "+infinity": return .float(.infinity)
            case "-inf", "-infinity": return .float(-.infinity)
            default: return Double(t.replacingOccurrences(of: "_", with: "")).map { .float($0) }
            }
        default:
            return nil
        }
    }
}
