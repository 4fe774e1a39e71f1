import Foundation

/// What a statement asks of its enclosing loop.
enum Flow {
    case normal, breakLoop, continueLoop
}

/// Executes a parsed template. One interpreter serves one render: it holds the output being built
/// and the counters that enforce `RenderLimits`.
final class Interpreter {
    let limits: RenderLimits
    var globals: [String: Value] = [:]
    let now: Date
    let timeZone: TimeZone

    // Unchecked exclusivity: these are touched on every iteration and output, by one thread,
    // never with overlapping accesses; the runtime checks were a large part of the cost.
    @exclusivity(unchecked) private var output = ""
    @exclusivity(unchecked) private var iterations = 0
    /// Copied out of `limits` for the hot loop.
    private let maxLoopIterations: Int
    @exclusivity(unchecked) private var callDepth = 0
    /// Nested expression evaluations and statements, across macro calls: what the stack holds.
    @exclusivity(unchecked) var evaluationDepth = 0
    @exclusivity(unchecked) private var totalText = 0
    private let deadline: ContinuousClock.Instant?
    /// Scopes that hold macros: the macros refer back to them, so the cycle is broken after the render.
    private var scopesWithMacros: [Scope] = []

    init(limits: RenderLimits, context: [String: JinjaValue], now: Date, timeZone: TimeZone) {
        self.limits = limits
        self.maxLoopIterations = limits.maxLoopIterations
        self.now = now
        self.timeZone = timeZone
        self.deadline = limits.timeLimit.map { ContinuousClock.now + $0 }
        globals = Globals.make()
        for (name, value) in context { globals[name] = Value(value) }
    }

    func render(_ body: [Stmt]) throws -> String {
        let root = Scope(parent: nil)
        scopesWithMacros.append(root)
        defer {
            for scope in scopesWithMacros { scope.clear() }
            scopesWithMacros.removeAll()
        }
        _ = try execute(body, root)
        return output
    }

    // MARK: - Limits

    func limitError(_ message: String) -> TemplateError { TemplateError(.limit, message) }

    /// Counts one loop iteration (or one item processed by a list filter).
    func tick(_ count: Int = 1) throws {
        iterations += count
        if iterations > maxLoopIterations {
            throw limitError("too many loop iterations (the limit is \(maxLoopIterations) per render)")
        }
        if iterations & 0xFF == 0 { try checkTime() }
    }

    func checkTime() throws {
        if let deadline, ContinuousClock.now > deadline {
            throw limitError("rendering took too long (the limit is \(limits.timeLimit!))")
        }
    }

    func stringTooLong() -> TemplateError {
        limitError("string too long (the limit is \(limits.maxValueSize) bytes)")
    }

    func collectionTooLong() -> TemplateError {
        limitError("list too long (the limit is \(limits.maxListLength) items)")
    }

    /// Accounts for a string of `bytes` about to be built.
    func chargeString(_ bytes: Int) throws {
        if bytes > limits.maxValueSize { throw stringTooLong() }
        totalText += bytes
        if totalText > limits.maxTotalTextBytes {
            throw limitError("the template built too much text (the limit is \(limits.maxTotalTextBytes) bytes per render)")
        }
    }

    /// `s.replace(old, new, count)`, refused before it is built if the result would be too large.
    func replace(_ s: String, _ old: String, _ new: String, count: Int) throws -> String {
        let newBytes = new.utf8.count
        if newBytes > old.utf8.count {
            var n = s.pythonCount(old)
            if count >= 0 { n = min(n, count) }
            let (grow, o) = n.multipliedReportingOverflow(by: newBytes - old.utf8.count)
            if o { throw stringTooLong() }
            try chargeString(s.utf8.count + grow)
        } else {
            try chargeString(s.utf8.count)
        }
        return s.pythonReplace(old, new, count: count)
    }

    /// `separator.join(parts)`, refused before it is built if the result would be too large.
    func join(_ parts: [String], separator: String) throws -> String {
        var total = separator.utf8.count * max(0, parts.count - 1)
        for p in parts { total += p.utf8.count }
        try chargeString(total)
        return parts.joined(separator: separator)
    }

    /// Refuses values nested deeper than the limit; returns the value for chaining.
    @discardableResult
    func checkDepth(_ value: Value) throws -> Value {
        if value.nestingDepth > limits.maxValueDepth {
            throw limitError("value nested too deeply (more than \(limits.maxValueDepth) levels)")
        }
        return value
    }

    func checkCollection(_ count: Int) throws {
        if count > limits.maxListLength { throw collectionTooLong() }
    }

    // MARK: - Output

    func emit(_ text: String) throws {
        output += text
        totalText += text.utf8.count
        if output.utf8.count > limits.maxOutputBytes {
            throw limitError("output too large (the limit is \(limits.maxOutputBytes) bytes)")
        }
        if totalText > limits.maxTotalTextBytes {
            throw limitError("the template built too much text (the limit is \(limits.maxTotalTextBytes) bytes per render)")
        }
    }

    /// Runs `body` with its output collected into a string instead of the main output.
    func capture(_ body: () throws -> Void) throws -> String {
        let saved = output
        output = ""
        defer { output = saved }
        try body()
        return output
    }

    // MARK: - Statements

    func execute(_ statements: [Stmt], _ scope: Scope) throws -> Flow {
        var i = 0
        while i < statements.count {
            let flow = try execute(statements[i], scope)
            if flow != .normal { return flow }
            i += 1
        }
        return .normal
    }

    /// Counts one level of recursion in the interpreter. Expression height, block nesting and macro
    /// recursion are limited one by one; this bounds them together, so that the render thread's
    /// stack always suffices.
    func enterEvaluation() throws {
        evaluationDepth += 1
        if evaluationDepth > limits.maxEvaluationDepth {
            evaluationDepth -= 1
            throw limitError("evaluation nested too deeply (more than \(limits.maxEvaluationDepth) levels of expressions, blocks and macro calls)")
        }
    }

    private func execute(_ statement: Stmt, _ scope: Scope) throws -> Flow {
        try enterEvaluation()
        defer { evaluationDepth -= 1 }
        switch statement {
        case .text(let s):
            try emit(s)
        case .output(let expr):
            let value = try eval(expr, scope)
            do {
                try emit(PythonText.str(value))
            } catch let e as TemplateError {
                throw e.located(expr.location)
            }
        case .ifChain(let branches, let elseBody, let loc):
            for branch in branches {
                let condition: Bool
                do {
                    condition = try eval(branch.condition, scope).isTruthy
                } catch let e as TemplateError {
                    throw e.located(loc)
                }
                if condition { return try execute(branch.body, scope) }
            }
            return try execute(elseBody, scope)
        case .forLoop(let loop, let loc):
            do {
                try executeFor(loop, scope, iterable: nil, depth: 0)
            } catch let e as TemplateError {
                throw e.located(loc)
            }
        case .set(let target, let expr, let loc):
            do {
                try assign(target, try eval(expr, scope), scope)
            } catch let e as TemplateError {
                throw e.located(loc)
            }
        case .setBlock(let target, let filters, let body, let loc):
            do {
                var value = Value.string(try capture { _ = try execute(body, scope) })
                value = try applyFilters(filters, to: value, scope)
                try assign(target, value, scope)
            } catch let e as TemplateError {
                throw e.located(loc)
            }
        case .macro(let definition, _):
            scope[definition.name] = .callable(makeMacro(definition, closure: scope))
        case .callBlock(let callExpr, let callerDefinition, let loc):
            do {
                guard case .call(let callee, let args, let callLoc) = callExpr else { return .normal }
                let caller = Value.callable(makeMacro(callerDefinition, closure: scope))
                var arguments = try evaluateArguments(args, scope)
                arguments.keywords.append(("caller", caller))
                let result: Value
                do {
                    result = try call(try eval(callee, scope), arguments)
                } catch let e as TemplateError {
                    throw e.located(callLoc)
                }
                try emit(PythonText.str(result))
            } catch let e as TemplateError {
                throw e.located(loc)
            }
        case .filterBlock(let filters, let body, let loc):
            do {
                let text = try capture { _ = try execute(body, scope) }
                try emit(PythonText.str(try applyFilters(filters, to: .string(text), scope)))
            } catch let e as TemplateError {
                throw e.located(loc)
            }
        case .with(let assignments, let body, let loc):
            let inner = Scope(parent: scope)
            do {
                // Values are computed in the outer scope first, as Jinja2 does.
                let values = try assignments.map { try eval($0.1, scope) }
                for ((target, _), value) in zip(assignments, values) { try assign(target, value, inner) }
            } catch let e as TemplateError {
                throw e.located(loc)
            }
            return try execute(body, inner)
        case .scope(let body, let newScope, _):
            return try execute(body, newScope ? Scope(parent: scope) : scope)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    private func applyFilters(_ filters: [FilterCall], to value: Value, _ scope: Scope) throws -> Value {
        var result = value
        for f in filters {
            do {
                result = try applyFilter(f.name, result, try evaluateArguments(f.arguments, scope))
            } catch let e as TemplateError {
                throw e.located(f.location)
            }
        }
        return result
    }

    func assign(_ target: AssignTarget, _ value: Value, _ scope: Scope) throws {
        switch target {
        case .name(let name):
            scope[name] = value
        case .namespaceAttribute(let name, let attribute):
            guard case .namespace(let box) = scope.lookup(name) ?? globals[name] ?? .undefined("") else {
                throw TemplateError(.type, "cannot assign attribute on non-namespace object")
            }
            box.dict.set(attribute, value)
            box.noteAdded(value)
            try checkDepth(.namespace(box))
        case .tuple(let targets):
            let items = try iterate(value)
            if items.count > targets.count {
                throw TemplateError(.value, "too many values to unpack (expected \(targets.count))")
            }
            if items.count < targets.count {
                throw TemplateError(.value, "not enough values to unpack (expected \(targets.count), got \(items.count))")
            }
            for (t, v) in zip(targets, items) { try assign(t, v, scope) }
        }
    }

    /// The items a `for` loop (or `list()`) sees: list items, dict keys, string characters.
    func iterate(_ value: Value) throws -> [Value] {
        switch value {
        case .list(let box): return box.items
        case .tuple(let items): return items
        case .dict(let box): return box.dict.keys
        case .string(let s), .markup(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw TemplateError(.type, "'\(value.typeName)' object is not iterable")
        }
    }

    // MARK: - Loops

    func executeFor(_ loop: ForLoop, _ scope: Scope, iterable: Value?, depth: Int) throws {
        let source = try iterable ?? eval(loop.iterable, scope)
        var items = try iterate(source)
        if let condition = loop.condition {
            var kept: [Value] = []
            for item in items {
                try tick()
                let probe = Scope(parent: scope)
                try assign(loop.target, item, probe)
                if try eval(condition, probe).isTruthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            _ = try execute(loop.elseBody, scope)
            return
        }
        let state = LoopObject(items: items, depth: depth)
        // One scope serves every iteration unless the body defines macros, which keep their scope.
        let shared = loop.bodyDefinesMacros ? nil : Scope(parent: scope)
        if loop.recursive {
            state.recurse = { [unowned self] interpreter, args in
                guard let next = args.positional.first else {
                    throw TemplateError(.type, "loop() takes exactly one argument")
                }
                return .string(try self.renderRecursiveLoop(loop, scope, next, depth: depth + 1))
            }
        }
        let loopValue = Value.object(state)
        var singleName = false
        if case .name = loop.target { singleName = true }
        var i = 0
        while i < items.count {
            try tick()
            state.index0 = i
            let body: Scope
            if let shared {
                body = shared
                if singleName && i > 0 {
                    // Fast path: slots 0 and 1 hold the loop variable and `loop` already.
                    shared.truncate(2)
                    shared.setValue(at: 0, items[i])
                    shared.setValue(at: 1, loopValue)
                } else {
                    shared.removeAll()
                    try assign(loop.target, items[i], shared)
                    shared["loop"] = loopValue
                }
            } else {
                body = Scope(parent: scope)
                try assign(loop.target, items[i], body)
                body["loop"] = loopValue
            }
            if try execute(loop.body, body) == .breakLoop { break }
            i += 1
        }
    }

    private func renderRecursiveLoop(_ loop: ForLoop, _ scope: Scope, _ iterable: Value, depth: Int) throws -> String {
        try enterCall()
        defer { callDepth -= 1 }
        return try capture { try executeFor(loop, scope, iterable: iterable, depth: depth) }
    }

    // MARK: - Macros

    func enterCall() throws {
        callDepth += 1
        if callDepth > limits.maxCallDepth {
            callDepth -= 1
            throw limitError("maximum recursion depth exceeded (more than \(limits.maxCallDepth) nested macro calls)")
        }
        try checkTime()
    }

    func makeMacro(_ definition: MacroDefinition, closure: Scope) -> Callable {
        if !scopesWithMacros.contains(where: { $0 === closure }) { scopesWithMacros.append(closure) }
        return Callable(definition.name, isMacro: true) { interpreter, arguments in
            try interpreter.callMacro(definition, closure: closure, arguments)
        }
    }

    private func callMacro(_ m: MacroDefinition, closure: Scope, _ arguments: Arguments) throws -> Value {
        try enterCall()
        defer { callDepth -= 1 }
        let scope = Scope(parent: closure)
        let params = m.parameters
        var provided = [Bool](repeating: false, count: params.count)
        for (i, value) in arguments.positional.prefix(params.count).enumerated() {
            scope[params[i].name] = value
            provided[i] = true
        }
        let extra = Array(arguments.positional.dropFirst(params.count))
        if !extra.isEmpty && !m.usesVarargs {
            throw TemplateError(.type, "macro '\(m.name)' takes not more than \(params.count) argument(s)")
        }
        var kwargs = OrderedDict()
        var caller: Value? = nil
        for (name, value) in arguments.keywords {
            if let i = params.firstIndex(where: { $0.name == name }) {
                if provided[i] { throw TemplateError(.type, "macro '\(m.name)' got multiple values for argument '\(name)'") }
                scope[name] = value
                provided[i] = true
            } else if name == "caller" {
                caller = value
            } else if m.usesKwargs {
                kwargs.set(name, value)
            } else {
                throw TemplateError(.type, "macro '\(m.name)' takes no keyword argument '\(name)'")
            }
        }
        for (i, p) in params.enumerated() where !provided[i] {
            if let d = p.defaultValue {
                scope[p.name] = try eval(d, scope)
            } else {
                scope[p.name] = .undefined("parameter '\(p.name)' was not provided")
            }
        }
        if m.usesVarargs { scope["varargs"] = .tuple(extra) }
        if m.usesKwargs { scope["kwargs"] = .dict(kwargs) }
        if let caller { scope["caller"] = caller }
        let text = try capture { _ = try execute(m.body, scope) }
        return .string(text)
    }
}
