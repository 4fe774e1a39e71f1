/// Jinja2's tests: `x is defined`, `x is string`, `n is divisibleby 3`, ...
enum Tests {
    typealias Test = @Sendable (Interpreter, Value, Arguments) throws -> Bool

    private static func argument(_ a: Arguments, _ name: String, _ test: String) throws -> Value {
        guard let v = try a.bind([name], function: test)[0] else {
            throw TemplateError(.type, "\(test)() missing 1 required positional argument: '\(name)'")
        }
        return v
    }

    /// The integer an odd/even test looks at; a float with a fraction is neither (returns nil).
    private static func integer(_ v: Value, _ test: String) throws -> Int? {
        if case .undefined(let u) = v { throw u.error }
        if let i = v.integerValue { return i }
        if case .float(let d) = v { return d == d.rounded() ? Int(exactly: d) : nil }
        throw TemplateError(.type, "unsupported operand type(s) for %: '\(v.typeName)' and 'int'")
    }

    private static func compare(_ op: CompareOperator) -> Test {
        { _, v, a in try Operators.compare(op, v, try argument(a, "other", op.rawValue)) }
    }

    static let table: [String: Test] = [
        "defined": { _, v, _ in !v.isUndefined },
        "undefined": { _, v, _ in v.isUndefined },
        "none": { _, v, _ in v.isNone },
        "boolean": { _, v, _ in if case .bool = v { return true } else { return false } },
        "false": { _, v, _ in if case .bool(false) = v { return true } else { return false } },
        "true": { _, v, _ in if case .bool(true) = v { return true } else { return false } },
        "integer": { _, v, _ in if case .int = v { return true } else { return false } },
        "float": { _, v, _ in if case .float = v { return true } else { return false } },
        // Python's numbers.Number includes bool.
        "number": { _, v, _ in v.isNumber },
        "string": { _, v, _ in if case .string = v { return true } else { return false } },
        "mapping": { _, v, _ in if case .dict = v { return true } else { return false } },
        "iterable": { _, v, _ in
            switch v {
            case .string, .list, .tuple, .dict, .undefined: return true
            case .object(let o): return o is LoopObject
            default: return false
            }
        },
        "sequence": { _, v, _ in
            switch v {
            case .string, .list, .tuple, .dict, .undefined: return true
            default: return false
            }
        },
        "callable": { _, v, _ in
            switch v {
            case .callable: return true
            case .object(let o): return o is LoopObject || o is JoinerObject
            default: return false
            }
        },
        "sameas": { _, v, a in
            let other = try argument(a, "other", "sameas")
            switch (v, other) {
            case (.none, .none): return true
            case (.bool(let x), .bool(let y)): return x == y
            case (.list(let x), .list(let y)): return x === y
            case (.dict(let x), .dict(let y)), (.namespace(let x), .namespace(let y)): return x === y
            case (.callable(let x), .callable(let y)): return x === y
            case (.int(let x), .int(let y)): return x == y && x >= -5 && x <= 256
            case (.string(let x), .string(let y)): return x == y
            default: return false
            }
        },
        "escaped": { _, _, _ in false },
        "odd": { _, v, _ in
            guard let i = try integer(v, "odd") else { return false }
            return i % 2 != 0
        },
        "even": { _, v, _ in
            guard let i = try integer(v, "even") else { return false }
            return i % 2 == 0
        },
        "divisibleby": { interpreter, v, a in
            let n = try argument(a, "num", "divisibleby")
            let r = try Operators.modulo(v, n, interpreter)
            return Operators.equals(r, .int(0))
        },
        "eq": compare(.eq), "equalto": compare(.eq), "==": compare(.eq),
        "ne": compare(.ne), "!=": compare(.ne),
        "lt": compare(.lt), "lessthan": compare(.lt), "<": compare(.lt),
        "le": compare(.le), "<=": compare(.le),
        "gt": compare(.gt), "greaterthan": compare(.gt), ">": compare(.gt),
        "ge": compare(.ge), ">=": compare(.ge),
        "in": { _, v, a in try Operators.contains(try argument(a, "seq", "in"), v) },
        "lower": { _, v, _ in
            let s = PythonText.str(v)
            return s.unicodeScalars.contains { $0.properties.isCased } && s == s.lowercased()
        },
        "upper": { _, v, _ in
            let s = PythonText.str(v)
            return s.unicodeScalars.contains { $0.properties.isCased } && s == s.uppercased()
        },
        "filter": { _, v, _ in
            guard case .string(let name) = v else { return false }
            return Filters.table[name] != nil
        },
        "test": { _, v, _ in
            guard case .string(let name) = v else { return false }
            return table[name] != nil
        },
    ]
}
