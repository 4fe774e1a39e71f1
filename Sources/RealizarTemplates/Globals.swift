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
        return .dict(d)
    }

    private static func namespace(_ interpreter: Interpreter, _ a: Arguments) throws -> Value {
        var d = OrderedDict()
        for source in a.positional {
            for (k, v) in try pairs(source, interpreter) { try d.set(k, v) }
        }
        for (k, v) in a.keywords { d.set(k, v) }
        return .namespace(DictBox(d))
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

/// C `strftime` for the directives chat templates use (`%Y-%m-%d`, `%d %b %Y`, `%B %d, %Y`, ...),
/// in the C locale, like Python's `datetime.strftime` on Linux.
enum Strftime {
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func format(_ format: String, _ date: Date, _ timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday, .nanosecond], from: date)
        let year = c.year ?? 1970, month = c.month ?? 1, day = c.day ?? 1
        let hour = c.hour ?? 0, minute = c.minute ?? 0, second = c.second ?? 0
        let weekday = (c.weekday ?? 1) - 1
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        func pad(_ n: Int, _ width: Int, _ fill: Character = "0") -> String {
            let s = String(n)
            return String(repeating: fill, count: max(0, width - s.count)) + s
        }
        var out = ""
        var chars = Array(format)[...]
        while let ch = chars.popFirst() {
            guard ch == "%", var d = chars.popFirst() else {
                out.append(ch)
                continue
            }
            // glibc's `%-d` drops the padding.
            var noPad = false
            if d == "-", let next = chars.popFirst() {
                noPad = true
                d = next
            }
            func num(_ n: Int, _ width: Int, _ fill: Character = "0") -> String { noPad ? String(n) : pad(n, width, fill) }
            switch d {
            case "Y": out += String(year)
            case "y": out += num(year % 100, 2)
            case "m": out += num(month, 2)
            case "d": out += num(day, 2)
            case "e": out += num(day, 2, " ")
            case "H": out += num(hour, 2)
            case "I": out += num((hour + 11) % 12 + 1, 2)
            case "M": out += num(minute, 2)
            case "S": out += num(second, 2)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "B": out += months[month - 1]
            case "b", "h": out += String(months[month - 1].prefix(3))
            case "A": out += weekdays[weekday]
            case "a": out += String(weekdays[weekday].prefix(3))
            case "j": out += num(dayOfYear, 3)
            case "w": out += String(weekday)
            case "u": out += String(weekday == 0 ? 7 : weekday)
            case "f": out += pad((c.nanosecond ?? 0) / 1000, 6)
            case "F": out += "\(year)-\(pad(month, 2))-\(pad(day, 2))"
            case "D": out += "\(pad(month, 2))/\(pad(day, 2))/\(pad(year % 100, 2))"
            case "T": out += "\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
            case "R": out += "\(pad(hour, 2)):\(pad(minute, 2))"
            case "Z": out += timeZone.abbreviation(for: date) ?? ""
            case "z":
                let offset = timeZone.secondsFromGMT(for: date) / 60
                out += (offset < 0 ? "-" : "+") + pad(abs(offset) / 60, 2) + pad(abs(offset) % 60, 2)
            case "n": out += "\n"
            case "t": out += "\t"
            case "%": out += "%"
            default:
                out.append("%")
                if noPad { out.append("-") }
                out.append(d)
            }
        }
        return out
    }
}
