/// Runs kernels on the CPU with CUDA's execution model, as a test oracle for the generated PTX:
/// a grid of blocks, each block's threads in warps of 32 with their own registers, shared memory
/// per block, `bar.sync` as a block-wide rendezvous, and warp collectives (shuffles, votes, mma)
/// that wait for every lane the member mask names.
///
/// Each thread runs on its own until it reaches a barrier or a collective; when every live lane a
/// collective needs is there, the collective executes for all of them at once. Global accesses are
/// checked against the bounds of the buffer they fall in, shared accesses against the block's shared
/// size and against other threads' accesses since the last barrier (a data race), and every
/// access against its natural alignment.
public enum KernelInterpreter {
    /// Global addresses are `buffer id << 40 | offset`, so a stray address names its buffer.
    static let bufferShift: UInt64 = 40

    public static func launch(_ kernel: Kernel, grid: Dim3, block: Dim3, arguments: [KernelArgument]) throws {
        precondition(arguments.count == kernel.parameters.count,
                     "\(kernel.name) takes \(kernel.parameters.count) arguments, got \(arguments.count)")
        precondition(block.count <= kernel.maxThreads, "\(kernel.name): block \(block) exceeds .maxntid \(kernel.maxThreads)")
        let program = DecodedKernel(kernel)
        var buffers: [InterpreterBuffer] = []
        var parameterBits: [UInt64] = []
        for (argument, parameter) in zip(arguments, kernel.parameters) {
            switch (argument, parameter.kind) {
            case (.buffer(let buffer), .pointer):
                buffers.append(buffer)
                parameterBits.append(buffer.address())
            case (.bufferAt(let buffer, let offset), .pointer):
                precondition(offset >= 0 && offset <= buffer.count, "\(kernel.name): offset \(offset) is outside a buffer of \(buffer.count) bytes")
                buffers.append(buffer)
                parameterBits.append(buffer.address(offset: offset))
            case (.u32(let value), .u32): parameterBits.append(UInt64(value))
            case (.f32(let value), .f32): parameterBits.append(UInt64(value.bitPattern))
            default: preconditionFailure("\(kernel.name): argument for \(parameter.name) has the wrong kind")
            }
        }
        var executor = BlockExecutor(program: program, block: block, grid: grid, parameters: parameterBits, buffers: buffers)
        defer { executor.deallocate() }
        for z in 0..<grid.z {
            for y in 0..<grid.y {
                for x in 0..<grid.x { try executor.run(blockIndex: Dim3(x, y, z)) }
            }
        }
    }
}
