/// The `loop` variable inside a `for` body.
final class LoopObject: RuntimeObject {
    let items: [Value]
    let depth: Int
    @exclusivity(unchecked) var index0 = 0
    var recurse: Callable.Function?
    private var lastChanged: [Value]? = nil

    init(items: [Value], depth: Int) {
        self.items = items
        self.depth = depth
    }

    override var typeName: String { "LoopContext" }

    override func attribute(_ name: String, _ interpreter: Interpreter) throws -> Value? {
        let length = items.count
        switch name {
        case "index": return .int(index0 + 1)
        case "index0": return .int(index0)
        case "revindex": return .int(length - index0)
        case "revindex0": return .int(length - index0 - 1)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == length - 1)
        case "length": return .int(length)
        case "depth": return .int(depth + 1)
        case "depth0": return .int(depth)
        case "previtem": return index0 > 0 ? items[index0 - 1] : .undefined("there is no previous item")
        case "nextitem": return index0 + 1 < length ? items[index0 + 1] : .undefined("there is no next item")
        case "cycle":
            return .callable(Callable("cycle") { [index0] _, args in
                guard !args.positional.isEmpty else { throw TemplateError(.type, "no items for cycling given") }
                return args.positional[index0 % args.positional.count]
            })
        case "changed":
            return .callable(Callable("changed") { [self] _, args in
                let values = args.positional
                if let last = self.lastChanged, last.count == values.count, zip(last, values).allSatisfy({ Operators.equals($0, $1) }) {
                    return .bool(false)
                }
                self.lastChanged = values
                return .bool(true)
            })
        default: return nil
        }
    }

    override func call(_ interpreter: Interpreter, _ arguments: Arguments) throws -> Value? {
        guard let recurse else {
            throw TemplateError(.type, "Tried to call non recursive loop. Maybe you forgot the 'recursive' modifier.")
        }
        return try recurse(interpreter, arguments)
    }

    override var repr: String { "<LoopContext \(index0 + 1)/\(items.count)>" }
}
