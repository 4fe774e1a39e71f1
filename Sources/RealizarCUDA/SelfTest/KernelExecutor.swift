/// Where a self-test case runs its kernels: the CPU interpreter or a real GPU. Cases upload
/// inputs, launch, and read outputs back through this, so one case checks both.
public protocol KernelExecutor: AnyObject {
    /// A device buffer holding `bytes`; returns its handle.
    func buffer(_ bytes: [UInt8]) throws -> Int
    /// A zero-filled device buffer of `count` bytes.
    func zeros(_ count: Int) throws -> Int
    func launch(_ kernel: Kernel, grid: Dim3, block: Dim3, arguments: [ExecutorArgument]) throws
    func read(_ buffer: Int) throws -> [UInt8]
    /// The address a kernel sees for byte 0 of `buffer`.
    func address(_ buffer: Int) throws -> UInt64
}

public enum ExecutorArgument {
    case buffer(Int)
    case u32(UInt32)
    case f32(Float)
}

extension KernelExecutor {
    func buffer(floats: [Float]) throws -> Int { try buffer(floats.withUnsafeBytes { Array($0) }) }

    func readFloats(_ buffer: Int) throws -> [Float] {
        let bytes = try read(buffer)
        return bytes.withUnsafeBytes { raw in (0..<(bytes.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
    }
}
