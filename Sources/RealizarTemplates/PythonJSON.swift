/// JSON text the way Python's `json.dumps` writes it, which is what Hugging Face's `tojson` filter
/// calls: `", "` and `": "` separators, non-ASCII kept, keys in insertion order, `indent` putting
/// each item on its own line.
enum PythonJSON {
    struct Options {
        var indent: String? = nil
        var itemSeparator: String? = nil
        var keySeparator: String = ": "
        var sortKeys = false
        var ensureASCII = false
        /// Larger output is refused (a big `indent` repeated on every line can explode).
        var maxBytes = Int.max
    }

    static func encode(_ value: Value, options: Options) throws -> String {
        var out = ""
        try write(value, options: options, level: 0, to: &out)
        return out
    }

    private static func write(_ value: Value, options: Options, level: Int, to out: inout String) throws {
        // Values are at most `maxValueDepth` deep, so deeper means a list contains itself.
        if level > 1000 { throw TemplateError(.value, "Circular reference detected") }
        if out.utf8.count > options.maxBytes { throw TemplateError(.limit, "string too long (the limit is \(options.maxBytes) bytes)") }
        switch value {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .float(let d): out += floatText(d)
        case .string(let s), .markup(let s): writeString(s, ascii: options.ensureASCII, to: &out)
        case .list(let box): try writeArray(box.items, options: options, level: level, to: &out)
        case .tuple(let items): try writeArray(items, options: options, level: level, to: &out)
        case .dict(let box):
            var pairs: [(String, Value)] = []
            for (k, v) in box.dict.pairs { pairs.append((try keyText(k), v)) }
            if options.sortKeys { pairs.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } }
            if pairs.isEmpty {
                out += "{}"
                return
            }
            out += "{"
            let (separator, closing) = layout(options, level: level, to: &out)
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { out += separator }
                writeString(k, ascii: options.ensureASCII, to: &out)
                out += options.keySeparator
                try write(v, options: options, level: level + 1, to: &out)
            }
            out += closing + "}"
        default:
            throw TemplateError(.type, "Object of type \(value.typeName) is not JSON serializable")
        }
    }

    /// Writes the line break after an opening bracket (with indent) and returns the separator
    /// between items and the text before the closing bracket.
    private static func layout(_ options: Options, level: Int, to out: inout String) -> (String, String) {
        guard let indent = options.indent else { return (options.itemSeparator ?? ", ", "") }
        let inner = "\n" + String(repeating: indent, count: level + 1)
        out += inner
        return ((options.itemSeparator ?? ",") + inner, "\n" + String(repeating: indent, count: level))
    }

    private static func writeArray(_ items: [Value], options: Options, level: Int, to out: inout String) throws {
        if items.isEmpty {
            out += "[]"
            return
        }
        out += "["
        let (separator, closing) = layout(options, level: level, to: &out)
        for (i, item) in items.enumerated() {
            if i > 0 { out += separator }
            try write(item, options: options, level: level + 1, to: &out)
        }
        out += closing + "]"
    }

    private static func keyText(_ key: Value) throws -> String {
        switch key {
        case .string(let s), .markup(let s): return s
        case .int(let i): return String(i)
        case .float(let d): return floatText(d)
        case .bool(let b): return b ? "true" : "false"
        case .none: return "null"
        default: throw TemplateError(.type, "keys must be str, int, float, bool or None, not \(key.typeName)")
        }
    }

    private static func floatText(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return PythonText.floatRepr(d)
    }

    private static let hexDigits = Array("0123456789abcdef".unicodeScalars)

    static func writeString(_ s: String, ascii: Bool, to out: inout String) {
        var view = String.UnicodeScalarView()
        view.append("\"")
        func appendEscapedUnit(_ unit: UInt32) {
            view.append(contentsOf: "\\u".unicodeScalars)
            for shift in stride(from: 12, through: 0, by: -4) { view.append(hexDigits[Int((unit >> UInt32(shift)) & 0xF)]) }
        }
        for c in s.unicodeScalars {
            switch c {
            case "\"": view.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": view.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": view.append(contentsOf: "\\n".unicodeScalars)
            case "\r": view.append(contentsOf: "\\r".unicodeScalars)
            case "\t": view.append(contentsOf: "\\t".unicodeScalars)
            case "\u{08}": view.append(contentsOf: "\\b".unicodeScalars)
            case "\u{0C}": view.append(contentsOf: "\\f".unicodeScalars)
            default:
                if c.value < 0x20 || (ascii && c.value > 0x7F) {
                    if c.value > 0xFFFF {
                        let v = c.value - 0x10000
                        appendEscapedUnit(0xD800 + (v >> 10))
                        appendEscapedUnit(0xDC00 + (v & 0x3FF))
                    } else {
                        appendEscapedUnit(c.value)
                    }
                } else {
                    view.append(c)
                }
            }
        }
        view.append("\"")
        out += String(view)
    }
}
