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

    public func address(_ buffer: Int) throws -> UInt64 { buffers[buffer].address() }
}
