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

/// One sequence's keys and values. The backend that made it owns its memory (`storage`); the
/// engine only counts positions.
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    /// Positions filled.
    public internal(set) var count = 0
    /// Bytes held by keys and values.
    public let byteCount: Int
    /// The backend's own representation.
    public let storage: AnyObject

    public init(capacity: Int, byteCount: Int, storage: AnyObject) {
        self.capacity = capacity
        self.byteCount = byteCount
        self.storage = storage
    }

    /// Forgets positions from `position` on (to reuse a common prefix).
    public func truncate(to position: Int) {
        count = min(count, max(0, position))
    }
}
