/// Where a self-test case runs its kernels: the CPU interpreter or a real GPU. Cases upload
/// inputs, launch, and read outputs back through this, so one case checks both.
public protocol KernelExecutor: AnyObject {
    /// A device buffer holding `bytes`; returns its handle.
    func buffer(_ bytes: [UInt8]) throws -> Int
    /// A zero-filled device buffer of `count` bytes.
    func zeros(_ count: Int) throws -> Int
    func launch(_ kernel: Kernel, grid: Dim3, block: Dim3, arguments: [ExecutorArgument]) throws
    func read(_ buffer: Int) throws -> [UInt8]
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

/// Runs kernels in `KernelInterpreter`.
public final class InterpreterExecutor: KernelExecutor {
    private var buffers: [InterpreterBuffer] = []

    public init() {}

    public func buffer(_ bytes: [UInt8]) throws -> Int {
        buffers.append(InterpreterBuffer(bytes))
        return buffers.count - 1
    }

    public func zeros(_ count: Int) throws -> Int {
        buffers.append(InterpreterBuffer(count: count))
        return buffers.count - 1
    }

    public func launch(_ kernel: Kernel, grid: Dim3, block: Dim3, arguments: [ExecutorArgument]) throws {
        try KernelInterpreter.launch(kernel, grid: grid, block: block, arguments: arguments.map {
            switch $0 {
            case .buffer(let index): .buffer(buffers[index])
            case .u32(let value): .u32(value)
            case .f32(let value): .f32(value)
            }
        })
    }

    public func read(_ buffer: Int) throws -> [UInt8] { buffers[buffer].byteArray }
}

/// Runs kernels on a GPU through the driver, loading each kernel once.
public final class DeviceExecutor: KernelExecutor {
    public let context: CUDAContext
    let cache: CUDAModuleCache
    private var buffers: [DeviceBuffer] = []

    public init(context: CUDAContext) {
        self.context = context
        cache = CUDAModuleCache(context: context)
    }

    public func buffer(_ bytes: [UInt8]) throws -> Int {
        buffers.append(try context.upload(bytes))
        return buffers.count - 1
    }

    public func zeros(_ count: Int) throws -> Int {
        let buffer = try context.allocate(bytes: Swift.max(1, count))
        try context.fill(buffer, byte: 0)
        buffers.append(buffer)
        return buffers.count - 1
    }

    public func launch(_ kernel: Kernel, grid: Dim3, block: Dim3, arguments: [ExecutorArgument]) throws {
        let function = try cache.function(kernel.name) { kernel }
        try context.launch(function, grid: grid, block: block, arguments: arguments.map {
            switch $0 {
            case .buffer(let index): .buffer(buffers[index])
            case .u32(let value): .u32(value)
            case .f32(let value): .f32(value)
            }
        })
        try context.synchronize()
    }

    public func read(_ buffer: Int) throws -> [UInt8] {
        try context.download(buffers[buffer], count: buffers[buffer].byteCount, as: UInt8.self)
    }

    /// Drops this executor's buffers (between cases, so device memory does not pile up).
    public func releaseBuffers() { buffers.removeAll() }
}
