/// Expression grammar, lowest precedence first (as in Jinja2):
/// conditional → `or` → `and` → `not` → comparisons/`in` → `+ -` → `~` → `* / // %` → `**`
/// → unary `- +` → primary with postfix (`.x`, `[i]`, `(...)`) and then filters/tests (`|f`, `is t`).
///
/// Every parse function leaves the height of the tree it returns in `lastHeight`; `grow` checks it
/// against the nesting limit whenever a node is put on top of others.
extension Parser {
    /// The height of a new node over children of the given heights; fails past the limit.
    mutating func grow(_ heights: Int...) throws -> Int {
        let h = 1 + (heights.max() ?? 0)
        if h > options.maxNesting {
            throw TemplateError(.limit, "template nested too deeply (more than \(options.maxNesting) levels)", at: currentLocation)
        }
        lastHeight = h
        return h
    }

    /// Comma-separated expressions: one expression alone, or a tuple when there is a comma.
    mutating func parseTuple(
        simplified: Bool = false, withCondexpr: Bool = true, extraEndNames: Set<String> = [], explicitParentheses: Bool = false
    ) throws -> Expr {
        let loc = currentLocation
        var items: [Expr] = []
        var height = 0
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            if isTupleEnd(extraEndNames) { break }
            if simplified {
                items.append(try parsePrimary())
            } else {
                items.append(try parseExpression(withCondexpr: withCondexpr))
            }
            height = max(height, lastHeight)
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first {
                lastHeight = height
                return only
            }
            if !explicitParentheses { throw error("Expected an expression, got '\(current.describe)'") }
        }
        _ = try grow(height)
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
        var height = lastHeight
        while skipName("if") {
            let condition = try parseOr()
            let conditionHeight = lastHeight
            var otherwise: Expr? = nil
            var otherwiseHeight = 0
            if skipName("else") {
                otherwise = try parseConditional()
                otherwiseHeight = lastHeight
            }
            height = try grow(height, conditionHeight, otherwiseHeight)
            expr = .conditional(condition: condition, then: expr, otherwise: otherwise, loc)
        }
        lastHeight = height
        return expr
    }

    private mutating func parseOr() throws -> Expr {
        var left = try parseAnd()
        var height = lastHeight
        while isName("or") {
            let loc = currentLocation
            _ = next()
            let right = try parseAnd()
            height = try grow(height, lastHeight)
            left = .or(left, right, loc)
        }
        lastHeight = height
        return left
    }

    private mutating func parseAnd() throws -> Expr {
        var left = try parseNot()
        var height = lastHeight
        while isName("and") {
            let loc = currentLocation
            _ = next()
            let right = try parseNot()
            height = try grow(height, lastHeight)
            left = .and(left, right, loc)
        }
        lastHeight = height
        return left
    }

    private mutating func parseNot() throws -> Expr {
        if isName("not") {
            let loc = currentLocation
            _ = next()
            try enterNesting()
            defer { depth -= 1 }
            let operand = try parseNot()
            _ = try grow(lastHeight)
            return .not(operand, loc)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> Expr {
        let loc = currentLocation
        let first = try parseMath1()
        var height = lastHeight
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
            height = max(height, lastHeight)
        }
        if ops.isEmpty {
            lastHeight = height
            return first
        }
        _ = try grow(height)
        return .compare(first, ops, loc)
    }

    /// A left-associative chain of binary operators, built in a loop.
    private mutating func parseChain(
        _ operand: (inout Parser) throws -> Expr, _ op: (Parser) -> BinaryOperator?
    ) throws -> Expr {
        var left = try operand(&self)
        var height = lastHeight
        while let o = op(self) {
            let loc = currentLocation
            _ = next()
            let right = try operand(&self)
            height = try grow(height, lastHeight)
            left = .binary(o, left, right, loc)
        }
        lastHeight = height
        return left
    }

    private mutating func parseMath1() throws -> Expr {
        try parseChain({ try $0.parseConcat() }) { p in p.isOp("+") ? .add : p.isOp("-") ? .sub : nil }
    }

    private mutating func parseConcat() throws -> Expr {
        try parseChain({ try $0.parseMath2() }) { p in p.isOp("~") ? .concat : nil }
    }

    private mutating func parseMath2() throws -> Expr {
        try parseChain({ try $0.parsePow() }) { p in
            p.isOp("*") ? .mul : p.isOp("/") ? .div : p.isOp("//") ? .floorDiv : p.isOp("%") ? .mod : nil
        }
    }

    /// Left-associative, as in Jinja2 (`2**3**2` is 64 there, unlike Python).
    private mutating func parsePow() throws -> Expr {
        try parseChain({ try $0.parseUnary() }) { p in p.isOp("**") ? .pow : nil }
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> Expr {
        try enterNesting()
        defer { depth -= 1 }
        let loc = currentLocation
        var node: Expr
        if isOp("-") {
            _ = next()
            let operand = try parseUnary(withFilter: false)
            _ = try grow(lastHeight)
            node = .negate(operand, loc)
        } else if isOp("+") {
            _ = next()
            let operand = try parseUnary(withFilter: false)
            _ = try grow(lastHeight)
            node = .plus(operand, loc)
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
        lastHeight = 1
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
            var height = 0
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
                height = max(height, lastHeight)
            }
            try expectOp("]")
            _ = try grow(height)
            return .list(items, loc)
        case .op("{"):
            _ = next()
            try enterNesting()
            defer { depth -= 1 }
            var pairs: [(key: Expr, value: Expr)] = []
            var height = 0
            while !isOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let key = try parseExpression()
                height = max(height, lastHeight)
                try expectOp(":")
                pairs.append((key, try parseExpression()))
                height = max(height, lastHeight)
            }
            try expectOp("}")
            _ = try grow(height)
            return .dict(pairs, loc)
        default:
            throw error("unexpected '\(token.describe)'")
        }
    }

    /// `.name`, `[key]` and `(args)` after a primary; `lastHeight` is the primary's on entry.
    private mutating func parsePostfix(_ start: Expr) throws -> Expr {
        var node = start
        var height = lastHeight
        while true {
            if isOp(".") || isOp("[") {
                node = try parseSubscript(node, height: height)
            } else if isOp("(") {
                node = try parseCall(node, height: height)
            } else {
                lastHeight = height
                return node
            }
            height = lastHeight
        }
    }

    private mutating func parseFilterExpression(_ start: Expr) throws -> Expr {
        var node = start
        var height = lastHeight
        while true {
            if isOp("|") {
                let loc = currentLocation
                _ = next()
                let name = try parseDottedName()
                var argumentsHeight = 0
                var args: [Argument] = []
                if isOp("(") {
                    args = try parseCallArguments()
                    argumentsHeight = lastHeight
                }
                height = try grow(height, argumentsHeight)
                node = .filter(node, name: name, args, loc)
            } else if isName("is") {
                node = try parseTest(node, height: height)
                height = lastHeight
            } else if isOp("(") {
                node = try parseCall(node, height: height)
                height = lastHeight
            } else {
                lastHeight = height
                return node
            }
        }
    }

    private mutating func parseTest(_ subject: Expr, height: Int) throws -> Expr {
        let loc = currentLocation
        _ = next()  // is
        let negated = skipName("not")
        let name = try parseDottedName()
        var args: [Argument] = []
        var argumentsHeight = 0
        if isOp("(") {
            args = try parseCallArguments()
            argumentsHeight = lastHeight
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
                argumentsHeight = lastHeight
                args = [.positional(arg)]
            }
        }
        _ = try grow(height, argumentsHeight)
        return .test(subject, name: name, args, negated: negated, loc)
    }

    /// Attribute, item and call nodes are located where their whole expression starts, so that
    /// an error in `messages[0].content.strip()` points at `messages`.
    private mutating func parseSubscript(_ object: Expr, height: Int) throws -> Expr {
        let token = next()
        let loc = object.location
        if isOp(".", token) {
            let attr = next()
            _ = try grow(height)
            switch attr.kind {
            case .name(let n): return .attribute(object, n, loc)
            case .integer(let i): return .item(object, .constant(.int(i), attr.location), loc)
            default: throw error("expected name or number", at: attr.location)
            }
        }
        // `[`
        var parts: [Subscribed] = []
        var partsHeight = 0
        while !isOp("]") {
            if !parts.isEmpty { try expectOp(",") }
            parts.append(try parseSubscribed())
            partsHeight = max(partsHeight, lastHeight)
        }
        try expectOp("]")
        _ = try grow(height, partsHeight + 1)
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

    /// One subscript; leaves the height of its tallest part in `lastHeight`.
    private mutating func parseSubscribed() throws -> Subscribed {
        var height = 0
        var start: Expr? = nil
        if isOp(":") {
            _ = next()
        } else {
            let e = try parseExpression()
            height = lastHeight
            if !isOp(":") { return .index(e) }
            _ = next()
            start = e
        }
        var stop: Expr? = nil
        if !isOp(":"), !isOp("]"), !isOp(",") {
            stop = try parseExpression()
            height = max(height, lastHeight)
        }
        var step: Expr? = nil
        if skipOp(":") {
            if !isOp("]"), !isOp(",") {
                step = try parseExpression()
                height = max(height, lastHeight)
            }
        }
        lastHeight = height
        return .slice(start, stop, step)
    }

    private mutating func parseCall(_ callee: Expr, height: Int) throws -> Expr {
        let args = try parseCallArguments()
        _ = try grow(height, lastHeight)
        return .call(callee, args, callee.location)
    }

    /// Parses `(args)`; leaves the height of the tallest argument in `lastHeight`.
    mutating func parseCallArguments() throws -> [Argument] {
        try expectOp("(")
        try enterNesting()
        defer { depth -= 1 }
        var args: [Argument] = []
        var height = 0
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
            height = max(height, lastHeight)
            requireComma = true
        }
        try expectOp(")")
        lastHeight = height
        return args
    }
}
