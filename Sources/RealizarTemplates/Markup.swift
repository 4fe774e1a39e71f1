/// MarkupSafe's escaping, used by `|escape` and by operations on Markup values.
enum Markup {
    /// Replaces `& < > " '` with HTML entities, as `markupsafe.escape` does.
    static func escape(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            switch c {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&#34;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(c)
            }
        }
        return String(out)
    }

    /// `escape(value)`: Markup stays as it is, anything else is printed and escaped.
    static func escape(_ value: Value) -> Value {
        if case .markup = value { return value }
        return .markup(escape(PythonText.str(value)))
    }

    /// The arguments of `markup % args`: string arguments are escaped before formatting.
    static func escapeArguments(_ value: Value) -> Value {
        switch value {
        case .string(let s): return .markup(escape(s))
        case .tuple(let items): return .tuple(items.map(escapeArguments))
        case .dict(let box):
            var d = OrderedDict()
            for (k, v) in box.dict.pairs { try? d.set(k, escapeArguments(v)) }
            return .dict(d)
        default: return value
        }
    }
}

extension Value {
    var isMarkup: Bool {
        if case .markup = self { return true }
        return false
    }

    /// A string result turned into Markup (for operations on Markup that return Markup).
    var asMarkup: Value {
        if case .string(let s) = self { return .markup(s) }
        return self
    }
}
