import Foundation

/// Functions every template can call: Jinja2's globals plus the two Hugging Face adds for chat
/// templates (`raise_exception`, `strftime_now`).
enum Globals {
    static func make() -> [String: Value] {
        [
            "range": .callable(Callable("range", range)),
            "dict": .callable(Callable("dict", dict)),
            "namespace": .callable(Callable("namespace", namespace)),
            "raise_exception": .callable(Callable("raise_exception") { _, a in
                let message = a.positional.first.map(PythonText.str) ?? ""
                throw TemplateError(.raised, message)
            }),
            "strftime_now": .callable(Callable("strftime_now") { interpreter, a in
                guard let format = a.positional.first else { throw TemplateError(.type, "strftime_now() missing argument 'format'") }
                return .string(Strftime.format(PythonText.str(format), interpreter.now, interpreter.timeZone))
            }),
            "cycler": .callable(Callable("cycler") { _, a in .object(CyclerObject(a.positional)) }),
            "joiner": .callable(Callable("joiner") { _, a in
                let sep = try a.bind(["sep"], function: "joiner")[0].map(PythonText.str) ?? ", "
                return .object(JoinerObject(sep))
            }),
        ]
    }

    private static func range(_ interpreter: Interpreter, _ a: Arguments) throws -> Value {
        if !a.keywords.isEmpty { throw TemplateError(.type, "range() takes no keyword arguments") }
        let ints = try a.positional.map { v -> Int in
            if case .float = v { throw TemplateError(.type, "'float' object cannot be interpreted as an integer") }
            return try v.intArgument("range")
        }
        let start: Int, stop: Int, step: Int
        switch ints.count {
        case 1: (start, stop, step) = (0, ints[0], 1)
        case 2: (start, stop, step) = (ints[0], ints[1], 1)
        case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
        default: throw TemplateError(.type, "range expected at most 3 arguments, got \(ints.count)")
        }
        if step == 0 { throw TemplateError(.value, "range() arg 3 must not be zero") }
        // Count without overflow: ranges near Int.max must not trap.
        let span = step > 0 ? Double(stop) - Double(start) : Double(start) - Double(stop)
        let count = span <= 0 ? 0 : Int((span / Double(abs(step))).rounded(.up))
        if count > interpreter.limits.maxRangeLength {
            throw TemplateError(.limit, "range too big: \(count) items (the limit is \(interpreter.limits.maxRangeLength))")
        }
        var items: [Value] = []
        items.reserveCapacity(count)
        var i = start
        for _ in 0..<count {
            items.append(.int(i))
            i += step
        }
        return .list(items)
    }

    private static func pairs(_ v: Value, _ interpreter: Interpreter) throws -> [(Value, Value)] {
        if case .dict(let box) = v { return Array(box.dict.pairs) }
        return try interpreter.iterate(v).map { pair in
            let kv = try interpreter.iterate(pair)
            guard kv.count == 2 else { throw TemplateError(.value, "dictionary update sequence element has length \(kv.count); 2 is required") }
            return (kv[0], kv[1])
        }
    }

    private static func dict(_ interpreter: Interpreter, _ a: Arguments) throws -> Value {
        var d = OrderedDict()
        if a.positional.count > 1 { throw TemplateError(.type, "dict expected at most 1 argument, got \(a.positional.count)") }
        if let source = a.positional.first {
            for (k, v) in try pairs(source, interpreter) { try d.set(k, v) }
        }
        for (k, v) in a.keywords { d.set(k, v) }
        return try interpreter.checkDepth(.dict(d))
    }

    private static func namespace(_ interpreter: Interpreter, _ a: Arguments) throws -> Value {
        var d = OrderedDict()
        for source in a.positional {
            for (k, v) in try pairs(source, interpreter) { try d.set(k, v) }
        }
        for (k, v) in a.keywords { d.set(k, v) }
        return try interpreter.checkDepth(.namespace(DictBox(d)))
    }
}

/// `cycler(a, b, c)`: `next()` returns the items in turn; `current` is the one next() returns next.
final class CyclerObject: RuntimeObject {
    let items: [Value]
    var position = 0

    init(_ items: [Value]) { self.items = items }

    override var typeName: String { "Cycler" }

    override func attribute(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        switch name {
        case "current": return items.isEmpty ? .undefined("empty cycler") : items[position]
        case "next":
            return .callable(Callable("next") { [self] _, _ in
                guard !items.isEmpty else { throw TemplateError(.value, "cycler has no items") }
                defer { position = (position + 1) % items.count }
                return items[position]
            })
        case "reset":
            return .callable(Callable("reset") { [self] _, _ in
                position = 0
                return .none
            })
        default: return nil
        }
    }
}

/// `joiner(sep)`: returns "" the first time it is called and `sep` after that.
final class JoinerObject: RuntimeObject {
    let separator: String
    var used = false

    init(_ separator: String) { self.separator = separator }

    override var typeName: String { "Joiner" }

    override func call(_ interpreter: Interpreter, _ arguments: Arguments) throws -> Value? {
        if !used {
            used = true
            return .string("")
        }
        return .string(separator)
    }
}
