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

    public func address(_ buffer: Int) throws -> UInt64 { buffers[buffer].address }

    /// Drops this executor's buffers (between cases, so device memory does not pile up).
    public func releaseBuffers() { buffers.removeAll() }
}
