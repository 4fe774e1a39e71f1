/// Expression evaluation: names, attribute and item access, slicing, calls, operators.
extension Interpreter {
    func eval(_ expr: Expr, _ scope: Scope) throws -> Value {
        try enterEvaluation()
        defer { evaluationDepth -= 1 }
        do {
            return try evalUnlocated(expr, scope)
        } catch let e as TemplateError {
            // The innermost expression that failed gives the error its position.
            throw e.located(expr.location)
        }
    }

    private func evalUnlocated(_ expr: Expr, _ scope: Scope) throws -> Value {
        switch expr {
        case .constant(let c, _):
            switch c {
            case .none: return .none
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .float(let d): return .float(d)
            case .string(let s): return .string(s)
            }
        case .name(let name, _):
            return scope.lookup(name) ?? globals[name] ?? .undefined("'\(name)' is undefined")
        case .list(let items, _):
            return try checkDepth(.list(try items.map { try eval($0, scope) }))
        case .tuple(let items, _):
            return try checkDepth(.tuple(try items.map { try eval($0, scope) }))
        case .dict(let pairs, _):
            var dict = OrderedDict()
            for (k, v) in pairs { try dict.set(try eval(k, scope), try eval(v, scope)) }
            return try checkDepth(.dict(dict))
        case .attribute(let object, let name, _):
            return try attribute(of: try eval(object, scope), name)
        case .item(let object, let key, _):
            return try item(of: try eval(object, scope), try eval(key, scope))
        case .slice(let object, let start, let stop, let step, _):
            let value = try eval(object, scope)
            return try slice(value, try start.map { try eval($0, scope) }, try stop.map { try eval($0, scope) }, try step.map { try eval($0, scope) })
        case .call(let callee, let args, _):
            let function = try eval(callee, scope)
            return try call(function, try evaluateArguments(args, scope))
        case .filter(let subject, let name, let args, _):
            return try applyFilter(name, try eval(subject, scope), try evaluateArguments(args, scope))
        case .test(let subject, let name, let args, let negated, _):
            let result = try applyTest(name, try eval(subject, scope), try evaluateArguments(args, scope))
            return .bool(result != negated)
        case .negate(let e, _): return try Operators.negate(try eval(e, scope))
        case .plus(let e, _): return try Operators.plus(try eval(e, scope))
        case .not(let e, _): return .bool(!(try eval(e, scope).isTruthy))
        case .and(let a, let b, _):
            let left = try eval(a, scope)
            return left.isTruthy ? try eval(b, scope) : left
        case .or(let a, let b, _):
            let left = try eval(a, scope)
            return left.isTruthy ? left : try eval(b, scope)
        case .binary(let op, let a, let b, _):
            let left = try eval(a, scope)
            let right = try eval(b, scope)
            switch op {
            case .add: return try Operators.add(left, right, self)
            case .sub: return try Operators.subtract(left, right)
            case .mul: return try Operators.multiply(left, right, self)
            case .div: return try Operators.divide(left, right)
            case .floorDiv: return try Operators.floorDivide(left, right)
            case .mod: return try Operators.modulo(left, right, self)
            case .pow: return try Operators.power(left, right)
            case .concat:
                let l = PythonText.str(left)
                let r = PythonText.str(right)
                try chargeString(l.utf8.count + r.utf8.count)
                return .string(l + r)
            }
        case .compare(let first, let rest, _):
            var left = try eval(first, scope)
            for (op, e) in rest {
                let right = try eval(e, scope)
                if !(try Operators.compare(op, left, right)) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let condition, let then, let otherwise, _):
            if try eval(condition, scope).isTruthy { return try eval(then, scope) }
            if let otherwise { return try eval(otherwise, scope) }
            return .undefined("the inline if-expression evaluated to false and no else section was defined.")
        }
    }

    func evaluateArguments(_ args: [Argument], _ scope: Scope) throws -> Arguments {
        var result = Arguments()
        for arg in args {
            switch arg {
            case .positional(let e): result.positional.append(try eval(e, scope))
            case .keyword(let name, let e): result.keywords.append((name, try eval(e, scope)))
            case .splat(let e): result.positional.append(contentsOf: try iterate(try eval(e, scope)))
            case .doubleSplat(let e):
                guard case .dict(let box) = try eval(e, scope) else {
                    throw TemplateError(.type, "argument after ** must be a mapping")
                }
                for (k, v) in box.dict.pairs {
                    guard case .string(let name) = k else { throw TemplateError(.type, "keywords must be strings") }
                    result.keywords.append((name, v))
                }
            }
        }
        return result
    }

    func call(_ function: Value, _ arguments: Arguments) throws -> Value {
        switch function {
        case .callable(let c): return try c.function(self, arguments)
        case .object(let o):
            if let result = try o.call(self, arguments) { return result }
        case .undefined(let u): throw u.error
        default: break
        }
        throw TemplateError(.type, "'\(function.typeName)' object is not callable")
    }

    // MARK: - Attribute and item access

    /// Names the sandbox never resolves: Python internals that lead out of the template.
    private static let unsafeAttributes: Set<String> = [
        "mro", "func_globals", "func_code", "func_closure", "gi_frame", "gi_code", "cr_frame", "cr_code",
        "ag_code", "ag_frame", "f_globals", "f_locals", "f_builtins", "tb_frame",
    ]

    private func checkSafe(_ object: Value, _ name: String) throws {
        if name.hasPrefix("__") || Interpreter.unsafeAttributes.contains(name) {
            throw TemplateError(.security, "access to attribute '\(name)' of '\(object.typeName)' object is unsafe.")
        }
    }

    /// `object.name`: for dicts, methods come first and then keys (Python's `getattr`, then
    /// Jinja2's fallback to `object[name]`).
    func attribute(of object: Value, _ name: String) throws -> Value {
        switch object {
        case .undefined(let u):
            throw u.error
        case .dict(let box):
            if let method = Methods.bound(object, name) { return method }
            if let v = box.dict.get(name) { return v }
            try checkSafe(object, name)
            return .undefined("'dict object' has no attribute '\(name)'")
        case .namespace(let box):
            if let v = box.dict.get(name) { return v }
            try checkSafe(object, name)
            return .undefined("'Namespace' object has no attribute '\(name)'")
        case .object(let o):
            try checkSafe(object, name)
            if let v = try o.attribute(name, self) { return v }
            return .undefined("'\(o.typeName) object' has no attribute '\(name)'")
        default:
            try checkSafe(object, name)
            if let method = Methods.bound(object, name) { return method }
            if case .none = object { return .undefined("'None' has no attribute '\(name)'") }
            return .undefined("'\(object.typeName) object' has no attribute '\(name)'")
        }
    }

    /// `object[key]`: items first, then attributes for string keys (Jinja2's `getitem`).
    func item(of object: Value, _ key: Value) throws -> Value {
        if case .markup = object, key.integerValue != nil { return try item(of: object.plain, key).asMarkup }
        let key = key.plain
        switch object.plain {
        case .undefined(let u):
            throw u.error
        case .dict(let box):
            if let v = try? box.dict.get(key) { return v }
        case .list(let box):
            if let i = key.integerValue {
                let index = i < 0 ? box.items.count + i : i
                if index >= 0 && index < box.items.count { return box.items[index] }
                return .undefined("list object has no element \(i)")
            }
        case .tuple(let items):
            if let i = key.integerValue {
                let index = i < 0 ? items.count + i : i
                if index >= 0 && index < items.count { return items[index] }
                return .undefined("tuple object has no element \(i)")
            }
        case .string(let s):
            if let i = key.integerValue {
                let scalars = s.unicodeScalars
                let count = scalars.count
                let index = i < 0 ? count + i : i
                if index >= 0 && index < count {
                    return .string(String(scalars[scalars.index(scalars.startIndex, offsetBy: index)]))
                }
                return .undefined("str object has no element \(i)")
            }
        default:
            break
        }
        if case .string(let name) = key { return try attribute(of: object, name) }
        return .undefined("'\(object.typeName) object' has no attribute '\(PythonText.str(key))'")
    }

    /// Python slicing with negative indexes and steps.
    func slice(_ value: Value, _ start: Value?, _ stop: Value?, _ step: Value?) throws -> Value {
        if case .undefined(let u) = value { throw u.error }
        if case .markup = value { return try slice(value.plain, start, stop, step).asMarkup }
        func bound(_ v: Value?) throws -> Int? {
            guard let v else { return nil }
            if case .none = v { return nil }
            guard let i = v.integerValue else {
                throw TemplateError(.type, "slice indices must be integers or None or have an __index__ method")
            }
            return i
        }
        let stepValue = try bound(step) ?? 1
        if stepValue == 0 { throw TemplateError(.value, "slice step cannot be zero") }
        func indices(_ count: Int) throws -> [Int] {
            func clamp(_ i: Int?, _ defaultValue: Int) -> Int {
                guard var i else { return defaultValue }
                if i < 0 { i += count }
                if stepValue > 0 { return min(max(i, 0), count) }
                return min(max(i, -1), count - 1)
            }
            let lo = clamp(try bound(start), stepValue > 0 ? 0 : count - 1)
            let hi = clamp(try bound(stop), stepValue > 0 ? count : -1)
            return Array(stride(from: lo, to: hi, by: stepValue))
        }
        switch value {
        case .list(let box):
            let items = box.items
            return .list(try indices(items.count).map { items[$0] })
        case .tuple(let items):
            return .tuple(try indices(items.count).map { items[$0] })
        case .string(let s):
            let scalars = s.scalars
            if stepValue == 1 {
                let range = try indices(scalars.count)
                guard let first = range.first else { return .string("") }
                return .string(String(scalars: scalars[first...range.last!]))
            }
            return .string(String(scalars: try indices(scalars.count).map { scalars[$0] }))
        default:
            throw TemplateError(.type, "'\(value.typeName)' object is not subscriptable")
        }
    }

    // MARK: - Filters and tests

    func applyFilter(_ name: String, _ value: Value, _ arguments: Arguments) throws -> Value {
        guard let filter = Filters.table[name] else { throw TemplateError(.syntax, "No filter named '\(name)'.") }
        switch name {
        case "safe", "escape", "e", "forceescape", "default", "d":
            return try filter(self, value, arguments)
        case "string", "trim", "upper", "lower", "capitalize", "center", "indent":
            // These run Markup's own methods in Jinja2, which return Markup.
            let result = try filter(self, value.plain, arguments.plain)
            return value.isMarkup ? result.asMarkup : result
        default:
            return try filter(self, value.plain, arguments.plain)
        }
    }

    func applyTest(_ name: String, _ value: Value, _ arguments: Arguments) throws -> Bool {
        guard let test = Tests.table[name] else { throw TemplateError(.syntax, "No test named '\(name)'.") }
        if name == "escaped" { return value.isMarkup }
        return try test(self, value.plain, arguments)
    }
}
