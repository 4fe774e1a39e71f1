/// Jinja2's filters over sequences and mappings.
extension Filters {
    /// Jinja2's `make_attrgetter`: `"a.b.0"` looks up `x["a"]["b"][0]`, items before attributes.
    static func attributeGetter(_ path: Value, _ interpreter: Interpreter) -> (Value) throws -> Value {
        let parts: [Value]
        switch path {
        case .string(let s): parts = s.split(separator: ".", omittingEmptySubsequences: false).map { p in Int(p).map { .int($0) } ?? .string(String(p)) }
        default: parts = [path]
        }
        return { value in
            var v = value
            for p in parts { v = try interpreter.item(of: v, p) }
            return v
        }
    }

    /// Lower-cases strings for comparisons unless `case_sensitive` (Jinja2's `ignore_case`).
    private static func comparable(_ v: Value, _ caseSensitive: Bool) -> Value {
        if !caseSensitive, case .string(let s) = v { return .string(s.lowercased()) }
        return v
    }

    /// A stable sort with Python's ordering; reversed order keeps equal items in their order too.
    static func sorted(_ items: [Value], reverse: Bool, caseSensitive: Bool, _ interpreter: Interpreter, key: (Value) throws -> Value) throws -> [Value] {
        try interpreter.tick(items.count)
        let keyed = try items.enumerated().map { (index: $0.offset, key: comparable(try key($0.element), caseSensitive), value: $0.element) }
        let ordered = try keyed.sorted { a, b in
            let c = try Operators.compare(a.key, b.key, "<")
            if c != 0 { return reverse ? c > 0 : c < 0 }
            return a.index < b.index
        }
        return ordered.map(\.value)
    }

    private static func sequence(_ v: Value, _ interpreter: Interpreter) throws -> [Value] {
        let items = try interpreter.iterate(v)
        try interpreter.tick(items.count)
        return items
    }

    /// `select`/`reject`/`selectattr`/`rejectattr`: the items whose test result equals `keep`.
    private static func selectFilter(attribute: Bool, keep: Bool) -> Filter {
        { interpreter, v, a in
            // Jinja2 only iterates a true value: `none | selectattr(...)` is empty.
            if !v.isTruthy { return .list([]) }
            var positional = a.positional
            var getter: (Value) throws -> Value = { $0 }
            if attribute {
                guard !positional.isEmpty else { throw TemplateError(.type, "Missing parameter for attribute name") }
                getter = attributeGetter(positional.removeFirst(), interpreter)
            }
            var test: (Value) throws -> Bool = { $0.isTruthy }
            if !positional.isEmpty {
                guard case .string(let name) = positional.removeFirst() else { throw TemplateError(.type, "test name must be a string") }
                let rest = Arguments(positional, keywords: a.keywords)
                test = { try interpreter.applyTest(name, $0, rest) }
            }
            return .list(try sequence(v, interpreter).filter { try test(try getter($0)) == keep })
        }
    }

    private static func minMax(_ wantMax: Bool) -> Filter {
        { interpreter, v, a in
            let b = try a.bind(["case_sensitive", "attribute"], function: wantMax ? "max" : "min")
            let caseSensitive = b[0]?.isTruthy ?? false
            let getter = b[1].map { attributeGetter($0, interpreter) } ?? { $0 }
            let items = try sequence(v, interpreter)
            guard var best = items.first else { return .undefined("No aggregated item, sequence was empty.") }
            var bestKey = comparable(try getter(best), caseSensitive)
            for item in items.dropFirst() {
                let key = comparable(try getter(item), caseSensitive)
                let c = try Operators.compare(key, bestKey, wantMax ? ">" : "<")
                if wantMax ? c > 0 : c < 0 {
                    best = item
                    bestKey = key
                }
            }
            return best
        }
    }

    static let collectionFilters: [String: Filter] = [
        "length": lengthFilter,
        "count": lengthFilter,
        "list": { interpreter, v, _ in .list(try sequence(v, interpreter)) },
        "first": { interpreter, v, _ in
            try interpreter.iterate(v).first ?? .undefined("No first item, sequence was empty.")
        },
        "last": { interpreter, v, _ in
            try interpreter.iterate(v).last ?? .undefined("No last item, sequence was empty.")
        },
        "reverse": { interpreter, v, _ in
            if case .string(let s) = v { return .string(String(scalars: s.scalars.reversed())) }
            return .list(try sequence(v, interpreter).reversed())
        },
        "join": { interpreter, v, a in
            let b = try a.bind(["d", "attribute"], function: "join")
            var items = try sequence(v, interpreter)
            if let attr = b[1] {
                let getter = attributeGetter(attr, interpreter)
                items = try items.map(getter)
            }
            return .string(try interpreter.join(items.map(text), separator: text(b[0] ?? .string(""))))
        },
        "map": { interpreter, v, a in
            if !v.isTruthy { return .list([]) }
            let items = try sequence(v, interpreter)
            if let attr = a.keyword("attribute") {
                let getter = attributeGetter(attr, interpreter)
                let fallback = a.keyword("default")
                return .list(try items.map { item in
                    let r = try getter(item)
                    if r.isUndefined, let fallback { return fallback }
                    return r
                })
            }
            var positional = a.positional
            guard !positional.isEmpty, case .string(let name) = positional.removeFirst() else {
                throw TemplateError(.type, "map requires a filter argument")
            }
            let rest = Arguments(positional, keywords: a.keywords)
            return .list(try items.map { try interpreter.applyFilter(name, $0, rest) })
        },
        "select": selectFilter(attribute: false, keep: true),
        "reject": selectFilter(attribute: false, keep: false),
        "selectattr": selectFilter(attribute: true, keep: true),
        "rejectattr": selectFilter(attribute: true, keep: false),
        "unique": { interpreter, v, a in
            let b = try a.bind(["case_sensitive", "attribute"], function: "unique")
            let caseSensitive = b[0]?.isTruthy ?? false
            let getter = b[1].map { attributeGetter($0, interpreter) } ?? { $0 }
            var seen = Set<HashKey>()
            var result: [Value] = []
            for item in try sequence(v, interpreter) {
                let key = try comparable(try getter(item), caseSensitive).hashKey()
                if seen.insert(key).inserted { result.append(item) }
            }
            return .list(result)
        },
        "sort": { interpreter, v, a in
            let b = try a.bind(["reverse", "case_sensitive", "attribute"], function: "sort")
            let getter = b[2].map { attributeGetter($0, interpreter) } ?? { $0 }
            return .list(try sorted(try interpreter.iterate(v), reverse: b[0]?.isTruthy ?? false, caseSensitive: b[1]?.isTruthy ?? false, interpreter, key: getter))
        },
        "dictsort": { interpreter, v, a in
            let b = try a.bind(["case_sensitive", "by", "reverse"], function: "dictsort")
            guard case .dict(let box) = v else {
                if case .undefined(let u) = v { throw u.error }
                throw TemplateError(.type, "dictsort expects a mapping, got \(v.typeName)")
            }
            let by = text(b[1] ?? .string("key"))
            let position: Int
            switch by {
            case "key": position = 0
            case "value": position = 1
            default: throw TemplateError(.value, "You can only sort by either \"key\" or \"value\"")
            }
            let pairs: [Value] = box.dict.pairs.map { .tuple([$0, $1]) }
            return .list(try sorted(pairs, reverse: b[2]?.isTruthy ?? false, caseSensitive: b[0]?.isTruthy ?? false, interpreter) { pair in
                guard case .tuple(let kv) = pair else { return pair }
                return kv[position]
            })
        },
        "items": { interpreter, v, _ in
            switch v {
            case .dict(let box):
                try interpreter.tick(box.dict.count)
                return .list(box.dict.pairs.map { .tuple([$0, $1]) })
            case .undefined: return .list([])
            default: throw TemplateError(.type, "Can only get item pairs from a mapping.")
            }
        },
        "sum": { interpreter, v, a in
            let b = try a.bind(["attribute", "start"], function: "sum")
            let getter = b[0].map { attributeGetter($0, interpreter) } ?? { $0 }
            var total = b[1] ?? .int(0)
            for item in try sequence(v, interpreter) { total = try Operators.add(total, try getter(item), interpreter) }
            return total
        },
        "max": minMax(true),
        "min": minMax(false),
        "batch": { interpreter, v, a in
            let b = try a.bind(["linecount", "fill_with"], function: "batch")
            let size = try (b[0] ?? .undefined("batch() missing argument 'linecount'")).intArgument("linecount")
            if size <= 0 { throw TemplateError(.value, "batch size must be positive") }
            if b[1] != nil { try interpreter.checkCollection(size) }
            let items = try sequence(v, interpreter)
            var batches: [Value] = []
            var i = 0
            while i < items.count {
                var chunk = Array(items[i..<min(i + size, items.count)])
                if chunk.count < size, let fill = b[1] { chunk += Array(repeating: fill, count: size - chunk.count) }
                batches.append(.list(chunk))
                i += size
            }
            return .list(batches)
        },
        "slice": { interpreter, v, a in
            let b = try a.bind(["slices", "fill_with"], function: "slice")
            let slices = try (b[0] ?? .undefined("slice() missing argument 'slices'")).intArgument("slices")
            if slices <= 0 { throw TemplateError(.value, "slices must be positive") }
            try interpreter.checkCollection(slices)
            let items = try sequence(v, interpreter)
            let perSlice = items.count / slices
            let withExtra = items.count % slices
            var offset = 0
            var result: [Value] = []
            for n in 0..<slices {
                let start = offset + n * perSlice
                if n < withExtra { offset += 1 }
                let end = offset + (n + 1) * perSlice
                var chunk = Array(items[start..<end])
                if let fill = b[1], n >= withExtra { chunk.append(fill) }
                result.append(.list(chunk))
            }
            return .list(result)
        },
    ]

    private static let lengthFilter: Filter = { _, v, _ in
        switch v {
        case .string(let s): return .int(s.scalarCount)
        case .list(let box): return .int(box.items.count)
        case .tuple(let items): return .int(items.count)
        case .dict(let box): return .int(box.dict.count)
        case .undefined: return .int(0)
        case .object(let o as LoopObject): return .int(o.items.count)
        default: throw TemplateError(.type, "object of type '\(v.typeName)' has no len()")
        }
    }
}
