import Foundation

/// Python's semantics for truth, equality, ordering and arithmetic, as Jinja2 inherits them.
extension Value {
    /// Python truthiness: empty containers, zero, None and undefined are false.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let d): return d != 0
        case .string(let s), .markup(let s): return !s.isEmpty
        case .list(let box): return !box.items.isEmpty
        case .tuple(let items): return !items.isEmpty
        case .dict(let box): return !box.dict.isEmpty
        case .namespace, .callable, .object: return true
        }
    }

    /// A number as Double, for mixed int/float arithmetic (bools count as 0 and 1).
    var numberValue: Double? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }

    /// An exact integer for int and bool.
    var integerValue: Int? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        default: return nil
        }
    }

    var isNumber: Bool { numberValue != nil }
}

enum Operators {
    /// Python's `==`. Lists that contain themselves would recurse forever; past `depth` 256 they
    /// compare unequal (Python raises RecursionError there).
    static func equals(_ a: Value, _ b: Value, depth: Int = 0) -> Bool {
        if depth > 256 { return false }
        switch (a.plain, b.plain) {
        case (.undefined, .undefined): return true
        case (.undefined, _), (_, .undefined): return false
        case (.none, .none): return true
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)): return x === y || sequencesEqual(x.items, y.items, depth)
        case (.tuple(let x), .tuple(let y)): return sequencesEqual(x, y, depth)
        case (.dict(let x), .dict(let y)), (.namespace(let x), .namespace(let y)):
            if x === y { return true }
            guard x.dict.count == y.dict.count else { return false }
            for (k, v) in x.dict.pairs {
                guard let other = try? y.dict.get(k), equals(v, other, depth: depth + 1) else { return false }
            }
            return true
        case (.callable(let x), .callable(let y)): return x === y
        case (.object(let x), .object(let y)): return x === y
        default:
            if let x = a.integerValue, let y = b.integerValue { return x == y }
            if let x = a.numberValue, let y = b.numberValue { return x == y }
            return false
        }
    }

    private static func sequencesEqual(_ x: [Value], _ y: [Value], _ depth: Int) -> Bool {
        x.count == y.count && zip(x, y).allSatisfy { equals($0, $1, depth: depth + 1) }
    }

    /// Python's ordering: numbers with numbers, strings by code point, lists and tuples
    /// element-wise; anything else is a type error.
    static func compare(_ a: Value, _ b: Value, _ op: String, depth: Int = 0) throws -> Int {
        if depth > 256 { throw TemplateError(.value, "maximum recursion depth exceeded in comparison") }
        switch (a.plain, b.plain) {
        case (.undefined(let u), _), (_, .undefined(let u)): throw u.error
        case (.string(let x), .string(let y)):
            if x == y { return 0 }
            return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) ? -1 : 1
        case (.list(let x), .list(let y)): return try compareSequences(x.items, y.items, op, depth)
        case (.tuple(let x), .tuple(let y)): return try compareSequences(x, y, op, depth)
        default:
            if let x = a.integerValue, let y = b.integerValue { return x < y ? -1 : x > y ? 1 : 0 }
            if let x = a.numberValue, let y = b.numberValue { return x < y ? -1 : x > y ? 1 : 0 }
            throw TemplateError(.type, "'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    private static func compareSequences(_ x: [Value], _ y: [Value], _ op: String, _ depth: Int) throws -> Int {
        for (p, q) in zip(x, y) where !equals(p, q, depth: depth + 1) {
            return try compare(p, q, op, depth: depth + 1)
        }
        return x.count < y.count ? -1 : x.count > y.count ? 1 : 0
    }

    static func compare(_ op: CompareOperator, _ a: Value, _ b: Value) throws -> Bool {
        switch op {
        case .eq: return equals(a, b)
        case .ne: return !equals(a, b)
        case .lt: return try compare(a, b, "<") < 0
        case .le: return try compare(a, b, "<=") <= 0
        case .gt: return try compare(a, b, ">") > 0
        case .ge: return try compare(a, b, ">=") >= 0
        case .in: return try contains(b, a)
        case .notIn: return try !contains(b, a)
        }
    }

    /// `needle in container`.
    static func contains(_ container: Value, _ needle: Value) throws -> Bool {
        switch container.plain {
        case .string(let s):
            guard case .string(let n) = needle.plain else {
                if case .undefined(let u) = needle { throw u.error }
                throw TemplateError(.type, "'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return s.pythonContains(n)
        case .list(let box): return box.items.contains { equals($0, needle) }
        case .tuple(let items): return items.contains { equals($0, needle) }
        case .dict(let box): return (try? box.dict.contains(needle)) ?? false
        case .undefined: return false
        default: throw TemplateError(.type, "argument of type '\(container.typeName)' is not iterable")
        }
    }

    // MARK: - Arithmetic

    static func overflow(_ op: String) -> TemplateError {
        TemplateError(.value, "integer overflow in '\(op)' (numbers beyond 64 bits are not supported)")
    }

    static func unsupported(_ op: String, _ a: Value, _ b: Value) -> TemplateError {
        TemplateError(.type, "unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    static func checkDefined(_ a: Value, _ b: Value) throws {
        if case .undefined(let u) = a { throw u.error }
        if case .undefined(let u) = b { throw u.error }
    }

    static func add(_ a: Value, _ b: Value, _ interpreter: Interpreter) throws -> Value {
        try checkDefined(a, b)
        switch (a, b) {
        // Markup escapes plain text added to it, on either side.
        case (.markup(let x), .string(let y)), (.markup(let x), .markup(let y)):
            let other = b.isMarkup ? y : Markup.escape(y)
            try interpreter.chargeString(x.utf8.count + other.utf8.count)
            return .markup(x + other)
        case (.string(let x), .markup(let y)):
            let escaped = Markup.escape(x)
            try interpreter.chargeString(escaped.utf8.count + y.utf8.count)
            return .markup(escaped + y)
        case (.string(let x), .string(let y)):
            try interpreter.chargeString(x.utf8.count + y.utf8.count)
            return .string(x + y)
        case (.list(let x), .list(let y)):
            try interpreter.checkCollection(x.items.count + y.items.count)
            return .list(x.items + y.items)
        case (.tuple(let x), .tuple(let y)):
            try interpreter.checkCollection(x.count + y.count)
            return .tuple(x + y)
        case (.string, _), (_, .string):
            if case .string = a {
                throw TemplateError(.type, "can only concatenate str (not \"\(b.typeName)\") to str")
            }
            throw unsupported("+", a, b)
        case (.list, _):
            throw TemplateError(.type, "can only concatenate list (not \"\(b.typeName)\") to list")
        default:
            if let x = a.integerValue, let y = b.integerValue {
                let (r, o) = x.addingReportingOverflow(y)
                if o { throw overflow("+") }
                return .int(r)
            }
            if let x = a.numberValue, let y = b.numberValue { return .float(x + y) }
            throw unsupported("+", a, b)
        }
    }

    static func subtract(_ a: Value, _ b: Value) throws -> Value {
        try checkDefined(a, b)
        if let x = a.integerValue, let y = b.integerValue {
            let (r, o) = x.subtractingReportingOverflow(y)
            if o { throw overflow("-") }
            return .int(r)
        }
        if let x = a.numberValue, let y = b.numberValue { return .float(x - y) }
        throw unsupported("-", a, b)
    }

    static func multiply(_ a: Value, _ b: Value, _ interpreter: Interpreter) throws -> Value {
        try checkDefined(a, b)
        func repeatString(_ s: String, _ n: Int) throws -> Value {
            if n <= 0 || s.isEmpty { return .string("") }
            let (size, o) = s.utf8.count.multipliedReportingOverflow(by: n)
            if o { throw interpreter.stringTooLong() }
            try interpreter.chargeString(size)
            return .string(Operators.repeated(s, n, totalBytes: size))
        }
        func repeatItems(_ items: [Value], _ n: Int) throws -> [Value] {
            if n <= 0 || items.isEmpty { return [] }
            let (size, o) = items.count.multipliedReportingOverflow(by: n)
            if o { throw interpreter.collectionTooLong() }
            try interpreter.checkCollection(size)
            return Array([[Value]](repeating: items, count: n).joined())
        }
        switch (a, b) {
        case (.markup(let s), _) where b.integerValue != nil: return try repeatString(s, b.integerValue!).asMarkup
        case (_, .markup(let s)) where a.integerValue != nil: return try repeatString(s, a.integerValue!).asMarkup
        case (.string(let s), _) where b.integerValue != nil: return try repeatString(s, b.integerValue!)
        case (_, .string(let s)) where a.integerValue != nil: return try repeatString(s, a.integerValue!)
        case (.list(let box), _) where b.integerValue != nil: return .list(try repeatItems(box.items, b.integerValue!))
        case (_, .list(let box)) where a.integerValue != nil: return .list(try repeatItems(box.items, a.integerValue!))
        case (.tuple(let items), _) where b.integerValue != nil: return .tuple(try repeatItems(items, b.integerValue!))
        case (_, .tuple(let items)) where a.integerValue != nil: return .tuple(try repeatItems(items, a.integerValue!))
        default:
            if let x = a.integerValue, let y = b.integerValue {
                let (r, o) = x.multipliedReportingOverflow(by: y)
                if o { throw overflow("*") }
                return .int(r)
            }
            if let x = a.numberValue, let y = b.numberValue { return .float(x * y) }
            if case .string = a { throw TemplateError(.type, "can't multiply sequence by non-int of type '\(b.typeName)'") }
            throw unsupported("*", a, b)
        }
    }

    /// `s * n`, built with byte copies: `String(repeating:count:)` appends piece by piece and is
    /// far slower for the large counts a hostile template asks for.
    static func repeated(_ s: String, _ n: Int, totalBytes: Int) -> String {
        let piece = Array(s.utf8)
        if piece.count == 1 { return String(decoding: [UInt8](repeating: piece[0], count: n), as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(totalBytes)
        bytes.append(contentsOf: piece)
        // Doubling: a handful of large copies instead of n small appends.
        while bytes.count < totalBytes {
            let chunk = min(bytes.count, totalBytes - bytes.count)
            bytes.append(contentsOf: bytes[0..<chunk])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func divide(_ a: Value, _ b: Value) throws -> Value {
        try checkDefined(a, b)
        guard let x = a.numberValue, let y = b.numberValue else { throw unsupported("/", a, b) }
        if y == 0 { throw TemplateError(.value, "division by zero") }
        return .float(x / y)
    }

    /// CPython's float divmod, so that signs and rounding match Python.
    static func floatDivmod(_ x: Double, _ y: Double) -> (Double, Double) {
        var mod = fmod(x, y)
        var div = (x - mod) / y
        if mod != 0 {
            if (y < 0) != (mod < 0) {
                mod += y
                div -= 1
            }
        } else {
            mod = copysign(0, y)
        }
        var floordiv: Double
        if div != 0 {
            floordiv = floor(div)
            if div - floordiv > 0.5 { floordiv += 1 }
        } else {
            floordiv = copysign(0, x / y)
        }
        return (floordiv, mod)
    }

    static func floorDivide(_ a: Value, _ b: Value) throws -> Value {
        try checkDefined(a, b)
        if let x = a.integerValue, let y = b.integerValue {
            if y == 0 { throw TemplateError(.value, "integer division or modulo by zero") }
            if x == Int.min && y == -1 { throw overflow("//") }
            var q = x / y
            if (x % y != 0) && ((x < 0) != (y < 0)) { q -= 1 }
            return .int(q)
        }
        guard let x = a.numberValue, let y = b.numberValue else { throw unsupported("//", a, b) }
        if y == 0 { throw TemplateError(.value, "float floor division by zero") }
        return .float(floatDivmod(x, y).0)
    }

    static func modulo(_ a: Value, _ b: Value, _ interpreter: Interpreter) throws -> Value {
        // `'%s' % undefined` formats it as '' (Undefined's str()), as Python does.
        if case .markup(let format) = a {
            let result = try PercentFormat.format(format, Markup.escapeArguments(b))
            try interpreter.chargeString(result.utf8.count)
            return .markup(result)
        }
        if case .string(let format) = a {
            let result = try PercentFormat.format(format, b)
            try interpreter.chargeString(result.utf8.count)
            return .string(result)
        }
        try checkDefined(a, b)
        if let x = a.integerValue, let y = b.integerValue {
            if y == 0 { throw TemplateError(.value, "integer division or modulo by zero") }
            if y == -1 { return .int(0) }
            var r = x % y
            if r != 0 && ((r < 0) != (y < 0)) { r += y }
            return .int(r)
        }
        guard let x = a.numberValue, let y = b.numberValue else { throw unsupported("%", a, b) }
        if y == 0 { throw TemplateError(.value, "float modulo") }
        return .float(floatDivmod(x, y).1)
    }

    static func power(_ a: Value, _ b: Value) throws -> Value {
        try checkDefined(a, b)
        if let x = a.integerValue, let y = b.integerValue {
            if y < 0 {
                if x == 0 { throw TemplateError(.value, "0.0 cannot be raised to a negative power") }
                return .float(pow(Double(x), Double(y)))
            }
            var result = 1
            var base = x
            var e = y
            while e > 0 {
                if e & 1 == 1 {
                    let (r, o) = result.multipliedReportingOverflow(by: base)
                    if o { throw overflow("**") }
                    result = r
                }
                e >>= 1
                if e > 0 {
                    let (sq, o) = base.multipliedReportingOverflow(by: base)
                    if o { throw overflow("**") }
                    base = sq
                }
            }
            return .int(result)
        }
        guard let x = a.numberValue, let y = b.numberValue else { throw unsupported("** or pow()", a, b) }
        if x == 0 && y < 0 { throw TemplateError(.value, "0.0 cannot be raised to a negative power") }
        return .float(pow(x, y))
    }

    static func negate(_ a: Value) throws -> Value {
        switch a {
        case .undefined(let u): throw u.error
        case .float(let d): return .float(-d)
        default:
            if let i = a.integerValue {
                if i == Int.min { throw overflow("-") }
                return .int(-i)
            }
            throw TemplateError(.type, "bad operand type for unary -: '\(a.typeName)'")
        }
    }

    static func plus(_ a: Value) throws -> Value {
        switch a {
        case .undefined(let u): throw u.error
        case .float: return a
        default:
            if let i = a.integerValue { return .int(i) }
            throw TemplateError(.type, "bad operand type for unary +: '\(a.typeName)'")
        }
    }
}
