/// The evaluated arguments of a call, filter or test.
struct Arguments {
    var positional: [Value]
    var keywords: [(name: String, value: Value)]

    init(_ positional: [Value] = [], keywords: [(name: String, value: Value)] = []) {
        self.positional = positional
        self.keywords = keywords
    }

    var isEmpty: Bool { positional.isEmpty && keywords.isEmpty }

    /// The arguments with Markup turned into plain strings, for functions that read text.
    var plain: Arguments {
        Arguments(positional.map(\.plain), keywords: keywords.map { ($0.name, $0.value.plain) })
    }

    /// Matches the arguments to parameter names the way Python does: positionals first, then
    /// keywords by name. Missing parameters come back nil. Too many arguments, unknown keywords
    /// and duplicates are errors naming `function`.
    func bind(_ names: [String], function: String) throws -> [Value?] {
        if positional.count > names.count {
            throw TemplateError(.type, "\(function)() takes at most \(names.count) argument\(names.count == 1 ? "" : "s") (\(positional.count) given)")
        }
        var bound: [Value?] = Array(repeating: nil, count: names.count)
        for (i, v) in positional.enumerated() { bound[i] = v }
        for (name, value) in keywords {
            guard let i = names.firstIndex(of: name) else {
                throw TemplateError(.type, "\(function)() got an unexpected keyword argument '\(name)'")
            }
            if bound[i] != nil { throw TemplateError(.type, "\(function)() got multiple values for argument '\(name)'") }
            bound[i] = value
        }
        return bound
    }

    func keyword(_ name: String) -> Value? {
        keywords.last { $0.name == name }?.value
    }
}

extension Value {
    /// Reads an argument that must be an integer (a bool or a whole float is accepted, as Python
    /// accepts `True` and Jinja2 filters call `int()`).
    func intArgument(_ what: String) throws -> Int {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .float(let d) where d == d.rounded() && abs(d) < 9e18: return Int(d)
        case .undefined(let u): throw u.error
        default: throw TemplateError(.type, "'\(typeName)' object cannot be interpreted as an integer (\(what))")
        }
    }

    func stringArgument(_ what: String) throws -> String {
        switch self {
        case .string(let s), .markup(let s): return s
        case .undefined(let u): throw u.error
        default: throw TemplateError(.type, "\(what) must be str, not \(typeName)")
        }
    }
}
