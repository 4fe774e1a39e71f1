/// The Python methods of `str`, `list` and `dict` that chat templates call
/// (`message.content.strip()`, `tool.get('name')`, `ns.items.append(x)`, ...).
enum Methods {
    typealias Method = @Sendable (Interpreter, Value, Arguments) throws -> Value

    /// The bound method `object.name`, or nil when the type has no such method.
    static func bound(_ object: Value, _ name: String) -> Value? {
        let table: [String: Method]
        switch object {
        case .markup:
            // Markup's methods work on the text; those MarkupSafe wraps return Markup again.
            guard let method = stringMethods[name] else { return nil }
            let wraps = markupWrapped.contains(name)
            return .callable(Callable(name) { interpreter, arguments in
                let result = try method(interpreter, object.plain, arguments.plain)
                return wraps ? result.asMarkup : result
            })
        case .string: table = stringMethods
        case .list: table = listMethods
        case .tuple: table = tupleMethods
        case .dict: table = dictMethods
        default: return nil
        }
        guard let method = table[name] else { return nil }
        if case .string = object {
            return .callable(Callable(name) { interpreter, arguments in try method(interpreter, object, arguments.plain) })
        }
        return .callable(Callable(name) { interpreter, arguments in try method(interpreter, object, arguments) })
    }

    private static func string(_ v: Value) -> String {
        if case .string(let s) = v { return s }
        return ""
    }

    private static let markupWrapped: Set<String> = [
        "capitalize", "title", "lower", "upper", "replace", "ljust", "rjust", "lstrip", "rstrip", "center", "strip",
        "swapcase", "zfill", "format", "join",
    ]

    /// `chars` argument of strip methods: None means whitespace.
    private static func optionalString(_ v: Value?, _ what: String) throws -> String? {
        guard let v else { return nil }
        if case .none = v { return nil }
        return try v.stringArgument(what)
    }

    private static func prefixTest(_ s: String, _ arguments: Arguments, _ name: String, _ test: (String, String) -> Bool) throws -> Value {
        let bound = try arguments.bind(["prefix", "start", "end"], function: name)
        guard let prefix = bound[0] else { throw TemplateError(.type, "\(name)() takes at least 1 argument (0 given)") }
        var text = s
        if bound[1] != nil || bound[2] != nil {
            text = PythonText.str(try Interpreter.sliceString(s, bound[1], bound[2]))
        }
        switch prefix {
        case .string(let p): return .bool(test(text, p))
        case .tuple(let items):
            return .bool(try items.contains { test(text, try $0.stringArgument("\(name) first arg")) })
        default:
            throw TemplateError(.type, "\(name) first arg must be str or a tuple of str, not \(prefix.typeName)")
        }
    }

    private static func justify(_ s: String, _ arguments: Arguments, _ name: String, _ align: Unicode.Scalar) throws -> Value {
        let bound = try arguments.bind(["width", "fillchar"], function: name)
        let width = try FormatSpec.checked(try (bound[0] ?? .int(0)).intArgument("width"), "width")
        let fill = try bound[1].map { try $0.stringArgument("fillchar") } ?? " "
        var spec = FormatSpec()
        spec.width = width
        spec.align = align
        spec.fill = fill.unicodeScalars.first ?? " "
        return .string(spec.pad(s))
    }

    static let stringMethods: [String: Method] = [
        "strip": { _, v, a in .string(string(v).pythonStrip(try optionalString(try a.bind(["chars"], function: "strip")[0], "strip arg"))) },
        "lstrip": { _, v, a in
            .string(string(v).pythonStrip(try optionalString(try a.bind(["chars"], function: "lstrip")[0], "lstrip arg"), trailing: false))
        },
        "rstrip": { _, v, a in
            .string(string(v).pythonStrip(try optionalString(try a.bind(["chars"], function: "rstrip")[0], "rstrip arg"), leading: false))
        },
        "split": { _, v, a in
            let b = try a.bind(["sep", "maxsplit"], function: "split")
            let parts = try string(v).pythonSplit(try optionalString(b[0], "sep"), maxSplit: try (b[1] ?? .int(-1)).intArgument("maxsplit"))
            return .list(parts.map { .string($0) })
        },
        "rsplit": { _, v, a in
            let b = try a.bind(["sep", "maxsplit"], function: "rsplit")
            let parts = try string(v).pythonRSplit(try optionalString(b[0], "sep"), maxSplit: try (b[1] ?? .int(-1)).intArgument("maxsplit"))
            return .list(parts.map { .string($0) })
        },
        "splitlines": { _, v, a in
            let keep = try a.bind(["keepends"], function: "splitlines")[0]?.isTruthy ?? false
            var lines: [Value] = []
            var current = String.UnicodeScalarView()
            let scalars = string(v).scalars
            var i = 0
            while i < scalars.count {
                let c = scalars[i]
                let isBreak = [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029].contains(c.value)
                if isBreak {
                    var ending = String.UnicodeScalarView([c])
                    if c == "\r", i + 1 < scalars.count, scalars[i + 1] == "\n" {
                        ending.append("\n")
                        i += 1
                    }
                    if keep { current.append(contentsOf: ending) }
                    lines.append(.string(String(current)))
                    current = String.UnicodeScalarView()
                } else {
                    current.append(c)
                }
                i += 1
            }
            if !current.isEmpty { lines.append(.string(String(current))) }
            return .list(lines)
        },
        "startswith": { _, v, a in try prefixTest(string(v), a, "startswith") { $0.pythonHasPrefix($1) } },
        "endswith": { _, v, a in try prefixTest(string(v), a, "endswith") { $0.pythonHasSuffix($1) } },
        "replace": { interpreter, v, a in
            let b = try a.bind(["old", "new", "count"], function: "replace")
            guard let old = b[0], let new = b[1] else { throw TemplateError(.type, "replace() takes at least 2 arguments") }
            return .string(try interpreter.replace(
                string(v), try old.stringArgument("replace() argument 1"), try new.stringArgument("replace() argument 2"),
                count: try (b[2] ?? .int(-1)).intArgument("count")))
        },
        "upper": { _, v, _ in .string(string(v).uppercased()) },
        "lower": { _, v, _ in .string(string(v).lowercased()) },
        "casefold": { _, v, _ in .string(string(v).lowercased()) },
        "title": { _, v, _ in .string(string(v).pythonTitle()) },
        "capitalize": { _, v, _ in .string(string(v).pythonCapitalize()) },
        "swapcase": { _, v, _ in
            .string(string(v).unicodeScalars.map { c in
                let s = String(c)
                return c.properties.isUppercase ? s.lowercased() : c.properties.isLowercase ? s.uppercased() : s
            }.joined())
        },
        "find": { _, v, a in
            let b = try a.bind(["sub", "start", "end"], function: "find")
            guard let sub = b[0] else { throw TemplateError(.type, "find() takes at least 1 argument (0 given)") }
            return .int(string(v).pythonFind(try sub.stringArgument("find() argument"), start: try b[1]?.intArgument("start") ?? 0, end: try b[2]?.intArgument("end")))
        },
        "rfind": { _, v, a in
            let b = try a.bind(["sub", "start", "end"], function: "rfind")
            guard let sub = b[0] else { throw TemplateError(.type, "rfind() takes at least 1 argument (0 given)") }
            return .int(string(v).pythonFind(try sub.stringArgument("rfind() argument"), reverse: true, start: try b[1]?.intArgument("start") ?? 0, end: try b[2]?.intArgument("end")))
        },
        "index": { _, v, a in
            let sub = try (try a.bind(["sub"], function: "index")[0] ?? .undefined("missing argument")).stringArgument("index() argument")
            let i = string(v).pythonFind(sub)
            if i < 0 { throw TemplateError(.value, "substring not found") }
            return .int(i)
        },
        "rindex": { _, v, a in
            let sub = try (try a.bind(["sub"], function: "rindex")[0] ?? .undefined("missing argument")).stringArgument("rindex() argument")
            let i = string(v).pythonFind(sub, reverse: true)
            if i < 0 { throw TemplateError(.value, "substring not found") }
            return .int(i)
        },
        "count": { _, v, a in
            let sub = try (try a.bind(["sub"], function: "count")[0] ?? .undefined("missing argument")).stringArgument("count() argument")
            return .int(string(v).pythonCount(sub))
        },
        "format": { interpreter, v, a in
            let result = try BraceFormat.format(string(v), a, interpreter)
            try interpreter.chargeString(result.utf8.count)
            return .string(result)
        },
        "join": { interpreter, v, a in
            guard let items = a.positional.first, a.positional.count == 1 else {
                throw TemplateError(.type, "join() takes exactly one argument")
            }
            var parts: [String] = []
            for (i, item) in try interpreter.iterate(items).enumerated() {
                guard case .string(let s) = item.plain else {
                    throw TemplateError(.type, "sequence item \(i): expected str instance, \(item.typeName) found")
                }
                parts.append(s)
            }
            return .string(try interpreter.join(parts, separator: string(v)))
        },
        "isdigit": { _, v, _ in let s = string(v); return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType != nil && $0.properties.numericType != .numeric }) },
        "isdecimal": { _, v, _ in let s = string(v); return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal }) },
        "isnumeric": { _, v, _ in let s = string(v); return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType != nil }) },
        "isalpha": { _, v, _ in let s = string(v); return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic }) },
        "isalnum": { _, v, _ in
            let s = string(v)
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        },
        "isspace": { _, v, _ in let s = string(v); return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(String.isPythonSpace)) },
        "islower": { _, v, _ in
            let s = string(v)
            return .bool(s.unicodeScalars.contains { $0.properties.isCased } && s == s.lowercased())
        },
        "isupper": { _, v, _ in
            let s = string(v)
            return .bool(s.unicodeScalars.contains { $0.properties.isCased } && s == s.uppercased())
        },
        "center": { _, v, a in
            let b = try a.bind(["width", "fillchar"], function: "center")
            let fill = try b[1].map { try $0.stringArgument("fillchar") } ?? " "
            return .string(string(v).pythonCenter(try FormatSpec.checked(try (b[0] ?? .int(0)).intArgument("width"), "width"), fill: fill))
        },
        "ljust": { _, v, a in try justify(string(v), a, "ljust", "<") },
        "rjust": { _, v, a in try justify(string(v), a, "rjust", ">") },
        "zfill": { _, v, a in
            let width = try FormatSpec.checked(try (try a.bind(["width"], function: "zfill")[0] ?? .int(0)).intArgument("width"), "width")
            var s = string(v)
            var sign = ""
            if let f = s.unicodeScalars.first, f == "-" || f == "+" {
                sign = String(f)
                s = String(s.unicodeScalars.dropFirst())
            }
            let padding = max(0, width - sign.count - s.scalarCount)
            return .string(sign + String(repeating: "0", count: padding) + s)
        },
        "partition": { _, v, a in
            let sep = try (try a.bind(["sep"], function: "partition")[0] ?? .undefined("missing argument")).stringArgument("partition() argument")
            let parts = try string(v).pythonSplit(sep, maxSplit: 1)
            if parts.count == 2 { return .tuple([.string(parts[0]), .string(sep), .string(parts[1])]) }
            return .tuple([.string(string(v)), .string(""), .string("")])
        },
        "rpartition": { _, v, a in
            let sep = try (try a.bind(["sep"], function: "rpartition")[0] ?? .undefined("missing argument")).stringArgument("rpartition() argument")
            let parts = try string(v).pythonRSplit(sep, maxSplit: 1)
            if parts.count == 2 { return .tuple([.string(parts[0]), .string(sep), .string(parts[1])]) }
            return .tuple([.string(""), .string(""), .string(string(v))])
        },
        "removeprefix": { _, v, a in
            let p = try (try a.bind(["prefix"], function: "removeprefix")[0] ?? .string("")).stringArgument("removeprefix() argument")
            let s = string(v)
            return .string(s.pythonHasPrefix(p) ? String(scalars: s.scalars.dropFirst(p.scalarCount)) : s)
        },
        "removesuffix": { _, v, a in
            let p = try (try a.bind(["suffix"], function: "removesuffix")[0] ?? .string("")).stringArgument("removesuffix() argument")
            let s = string(v)
            return .string(!p.isEmpty && s.pythonHasSuffix(p) ? String(scalars: s.scalars.dropLast(p.scalarCount)) : s)
        },
    ]

    private static func listBox(_ v: Value) -> ListBox {
        if case .list(let box) = v { return box }
        return ListBox([])
    }

    private static func sequenceItems(_ v: Value) -> [Value] {
        switch v {
        case .list(let box): return box.items
        case .tuple(let items): return items
        default: return []
        }
    }

    private static let sequenceMethods: [String: Method] = [
        "index": { _, v, a in
            guard let needle = a.positional.first else { throw TemplateError(.type, "index() takes at least 1 argument (0 given)") }
            guard let i = sequenceItems(v).firstIndex(where: { Operators.equals($0, needle) }) else {
                throw TemplateError(.value, "\(PythonText.repr(needle)) is not in list")
            }
            return .int(i)
        },
        "count": { _, v, a in
            guard let needle = a.positional.first else { throw TemplateError(.type, "count() takes exactly one argument (0 given)") }
            return .int(sequenceItems(v).filter { Operators.equals($0, needle) }.count)
        },
    ]

    static let tupleMethods: [String: Method] = sequenceMethods

    static let listMethods: [String: Method] = sequenceMethods.merging([
        "append": { interpreter, v, a in
            guard a.positional.count == 1 else { throw TemplateError(.type, "append() takes exactly one argument") }
            let box = listBox(v)
            try interpreter.checkCollection(box.items.count + 1)
            box.items.append(a.positional[0])
            box.noteAdded(a.positional[0])
            try interpreter.checkDepth(v)
            return .none
        },
        "extend": { interpreter, v, a in
            guard a.positional.count == 1 else { throw TemplateError(.type, "extend() takes exactly one argument") }
            let box = listBox(v)
            let more = try interpreter.iterate(a.positional[0])
            try interpreter.checkCollection(box.items.count + more.count)
            box.items.append(contentsOf: more)
            for x in more { box.noteAdded(x) }
            try interpreter.checkDepth(v)
            return .none
        },
        "insert": { interpreter, v, a in
            guard a.positional.count == 2 else { throw TemplateError(.type, "insert expected 2 arguments") }
            let box = listBox(v)
            try interpreter.checkCollection(box.items.count + 1)
            var i = try a.positional[0].intArgument("index")
            if i < 0 { i += box.items.count }
            box.items.insert(a.positional[1], at: min(max(i, 0), box.items.count))
            box.noteAdded(a.positional[1])
            try interpreter.checkDepth(v)
            return .none
        },
        "pop": { _, v, a in
            let box = listBox(v)
            if box.items.isEmpty { throw TemplateError(.value, "pop from empty list") }
            var i = try (a.positional.first ?? .int(-1)).intArgument("index")
            if i < 0 { i += box.items.count }
            guard i >= 0 && i < box.items.count else { throw TemplateError(.value, "pop index out of range") }
            return box.items.remove(at: i)
        },
        "remove": { _, v, a in
            guard let needle = a.positional.first else { throw TemplateError(.type, "remove() takes exactly one argument") }
            let box = listBox(v)
            guard let i = box.items.firstIndex(where: { Operators.equals($0, needle) }) else {
                throw TemplateError(.value, "list.remove(x): x not in list")
            }
            box.items.remove(at: i)
            return .none
        },
        "clear": { _, v, _ in
            listBox(v).items.removeAll()
            return .none
        },
        "copy": { _, v, _ in .list(listBox(v).items) },
        "reverse": { _, v, _ in
            listBox(v).items.reverse()
            return .none
        },
        "sort": { interpreter, v, a in
            let b = try a.bind(["key", "reverse"], function: "sort")
            if b[0] != nil { throw TemplateError(.type, "sort(key=...) is not supported; use the sort filter") }
            let box = listBox(v)
            box.items = try Filters.sorted(box.items, reverse: b[1]?.isTruthy ?? false, caseSensitive: true, interpreter) { $0 }
            return .none
        },
    ]) { a, _ in a }

    private static func dictBox(_ v: Value) -> DictBox {
        if case .dict(let box) = v { return box }
        return DictBox()
    }

    static let dictMethods: [String: Method] = [
        "get": { _, v, a in
            let b = try a.bind(["key", "default"], function: "get")
            guard let key = b[0] else { throw TemplateError(.type, "get expected at least 1 argument, got 0") }
            return (try? dictBox(v).dict.get(key)) ?? b[1] ?? .none
        },
        "items": { _, v, _ in .list(dictBox(v).dict.pairs.map { .tuple([$0, $1]) }) },
        "keys": { _, v, _ in .list(dictBox(v).dict.keys) },
        "values": { _, v, _ in .list(dictBox(v).dict.values) },
        "copy": { _, v, _ in .dict(dictBox(v).dict) },
        "pop": { _, v, a in
            let b = try a.bind(["key", "default"], function: "pop")
            guard let key = b[0] else { throw TemplateError(.type, "pop expected at least 1 argument, got 0") }
            if let removed = try dictBox(v).dict.remove(key) { return removed }
            if let d = b[1] { return d }
            throw TemplateError(.value, "KeyError: \(PythonText.repr(key))")
        },
        "setdefault": { interpreter, v, a in
            let b = try a.bind(["key", "default"], function: "setdefault")
            guard let key = b[0] else { throw TemplateError(.type, "setdefault expected at least 1 argument, got 0") }
            let box = dictBox(v)
            if let existing = try box.dict.get(key) { return existing }
            try box.dict.set(key, b[1] ?? .none)
            box.noteAdded(b[1] ?? .none)
            try interpreter.checkDepth(v)
            return b[1] ?? .none
        },
        "update": { interpreter, v, a in
            let box = dictBox(v)
            for other in a.positional {
                switch other {
                case .dict(let o): for (k, x) in o.dict.pairs { try box.dict.set(k, x) }
                default:
                    for pair in try interpreter.iterate(other) {
                        let kv = try interpreter.iterate(pair)
                        guard kv.count == 2 else { throw TemplateError(.value, "dictionary update sequence element has length \(kv.count); 2 is required") }
                        try box.dict.set(kv[0], kv[1])
                    }
                }
            }
            for (k, x) in a.keywords { box.dict.set(k, x) }
            box.depth = max(box.depth, 1 + max(Value.deepest(box.dict.keys), Value.deepest(box.dict.values)))
            try interpreter.checkDepth(v)
            return .none
        },
        "clear": { _, v, _ in
            dictBox(v).dict.removeAll()
            return .none
        },
    ]
}

extension Interpreter {
    /// `s[start:end]` for string methods that take start/end arguments.
    static func sliceString(_ s: String, _ start: Value?, _ end: Value?) throws -> Value {
        let scalars = s.scalars
        func clamp(_ v: Value?, _ d: Int) throws -> Int {
            guard let v, !(v.isNone) else { return d }
            var i = try v.intArgument("slice index")
            if i < 0 { i += scalars.count }
            return min(max(i, 0), scalars.count)
        }
        let lo = try clamp(start, 0)
        let hi = try clamp(end, scalars.count)
        return .string(lo < hi ? String(scalars: scalars[lo..<hi]) : "")
    }
}

extension Value {
    var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}
