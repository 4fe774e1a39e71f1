import Foundation
import RealizarTokenizers

/// A model's vocabulary as bytes, built once per model: every token's bytes in one flat buffer,
/// and a byte trie over them (tokens sorted by their bytes, the trie in preorder) so that a token
/// mask walks shared prefixes once instead of each token's bytes from the start.
public final class TokenVocabulary: @unchecked Sendable {
    private let bytes: [UInt8]
    private let offsets: [Int32]
    /// Ids of the end-of-generation tokens (allowed under a grammar only where it can end).
    public let endOfGeneration: [Int32]

    // The trie, in preorder. Node `i` holds `trieByte[i]` at depth `trieDepth[i]` (1 for a first
    // byte); its subtree is nodes `i..<trieEnd[i]`, and the tokens through it are
    // `sortedTokens[trieTokenStart[i]..<trieTokenStart[trieEnd[i]]]`, those ending at it first.
    let trieByte: [UInt8]
    let trieDepth: [Int32]
    let trieEnd: [Int32]
    let trieTokenStart: [Int32]
    let trieTokensEnding: [Int32]
    let sortedTokens: [Int32]
    let maxTokenLength: Int

    private let lock = NSLock()
    // Each entry holds its grammar, so an identifier is never reused while it is here.
    private var grammars: [ObjectIdentifier: GrammarTokenMasks] = [:]
    private var grammarOrder: [ObjectIdentifier] = []

    public convenience init(tokenizer: any Tokenizer) {
        var pieces: [[UInt8]] = []
        var endOfGeneration: [Int32] = []
        pieces.reserveCapacity(tokenizer.vocabularySize)
        for id in 0..<tokenizer.vocabularySize {
            pieces.append(tokenizer.piece(id, renderSpecial: false))
            if tokenizer.isEndOfGeneration(id) { endOfGeneration.append(Int32(id)) }
        }
        self.init(pieces: pieces, endOfGeneration: endOfGeneration)
    }

    /// A vocabulary of these token byte strings (id = index); empty pieces are never allowed.
    public init(pieces: [[UInt8]], endOfGeneration: [Int32] = []) {
        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(pieces.count + 1)
        for piece in pieces {
            bytes.append(contentsOf: piece)
            offsets.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.offsets = offsets
        self.endOfGeneration = endOfGeneration

        let eog = Set(endOfGeneration)
        var sorted = (0..<pieces.count).filter { !pieces[$0].isEmpty && !eog.contains(Int32($0)) }
        sorted.sort { pieces[$0].lexicographicallyPrecedes(pieces[$1]) }
        var trieByte: [UInt8] = [], trieDepth: [Int32] = [], trieEnd: [Int32] = []
        var trieTokenStart: [Int32] = [], trieTokensEnding: [Int32] = []
        var path: [Int] = []  // node index at each depth - 1
        var previous: [UInt8] = []
        var longest = 0
        for (position, id) in sorted.enumerated() {
            let piece = pieces[id]
            longest = max(longest, piece.count)
            var common = 0
            while common < min(piece.count, previous.count, path.count) && piece[common] == previous[common] { common += 1 }
            while path.count > common { trieEnd[path.removeLast()] = Int32(trieByte.count) }
            for depth in common..<piece.count {
                path.append(trieByte.count)
                trieByte.append(piece[depth])
                trieDepth.append(Int32(depth + 1))
                trieEnd.append(0)
                trieTokenStart.append(Int32(position))
                trieTokensEnding.append(0)
            }
            trieTokensEnding[path[piece.count - 1]] += 1
            previous = piece
        }
        while let node = path.popLast() { trieEnd[node] = Int32(trieByte.count) }
        trieTokenStart.append(Int32(sorted.count))
        self.trieByte = trieByte
        self.trieDepth = trieDepth
        self.trieEnd = trieEnd
        self.trieTokenStart = trieTokenStart
        self.trieTokensEnding = trieTokensEnding
        self.sortedTokens = sorted.map { Int32($0) }
        self.maxTokenLength = longest
    }

    /// Number of token ids.
    public var count: Int { offsets.count - 1 }
    /// Nodes of the byte trie (shared prefixes counted once).
    public var trieNodeCount: Int { trieByte.count }

    /// Calls `body` with token `id`'s bytes (empty for control tokens and ids outside the table).
    @inline(__always)
    public func withPiece<R>(_ id: Int, _ body: (ArraySlice<UInt8>) -> R) -> R {
        guard id >= 0, id < count else { return body([]) }
        return body(bytes[Int(offsets[id])..<Int(offsets[id + 1])])
    }

    /// The token masks of `grammar` over this vocabulary, kept for the 32 most recently used
    /// grammars, so that a schema sent again finds its masks already computed.
    public func masks(for grammar: CompiledGrammar) -> GrammarTokenMasks {
        let key = ObjectIdentifier(grammar)
        lock.lock()
        defer { lock.unlock() }
        if let known = grammars[key] {
            grammarOrder.removeAll { $0 == key }
            grammarOrder.append(key)
            return known
        }
        let made = GrammarTokenMasks(grammar: grammar, vocabularySize: count)
        grammars[key] = made
        grammarOrder.append(key)
        if grammarOrder.count > 32 { grammars[grammarOrder.removeFirst()] = nil }
        return made
    }
}

/// A grammar ready to match: parsed, checked and compiled to its automaton. Immutable; shared by
/// every sequence that uses it.
public final class CompiledGrammar: Sendable {
    let automaton: GrammarAutomaton

    public init(_ grammar: Grammar) throws(GrammarError) {
        automaton = try GrammarAutomaton(grammar)
    }

    /// Automaton states, a measure of the grammar's size.
    public var stateCount: Int { automaton.stateCount }
}
