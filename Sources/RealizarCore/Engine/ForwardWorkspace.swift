/// The scratch memory of forward passes, kept between calls so that generating a token allocates
/// nothing; it grows to the largest batch seen.
final class ForwardWorkspace {
    struct Widths {
        var model: Int
        var query: Int
        var keyValue: Int
        var feedForward: Int
        /// Gate (and Phi-3's stacked gate and up) width.
        var gate: Int
        /// Dimensions RoPE rotates per head (0 without RoPE).
        var rotary: Int
    }

    let widths: Widths
    private(set) var capacity = 0
    private var arena: UnsafeMutableRawPointer?

    /// The residual stream.
    private(set) var x = ForwardWorkspace.empty
    /// The normalised input of a sub-layer.
    private(set) var h = ForwardWorkspace.empty
    private(set) var q = ForwardWorkspace.empty
    private(set) var k = ForwardWorkspace.empty
    private(set) var v = ForwardWorkspace.empty
    /// Fused q/k/v projections before they are split.
    private(set) var qkv = ForwardWorkspace.empty
    private(set) var attention = ForwardWorkspace.empty
    private(set) var projected = ForwardWorkspace.empty
    private(set) var gate = ForwardWorkspace.empty
    private(set) var up = ForwardWorkspace.empty
    /// Per row: the cosines then the sines of its position's RoPE angles, global and local base.
    private(set) var rotaryAngles = ForwardWorkspace.empty
    private(set) var localRotaryAngles = ForwardWorkspace.empty
    /// Per batch row: which entry of the batch it belongs to, and its position in that sequence.
    private(set) var rowEntry = UnsafeMutablePointer<Int>(bitPattern: 64)!
    private(set) var rowPosition = UnsafeMutablePointer<Int>(bitPattern: 64)!

    nonisolated(unsafe) private static let empty = UnsafeMutablePointer<Float>(bitPattern: 64)!

    init(widths: Widths) {
        self.widths = widths
    }

    deinit { arena?.deallocate() }

    /// Makes room for `batch` rows.
    func reserve(_ batch: Int) {
        guard batch > capacity else { return }
        arena?.deallocate()
        let w = widths
        let floatWidths = [w.model, w.model, w.query, w.keyValue, w.keyValue, w.query + 2 * w.keyValue,
                           w.query, w.model, w.gate, w.feedForward, w.rotary, w.rotary]
        // Every buffer starts on a cache line.
        func lines(_ bytes: Int) -> Int { (bytes + 63) / 64 * 64 }
        let total = floatWidths.map { lines($0 * batch * MemoryLayout<Float>.stride) }.reduce(0, +)
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
        x = floats(w.model); h = floats(w.model)
        q = floats(w.query); k = floats(w.keyValue); v = floats(w.keyValue)
        qkv = floats(w.query + 2 * w.keyValue)
        attention = floats(w.query); projected = floats(w.model)
        gate = floats(w.gate); up = floats(w.feedForward)
        rotaryAngles = floats(w.rotary); localRotaryAngles = floats(w.rotary)
        rowEntry = take(batch * MemoryLayout<Int>.stride).bindMemory(to: Int.self, capacity: batch)
        rowPosition = take(batch * MemoryLayout<Int>.stride).bindMemory(to: Int.self, capacity: batch)
        arena = base
        capacity = batch
    }
}
