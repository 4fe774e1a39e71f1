/// Keys and values of every layer for the positions seen so far, in f32.
///
/// One sequence per cache; `count` positions are filled. Layout per layer: position-major,
/// then KV head, then head dimension, so one position's keys for a head are contiguous.
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    let layers: Int
    let rowWidth: Int
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    /// Positions filled.
    public internal(set) var count = 0

    public init(architecture: DecoderArchitecture, capacity: Int) {
        self.capacity = capacity
        layers = architecture.blockCount
        rowWidth = architecture.headCountKV * architecture.headDimension
        let total = layers * capacity * rowWidth
        keys = .allocate(capacity: total)
        values = .allocate(capacity: total)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Bytes held by keys and values.
    public var byteCount: Int { 2 * layers * capacity * rowWidth * MemoryLayout<Float>.size }

    /// The first position's keys of `layer`; position `p` is `rowWidth · p` further.
    @inline(__always)
    func keys(layer: Int) -> UnsafeMutablePointer<Float> { keys + layer * capacity * rowWidth }

    @inline(__always)
    func values(layer: Int) -> UnsafeMutablePointer<Float> { values + layer * capacity * rowWidth }

    /// Writes one position's keys and values of `layer`.
    @inline(__always)
    func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        (keys(layer: layer) + position * rowWidth).update(from: key, count: rowWidth)
        (values(layer: layer) + position * rowWidth).update(from: value, count: rowWidth)
    }

    /// Forgets positions from `position` on (to reuse a common prefix).
    public func truncate(to position: Int) {
        count = min(count, max(0, position))
    }
}
