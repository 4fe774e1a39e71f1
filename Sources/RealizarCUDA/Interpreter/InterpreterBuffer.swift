import Foundation

/// Host memory standing in for one device allocation in an interpreted launch; its bounds are
/// what out-of-bounds accesses are checked against.
///
/// Every buffer has a device address of its own, `id << 40` (`KernelInterpreter.bufferShift`),
/// so that an address a kernel reads from memory (a table of caches) finds its buffer too.
public final class InterpreterBuffer: @unchecked Sendable {
    public let count: Int
    let bytes: UnsafeMutableRawPointer
    /// Unique among the process's buffers, never reused.
    public let id: UInt64

    /// `count` zero bytes.
    public init(count: Int) {
        self.count = count
        bytes = .allocate(byteCount: Swift.max(count, 1), alignment: 256)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: Swift.max(count, 1))
        id = InterpreterBuffer.registry.reserve()
        InterpreterBuffer.registry.store(self)
    }

    /// The address of byte `offset` as a kernel sees it.
    public func address(offset: Int = 0) -> UInt64 { id << KernelInterpreter.bufferShift | UInt64(offset) }

    /// The live buffer with this id, if any.
    static func buffer(id: UInt64) -> InterpreterBuffer? { registry.buffer(id) }

    private static let registry = Registry()

    private final class Registry: @unchecked Sendable {
        private struct Weak { weak var buffer: InterpreterBuffer? }
        private let lock = NSLock()
        private var next: UInt64 = 1
        private var buffers: [UInt64: Weak] = [:]

        func reserve() -> UInt64 {
            lock.lock()
            defer { lock.unlock() }
            next += 1
            return next - 1
        }

        func store(_ buffer: InterpreterBuffer) {
            lock.lock()
            buffers[buffer.id] = Weak(buffer: buffer)
            lock.unlock()
        }

        func remove(_ id: UInt64) {
            lock.lock()
            buffers[id] = nil
            lock.unlock()
        }

        func buffer(_ id: UInt64) -> InterpreterBuffer? {
            lock.lock()
            defer { lock.unlock() }
            return buffers[id]?.buffer
        }
    }

    public convenience init(_ data: [UInt8]) {
        self.init(count: data.count)
        data.withUnsafeBytes { if let base = $0.baseAddress { bytes.copyMemory(from: base, byteCount: data.count) } }
    }

    public convenience init<T>(elements: [T]) {
        self.init(count: elements.count * MemoryLayout<T>.stride)
        elements.withUnsafeBytes { if let base = $0.baseAddress { bytes.copyMemory(from: base, byteCount: $0.count) } }
    }

    deinit {
        InterpreterBuffer.registry.remove(id)
        bytes.deallocate()
    }

    public var byteArray: [UInt8] { Array(UnsafeRawBufferPointer(start: bytes, count: count)) }

    public func elements<T>(as type: T.Type) -> [T] {
        let n = count / MemoryLayout<T>.stride
        return (0..<n).map { bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.stride, as: T.self) }
    }
}
