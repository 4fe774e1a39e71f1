/// A grammar compiled for matching: one deterministic automaton per rule over byte classes, with
/// call edges into other rules (a recursive transition network). Rules that are not recursive and
/// either small or used once are inlined into their callers, so most of a JSON Schema's grammar
/// becomes one automaton and calls remain only where a rule recurses or is shared.
///
/// A matcher's position is a stack of states: the top is in the rule being matched, the ones
/// below are where each enclosing rule resumes when the rule above it ends.
struct GrammarAutomaton: Sendable {
    /// Bytes that every terminal of the grammar treats alike share a class.
    let classOf: [UInt8]
    let classCount: Int
    /// `next[state * classCount + class]`: the state after a byte of that class, or -1.
    let next: [Int32]
    /// Rule calls leaving each state: `calls[callOffsets[s]..<callOffsets[s + 1]]`.
    let callOffsets: [Int32]
    let calls: [(rule: Int32, returnState: Int32)]
    /// The rule of the state can end here.
    let isFinal: [Bool]
    /// The state can reach the end of its rule without consuming a byte (through empty rules).
    let canEndEmpty: [Bool]
    let ruleStart: [Int32]
    let ruleNames: [String]
    let rootRule: Int32

    var stateCount: Int { isFinal.count }

    /// Non-recursive rules up to this size are expanded in place, however often they are used:
    /// a stack top inside a called rule leaves the tokens that end the rule undecided by its
    /// cached mask, while an inlined copy decides them (at the price of a mask per copy).
    static let inlineLimit = 4096
    static let maxStates = 400_000

    init(_ grammar: Grammar) throws(GrammarError) {
        var bodies: [String: GrammarExpression] = [:]
        for rule in grammar.rules { bodies[rule.name] = rule.body }
        guard bodies[grammar.root] != nil else { throw GrammarError("the start rule '\(grammar.root)' is not defined") }
        for rule in grammar.rules {
            var missing: String?
            Self.forEachReference(rule.body) { if bodies[$0] == nil { missing = $0 } }
            if let missing { throw GrammarError("rule '\(missing)' is used in '\(rule.name)' but never defined") }
        }
        let inlined = Self.inlinedRules(grammar, bodies: bodies)

        // Rules that keep their own automaton, root first.
        var kept = [grammar.root]
        kept += grammar.rules.map(\.name).filter { $0 != grammar.root && !inlined.contains($0) }
        let keptIndex = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, Int32($0)) })

        var nfa = NFA(bodies: bodies, inlined: inlined, ruleIndex: keptIndex)
        var nfaRules: [(start: Int32, accept: Int32)] = []
        for name in kept {
            let start = nfa.newState()
            let end = try nfa.build(bodies[name]!, from: start, depth: 0)
            nfaRules.append((start, end))
        }

        // Byte classes: the coarsest partition of 0...255 that every byte set respects.
        var classOf = [Int](repeating: 0, count: 256)
        var classCount = 1
        for set in nfa.sets {
            var remap: [Int: Int] = [:]
            var fresh = 0
            for byte in 0..<256 {
                let key = classOf[byte] * 2 + (set.contains(UInt8(byte)) ? 1 : 0)
                if let known = remap[key] { classOf[byte] = known } else { remap[key] = fresh; classOf[byte] = fresh; fresh += 1 }
            }
            classCount = fresh
        }
        let setClasses: [[Int]] = nfa.sets.map { set in
            var classes = Set<Int>()
            for byte in 0..<256 where set.contains(UInt8(byte)) { classes.insert(classOf[byte]) }
            return classes.sorted()
        }

        // Subset construction, rule by rule, into one numbering of states.
        var stateIndex: [[Int32]: Int32] = [:]
        var subsets: [[Int32]] = []
        var ownerAccept: [Int32] = []
        var next: [Int32] = []
        var callLists: [[(rule: Int32, returnState: Int32)]] = []
        var isFinal: [Bool] = []
        var ruleStart: [Int32] = []
        func state(_ subset: [Int32], accept: Int32) throws(GrammarError) -> Int32 {
            // Keyed with the rule's accept state so two rules never share a state.
            let key = subset + [-1 - accept]
            if let known = stateIndex[key] { return known }
            guard subsets.count < Self.maxStates else {
                throw GrammarError("the grammar is too large: more than \(Self.maxStates) automaton states")
            }
            let id = Int32(subsets.count)
            stateIndex[key] = id
            subsets.append(subset)
            ownerAccept.append(accept)
            isFinal.append(subset.contains(accept))
            next.append(contentsOf: repeatElement(-1, count: classCount))
            callLists.append([])
            return id
        }
        var buckets = [[Int32]](repeating: [], count: classCount)
        for rule in nfaRules {
            var work = [try state(nfa.closure([rule.start]), accept: rule.accept)]
            ruleStart.append(work[0])
            while let current = work.popLast() {
                let subset = subsets[Int(current)]
                for c in 0..<classCount { buckets[c].removeAll(keepingCapacity: true) }
                var callBuckets: [Int32: [Int32]] = [:]
                for n in subset {
                    for edge in nfa.byteEdges[Int(n)] {
                        for c in setClasses[Int(edge.set)] { buckets[c].append(edge.target) }
                    }
                    for edge in nfa.callEdges[Int(n)] { callBuckets[edge.rule, default: []].append(edge.target) }
                }
                for c in 0..<classCount where !buckets[c].isEmpty {
                    let before = subsets.count
                    let target = try state(nfa.closure(buckets[c]), accept: rule.accept)
                    next[Int(current) * classCount + c] = target
                    if subsets.count > before { work.append(target) }
                }
                for callee in callBuckets.keys.sorted() {
                    let before = subsets.count
                    let target = try state(nfa.closure(callBuckets[callee]!), accept: ownerAccept[Int(current)])
                    callLists[Int(current)].append((callee, target))
                    if subsets.count > before { work.append(target) }
                }
            }
        }

        // Keep only states from which the rule can still end, and calls into rules that match something.
        let count = subsets.count
        var live = isFinal
        var productive = [Bool](repeating: false, count: kept.count)
        var changed = true
        while changed {
            changed = false
            for s in 0..<count where !live[s] {
                var reaches = false
                for c in 0..<classCount { let t = next[s * classCount + c]; if t >= 0 && live[Int(t)] { reaches = true; break } }
                if !reaches { reaches = callLists[s].contains { productive[Int($0.rule)] && live[Int($0.returnState)] } }
                if reaches { live[s] = true; changed = true }
            }
            for (r, start) in ruleStart.enumerated() where !productive[r] && live[Int(start)] { productive[r] = true; changed = true }
        }
        guard productive[0] else { throw GrammarError("the grammar matches no text at all (rule '\(grammar.root)' can never end)") }
        for i in 0..<next.count where next[i] >= 0 && !live[Int(next[i])] { next[i] = -1 }
        for s in 0..<count {
            callLists[s].removeAll { !productive[Int($0.rule)] || !live[Int($0.returnState)] }
        }

        var canEndEmpty = isFinal
        changed = true
        while changed {
            changed = false
            for s in 0..<count where !canEndEmpty[s] {
                if callLists[s].contains(where: { canEndEmpty[Int(ruleStart[Int($0.rule)])] && canEndEmpty[Int($0.returnState)] }) {
                    canEndEmpty[s] = true
                    changed = true
                }
            }
        }

        // A rule that reaches a call to itself without consuming a byte would push forever.
        var leftCalls = [[Int32]](repeating: [], count: kept.count)
        for r in 0..<kept.count {
            var seen: Set<Int32> = [ruleStart[r]]
            var work = [ruleStart[r]]
            while let s = work.popLast() {
                for call in callLists[Int(s)] {
                    leftCalls[r].append(call.rule)
                    if canEndEmpty[Int(ruleStart[Int(call.rule)])] && seen.insert(call.returnState).inserted { work.append(call.returnState) }
                }
            }
        }
        var color = [UInt8](repeating: 0, count: kept.count)
        func visit(_ r: Int) throws(GrammarError) {
            color[r] = 1
            for callee in leftCalls[r] {
                if color[Int(callee)] == 1 {
                    throw GrammarError("rule '\(kept[Int(callee)])' is left-recursive (it can reach itself without consuming text); write the repetition with '*' or '+' instead")
                }
                if color[Int(callee)] == 0 { try visit(Int(callee)) }
            }
            color[r] = 2
        }
        for r in 0..<kept.count where color[r] == 0 { try visit(r) }

        var offsets: [Int32] = [0]
        var flat: [(rule: Int32, returnState: Int32)] = []
        for list in callLists {
            flat += list
            offsets.append(Int32(flat.count))
        }
        self.classOf = classOf.map { UInt8($0) }
        self.classCount = classCount
        self.next = next
        self.callOffsets = offsets
        self.calls = flat
        self.isFinal = isFinal
        self.canEndEmpty = canEndEmpty
        self.ruleStart = ruleStart
        self.ruleNames = kept
        self.rootRule = 0
    }

    static func forEachReference(_ expression: GrammarExpression, _ body: (String) -> Void) {
        switch expression {
        case .rule(let name): body(name)
        case .sequence(let items), .choice(let items): for item in items { forEachReference(item, body) }
        case .repeated(let item, _, _): forEachReference(item, body)
        case .literal, .characters, .anyCharacter: break
        }
    }

    /// Rules to expand in place: not recursive, not the root, and used once or small.
    static func inlinedRules(_ grammar: Grammar, bodies: [String: GrammarExpression]) -> Set<String> {
        var references: [String: [String]] = [:]
        var uses: [String: Int] = [:]
        for rule in grammar.rules {
            var list: [String] = []
            forEachReference(rule.body) { list.append($0); uses[$0, default: 0] += 1 }
            references[rule.name] = list
        }
        var recursive = Set<String>()
        for rule in grammar.rules {
            var seen = Set<String>()
            var work = references[rule.name] ?? []
            while let name = work.popLast() {
                if name == rule.name { recursive.insert(name); break }
                if seen.insert(name).inserted { work += references[name] ?? [] }
            }
        }
        var inlined = Set<String>()
        var sizes: [String: Int] = [:]
        func size(_ expression: GrammarExpression) -> Int {
            switch expression {
            case .literal(let bytes): return bytes.count
            case .characters(let ranges, let negated):
                return UTF8Sequences.scalars(ranges, negated: negated).reduce(0) { $0 + UTF8Sequences.sequences($1).count * 2 }
            case .anyCharacter: return 12
            case .rule(let name):
                if recursive.contains(name) || name == grammar.root { return 1 }
                return ruleSize(name)
            case .sequence(let items): return items.reduce(0) { $0 + size($1) }
            case .choice(let items): return items.reduce(1) { $0 + size($1) + 1 }
            case .repeated(let item, let low, let high): return size(item) * min(1_000_000, max(1, high ?? (low + 1))) + 1
            }
        }
        func ruleSize(_ name: String) -> Int {
            if let known = sizes[name] { return known }
            sizes[name] = 1
            let value = size(bodies[name]!)
            sizes[name] = value
            return value
        }
        for rule in grammar.rules where rule.name != grammar.root && !recursive.contains(rule.name) {
            if uses[rule.name, default: 0] <= 1 || ruleSize(rule.name) <= inlineLimit { inlined.insert(rule.name) }
        }
        return inlined
    }
}

/// A 256-bit set of bytes.
struct ByteSet: Hashable, Sendable {
    var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0

    init(_ range: ClosedRange<UInt8>) {
        for byte in range { insert(byte) }
    }

    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 { case 0: a |= bit; case 1: b |= bit; case 2: c |= bit; default: d |= bit }
    }

    func contains(_ byte: UInt8) -> Bool {
        let word = switch byte >> 6 { case 0: a; case 1: b; case 2: c; default: d }
        return word & (UInt64(1) << UInt64(byte & 63)) != 0
    }
}

/// Thompson construction of every kept rule's body, with inlined rules expanded in place.
struct NFA {
    var epsilon: [[Int32]] = []
    var byteEdges: [[(set: Int32, target: Int32)]] = []
    var callEdges: [[(rule: Int32, target: Int32)]] = []
    var sets: [ByteSet] = []
    var setIndex: [ByteSet: Int32] = [:]
    let bodies: [String: GrammarExpression]
    let inlined: Set<String>
    let ruleIndex: [String: Int32]

    init(bodies: [String: GrammarExpression], inlined: Set<String>, ruleIndex: [String: Int32]) {
        self.bodies = bodies
        self.inlined = inlined
        self.ruleIndex = ruleIndex
    }

    mutating func newState() -> Int32 {
        epsilon.append([])
        byteEdges.append([])
        callEdges.append([])
        return Int32(epsilon.count - 1)
    }

    mutating func byteEdge(_ from: Int32, _ range: ClosedRange<UInt8>, _ to: Int32) {
        let set = ByteSet(range)
        let index: Int32
        if let known = setIndex[set] { index = known } else {
            index = Int32(sets.count)
            sets.append(set)
            setIndex[set] = index
        }
        byteEdges[Int(from)].append((index, to))
    }

    mutating func build(_ expression: GrammarExpression, from: Int32, depth: Int) throws(GrammarError) -> Int32 {
        guard epsilon.count < GrammarAutomaton.maxStates * 4 else {
            throw GrammarError("the grammar is too large: its expansion passes \(GrammarAutomaton.maxStates * 4) states")
        }
        switch expression {
        case .literal(let bytes):
            var current = from
            for byte in bytes {
                let next = newState()
                byteEdge(current, byte...byte, next)
                current = next
            }
            return current
        case .characters(let ranges, let negated):
            return buildScalars(UTF8Sequences.scalars(ranges, negated: negated), from: from)
        case .anyCharacter:
            return buildScalars(UTF8Sequences.scalars([0...0x10FFFF], negated: false), from: from)
        case .rule(let name):
            if inlined.contains(name) { return try build(bodies[name]!, from: from, depth: depth + 1) }
            let end = newState()
            callEdges[Int(from)].append((ruleIndex[name]!, end))
            return end
        case .sequence(let items):
            var current = from
            for item in items { current = try build(item, from: current, depth: depth) }
            return current
        case .choice(let items):
            let end = newState()
            for item in items {
                let start = newState()
                epsilon[Int(from)].append(start)
                let last = try build(item, from: start, depth: depth)
                epsilon[Int(last)].append(end)
            }
            return end
        case .repeated(let item, let low, let high):
            var current = from
            for _ in 0..<low { current = try build(item, from: current, depth: depth) }
            guard let high else {
                let loop = newState()
                epsilon[Int(current)].append(loop)
                let last = try build(item, from: loop, depth: depth)
                epsilon[Int(last)].append(loop)
                return loop
            }
            // Nested optional copies, x (x (x)?)?)?, keep the automaton linear in the count.
            let end = newState()
            epsilon[Int(current)].append(end)
            for _ in low..<max(low, high) {
                current = try build(item, from: current, depth: depth)
                epsilon[Int(current)].append(end)
            }
            return end
        }
    }

    mutating func buildScalars(_ scalars: [ClosedRange<UInt32>], from: Int32) -> Int32 {
        let end = newState()
        for range in scalars {
            for sequence in UTF8Sequences.sequences(range) {
                var current = from
                for (i, bytes) in sequence.enumerated() {
                    let next = i == sequence.count - 1 ? end : newState()
                    byteEdge(current, bytes, next)
                    current = next
                }
            }
        }
        return end
    }

    /// The states reachable from `states` through empty moves, sorted.
    func closure(_ states: [Int32]) -> [Int32] {
        var seen = Set<Int32>(states)
        var work = states
        while let s = work.popLast() {
            for t in epsilon[Int(s)] where seen.insert(t).inserted { work.append(t) }
        }
        return seen.sorted()
    }
}
