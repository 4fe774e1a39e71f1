/// A small backtracking regular-expression engine over arrays of code units (`UInt32`), for the
/// pre-tokenizer patterns llama.cpp runs through `std::regex` (ECMAScript grammar, libstdc++).
///
/// It follows ECMAScript's matching rules (leftmost match; alternatives tried left to right; greedy
/// quantifiers try the longest first and back off), which is what llama.cpp gets from libstdc++'s
/// depth-first executor. Character classes are the C locale's: `\s` is `[\t\n\v\f\r ]`, `\d` is
/// `[0-9]`, `\w` is `[A-Za-z0-9_]`; llama.cpp maps non-ASCII text onto these before matching (see
/// `PreTokenizer`). Supported: literals, `.`, `[...]` with ranges, negation and `\s\S\d\D\w\W` inside,
/// escapes, groups `(...)` `(?:...)`, lookahead `(?=...)` `(?!...)`, `*` `+` `?` `{n}` `{n,}`
/// `{n,m}` with lazy forms, `|`, `^`, `$`, `\b`, `\B`.
struct SplitRegex: Sendable {
    struct SyntaxError: Error, CustomStringConvertible {
        var pattern: String
        var problem: String
        var description: String { "invalid pre-tokenizer regex \(pattern): \(problem)" }
    }

    /// A character class: sorted ranges plus C-locale classes, possibly negated.
    struct CharacterClass: Sendable {
        var ranges: [(UInt32, UInt32)] = []
        var classes: [ClassEscape] = []
        var negated = false

        func matches(_ unit: UInt32) -> Bool {
            var hit = false
            for range in ranges where range.0 <= unit && unit <= range.1 {
                hit = true
                break
            }
            if !hit {
                for escape in classes where escape.matches(unit) {
                    hit = true
                    break
                }
            }
            return hit != negated
        }
    }

    enum ClassEscape: Sendable {
        case space, notSpace, digit, notDigit, word, notWord

        func matches(_ unit: UInt32) -> Bool {
            switch self {
            case .space: return SplitRegex.isSpace(unit)
            case .notSpace: return !SplitRegex.isSpace(unit)
            case .digit: return SplitRegex.isDigit(unit)
            case .notDigit: return !SplitRegex.isDigit(unit)
            case .word: return SplitRegex.isWord(unit)
            case .notWord: return !SplitRegex.isWord(unit)
            }
        }
    }

    @inline(__always) static func isSpace(_ u: UInt32) -> Bool { u == 0x20 || (u >= 0x09 && u <= 0x0D) }
    @inline(__always) static func isDigit(_ u: UInt32) -> Bool { u >= 0x30 && u <= 0x39 }
    @inline(__always) static func isWord(_ u: UInt32) -> Bool {
        (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5A) || (u >= 0x61 && u <= 0x7A) || u == 0x5F
    }

    enum Instruction: Sendable {
        case unit(UInt32)
        case set(Int)
        case any
        /// Continue at the first target; on failure, at the second.
        case split(Int, Int)
        case jump(Int)
        case lineStart
        case lineEnd
        case wordBoundary(negated: Bool)
        /// Run the sub-program starting at `start` (ending in `.match`) at the current position.
        case lookahead(start: Int, negated: Bool, next: Int)
        case match
    }

    let pattern: String
    private(set) var program: [Instruction] = []
    private(set) var classes: [CharacterClass] = []

    init(_ pattern: [UInt32], display: String) throws(SyntaxError) {
        self.pattern = display
        var parser = Parser(units: pattern, display: display)
        let tree = try parser.parseAll()
        var compiler = Compiler()
        try compiler.emitProgram(tree, display: display)
        program = compiler.program
        classes = compiler.classes
    }

    // MARK: Matching

    /// The end of the match that starts exactly at `position` within `text[lower..<upper]`, or nil.
    /// With `notEmpty`, an empty match does not count and matching backtracks past it (libstdc++'s
    /// `match_not_null`).
    func match(_ text: UnsafeBufferPointer<UInt32>, lower: Int, upper: Int, at position: Int, notEmpty: Bool,
               stack: inout [(Int, Int)]) -> Int? {
        run(text, lower: lower, upper: upper, start: 0, position: position, notEmpty: notEmpty, stack: &stack)
    }

    private func run(_ text: UnsafeBufferPointer<UInt32>, lower: Int, upper: Int, start: Int, position: Int, notEmpty: Bool,
                     stack: inout [(Int, Int)]) -> Int? {
        let base = stack.count
        defer { stack.removeSubrange(base...) }
        var pc = start
        var pos = position
        while true {
            var ok: Bool
            switch program[pc] {
            case .unit(let u):
                ok = pos < upper && text[pos] == u
                if ok { pos += 1; pc += 1 }
            case .set(let index):
                ok = pos < upper && classes[index].matches(text[pos])
                if ok { pos += 1; pc += 1 }
            case .any:
                if pos < upper {
                    let u = text[pos]
                    ok = u != 0x0A && u != 0x0D && u != 0x2028 && u != 0x2029
                } else {
                    ok = false
                }
                if ok { pos += 1; pc += 1 }
            case .split(let first, let second):
                stack.append((second, pos))
                pc = first
                ok = true
            case .jump(let target):
                pc = target
                ok = true
            case .lineStart:
                ok = pos == lower
                pc += 1
            case .lineEnd:
                ok = pos == upper
                pc += 1
            case .wordBoundary(let negated):
                let left = pos > lower && Self.isWord(text[pos - 1])
                let right = pos < upper && Self.isWord(text[pos])
                ok = (left != right) != negated
                pc += 1
            case .lookahead(let subStart, let negated, let next):
                // libstdc++ runs a lookahead with the outer flags, match_not_null included.
                let found = run(text, lower: lower, upper: upper, start: subStart, position: pos, notEmpty: notEmpty, stack: &stack) != nil
                ok = found != negated
                pc = next
            case .match:
                if notEmpty && pos == position {
                    ok = false
                } else {
                    return pos
                }
            }
            if !ok {
                guard stack.count > base else { return nil }
                (pc, pos) = stack.removeLast()
            }
        }
    }

    // MARK: Parsing

    indirect enum Node {
        case empty
        case unit(UInt32)
        case set(CharacterClass)
        case any
        case sequence([Node])
        case alternation([Node])
        case repeatNode(Node, min: Int, max: Int?, greedy: Bool)
        case lineStart, lineEnd
        case wordBoundary(negated: Bool)
        case lookahead(Node, negated: Bool)

        var canMatchEmpty: Bool {
            switch self {
            case .empty, .lineStart, .lineEnd, .wordBoundary, .lookahead: return true
            case .unit, .set, .any: return false
            case .sequence(let nodes): return nodes.allSatisfy(\.canMatchEmpty)
            case .alternation(let nodes): return nodes.contains(where: \.canMatchEmpty)
            case .repeatNode(let node, let min, _, _): return min == 0 || node.canMatchEmpty
            }
        }
    }

    private struct Parser {
        let units: [UInt32]
        let display: String
        var index = 0

        init(units: [UInt32], display: String) {
            self.units = units
            self.display = display
        }

        func error(_ problem: String) -> SyntaxError {
            SyntaxError(pattern: display, problem: "\(problem) at offset \(index)")
        }

        var atEnd: Bool { index >= units.count }
        func peek(_ ahead: Int = 0) -> UInt32? { index + ahead < units.count ? units[index + ahead] : nil }

        mutating func parseAll() throws(SyntaxError) -> Node {
            let node = try parseAlternation()
            guard atEnd else { throw error("unbalanced ')'") }
            return node
        }

        mutating func parseAlternation() throws(SyntaxError) -> Node {
            var branches = [try parseSequence()]
            while peek() == 0x7C /* | */ {
                index += 1
                branches.append(try parseSequence())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func parseSequence() throws(SyntaxError) -> Node {
            var items: [Node] = []
            while let c = peek(), c != 0x7C, c != 0x29 /* ) */ {
                var atom = try parseAtom()
                atom = try parseQuantifiers(atom)
                items.append(atom)
            }
            return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .sequence(items))
        }

        mutating func parseQuantifiers(_ atom: Node) throws(SyntaxError) -> Node {
            var node = atom
            while let c = peek() {
                var min = 0, max: Int?
                switch c {
                case 0x2A: min = 0; max = nil; index += 1  // *
                case 0x2B: min = 1; max = nil; index += 1  // +
                case 0x3F: min = 0; max = 1; index += 1    // ?
                case 0x7B:                                  // {
                    guard let (lo, hi, length) = braceQuantifier() else { return node }
                    min = lo; max = hi; index += length
                default:
                    return node
                }
                var greedy = true
                if peek() == 0x3F { greedy = false; index += 1 }
                switch node {
                case .lineStart, .lineEnd, .wordBoundary, .lookahead, .empty:
                    throw error("nothing to repeat")
                default: break
                }
                node = .repeatNode(node, min: min, max: max, greedy: greedy)
            }
            return node
        }

        /// `{n}`, `{n,}` or `{n,m}` at the current index: (min, max, length in units).
        func braceQuantifier() -> (Int, Int?, Int)? {
            var i = index + 1
            func number() -> Int? {
                var value: Int?
                while i < units.count, units[i] >= 0x30, units[i] <= 0x39 {
                    value = (value ?? 0) * 10 + Int(units[i] - 0x30)
                    if value! > 100_000 { return nil }
                    i += 1
                }
                return value
            }
            guard let low = number() else { return nil }
            var high: Int? = low
            if i < units.count, units[i] == 0x2C {  // ,
                i += 1
                high = number()
            }
            guard i < units.count, units[i] == 0x7D else { return nil }
            if let high, high < low { return nil }
            return (low, high, i + 1 - index)
        }

        mutating func parseAtom() throws(SyntaxError) -> Node {
            let c = units[index]
            switch c {
            case 0x28:  // (
                index += 1
                var kind = 0  // 0 group, 1 lookahead, 2 negative lookahead
                if peek() == 0x3F {  // ?
                    switch peek(1) {
                    case 0x3A: index += 2                 // (?:
                    case 0x3D: index += 2; kind = 1       // (?=
                    case 0x21: index += 2; kind = 2       // (?!
                    default: throw error("unsupported group syntax")
                    }
                }
                let inner = try parseAlternation()
                guard peek() == 0x29 else { throw error("missing ')'") }
                index += 1
                return kind == 0 ? inner : .lookahead(inner, negated: kind == 2)
            case 0x5B:  // [
                return .set(try parseBracket())
            case 0x2E:  // .
                index += 1
                return .any
            case 0x5E:  // ^
                index += 1
                return .lineStart
            case 0x24:  // $
                index += 1
                return .lineEnd
            case 0x5C:  // backslash
                index += 1
                guard let e = peek() else { throw error("trailing backslash") }
                switch e {
                case 0x62: index += 1; return .wordBoundary(negated: false)  // \b
                case 0x42: index += 1; return .wordBoundary(negated: true)   // \B
                default: break
                }
                if let escape = classEscape(e) {
                    index += 1
                    return .set(CharacterClass(classes: [escape]))
                }
                return .unit(try characterEscape())
            case 0x2A, 0x2B, 0x3F:
                throw error("nothing to repeat")
            case 0x29:
                throw error("unbalanced ')'")
            default:
                index += 1
                return .unit(c)
            }
        }

        func classEscape(_ e: UInt32) -> ClassEscape? {
            switch e {
            case 0x73: return .space     // s
            case 0x53: return .notSpace  // S
            case 0x64: return .digit     // d
            case 0x44: return .notDigit  // D
            case 0x77: return .word      // w
            case 0x57: return .notWord   // W
            default: return nil
            }
        }

        /// A character escape after the backslash (index at the escaped unit).
        mutating func characterEscape() throws(SyntaxError) -> UInt32 {
            let e = units[index]
            index += 1
            switch e {
            case 0x6E: return 0x0A  // \n
            case 0x72: return 0x0D  // \r
            case 0x74: return 0x09  // \t
            case 0x66: return 0x0C  // \f
            case 0x76: return 0x0B  // \v
            case 0x30: return 0x00  // \0
            case 0x78: return try hexDigits(2)  // \xHH
            case 0x75: return try hexDigits(4)  // \uHHHH
            case 0x70, 0x50: throw error("Unicode property escapes must be rewritten before compiling")
            default:
                // ECMAScript identity escape; libstdc++ rejects escaped letters other than the above.
                if (e >= 0x41 && e <= 0x5A) || (e >= 0x61 && e <= 0x7A) || (e >= 0x31 && e <= 0x39) {
                    throw error("unsupported escape")
                }
                return e
            }
        }

        mutating func hexDigits(_ count: Int) throws(SyntaxError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let d = peek(), let v = hexValue(d) else { throw error("bad hexadecimal escape") }
                value = value * 16 + v
                index += 1
            }
            return value
        }

        func hexValue(_ d: UInt32) -> UInt32? {
            switch d {
            case 0x30...0x39: return d - 0x30
            case 0x41...0x46: return d - 0x41 + 10
            case 0x61...0x66: return d - 0x61 + 10
            default: return nil
            }
        }

        mutating func parseBracket() throws(SyntaxError) -> CharacterClass {
            index += 1  // [
            var cls = CharacterClass()
            if peek() == 0x5E { cls.negated = true; index += 1 }
            var first = true
            while true {
                guard let c = peek() else { throw error("missing ']'") }
                if c == 0x5D && !first { index += 1; break }  // ]
                first = false
                // One class atom: a unit or a class escape.
                var low: UInt32
                if c == 0x5C {
                    index += 1
                    guard let e = peek() else { throw error("trailing backslash") }
                    if let escape = classEscape(e) {
                        index += 1
                        cls.classes.append(escape)
                        continue
                    }
                    if e == 0x62 { index += 1; low = 0x08 } else { low = try characterEscape() }  // [\b] is backspace
                } else {
                    index += 1
                    low = c
                }
                // A range?
                if peek() == 0x2D, let next = peek(1), next != 0x5D {  // '-' not before ']'
                    index += 1
                    var high: UInt32
                    if next == 0x5C {
                        index += 1
                        guard let e = peek() else { throw error("trailing backslash") }
                        if classEscape(e) != nil { throw error("class escape in a range") }
                        high = try characterEscape()
                    } else {
                        index += 1
                        high = next
                    }
                    guard low <= high else { throw error("range out of order") }
                    cls.ranges.append((low, high))
                } else {
                    cls.ranges.append((low, low))
                }
            }
            return cls
        }
    }

    // MARK: Compiling

    private struct Compiler {
        var program: [Instruction] = []
        var classes: [CharacterClass] = []

        mutating func emitProgram(_ node: Node, display: String) throws(SyntaxError) {
            try emit(node, display: display)
            program.append(.match)
        }

        mutating func emit(_ node: Node, display: String) throws(SyntaxError) {
            switch node {
            case .empty:
                break
            case .unit(let u):
                program.append(.unit(u))
            case .set(let cls):
                classes.append(cls)
                program.append(.set(classes.count - 1))
            case .any:
                program.append(.any)
            case .lineStart:
                program.append(.lineStart)
            case .lineEnd:
                program.append(.lineEnd)
            case .wordBoundary(let negated):
                program.append(.wordBoundary(negated: negated))
            case .sequence(let nodes):
                for n in nodes { try emit(n, display: display) }
            case .alternation(let branches):
                // split L1, next; L1: a; jump end; next: split L2, next2; ...
                var jumps: [Int] = []
                for (i, branch) in branches.enumerated() {
                    if i < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, -1))
                        try emit(branch, display: display)
                        jumps.append(program.count)
                        program.append(.jump(-1))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch, display: display)
                    }
                }
                for j in jumps { program[j] = .jump(program.count) }
            case .repeatNode(let body, let min, let max, let greedy):
                if body.canMatchEmpty && max != 1 {
                    throw SyntaxError(pattern: display, problem: "a repeated group that can match the empty string is not supported")
                }
                for _ in 0..<min { try emit(body, display: display) }
                if let max {
                    // Nested optional copies: (body (body (...)?)?)?
                    var exits: [Int] = []
                    for _ in 0..<(max - min) {
                        let split = program.count
                        program.append(.split(-1, -1))
                        exits.append(split)
                        try emit(body, display: display)
                        program[split] = .split(split + 1, -1)  // patched below
                    }
                    let end = program.count
                    for split in exits {
                        program[split] = greedy ? .split(split + 1, end) : .split(end, split + 1)
                    }
                } else {
                    // L: split body, end; body; jump L
                    let loop = program.count
                    program.append(.split(-1, -1))
                    try emit(body, display: display)
                    program.append(.jump(loop))
                    let end = program.count
                    program[loop] = greedy ? .split(loop + 1, end) : .split(end, loop + 1)
                }
            case .lookahead(let inner, let negated):
                // lookahead(start: L+1, next: after); L+1: inner; match; after:
                let at = program.count
                program.append(.match)  // placeholder
                try emit(inner, display: display)
                program.append(.match)
                program[at] = .lookahead(start: at + 1, negated: negated, next: program.count)
            }
        }
    }
}
