import Foundation

/// How Python turns values into text: `str()` for printing, `repr()` inside containers.
enum PythonText {
    /// `str(value)`, which is what `{{ value }}` prints.
    static func str(_ value: Value) -> String {
        switch value {
        case .string(let s), .markup(let s): return s
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return floatRepr(d)
        default: return repr(value)
        }
    }

    /// `repr(value)`.
    static func repr(_ value: Value) -> String {
        var out = ""
        var open: [ObjectIdentifier] = []
        appendRepr(value, to: &out, open: &open)
        return out
    }

    /// `open` holds the containers being printed: one met again inside itself prints as `[...]`
    /// or `{...}`, as in Python.
    private static func appendRepr(_ value: Value, to out: inout String, open: inout [ObjectIdentifier]) {
        switch value {
        case .string(let s): out += stringRepr(s)
        case .markup(let s): out += "Markup(" + stringRepr(s) + ")"
        case .undefined: out += "Undefined"
        case .none, .bool, .int, .float: out += str(value)
        case .list(let box):
            let id = ObjectIdentifier(box)
            if open.contains(id) {
                out += "[...]"
                return
            }
            open.append(id)
            defer { open.removeLast() }
            out += "["
            for (i, item) in box.items.enumerated() {
                if i > 0 { out += ", " }
                appendRepr(item, to: &out, open: &open)
            }
            out += "]"
        case .tuple(let items):
            out += "("
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                appendRepr(item, to: &out, open: &open)
            }
            out += items.count == 1 ? ",)" : ")"
        case .dict(let box):
            appendDictRepr(box, to: &out, open: &open)
        case .namespace(let box):
            out += "<Namespace "
            appendDictRepr(box, to: &out, open: &open)
            out += ">"
        case .callable(let c):
            out += c.isMacro ? "<Macro '\(c.name)'>" : "<built-in function \(c.name)>"
        case .object(let o):
            out += o.repr
        }
    }

    private static func appendDictRepr(_ box: DictBox, to out: inout String, open: inout [ObjectIdentifier]) {
        let id = ObjectIdentifier(box)
        if open.contains(id) {
            out += "{...}"
            return
        }
        open.append(id)
        defer { open.removeLast() }
        out += "{"
        for (i, (k, v)) in box.dict.pairs.enumerated() {
            if i > 0 { out += ", " }
            appendRepr(k, to: &out, open: &open)
            out += ": "
            appendRepr(v, to: &out, open: &open)
        }
        out += "}"
    }

    /// Python's `repr(str)`: single quotes unless the text has a single quote and no double quote;
    /// non-printable characters escaped.
    static func stringRepr(_ s: String) -> String {
        let quote: Unicode.Scalar = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
        var out = String.UnicodeScalarView()
        out.append(quote)
        for c in s.unicodeScalars {
            switch c {
            case quote, "\\":
                out.append("\\")
                out.append(c)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            default:
                if isPrintable(c) {
                    out.append(c)
                } else if c.value < 0x100 {
                    out.append(contentsOf: String(format: "\\x%02x", c.value).unicodeScalars)
                } else if c.value < 0x10000 {
                    out.append(contentsOf: String(format: "\\u%04x", c.value).unicodeScalars)
                } else {
                    out.append(contentsOf: String(format: "\\U%08x", c.value).unicodeScalars)
                }
            }
        }
        out.append(quote)
        return String(out)
    }

    /// Python's `str.isprintable()` for one character.
    static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        if c == " " { return true }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    /// Python's `repr(float)`: the shortest text that reads back as the same number, in fixed
    /// notation for exponents from -4 to 15 and scientific notation (`1e+16`, `1e-05`) outside.
    static func floatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description is also the shortest round-trip text; take its digits and exponent.
        var text = "\(abs(d))"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        var digits = ""
        var pointPosition = 0
        if let dot = text.firstIndex(of: ".") {
            let intPart = text[..<dot]
            let fracPart = text[text.index(after: dot)...]
            digits = String(intPart) + fracPart
            pointPosition = intPart.count
        } else {
            digits = text
            pointPosition = text.count
        }
        // Normalise: strip leading zeros (moving the point) and trailing zeros.
        while digits.count > 1, digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        // The value is 0.DIGITS × 10^decpt.
        let decpt = pointPosition + exponent
        var out = d < 0 ? "-" : ""
        if decpt > -4 && decpt <= 16 {
            if decpt <= 0 {
                out += "0." + String(repeating: "0", count: -decpt) + digits
            } else if decpt >= digits.count {
                out += digits + String(repeating: "0", count: decpt - digits.count) + ".0"
            } else {
                let i = digits.index(digits.startIndex, offsetBy: decpt)
                out += digits[..<i] + "." + digits[i...]
            }
        } else {
            out += String(digits.first!)
            if digits.count > 1 { out += "." + digits.dropFirst() }
            let e = decpt - 1
            out += (e < 0 ? "e-" : "e+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
        }
        return out
    }
}

/// Substring search over code points (Foundation's searches work on UTF-16 and may return
/// indexes inside a character, which Swift then rounds).
enum ScalarSearch {
    static func find(_ needle: [Unicode.Scalar], in haystack: [Unicode.Scalar], from start: Int) -> Int? {
        if needle.isEmpty { return start <= haystack.count ? start : nil }
        guard haystack.count >= needle.count else { return nil }
        let first = needle[0]
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}

/// Python string operations that work on code points (Swift's `String` counts grapheme clusters,
/// Python counts code points: `len`, indexes and slices must agree with Python).
extension String {
    var scalarCount: Int { unicodeScalars.count }

    var scalars: [Unicode.Scalar] { Array(unicodeScalars) }

    init(scalars: some Sequence<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self = String(view)
    }

    /// Python's `str.isspace()` set of whitespace.
    static func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    func pythonStrip(_ chars: String?, leading: Bool = true, trailing: Bool = true) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let isStripped: (Unicode.Scalar) -> Bool = { c in set.map { $0.contains(c) } ?? String.isPythonSpace(c) }
        let s = scalars
        var start = 0
        var end = s.count
        if leading { while start < end, isStripped(s[start]) { start += 1 } }
        if trailing { while end > start, isStripped(s[end - 1]) { end -= 1 } }
        return String(scalars: s[start..<end])
    }

    /// Python's `str.split(sep, maxsplit)`; with no separator, splits on runs of whitespace.
    func pythonSplit(_ separator: String?, maxSplit: Int = -1) throws -> [String] {
        let s = scalars
        if let separator {
            let sep = separator.scalars
            if sep.isEmpty { throw TemplateError(.value, "empty separator") }
            var parts: [String] = []
            var start = 0
            while maxSplit < 0 || parts.count < maxSplit, let i = ScalarSearch.find(sep, in: s, from: start) {
                parts.append(String(scalars: s[start..<i]))
                start = i + sep.count
            }
            parts.append(String(scalars: s[start...]))
            return parts
        }
        var parts: [String] = []
        var i = 0
        while i < s.count {
            while i < s.count, String.isPythonSpace(s[i]) { i += 1 }
            if i == s.count { break }
            if maxSplit >= 0, parts.count == maxSplit {
                var end = s.count
                while end > i, String.isPythonSpace(s[end - 1]) { end -= 1 }
                parts.append(String(scalars: s[i..<end]))
                return parts
            }
            let start = i
            while i < s.count, !String.isPythonSpace(s[i]) { i += 1 }
            parts.append(String(scalars: s[start..<i]))
        }
        return parts
    }

    /// Python's `str.rsplit(sep, maxsplit)`.
    func pythonRSplit(_ separator: String?, maxSplit: Int = -1) throws -> [String] {
        if maxSplit < 0 { return try pythonSplit(separator) }
        // Splitting from the right is splitting the reversed text by the reversed separator.
        let reversedText = String(scalars: scalars.reversed())
        let reversedSeparator = separator.map { String(scalars: $0.scalars.reversed()) }
        let parts = try reversedText.pythonSplit(reversedSeparator, maxSplit: maxSplit)
        return parts.reversed().map { String(scalars: $0.scalars.reversed()) }
    }

    /// Python's `str.replace(old, new, count)`, including the empty-`old` case.
    func pythonReplace(_ old: String, _ new: String, count: Int = -1) -> String {
        let s = scalars
        let o = old.scalars
        var out = String.UnicodeScalarView()
        var n = 0
        if o.isEmpty {
            for c in s {
                if count < 0 || n < count { out.append(contentsOf: new.unicodeScalars); n += 1 }
                out.append(c)
            }
            if count < 0 || n < count { out.append(contentsOf: new.unicodeScalars) }
            return String(out)
        }
        var start = 0
        while count < 0 || n < count, let i = ScalarSearch.find(o, in: s, from: start) {
            out.append(contentsOf: s[start..<i])
            out.append(contentsOf: new.unicodeScalars)
            start = i + o.count
            n += 1
        }
        out.append(contentsOf: s[start...])
        return String(out)
    }

    /// Python's `str.find` / `str.rfind`: the code-point index of an occurrence, or -1.
    func pythonFind(_ needle: String, reverse: Bool = false, start: Int = 0, end: Int? = nil) -> Int {
        let s = scalars
        let n = needle.scalars
        let lo = Swift.max(0, start < 0 ? s.count + start : start)
        let hi = Swift.min(s.count, end.map { $0 < 0 ? s.count + $0 : $0 } ?? s.count)
        if lo > hi { return -1 }
        if reverse {
            var i = hi - n.count
            while i >= lo {
                if s[i..<(i + n.count)].elementsEqual(n) { return i }
                i -= 1
            }
            return -1
        }
        guard let i = ScalarSearch.find(n, in: Array(s[..<hi]), from: lo) else { return -1 }
        return i
    }

    /// Python's `str.count` (non-overlapping).
    func pythonCount(_ needle: String) -> Int {
        let s = scalars
        let n = needle.scalars
        if n.isEmpty { return s.count + 1 }
        var count = 0
        var start = 0
        while let i = ScalarSearch.find(n, in: s, from: start) {
            count += 1
            start = i + n.count
        }
        return count
    }

    func pythonContains(_ needle: String) -> Bool {
        needle.isEmpty || ScalarSearch.find(needle.scalars, in: scalars, from: 0) != nil
    }

    /// Python's `str.center`, which puts the odd space on the left when the width is odd.
    func pythonCenter(_ width: Int, fill: String = " ") -> String {
        let count = scalarCount
        guard width > count else { return self }
        let margin = width - count
        let left = margin / 2 + (margin & width & 1)
        return String(repeating: fill, count: left) + self + String(repeating: fill, count: margin - left)
    }

    func pythonHasPrefix(_ p: String) -> Bool { p.isEmpty || unicodeScalars.starts(with: p.unicodeScalars) }

    func pythonHasSuffix(_ p: String) -> Bool { p.isEmpty || unicodeScalars.reversed().starts(with: p.unicodeScalars.reversed()) }

    /// Python's `str.title()`: a letter after a non-letter is upper-cased, other letters lower-cased.
    func pythonTitle() -> String {
        var out = ""
        var previousCased = false
        for c in unicodeScalars {
            let s = String(c)
            if c.properties.isCased || c.properties.isAlphabetic {
                out += previousCased ? s.lowercased() : s.uppercased()
                previousCased = true
            } else {
                out += s
                previousCased = false
            }
        }
        return out
    }

    /// Python's `str.capitalize()`: first character upper-cased, the rest lower-cased.
    func pythonCapitalize() -> String {
        guard let first = unicodeScalars.first else { return self }
        return String(first).uppercased() + String(scalars: unicodeScalars.dropFirst()).lowercased()
    }
}
