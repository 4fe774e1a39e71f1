import Foundation

/// The token masks of one grammar's automaton states over one vocabulary, computed on first need
/// and kept (after xgrammar's adaptive token mask cache).
///
/// For a state alone, with unknown frames below it, each token is accepted (some path consumes
/// all its bytes inside the state's rule or rules it calls), rejected (every path fails inside),
/// or uncertain (some path reaches the end of the state's rule mid-token, so what follows depends
/// on the frames below). A step's mask is then the accepted set of each stack's top state, plus
/// the uncertain tokens that check out against the real stack: usually a few hundred tokens
/// instead of the whole vocabulary.
public final class GrammarTokenMasks: @unchecked Sendable {
    public let grammar: CompiledGrammar
    /// 64-bit words in a mask of the vocabulary.
    public let words: Int

    struct Entry {
        /// Bit `id` set: token `id` is accepted from the key's stack whatever lies below it.
        var accepted: [UInt64]
        var uncertain: [Int32]
        /// How many frames an accepted token's stacks can push above the key's top.
        var reach: Int32
    }

    /// How many frames of a stack key a mask: most tokens that end the top rule are decided by
    /// the rule below it, so keying by the top states alone would leave them uncertain.
    static let keyFrames = 3

    private let lock = NSLock()
    private var entries: [[Int32]: Entry] = [:]
    private var arena = StackArena()
    private var secondsSpent = 0.0

    public init(grammar: CompiledGrammar, vocabularySize: Int) {
        self.grammar = grammar
        words = (vocabularySize + 63) / 64
    }

    /// Stack keys whose masks are computed, and the seconds that took.
    public var statistics: (entries: Int, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        return (entries.count, secondsSpent)
    }

    /// The mask entry of `top`'s upper frames (in `stacks`).
    func entry(for top: StackTop, in stacks: StackArena, vocabulary: TokenVocabulary) -> Entry {
        var key: [Int32] = [top.state]
        var parent = top.parent
        while parent >= 0 && key.count < Self.keyFrames {
            let node = stacks.nodes[Int(parent)]
            key.append(node.state)
            parent = node.parent
        }
        key.append(parent >= 0 ? StackTop.outside : parent)
        lock.lock()
        defer { lock.unlock() }
        if let known = entries[key] { return known }
        let started = DispatchTime.now().uptimeNanoseconds
        arena.removeAll()
        var below = key.last!
        for state in key.dropFirst().dropLast().reversed() { below = arena.node(state: state, parent: below) }
        let start = StackTop(state: key[0], parent: below)
        var accepted = [UInt64](repeating: 0, count: words)
        var uncertain: [Int32] = []
        let deepest = Self.classify(grammar.automaton, vocabulary: vocabulary, start: start, arena: &arena, maxDepth: .max,
                                    accepted: &accepted, uncertain: &uncertain)
        let entry = Entry(accepted: accepted, uncertain: uncertain, reach: deepest - arena.depth(of: start))
        entries[key] = entry
        secondsSpent += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return entry
    }

    /// Walks the vocabulary's trie from the stack `start`, setting the bits of accepted tokens and
    /// listing uncertain ones; subtrees every path rejects are skipped whole. Returns the deepest
    /// stack an accepted path reached. Leaves `arena` as it found it.
    static func classify(_ automaton: GrammarAutomaton, vocabulary: TokenVocabulary, start: StackTop, arena: inout StackArena,
                         maxDepth: Int32, accepted: inout [UInt64], uncertain: inout [Int32]) -> Int32 {
        let levelCount = vocabulary.maxTokenLength + 1
        var levels = [[StackTop]](repeating: [], count: levelCount)
        var escapedAt = [Bool](repeating: false, count: levelCount)
        var marks = [Int](repeating: 0, count: levelCount + 1)
        let initialCount = arena.count
        levels[0] = [start]
        marks[1] = initialCount
        var output: [StackTop] = []
        var stepper = StackStepper(automaton)
        var reach = arena.depth(of: start)
        let nodeCount = vocabulary.trieNodeCount
        vocabulary.trieByte.withUnsafeBufferPointer { trieByte in
        vocabulary.trieDepth.withUnsafeBufferPointer { trieDepth in
        vocabulary.trieEnd.withUnsafeBufferPointer { trieEnd in
        vocabulary.trieTokenStart.withUnsafeBufferPointer { tokenStart in
        vocabulary.trieTokensEnding.withUnsafeBufferPointer { tokensEnding in
        vocabulary.sortedTokens.withUnsafeBufferPointer { sortedTokens in
        automaton.classOf.withUnsafeBufferPointer { classOf in
            var i = 0
            while i < nodeCount {
                let depth = Int(trieDepth[i])
                arena.rollback(to: marks[depth])
                output.removeAll(keepingCapacity: true)
                var escaped = false
                levels[depth - 1].withUnsafeBufferPointer {
                    stepper.step($0, byteClass: Int(classOf[Int(trieByte[i])]), arena: &arena, maxDepth: maxDepth,
                                 into: &output, escaped: &escaped)
                }
                escaped = escaped || escapedAt[depth - 1]
                let end = Int(trieEnd[i])
                if output.isEmpty {
                    if escaped {
                        for k in Int(tokenStart[i])..<Int(tokenStart[end]) { uncertain.append(sortedTokens[k]) }
                    }
                    i = end
                    continue
                }
                let first = Int(tokenStart[i])
                for k in first..<first + Int(tokensEnding[i]) {
                    let id = Int(sortedTokens[k])
                    accepted[id >> 6] |= 1 << UInt64(id & 63)
                }
                for top in output where top.parent >= 0 { reach = max(reach, arena.depth(of: top)) }
                swap(&levels[depth], &output)
                escapedAt[depth] = escaped
                marks[depth + 1] = arena.count
                i += 1
            }
        }}}}}}}
        arena.rollback(to: initialCount)
        return reach
    }
}
