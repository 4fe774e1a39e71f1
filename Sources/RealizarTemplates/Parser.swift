/// Builds the syntax tree from tokens, following Jinja2's grammar (jinja2/parser.py) so that
/// precedence and the odd corners (tests taking a bare argument, implicit string concatenation,
/// `for ... if ...`) behave the same.
struct Parser {
    struct Options {
        /// Accept Hugging Face's `{% generation %}` block (transformers' AssistantTracker extension).
        var generationBlocks: Bool
        /// Deepest nesting of blocks and expressions accepted: deeper input is refused with a clear
        /// error instead of overflowing the stack.
        var maxNesting: Int
    }

    var tokens: [Token]
    var pos = 0
    let options: Options
    var depth = 0
    /// Height of the expression tree the last expression parser returned. Chains like
    /// `a + b + c + ...` are built in loops, not by recursion, so their height is tracked here:
    /// evaluating (or freeing) a tree of 100,000 levels would overflow the stack.
    var lastHeight = 0

    static func parse(_ tokens: [Token], options: Options) throws -> [Stmt] {
        var parser = Parser(tokens: tokens, options: options)
        let (body, _) = try parser.parseStatements(until: [], inside: nil)
        return body
    }

    init(tokens: [Token], options: Options) {
        self.tokens = tokens
        self.options = options
    }

    // MARK: - Token stream

    var current: Token { tokens[pos] }
    var currentLocation: SourceLocation { tokens[pos].location }

    func look(_ offset: Int = 1) -> Token { tokens[min(pos + offset, tokens.count - 1)] }

    mutating func next() -> Token {
        let t = tokens[pos]
        if pos < tokens.count - 1 { pos += 1 }
        return t
    }

    func error(_ message: String, at loc: SourceLocation? = nil) -> TemplateError {
        TemplateError(.syntax, message, at: loc ?? currentLocation)
    }

    func isOp(_ op: String, _ token: Token? = nil) -> Bool {
        if case .op(let o) = (token ?? current).kind { return o == op }
        return false
    }

    func isName(_ name: String, _ token: Token? = nil) -> Bool {
        if case .name(let n) = (token ?? current).kind { return n == name }
        return false
    }

    mutating func skipOp(_ op: String) -> Bool {
        if isOp(op) { _ = next(); return true }
        return false
    }

    mutating func skipName(_ name: String) -> Bool {
        if isName(name) { _ = next(); return true }
        return false
    }

    mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw error("expected '\(op)', got '\(current.describe)'") }
    }

    mutating func expectName() throws -> String {
        guard case .name(let n) = current.kind else { throw error("expected a name, got '\(current.describe)'") }
        _ = next()
        return n
    }

    mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else {
            throw error("expected end of statement block, got '\(current.describe)'")
        }
        _ = next()
    }

    mutating func enterNesting() throws {
        depth += 1
        if depth > options.maxNesting {
            throw TemplateError(.limit, "template nested too deeply (more than \(options.maxNesting) levels)", at: currentLocation)
        }
    }

    // MARK: - Statements

    /// Parses statements until a block tag named in `endTags`; consumes `{%` and the tag's name and
    /// returns it, leaving the rest of that tag to the caller.
    mutating func parseStatements(until endTags: Set<String>, inside opener: (String, SourceLocation)?) throws -> ([Stmt], String) {
        try enterNesting()
        defer { depth -= 1 }
        var body: [Stmt] = []
        while true {
            let token = current
            switch token.kind {
            case .eof:
                if let (tag, loc) = opener {
                    let looking = endTags.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    throw error("Unexpected end of template. Jinja was looking for the following tags: \(looking). The innermost block that needs to be closed is '\(tag)' (opened at \(loc)).")
                }
                return (body, "")
            case .text(let s):
                _ = next()
                body.append(.text(s))
            case .variableBegin:
                _ = next()
                let expr = try parseTuple()
                guard current.kind == .variableEnd else {
                    throw error("expected end of print statement, got '\(current.describe)'")
                }
                _ = next()
                body.append(.output(expr))
            case .blockBegin:
                _ = next()
                guard case .name(let tag) = current.kind else {
                    throw error("tag name expected")
                }
                if endTags.contains(tag) {
                    _ = next()
                    return (body, tag)
                }
                body.append(try parseStatement(tag, at: token.location, endTags: endTags, opener: opener))
            default:
                throw error("unexpected '\(token.describe)'")
            }
        }
    }

    /// Parses the statement whose tag name is current; `loc` is where its `{%` is.
    private mutating func parseStatement(_ tag: String, at loc: SourceLocation, endTags: Set<String>, opener: (String, SourceLocation)?) throws -> Stmt {
        _ = next()
        switch tag {
        case "if": return try parseIf(loc)
        case "for": return try parseFor(loc)
        case "set": return try parseSet(loc)
        case "macro": return try parseMacro(loc)
        case "call": return try parseCallBlock(loc)
        case "filter": return try parseFilterBlock(loc)
        case "with": return try parseWith(loc)
        case "break":
            try expectBlockEnd()
            return .breakLoop(loc)
        case "continue":
            try expectBlockEnd()
            return .continueLoop(loc)
        case "generation" where options.generationBlocks:
            try expectBlockEnd()
            let (body, _) = try parseStatements(until: ["endgeneration"], inside: ("generation", loc))
            try expectBlockEnd()
            return .scope(body, newScope: false, loc)
        case "autoescape":
            _ = try parseExpression()
            try expectBlockEnd()
            let (body, _) = try parseStatements(until: ["endautoescape"], inside: ("autoescape", loc))
            try expectBlockEnd()
            return .scope(body, newScope: true, loc)
        case "block":
            let name = try expectName()
            _ = skipName("scoped")
            _ = skipName("required")
            try expectBlockEnd()
            let (body, _) = try parseStatements(until: ["endblock"], inside: ("block", loc))
            if case .name(let n) = current.kind, n == name { _ = next() }
            try expectBlockEnd()
            return .scope(body, newScope: true, loc)
        case "include", "import", "from", "extends":
            throw error("'\(tag)' is not supported: templates are rendered on their own, without a loader", at: loc)
        default:
            var message = "Encountered unknown tag '\(tag)'."
            if let (innermost, _) = opener, !endTags.isEmpty {
                let looking = endTags.sorted().map { "'\($0)'" }.joined(separator: " or ")
                message += " Jinja was looking for the following tags: \(looking). The innermost block that needs to be closed is '\(innermost)'."
            }
            throw error(message, at: loc)
        }
    }

    private mutating func parseIf(_ loc: SourceLocation) throws -> Stmt {
        var branches: [(condition: Expr, body: [Stmt])] = []
        var condition = try parseTuple(withCondexpr: false)
        while true {
            try expectBlockEnd()
            let (body, end) = try parseStatements(until: ["elif", "else", "endif"], inside: ("if", loc))
            branches.append((condition, body))
            switch end {
            case "elif":
                condition = try parseTuple(withCondexpr: false)
            case "else":
                try expectBlockEnd()
                let (elseBody, _) = try parseStatements(until: ["endif"], inside: ("if", loc))
                try expectBlockEnd()
                return .ifChain(branches, elseBody: elseBody, loc)
            default:
                try expectBlockEnd()
                return .ifChain(branches, elseBody: [], loc)
            }
        }
    }

    private mutating func parseFor(_ loc: SourceLocation) throws -> Stmt {
        let target = try parseAssignTarget(extraEndNames: ["in"])
        guard skipName("in") else { throw error("expected 'in', got '\(current.describe)'") }
        let iterable = try parseTuple(withCondexpr: false, extraEndNames: ["recursive"])
        var condition: Expr? = nil
        if skipName("if") { condition = try parseExpression() }
        let recursive = skipName("recursive")
        try expectBlockEnd()
        let (body, end) = try parseStatements(until: ["endfor", "else"], inside: ("for", loc))
        var elseBody: [Stmt] = []
        if end == "else" {
            try expectBlockEnd()
            (elseBody, _) = try parseStatements(until: ["endfor"], inside: ("for", loc))
        }
        try expectBlockEnd()
        let loop = ForLoop(
            target: target, iterable: iterable, condition: condition, body: body, elseBody: elseBody, recursive: recursive,
            bodyDefinesMacros: NameCollector.definesMacros(body))
        return .forLoop(loop, loc)
    }

    private mutating func parseSet(_ loc: SourceLocation) throws -> Stmt {
        let target: AssignTarget
        if case .name(let ns) = current.kind, isOp(".", look()) {
            _ = next()
            _ = next()
            target = .namespaceAttribute(ns, try expectName())
        } else {
            target = try parseAssignTarget()
        }
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return .set(target, value, loc)
        }
        let filters = try parseFilterChain(startInline: false)
        try expectBlockEnd()
        let (body, _) = try parseStatements(until: ["endset"], inside: ("set", loc))
        try expectBlockEnd()
        return .setBlock(target, filters, body, loc)
    }

    private mutating func parseSignature() throws -> [MacroParameter] {
        var params: [MacroParameter] = []
        try expectOp("(")
        while !isOp(")") {
            if !params.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            let name = try expectName()
            var defaultValue: Expr? = nil
            if skipOp("=") { defaultValue = try parseExpression() }
            params.append(MacroParameter(name: name, defaultValue: defaultValue))
        }
        try expectOp(")")
        return params
    }

    private func makeMacro(name: String, parameters: [MacroParameter], body: [Stmt]) -> MacroDefinition {
        var names = Set<String>()
        NameCollector.collect(in: body, into: &names)
        for p in parameters { if let d = p.defaultValue { NameCollector.collect(d, into: &names) } }
        return MacroDefinition(
            name: name, parameters: parameters, body: body,
            usesVarargs: names.contains("varargs"), usesKwargs: names.contains("kwargs"), usesCaller: names.contains("caller"))
    }

    private mutating func parseMacro(_ loc: SourceLocation) throws -> Stmt {
        let name = try expectName()
        let params = try parseSignature()
        try expectBlockEnd()
        let (body, _) = try parseStatements(until: ["endmacro"], inside: ("macro", loc))
        if case .name(let n) = current.kind, n == name { _ = next() }
        try expectBlockEnd()
        return .macro(makeMacro(name: name, parameters: params, body: body), loc)
    }

    private mutating func parseCallBlock(_ loc: SourceLocation) throws -> Stmt {
        let params = isOp("(") ? try parseSignature() : []
        let callExpr = try parseExpression()
        guard case .call = callExpr else { throw error("expected call", at: callExpr.location) }
        try expectBlockEnd()
        let (body, _) = try parseStatements(until: ["endcall"], inside: ("call", loc))
        try expectBlockEnd()
        return .callBlock(callExpr, makeMacro(name: "caller", parameters: params, body: body), loc)
    }

    private mutating func parseFilterBlock(_ loc: SourceLocation) throws -> Stmt {
        let filters = try parseFilterChain(startInline: true)
        try expectBlockEnd()
        let (body, _) = try parseStatements(until: ["endfilter"], inside: ("filter", loc))
        try expectBlockEnd()
        return .filterBlock(filters, body, loc)
    }

    private mutating func parseWith(_ loc: SourceLocation) throws -> Stmt {
        var assignments: [(AssignTarget, Expr)] = []
        while current.kind != .blockEnd {
            if !assignments.isEmpty { try expectOp(",") }
            let target = try parseAssignTarget()
            try expectOp("=")
            assignments.append((target, try parseExpression()))
        }
        try expectBlockEnd()
        let (body, _) = try parseStatements(until: ["endwith"], inside: ("with", loc))
        try expectBlockEnd()
        return .with(assignments, body, loc)
    }

    /// `a`, `a, b` or `(a, b)`: names, possibly nested in tuples.
    private mutating func parseAssignTarget(extraEndNames: Set<String> = []) throws -> AssignTarget {
        let expr = try parseTuple(simplified: true, extraEndNames: extraEndNames)
        return try assignTarget(from: expr)
    }

    private func assignTarget(from expr: Expr) throws -> AssignTarget {
        switch expr {
        case .name(let n, let loc):
            if ["true", "false", "none", "True", "False", "None"].contains(n) {
                throw error("can't assign to '\(n)'", at: loc)
            }
            return .name(n)
        case .tuple(let items, _):
            return .tuple(try items.map { try assignTarget(from: $0) })
        default:
            throw error("can't assign to this expression", at: expr.location)
        }
    }

    /// `| f(x) | g` in `{% set x | f %}`, or `f | g` after `{% filter`.
    mutating func parseFilterChain(startInline: Bool) throws -> [FilterCall] {
        var filters: [FilterCall] = []
        var inline = startInline
        while isOp("|") || inline {
            if !inline { _ = next() }
            inline = false
            let loc = currentLocation
            let name = try parseDottedName()
            let args = isOp("(") ? try parseCallArguments() : []
            filters.append(FilterCall(name: name, arguments: args, location: loc))
        }
        return filters
    }

    mutating func parseDottedName() throws -> String {
        var name = try expectName()
        while isOp(".") {
            _ = next()
            name += "." + (try expectName())
        }
        return name
    }
}
