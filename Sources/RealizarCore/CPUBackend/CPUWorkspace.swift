/// The scratch memory of a graph's passes on the CPU, kept between calls so that generating a
/// token allocates nothing; it grows to the largest batch seen. One buffer per graph tensor (the
/// graph already reuses tensors across layers), each on its own cache line.
final class CPUWorkspace {
    private let widths: [Int]
    private let rotations: [RotaryEmbedding]
    private(set) var capacity = 0
    private var arena: UnsafeMutableRawPointer?
    /// Per graph tensor (the logits, index 0, live in the caller's array instead).
    private(set) var tensors: [UnsafeMutablePointer<Float>] = []
    /// Per RoPE setting of the graph, per row: the cosines then the sines of its position's angles.
    private(set) var angles: [UnsafeMutablePointer<Float>] = []
    /// A row of the model's width, for embedding lookups.
    private(set) var row = CPUWorkspace.empty
    /// Per batch row: which entry of the batch it belongs to, and its position in that sequence.
    private(set) var rowEntry = UnsafeMutablePointer<Int>(bitPattern: 64)!
    private(set) var rowPosition = UnsafeMutablePointer<Int>(bitPattern: 64)!

    nonisolated(unsafe) private static let empty = UnsafeMutablePointer<Float>(bitPattern: 64)!

    init(graph: ModelGraph) {
        widths = graph.tensors.map(\.width)
        rotations = graph.rotations
        tensors = Array(repeating: Self.empty, count: widths.count)
        angles = Array(repeating: Self.empty, count: rotations.count)
    }

    deinit { arena?.deallocate() }

    /// Makes room for `batch` rows.
    func reserve(_ batch: Int) {
        guard batch > capacity else { return }
        arena?.deallocate()
        func lines(_ bytes: Int) -> Int { (bytes + 63) / 64 * 64 }
        let rowWidth = widths.max() ?? 0
        let floatWidths = widths.dropFirst() + rotations.map(\.dimensions)
        let total = floatWidths.map { lines($0 * batch * MemoryLayout<Float>.stride) }.reduce(0, +)
            + lines(rowWidth * MemoryLayout<Float>.stride)
            + 2 * lines(batch * MemoryLayout<Int>.stride)
        let base = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 64)
        var offset = 0
        func take(_ bytes: Int) -> UnsafeMutableRawPointer {
            defer { offset += lines(bytes) }
            return base + offset
        }
        func floats(_ width: Int) -> UnsafeMutablePointer<Float> {
            take(width * batch * MemoryLayout<Float>.stride).bindMemory(to: Float.self, capacity: width * batch)
        }
        for index in widths.indices.dropFirst() { tensors[index] = floats(widths[index]) }
        for index in rotations.indices { angles[index] = floats(rotations[index].dimensions) }
        row = take(rowWidth * MemoryLayout<Float>.stride).bindMemory(to: Float.self, capacity: rowWidth)
        rowEntry = take(batch * MemoryLayout<Int>.stride).bindMemory(to: Int.self, capacity: batch)
        rowPosition = take(batch * MemoryLayout<Int>.stride).bindMemory(to: Int.self, capacity: batch)
        arena = base
        capacity = batch
    }
}
