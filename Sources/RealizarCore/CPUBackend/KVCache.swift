/// A sequence's keys and values of every layer in host memory, in f32.
///
/// Layout per layer: position-major, then KV head, then head dimension, so one position's keys
/// for a head are contiguous.
final class CPUKVStorage: @unchecked Sendable {
    let capacity: Int
    let layers: Int
    let rowWidth: Int
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>

    init(layers: Int, rowWidth: Int, capacity: Int) {
        self.capacity = capacity
        self.layers = layers
        self.rowWidth = rowWidth
        let total = layers * capacity * rowWidth
        keys = .allocate(capacity: total)
        values = .allocate(capacity: total)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    var byteCount: Int { 2 * layers * capacity * rowWidth * MemoryLayout<Float>.size }

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
}
