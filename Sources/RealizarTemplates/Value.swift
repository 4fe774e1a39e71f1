/// A value while a template renders: Python's object model as far as templates can see it.
///
/// Lists, dicts and namespaces are reference types because templates mutate them in place
/// (`ns.count = ...`, `list.append(x)`) and every alias must see the change, as in Python. These
/// values live only inside one render; what comes in and goes out is `JinjaValue` or `String`.
enum Value {
    case undefined(Undefined)
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// Text marked safe (`|safe`, `|escape`): like MarkupSafe's `Markup`, text added to it is
    /// HTML-escaped. Jinja2 keeps this even with autoescaping off, and some templates depend on it.
    case markup(String)
    case list(ListBox)
    case tuple([Value])
    case dict(DictBox)
    case namespace(DictBox)
    case callable(Callable)
    case object(RuntimeObject)

    /// The Python type name, for error messages that read like Jinja2's.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .callable(let c): return c.isMacro ? "Macro" : "builtin_function_or_method"
        case .object(let o): return o.typeName
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    static func undefined(_ hint: String) -> Value { .undefined(Undefined(hint: hint)) }

    /// Markup as a plain string; other values unchanged. Most operations treat Markup as the
    /// `str` it subclasses in Python.
    var plain: Value {
        if case .markup(let s) = self { return .string(s) }
        return self
    }

    static func list(_ items: [Value]) -> Value { .list(ListBox(items)) }

    static func dict(_ dict: OrderedDict) -> Value { .dict(DictBox(dict)) }
}

/// Jinja2's default `Undefined`: prints as nothing, iterates as empty, is false; using it any other
/// way raises an error that explains what was missing.
struct Undefined {
    /// Jinja2's hint text, e.g. `'x' is undefined` or `'dict object' has no attribute 'y'`.
    var hint: String

    var error: TemplateError { TemplateError(.undefined, hint) }
}

/// Containers remember how deeply they nest (1 + their deepest item), so that templates cannot
/// build values so deep that freeing them overflows the stack. Mutations only ever raise it.
final class ListBox {
    var items: [Value]
    var depth: Int

    init(_ items: [Value]) {
        self.items = items
        depth = 1 + Value.deepest(items)
    }

    /// Accounts for `value` having been added to the list.
    func noteAdded(_ value: Value) {
        depth = max(depth, 1 + value.nestingDepth)
    }
}

final class DictBox {
    var dict: OrderedDict
    var depth: Int

    init(_ dict: OrderedDict = OrderedDict()) {
        self.dict = dict
        depth = 1 + max(Value.deepest(dict.keys), Value.deepest(dict.values))
    }

    /// Accounts for `value` having been stored in the dict.
    func noteAdded(_ value: Value) {
        depth = max(depth, 1 + value.nestingDepth)
    }
}

extension Value {
    /// How many containers deep this value nests (0 for scalars). Tuples, which have no box to
    /// remember it, are measured; their depth is bounded because each is checked when built.
    var nestingDepth: Int {
        switch self {
        case .list(let box): return box.depth
        case .dict(let box), .namespace(let box): return box.depth
        case .tuple(let items): return 1 + Value.deepest(items)
        default: return 0
        }
    }

    static func deepest(_ values: [Value]) -> Int {
        var d = 0
        for v in values {
            switch v {
            case .list, .dict, .namespace, .tuple: d = max(d, v.nestingDepth)
            default: break
            }
        }
        return d
    }
}

/// A builtin function, bound method or macro.
final class Callable {
    typealias Function = (Interpreter, Arguments) throws -> Value

    let name: String
    let function: Function
    /// Macros print as `<Macro 'name'>` and are "Macro" objects in error messages.
    let isMacro: Bool

    init(_ name: String, isMacro: Bool = false, _ function: @escaping Function) {
        self.name = name
        self.isMacro = isMacro
        self.function = function
    }
}

/// Objects with attributes but no Python counterpart a template could construct: `loop`,
/// `cycler(...)`, `joiner(...)`.
class RuntimeObject {
    var typeName: String { "object" }
    func attribute(_ name: String, _ interpreter: Interpreter) throws -> Value? { nil }
    /// Non-nil when the object can be called like a function.
    func call(_ interpreter: Interpreter, _ arguments: Arguments) throws -> Value? { nil }
    var repr: String { "<\(typeName) object>" }
}

/// How Python hashes dict keys: `1`, `1.0` and `True` are the same key.
enum HashKey: Hashable {
    case none
    case int(Int)
    case float(Double)
    case string(String)
    case tuple([HashKey])
}

extension Value {
    func hashKey() throws -> HashKey {
        switch self {
        case .none: return .none
        case .bool(let b): return .int(b ? 1 : 0)
        case .int(let i): return .int(i)
        case .float(let d):
            if d == d.rounded(), abs(d) < 9.2e18 { return .int(Int(d)) }
            return .float(d)
        case .string(let s), .markup(let s): return .string(s)
        case .tuple(let items): return .tuple(try items.map { try $0.hashKey() })
        case .undefined(let u): throw u.error
        default: throw TemplateError(.type, "unhashable type: '\(typeName)'")
        }
    }
}

/// A dict that keeps insertion order, like Python's.
struct OrderedDict {
    private(set) var keys: [Value] = []
    private(set) var values: [Value] = []
    private var index: [HashKey: Int] = [:]

    init() {}

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    func get(_ key: Value) throws -> Value? {
        guard let i = index[try key.hashKey()] else { return nil }
        return values[i]
    }

    /// Lookup for string keys, which is what nearly all template dicts have.
    func get(_ key: String) -> Value? {
        guard let i = index[.string(key)] else { return nil }
        return values[i]
    }

    func contains(_ key: Value) throws -> Bool { index[try key.hashKey()] != nil }

    mutating func set(_ key: Value, _ value: Value) throws {
        let h = try key.hashKey()
        if let i = index[h] {
            values[i] = value
        } else {
            index[h] = keys.count
            keys.append(key)
            values.append(value)
        }
    }

    mutating func set(_ key: String, _ value: Value) {
        let h = HashKey.string(key)
        if let i = index[h] {
            values[i] = value
        } else {
            index[h] = keys.count
            keys.append(.string(key))
            values.append(value)
        }
    }

    @discardableResult
    mutating func remove(_ key: Value) throws -> Value? {
        guard let i = index[try key.hashKey()] else { return nil }
        let removed = values[i]
        keys.remove(at: i)
        values.remove(at: i)
        index = [:]
        for (j, k) in keys.enumerated() { index[try k.hashKey()] = j }
        return removed
    }

    mutating func removeAll() {
        keys = []
        values = []
        index = [:]
    }

    var pairs: Zip2Sequence<[Value], [Value]> { zip(keys, values) }
}

// MARK: - Conversions to and from JinjaValue

extension Value {
    /// Deep copy of a context value into runtime values: mutations during a render never reach
    /// the caller's data.
    init(_ value: JinjaValue) {
        switch value {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .float(d)
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(ListBox(items.map(Value.init)))
        case .object(let object):
            var dict = OrderedDict()
            for (k, v) in object { dict.set(k, Value(v)) }
            self = .dict(DictBox(dict))
        }
    }
}
