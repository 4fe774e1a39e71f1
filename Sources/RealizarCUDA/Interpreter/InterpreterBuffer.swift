/// Host memory standing in for one device allocation in an interpreted launch; its bounds are
/// what out-of-bounds accesses are checked against.
public final class InterpreterBuffer {
    public let count: Int
    let bytes: UnsafeMutableRawPointer

    /// `count` zero bytes.
    public init(count: Int) {
        self.count = count
        bytes = .allocate(byteCount: Swift.max(count, 1), alignment: 256)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: Swift.max(count, 1))
    }

    public convenience init(_ data: [UInt8]) {
        self.init(count: data.count)
        data.withUnsafeBytes { if let base = $0.baseAddress { bytes.copyMemory(from: base, byteCount: data.count) } }
    }

    public convenience init<T>(elements: [T]) {
        self.init(count: elements.count * MemoryLayout<T>.stride)
        elements.withUnsafeBytes { if let base = $0.baseAddress { bytes.copyMemory(from: base, byteCount: $0.count) } }
    }

    deinit { bytes.deallocate() }

    public var byteArray: [UInt8] { Array(UnsafeRawBufferPointer(start: bytes, count: count)) }

    public func elements<T>(as type: T.Type) -> [T] {
        let n = count / MemoryLayout<T>.stride
        return (0..<n).map { bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.stride, as: T.self) }
    }
}
