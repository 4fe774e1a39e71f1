/// Where a text stands in a grammar, advanced byte by byte: whether a byte may come next, whether
/// the text so far is a complete match, and which tokens of a vocabulary may come next.
///
/// The position is a set of stacks (several while the grammar is ambiguous so far), each a state
/// of the automaton over frames interned in an arena. A value type; copying it is cheap until
/// one copy advances.
public struct GrammarMatcher: Sendable {
    public let grammar: CompiledGrammar
    /// The most frames a stack may hold; what bounds nesting in recursive grammars.
    public let maxDepth: Int
    private var arena = StackArena()
    private var tops: [StackTop]
    private var stepper: StackStepper
    private var scratch: [StackTop] = []
    private var scratch2: [StackTop] = []
    /// Some stack can end the grammar here: the text so far is a complete match.
    public private(set) var canEnd = false
    /// The text is a complete match and no byte may follow it.
    public private(set) var mustEnd = false

    static let uncertainWalkThreshold = 3000

    public init(_ grammar: CompiledGrammar, maxDepth: Int = 512) {
        self.grammar = grammar
        self.maxDepth = max(1, maxDepth)
        tops = [StackTop(state: grammar.automaton.ruleStart[Int(grammar.automaton.rootRule)], parent: StackTop.bottom)]
        stepper = StackStepper(grammar.automaton)
        updateEnd()
    }

    /// Takes one byte; false (and the position unchanged) when no match can continue with it.
    @discardableResult
    public mutating func advance(_ byte: UInt8) -> Bool {
        let mark = arena.count
        scratch.removeAll(keepingCapacity: true)
        var escaped = false
        let byteClass = Int(grammar.automaton.classOf[Int(byte)])
        tops.withUnsafeBufferPointer {
            stepper.step($0, byteClass: byteClass, arena: &arena, maxDepth: Int32(maxDepth), into: &scratch, escaped: &escaped)
        }
        guard !scratch.isEmpty else {
            arena.rollback(to: mark)
            return false
        }
        swap(&tops, &scratch)
        updateEnd()
        return true
    }

    /// Takes all of `bytes`, or none of them (false) when some byte does not fit.
    @discardableResult
    public mutating func advance(_ bytes: some Collection<UInt8>) -> Bool {
        guard accepts(bytes) else { return false }
        for byte in bytes { advance(byte) }
        return true
    }

    /// Whether `bytes` may follow the text so far.
    public func accepts(_ bytes: some Collection<UInt8>) -> Bool {
        var copy = self
        return copy.check(tops, bytes)
    }

    /// Whether the bytes fit after the stacks `from`; leaves the arena as it was.
    private mutating func check(_ from: [StackTop], _ bytes: some Collection<UInt8>) -> Bool {
        let mark = arena.count
        defer { arena.rollback(to: mark) }
        scratch2.removeAll(keepingCapacity: true)
        scratch2.append(contentsOf: from)
        for byte in bytes {
            scratch.removeAll(keepingCapacity: true)
            var escaped = false
            let byteClass = Int(grammar.automaton.classOf[Int(byte)])
            scratch2.withUnsafeBufferPointer {
                stepper.step($0, byteClass: byteClass, arena: &arena, maxDepth: Int32(maxDepth), into: &scratch, escaped: &escaped)
            }
            if scratch.isEmpty { return false }
            swap(&scratch, &scratch2)
        }
        return true
    }

    private mutating func updateEnd() {
        canEnd = tops.contains { stepper.canEnd($0, arena: arena) }
        guard canEnd else {
            mustEnd = false
            return
        }
        let mark = arena.count
        defer { arena.rollback(to: mark) }
        var escaped = false
        for byteClass in 0..<grammar.automaton.classCount {
            scratch.removeAll(keepingCapacity: true)
            tops.withUnsafeBufferPointer {
                stepper.step($0, byteClass: byteClass, arena: &arena, maxDepth: Int32(maxDepth), into: &scratch, escaped: &escaped)
            }
            if !scratch.isEmpty {
                mustEnd = false
                return
            }
        }
        mustEnd = true
    }

    /// Sets in `mask` (``GrammarTokenMasks/words`` words, bit `id` for token `id`) exactly the
    /// tokens of `vocabulary` that may come next, end-of-generation tokens where the text can end.
    /// `masks` must belong to this matcher's grammar.
    public mutating func fillMask(_ masks: GrammarTokenMasks, vocabulary: TokenVocabulary, into mask: inout [UInt64]) {
        precondition(masks.grammar === grammar, "the masks belong to another grammar")
        if mask.count != masks.words { mask = [UInt64](repeating: 0, count: masks.words) }
        mask.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        for top in tops {
            let entry = masks.entry(for: top, in: arena, vocabulary: vocabulary)
            // Near the depth limit the cached masks may allow a push too many, and a long
            // uncertain list costs more checked token by token than walked in the trie.
            if Int(arena.depth(of: top) + entry.reach) > maxDepth || entry.uncertain.count > Self.uncertainWalkThreshold {
                var none: [Int32] = []
                _ = GrammarTokenMasks.classify(grammar.automaton, vocabulary: vocabulary, start: top, arena: &arena,
                                               maxDepth: Int32(maxDepth), accepted: &mask, uncertain: &none)
                continue
            }
            mask.withUnsafeMutableBufferPointer { bits in
                entry.accepted.withUnsafeBufferPointer { accepted in
                    for w in 0..<bits.count { bits[w] |= accepted[w] }
                }
            }
            let single = [top]
            for token in entry.uncertain {
                let id = Int(token)
                if mask[id >> 6] & (1 << UInt64(id & 63)) != 0 { continue }
                let fits = vocabulary.withPiece(id) { check(single, $0) }
                if fits { mask[id >> 6] |= 1 << UInt64(id & 63) }
            }
        }
        if canEnd {
            for id in vocabulary.endOfGeneration where Int(id) < masks.words * 64 { mask[Int(id) >> 6] |= 1 << UInt64(id & 63) }
        }
    }
}
