/// Where a model's forward pass is computed: the CPU today, a CUDA device next.
///
/// A backend takes the model's `ModelGraph` and its weights' `TensorSource` once, places the
/// weights where it computes (the CPU keeps pointers into the mapped file), and returns a
/// `PreparedModel` that runs passes. Models describe, backends compute: nothing here knows an
/// architecture, and architecture code never sees a pointer.
public protocol Backend: Sendable {
    /// Names the backend and its configuration in logs and tables (`cpu avx2`, `cuda H200`).
    var name: String { get }
    /// Whether the backend computes `operation` of `graph` (its weight types included).
    func supports(_ operation: GraphOperation, in graph: ModelGraph) -> Bool
    /// Places the weights of `graph` from `source` and the scratch its passes need.
    func prepare(_ graph: ModelGraph, weights source: any TensorSource) throws -> any PreparedModel
}

/// A model placed on a backend, ready to run forward passes. Passes run one at a time.
public protocol PreparedModel: AnyObject, Sendable {
    /// A KV cache for one sequence of up to `capacity` positions, in the backend's memory.
    func makeCache(capacity: Int) throws -> KVCache
    /// A pool of `blocks` blocks of `blockSize` positions for the caches of many sequences, in
    /// `type`. A backend that keeps one contiguous cache per sequence throws (the engine then
    /// reserves whole caches instead).
    func makePool(blocks: Int, blockSize: Int, type: KVElementType) throws -> KVPool
    /// Runs every entry's tokens at positions `cache.count ..< cache.count + tokens.count`, stores
    /// their keys and values, and writes into `logits` the logits of the rows `pass.logitRows`
    /// names, entry after entry (`vocabularySize` floats each). Does not advance `cache.count`.
    func run(_ pass: ForwardPass, into logits: inout [Float]) throws
    /// As `run`, but returns the index of each of those rows' largest logit (the lowest index
    /// among equal ones, 0 when none is above −∞): greedy decoding, where a backend need not copy
    /// the logits out of its memory.
    func runGreedy(_ pass: ForwardPass) throws -> [Int]
}

extension PreparedModel {
    public func makePool(blocks: Int, blockSize: Int, type: KVElementType) throws -> KVPool {
        throw ModelError("this backend keeps one contiguous f32 KV cache per sequence; it has no block pool")
    }

    /// The logits through `run`, their argmax on the host.
    public func runGreedy(_ pass: ForwardPass) throws -> [Int] {
        var logits: [Float] = []
        try run(pass, into: &logits)
        let rows = pass.selectedCount
        guard rows > 0 else { return [] }
        let width = logits.count / rows
        return logits.withUnsafeBufferPointer { all in
            (0..<rows).map { LogitScans.argmax(UnsafeBufferPointer(rebasing: all[($0 * width)..<(($0 + 1) * width)])) }
        }
    }
}

/// One forward pass as the backend sees it: validated entries, and which of each entry's rows
/// want logits.
public struct ForwardPass: @unchecked Sendable {
    public let entries: [SequenceBatch]
    /// For each entry, the rows (indices into its tokens) whose logits are returned.
    public let logitRows: [Range<Int>]
    /// Tokens in the pass.
    public let rowCount: Int
    /// Rows whose logits are returned.
    public var selectedCount: Int { logitRows.reduce(0) { $0 + $1.count } }
}

/// How a KV cache stores each key and value element.
public enum KVElementType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// 4 bytes per element: exact.
    case f32
    /// IEEE half precision: 2 bytes per element.
    case f16
    /// Blocks of 32 elements as one f16 scale and 32 signed bytes, as ggml's Q8_0: 34 bytes per 32.
    case q8_0

    public var description: String { rawValue }

    /// Bytes one row of `width` elements takes (for q8_0, `width` must be a multiple of 32).
    public func rowBytes(width: Int) -> Int {
        switch self {
        case .f32: 4 * width
        case .f16: 2 * width
        case .q8_0: width / 32 * 34
        }
    }
}

/// A backend's memory for the keys and values of many sequences, cut into blocks of `blockSize`
/// positions (every layer's keys and values of those positions). Which sequence holds which
/// block is the engine's bookkeeping; a ``KVCache`` made with ``cache(context:)`` names its
/// blocks in its block table, and attention reads through that table.
public final class KVPool: @unchecked Sendable {
    public let blockCount: Int
    public let blockSize: Int
    public let elementType: KVElementType
    /// Bytes one block takes: every layer's keys and values of `blockSize` positions.
    public let bytesPerBlock: Int
    /// The backend's own representation.
    public let storage: AnyObject

    public init(blockCount: Int, blockSize: Int, elementType: KVElementType, bytesPerBlock: Int, storage: AnyObject) {
        self.blockCount = blockCount
        self.blockSize = blockSize
        self.elementType = elementType
        self.bytesPerBlock = bytesPerBlock
        self.storage = storage
    }

    public var byteCount: Int { blockCount * bytesPerBlock }

    /// An empty cache whose positions will live in this pool's blocks, for a sequence of at most
    /// `context` positions; the engine appends blocks as it grows.
    public func cache(context: Int) -> KVCache {
        KVCache(context: context, blockSize: blockSize, blocks: [], bytesPerPosition: bytesPerBlock / blockSize, storage: storage)
    }
}

/// One sequence's keys and values. The backend that made it owns its memory (`storage`); the
/// engine counts positions and, for a cache in a shared ``KVPool``, says which blocks hold them.
public final class KVCache: @unchecked Sendable {
    /// The most positions the sequence may reach: settings that depend on the context length
    /// (Phi-3's long RoPE factors) read this, not the blocks held so far.
    public let context: Int
    /// Positions filled.
    public internal(set) var count = 0
    /// Positions per block; a cache of its own is one block of `context` positions.
    public let blockSize: Int
    /// The block holding positions `blockSize·i ..< blockSize·(i+1)`, for each `i`.
    public private(set) var blocks: [Int]
    /// Bytes one position's keys and values take over all layers.
    public let bytesPerPosition: Int
    /// The backend's own representation.
    public let storage: AnyObject

    /// A cache with memory of its own for `capacity` positions.
    public init(capacity: Int, byteCount: Int, storage: AnyObject) {
        context = capacity
        blockSize = capacity
        blocks = [0]
        bytesPerPosition = capacity > 0 ? byteCount / capacity : 0
        self.storage = storage
    }

    init(context: Int, blockSize: Int, blocks: [Int], bytesPerPosition: Int, storage: AnyObject) {
        self.context = context
        self.blockSize = blockSize
        self.blocks = blocks
        self.bytesPerPosition = bytesPerPosition
        self.storage = storage
    }

    /// Positions the blocks held so far can store.
    public var capacity: Int { min(context, blocks.count * blockSize) }

    /// Bytes of the blocks held.
    public var byteCount: Int { blocks.count * blockSize * bytesPerPosition }

    /// Takes `block` of its pool for the next `blockSize` positions.
    public func append(block: Int) {
        blocks.append(block)
    }

    /// Starts over with `blocks` (a stored prefix) holding the first `count` positions.
    public func reset(blocks: [Int], count: Int) {
        precondition(count <= blocks.count * blockSize, "more positions than blocks")
        self.blocks = blocks
        self.count = count
    }

    /// Forgets positions from `position` on (to reuse a common prefix).
    public func truncate(to position: Int) {
        count = min(count, max(0, position))
    }
}
