/// One stack of a matcher's position: the state on top, and the frames below it as an interned
/// node (so equal stacks have equal parents and a set of stacks stays small).
struct StackTop: Equatable, Sendable {
    var state: Int32
    /// A node in the arena, ``StackTop/bottom`` (nothing below: the grammar's end) or
    /// ``StackTop/outside`` (unknown frames below, while precomputing a state's token masks).
    var parent: Int32

    static let bottom: Int32 = -1
    static let outside: Int32 = -2
}

/// The frames below stack tops: a node is a state to resume and the node below it. Nodes are
/// interned, and a mark/rollback pair undoes what a trial advance added.
struct StackArena: Sendable {
    struct Node: Sendable {
        var state: Int32
        var parent: Int32
        var depth: Int32
    }

    private(set) var nodes: [Node] = []
    private var index: [UInt64: Int32] = [:]

    var count: Int { nodes.count }

    @inline(__always)
    func depth(of top: StackTop) -> Int32 { top.parent >= 0 ? nodes[Int(top.parent)].depth + 1 : 1 }

    @inline(__always)
    private static func key(_ state: Int32, _ parent: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: state)) << 32 | UInt64(UInt32(bitPattern: parent))
    }

    mutating func node(state: Int32, parent: Int32) -> Int32 {
        let key = Self.key(state, parent)
        if let known = index[key] { return known }
        let depth = parent >= 0 ? nodes[Int(parent)].depth + 1 : 1
        let id = Int32(nodes.count)
        nodes.append(Node(state: state, parent: parent, depth: depth))
        index[key] = id
        return id
    }

    mutating func rollback(to count: Int) {
        guard nodes.count > count else { return }
        for node in nodes[count...] { index.removeValue(forKey: Self.key(node.state, node.parent)) }
        nodes.removeLast(nodes.count - count)
    }

    mutating func removeAll() {
        nodes.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
    }
}

/// Advancing sets of stacks by one byte: the byte moves a top along its rule, or enters a rule the
/// top calls (pushing where to resume), or, where the top's rule can end, continues in the rule
/// below. Scratch buffers live here so that steps do not allocate.
struct StackStepper {
    let automaton: GrammarAutomaton
    var work: [StackTop] = []
    var seen: [StackTop] = []

    init(_ automaton: GrammarAutomaton) { self.automaton = automaton }

    /// Appends to `output` every stack `tops` become after a byte of class `byteClass`; sets
    /// `escaped` when some stack would continue below an ``StackTop/outside`` parent.
    @inline(__always)
    mutating func step(_ tops: UnsafeBufferPointer<StackTop>, byteClass: Int, arena: inout StackArena, maxDepth: Int32,
                       into output: inout [StackTop], escaped: inout Bool) {
        let classCount = automaton.classCount
        automaton.next.withUnsafeBufferPointer { next in
            for top in tops {
                let s = Int(top.state)
                // The common case: no calls to follow and no end to pop past.
                if automaton.callOffsets[s] == automaton.callOffsets[s + 1] && !automaton.isFinal[s] {
                    let target = next[s * classCount + byteClass]
                    if target >= 0 { Self.insert(StackTop(state: target, parent: top.parent), into: &output) }
                    continue
                }
                work.removeAll(keepingCapacity: true)
                seen.removeAll(keepingCapacity: true)
                work.append(top)
                while let current = work.popLast() {
                    if seen.contains(current) { continue }
                    seen.append(current)
                    let state = Int(current.state)
                    let target = next[state * classCount + byteClass]
                    if target >= 0 { Self.insert(StackTop(state: target, parent: current.parent), into: &output) }
                    let callRange = Int(automaton.callOffsets[state])..<Int(automaton.callOffsets[state + 1])
                    if !callRange.isEmpty && arena.depth(of: current) < maxDepth {
                        for call in automaton.calls[callRange] {
                            let frame = arena.node(state: call.returnState, parent: current.parent)
                            work.append(StackTop(state: automaton.ruleStart[Int(call.rule)], parent: frame))
                        }
                    }
                    if automaton.isFinal[state] {
                        if current.parent >= 0 {
                            let below = arena.nodes[Int(current.parent)]
                            work.append(StackTop(state: below.state, parent: below.parent))
                        } else if current.parent == StackTop.outside {
                            escaped = true
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func insert(_ top: StackTop, into output: inout [StackTop]) {
        if !output.contains(top) { output.append(top) }
    }

    /// Whether some stack can end the whole grammar here (every frame's rule can end without
    /// consuming more).
    func canEnd(_ top: StackTop, arena: StackArena) -> Bool {
        var current = top
        while true {
            guard automaton.canEndEmpty[Int(current.state)] else { return false }
            if current.parent < 0 { return current.parent == StackTop.bottom }
            let below = arena.nodes[Int(current.parent)]
            current = StackTop(state: below.state, parent: below.parent)
        }
    }
}
