/// Expression grammar, lowest precedence first (as in Jinja2):
/// conditional → `or` → `and` → `not` → comparisons/`in` → `+ -` → `~` → `* / // %` → `**`
/// → unary `- +` → primary with postfix (`.x`, `[i]`, `(...)`) and then filters/tests (`|f`, `is t`).
extension Parser {
    /// Comma-separated expressions: one expression alone, or a tuple when there is a comma.
    mutating func parseTuple(
        simplified: Bool = false, withCondexpr: Bool = true, extraEndNames: Set<String> = [], explicitParentheses: Bool = false
    ) throws -> Expr {
        let loc = currentLocation
        var items: [Expr] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            if isTupleEnd(extraEndNames) { break }
            if simplified {
                items.append(try parsePrimary())
            } else {
                items.append(try parseExpression(withCondexpr: withCondexpr))
            }
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParentheses { throw error("Expected an expression, got '\(current.describe)'") }
        }
        return .tuple(items, loc)
    }

    private func isTupleEnd(_ extraEndNames: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .eof: return true
        case .op(")"): return true
        case .name(let n): return extraEndNames.contains(n)
        default: return false
        }
    }

    mutating func parseExpression(withCondexpr: Bool = true) throws -> Expr {
        try enterNesting()
        defer { depth -= 1 }
        return withCondexpr ? try parseConditional() : try parseOr()
    }

    private mutating func parseConditional() throws -> Expr {
        let loc = currentLocation
        var expr = try parseOr()
        while skipName("if") {
            let condition = try parseOr()
            var otherwise: Expr? = nil
            if skipName("else") { otherwise = try parseConditional() }
            expr = .conditional(condition: condition, then: expr, otherwise: otherwise, loc)
        }
        return expr
    }

    private mutating func parseOr() throws -> Expr {
        var left = try parseAnd()
        while isName("or") {
            let loc = currentLocation
            _ = next()
            left = .or(left, try parseAnd(), loc)
        }
        return left
    }

    private mutating func parseAnd() throws -> Expr {
        var left = try parseNot()
        while isName("and") {
            let loc = currentLocation
            _ = next()
            left = .and(left, try parseNot(), loc)
        }
        return left
    }

    private mutating func parseNot() throws -> Expr {
        if isName("not") {
            let loc = currentLocation
            _ = next()
            try enterNesting()
            defer { depth -= 1 }
            return .not(try parseNot(), loc)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> Expr {
        let loc = currentLocation
        let first = try parseMath1()
        var ops: [(CompareOperator, Expr)] = []
        while true {
            if case .op(let o) = current.kind, let op = CompareOperator(rawValue: o), op != .in, op != .notIn {
                _ = next()
                ops.append((op, try parseMath1()))
            } else if skipName("in") {
                ops.append((.in, try parseMath1()))
            } else if isName("not"), isName("in", look()) {
                _ = next()
                _ = next()
                ops.append((.notIn, try parseMath1()))
            } else {
                break
            }
        }
        return ops.isEmpty ? first : .compare(first, ops, loc)
    }

    private mutating func parseMath1() throws -> Expr {
        var left = try parseConcat()
        while isOp("+") || isOp("-") {
            let loc = currentLocation
            let op: BinaryOperator = isOp("+") ? .add : .sub
            _ = next()
            left = .binary(op, left, try parseConcat(), loc)
        }
        return left
    }

    private mutating func parseConcat() throws -> Expr {
        var left = try parseMath2()
        while isOp("~") {
            let loc = currentLocation
            _ = next()
            left = .binary(.concat, left, try parseMath2(), loc)
        }
        return left
    }

    private mutating func parseMath2() throws -> Expr {
        var left = try parsePow()
        while true {
            let op: BinaryOperator
            if isOp("*") { op = .mul } else if isOp("/") { op = .div } else if isOp("//") { op = .floorDiv } else if isOp("%") { op = .mod } else { break }
            let loc = currentLocation
            _ = next()
            left = .binary(op, left, try parsePow(), loc)
        }
        return left
    }

    /// Left-associative, as in Jinja2 (`2**3**2` is 64 there, unlike Python).
    private mutating func parsePow() throws -> Expr {
        var left = try parseUnary()
        while isOp("**") {
            let loc = currentLocation
            _ = next()
            left = .binary(.pow, left, try parseUnary(), loc)
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> Expr {
        try enterNesting()
        defer { depth -= 1 }
        let loc = currentLocation
        var node: Expr
        if isOp("-") {
            _ = next()
            node = .negate(try parseUnary(withFilter: false), loc)
        } else if isOp("+") {
            _ = next()
            node = .plus(try parseUnary(withFilter: false), loc)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpression(node) }
        return node
    }

    mutating func parsePrimary() throws -> Expr {
        let token = current
        let loc = token.location
        switch token.kind {
        case .name(let n):
            _ = next()
            switch n {
            case "true", "True": return .constant(.bool(true), loc)
            case "false", "False": return .constant(.bool(false), loc)
            case "none", "None": return .constant(.none, loc)
            default: return .name(n, loc)
            }
        case .string(var s):
            _ = next()
            // Adjacent string literals are joined, as in Python.
            while case .string(let more) = current.kind {
                s += more
                _ = next()
            }
            return .constant(.string(s), loc)
        case .integer(let i):
            _ = next()
            return .constant(.int(i), loc)
        case .float(let d):
            _ = next()
            return .constant(.float(d), loc)
        case .op("("):
            _ = next()
            try enterNesting()
            defer { depth -= 1 }
            let inner = try parseTuple(explicitParentheses: true)
            try expectOp(")")
            return inner
        case .op("["):
            _ = next()
            try enterNesting()
            defer { depth -= 1 }
            var items: [Expr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            try expectOp("]")
            return .list(items, loc)
        case .op("{"):
            _ = next()
            try enterNesting()
            defer { depth -= 1 }
            var pairs: [(key: Expr, value: Expr)] = []
            while !isOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            try expectOp("}")
            return .dict(pairs, loc)
        default:
            throw error("unexpected '\(token.describe)'")
        }
    }

    private mutating func parsePostfix(_ start: Expr) throws -> Expr {
        var node = start
        while true {
            if isOp(".") || isOp("[") {
                node = try parseSubscript(node)
            } else if isOp("(") {
                node = try parseCall(node)
            } else {
                return node
            }
        }
    }

    private mutating func parseFilterExpression(_ start: Expr) throws -> Expr {
        var node = start
        while true {
            if isOp("|") {
                let loc = currentLocation
                _ = next()
                let name = try parseDottedName()
                let args = isOp("(") ? try parseCallArguments() : []
                node = .filter(node, name: name, args, loc)
            } else if isName("is") {
                node = try parseTest(node)
            } else if isOp("(") {
                node = try parseCall(node)
            } else {
                return node
            }
        }
    }

    private mutating func parseTest(_ subject: Expr) throws -> Expr {
        let loc = currentLocation
        _ = next()  // is
        let negated = skipName("not")
        let name = try parseDottedName()
        var args: [Argument] = []
        if isOp("(") {
            args = try parseCallArguments()
        } else {
            // `x is divisibleby 3`, `x is sameas none`: one bare argument, unless the next word
            // continues the surrounding expression.
            var takesArgument = false
            switch current.kind {
            case .name(let n): takesArgument = !["else", "or", "and"].contains(n)
            case .string, .integer, .float, .op("("), .op("["), .op("{"): takesArgument = true
            default: break
            }
            if takesArgument {
                if isName("is") { throw error("You cannot chain multiple tests with is") }
                let arg = try parsePostfix(try parsePrimary())
                args = [.positional(arg)]
            }
        }
        return .test(subject, name: name, args, negated: negated, loc)
    }

    /// Attribute, item and call nodes are located where their whole expression starts, so that
    /// an error in `messages[0].content.strip()` points at `messages`.
    private mutating func parseSubscript(_ object: Expr) throws -> Expr {
        let token = next()
        let loc = object.location
        if isOp(".", token) {
            let attr = next()
            switch attr.kind {
            case .name(let n): return .attribute(object, n, loc)
            case .integer(let i): return .item(object, .constant(.int(i), attr.location), loc)
            default: throw error("expected name or number", at: attr.location)
            }
        }
        // `[`
        var parts: [Subscribed] = []
        while !isOp("]") {
            if !parts.isEmpty { try expectOp(",") }
            parts.append(try parseSubscribed())
        }
        try expectOp("]")
        if parts.count == 1 {
            switch parts[0] {
            case .index(let e): return .item(object, e, loc)
            case .slice(let a, let b, let c): return .slice(object, start: a, stop: b, step: c, loc)
            }
        }
        var keys: [Expr] = []
        for part in parts {
            guard case .index(let e) = part else { throw error("slices inside a tuple subscript are not supported", at: loc) }
            keys.append(e)
        }
        return .item(object, .tuple(keys, loc), loc)
    }

    private enum Subscribed {
        case index(Expr)
        case slice(Expr?, Expr?, Expr?)
    }

    private mutating func parseSubscribed() throws -> Subscribed {
        var start: Expr? = nil
        if isOp(":") {
            _ = next()
        } else {
            let e = try parseExpression()
            if !isOp(":") { return .index(e) }
            _ = next()
            start = e
        }
        var stop: Expr? = nil
        if !isOp(":"), !isOp("]"), !isOp(",") { stop = try parseExpression() }
        var step: Expr? = nil
        if skipOp(":") {
            if !isOp("]"), !isOp(",") { step = try parseExpression() }
        }
        return .slice(start, stop, step)
    }

    private mutating func parseCall(_ callee: Expr) throws -> Expr {
        .call(callee, try parseCallArguments(), callee.location)
    }

    mutating func parseCallArguments() throws -> [Argument] {
        try expectOp("(")
        try enterNesting()
        defer { depth -= 1 }
        var args: [Argument] = []
        var requireComma = false
        while !isOp(")") {
            if requireComma {
                try expectOp(",")
                if isOp(")") { break }
            }
            if isOp("*") {
                _ = next()
                args.append(.splat(try parseExpression()))
            } else if isOp("**") {
                _ = next()
                args.append(.doubleSplat(try parseExpression()))
            } else if case .name(let key) = current.kind, isOp("=", look()) {
                _ = next()
                _ = next()
                args.append(.keyword(key, try parseExpression()))
            } else {
                args.append(.positional(try parseExpression()))
            }
            requireComma = true
        }
        try expectOp(")")
        return args
    }
}
