import Foundation

/// A decoder-only model placed on a backend: what the engine, the CLI and the server call.
///
/// The model's `graph` (built by its architecture file) says what a pass computes; `backend`
/// computes it. This type checks every pass before it reaches the backend (tokens inside the
/// vocabulary, positions inside the context and any learned position table, each cache once)
/// and advances the caches after it. Passes run one at a time.
public final class DecoderModel: @unchecked Sendable {
    public let graph: ModelGraph
    public let backend: any Backend
    /// The backend's side of the model (for a backend's own statistics).
    public let prepared: any PreparedModel
    private let lock = NSLock()

    /// The hyper-parameters the graph was built from.
    public var architecture: DecoderArchitecture { graph.description }
    public var vocabularySize: Int { graph.vocabularySize }

    public init(graph: ModelGraph, weights: any TensorSource, backend: any Backend) throws {
        if let unsupported = graph.operations.first(where: { !backend.supports($0, in: graph) }) {
            throw ModelError("\(weights.sourceName): the \(backend.name) backend cannot compute \(unsupported)")
        }
        self.graph = graph
        self.backend = backend
        prepared = try backend.prepare(graph, weights: weights)
    }

    /// The most positions a sequence may hold: the learned position table's length for models
    /// that have one (GPT-2), nil for RoPE models.
    public var maximumContext: Int? { graph.positionLimit }

    /// The largest KV cache a sequence may ask for, in positions.
    public static let contextLimit = 1 << 24

    /// A KV cache for one sequence of up to `capacity` positions.
    public func makeCache(capacity: Int) throws -> KVCache {
        try Self.checkContext(capacity)
        return try prepared.makeCache(capacity: capacity)
    }

    private static func checkContext(_ capacity: Int) throws {
        guard capacity > 0, capacity <= contextLimit else {
            throw ModelError("a context of \(capacity) tokens is out of range (1...\(contextLimit))")
        }
    }

    /// A KV cache of its own for up to `capacity` positions, stored as `type`: f32 is the
    /// backend's plain cache; the others are one sequence's blocks of a pool of their own.
    public func makeCache(capacity: Int, type: KVElementType) throws -> KVCache {
        guard type != .f32 else { return try makeCache(capacity: capacity) }
        try Self.checkContext(capacity)
        let pool = try makePool(blocks: 1, blockSize: capacity, type: type)
        let cache = pool.cache(context: capacity)
        cache.append(block: 0)
        return cache
    }

    /// A pool of `blocks` blocks of `blockSize` positions, for the caches of many sequences.
    public func makePool(blocks: Int, blockSize: Int, type: KVElementType) throws -> KVPool {
        guard blocks > 0, blockSize > 0, blockSize <= Self.contextLimit else {
            throw ModelError("a KV pool of \(blocks) blocks of \(blockSize) positions is out of range")
        }
        return try prepared.makePool(blocks: blocks, blockSize: blockSize, type: type)
    }

    /// Which positions of a batch need logits.
    public enum LogitRows: Sendable {
        case last
        case all
        case range(Range<Int>)
    }

    /// Runs `tokens` at positions `cache.count ..< cache.count + tokens.count`, appends their keys
    /// and values to `cache`, and returns the logits of the requested batch rows, row after row.
    public func forward(_ tokens: [Int], cache: KVCache, logits rows: LogitRows = .last) throws -> [Float] {
        var logits: [Float] = []
        try forward(tokens, cache: cache, logits: rows, into: &logits)
        return logits
    }

    /// As `forward(_:cache:logits:)`, writing the logits into `logits` (resized; its storage is
    /// reused, so a decode loop that passes the same array allocates nothing).
    public func forward(_ tokens: [Int], cache: KVCache, logits rows: LogitRows = .last, into logits: inout [Float]) throws {
        let n = tokens.count
        let selected: Range<Int>
        switch rows {
        case .last: selected = max(0, n - 1)..<n
        case .all: selected = 0..<n
        case .range(let range): selected = range.clamped(to: 0..<n)
        }
        try run([SequenceBatch(cache: cache, tokens: tokens)], logitRows: { _ in selected }, into: &logits)
    }

    /// Runs every entry's tokens in one pass whose matrix products cover all of them at once.
    /// `logits` receives, for each entry that wants them, the logits of its last token
    /// (`vocabularySize` floats each, in entry order).
    public func forward(batch: [SequenceBatch], logits: inout [Float]) throws {
        try run(batch, logitRows: { entry in
            entry.wantsLogits ? (entry.tokens.count - 1)..<entry.tokens.count : 0..<0
        }, into: &logits)
    }

    /// Runs every entry's tokens in one pass; `output` receives, entry after entry, the output rows
    /// (logits, or hidden states for an embedding graph) of the rows `rows` picks for each.
    public func forward(batch: [SequenceBatch], rows: (SequenceBatch) -> Range<Int>, into output: inout [Float]) throws {
        try run(batch, logitRows: rows, into: &output)
    }

    /// As `forward(batch:logits:)`, but returns for each entry that wants logits the id of its
    /// last token's largest logit (the lowest among equals): greedy decoding without the logits
    /// leaving the backend.
    public func forwardGreedy(batch: [SequenceBatch]) throws -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        let pass = try validated(batch) { entry in entry.wantsLogits ? (entry.tokens.count - 1)..<entry.tokens.count : 0..<0 }
        let ids = try prepared.runGreedy(pass)
        for entry in batch { entry.cache.count += entry.tokens.count }
        return ids
    }

    private func run(_ batch: [SequenceBatch], logitRows: (SequenceBatch) -> Range<Int>, into logits: inout [Float]) throws {
        lock.lock()
        defer { lock.unlock() }
        try prepared.run(try validated(batch, logitRows: logitRows), into: &logits)
        for entry in batch { entry.cache.count += entry.tokens.count }
    }

    /// The pass `batch` makes, once every entry is checked.
    private func validated(_ batch: [SequenceBatch], logitRows: (SequenceBatch) -> Range<Int>) throws -> ForwardPass {
        var n = 0
        var seen = Set<ObjectIdentifier>()
        for entry in batch {
            guard !entry.tokens.isEmpty else { throw ModelError("empty batch: at least one token is needed") }
            guard seen.insert(ObjectIdentifier(entry.cache)).inserted else {
                throw ModelError("one cache appears twice in a batch")
            }
            let end = entry.cache.count + entry.tokens.count
            guard end <= entry.cache.capacity else {
                throw ModelError("the context holds \(entry.cache.capacity) tokens; \(end) were requested")
            }
            if let limit = graph.positionLimit, end > limit {
                let a = architecture
                throw ModelError("\(a.name) learned \(limit) positions (\(a.name).context_length); position \(end - 1) was requested: use a context of at most \(limit) tokens")
            }
            try Self.validate(tokens: entry.tokens, vocabulary: graph.tokenCount)
            n += entry.tokens.count
        }
        guard n > 0 else { throw ModelError("empty batch: at least one token is needed") }
        return ForwardPass(entries: batch, logitRows: batch.map(logitRows), rowCount: n)
    }

    /// Checks that every id names a row of the embedding table: the one place token ids are
    /// validated before they index memory.
    public static func validate(tokens: [Int], vocabulary: Int) throws {
        if let bad = tokens.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw ModelError("token id \(bad) is outside the vocabulary (0..<\(vocabulary))")
        }
    }
}
