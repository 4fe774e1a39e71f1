import Foundation

/// Memory the CUDA backend computes on: a device allocation, or host memory standing in for one
/// when the kernels run in the interpreter.
public final class DeviceMemory: @unchecked Sendable {
    public let byteCount: Int
    enum Storage {
        case device(DeviceBuffer)
        case interpreter(InterpreterBuffer)
    }
    let storage: Storage

    init(byteCount: Int, storage: Storage) {
        self.byteCount = byteCount
        self.storage = storage
    }
}

/// One argument of a launch through a `KernelDevice`, in the kernel's parameter order.
public enum LaunchArgument {
    /// The address `offset` bytes into `memory`.
    case memory(DeviceMemory, offset: Int = 0)
    case u32(UInt32)
    case f32(Float)
}

/// Where the CUDA backend's kernels run: a GPU through the driver, or the kernel interpreter on
/// the CPU (the same kernels, checked for out-of-bounds accesses and races, for tests). Work is
/// queued in order; only `download` waits for it.
public protocol KernelDevice: AnyObject, Sendable {
    /// The device in logs and tables (`NVIDIA H200`, `interpreter`).
    var name: String { get }
    /// `bytes` of zeroed memory.
    func allocate(bytes: Int) throws -> DeviceMemory
    /// The address a kernel sees for byte 0 of `memory` (for tables of addresses in device memory).
    func address(of memory: DeviceMemory) throws -> UInt64
    /// Queues a copy of `bytes` to `offset` bytes into `memory`; `bytes` may be reused on return.
    func upload(_ bytes: UnsafeRawBufferPointer, to memory: DeviceMemory, offset: Int) throws
    /// Waits for the queued work, then copies `destination.count` bytes from `offset` into `memory`.
    func download(_ memory: DeviceMemory, offset: Int, into destination: UnsafeMutableRawBufferPointer) throws
    /// Queues `kernel` (loaded the first time a kernel of its name is launched).
    func launch(_ kernel: Kernel, grid: Dim3, block: Dim3, arguments: [LaunchArgument]) throws
    /// Binds the device to the calling thread (the driver's current context is per thread).
    func makeCurrent() throws
    /// Records the launches `work` queues, without running them, as one unit for `replay` (a CUDA
    /// graph on a GPU). `work` may only launch: every kernel it uses must have run before, and
    /// nothing may be allocated, uploaded or downloaded inside it.
    func capture(_ work: () throws -> Void) throws -> CapturedLaunches
    /// Queues every launch of `captured` again, with the arguments they were captured with.
    func replay(_ captured: CapturedLaunches) throws
}

/// Launches recorded by `KernelDevice.capture`.
public final class CapturedLaunches: @unchecked Sendable {
    enum Storage {
        case graph(CUDAGraph)
        case launches([(kernel: Kernel, grid: Dim3, block: Dim3, arguments: [KernelArgument])])
    }
    let storage: Storage
    /// Launches recorded.
    public let count: Int

    init(_ storage: Storage, count: Int) {
        self.storage = storage
        self.count = count
    }
}

/// A GPU through the CUDA driver: one context and stream, kernels loaded once by name.
public final class DriverDevice: KernelDevice, @unchecked Sendable {
    public let context: CUDAContext
    private let modules: CUDAModuleCache
    public let name: String
    private var captured = 0

    public init(ordinal: Int = 0) throws {
        context = try CUDAContext(ordinal: ordinal)
        modules = CUDAModuleCache(context: context)
        name = context.name
    }

    public func allocate(bytes: Int) throws -> DeviceMemory {
        let buffer = try context.allocate(bytes: Swift.max(1, bytes))
        try context.fill(buffer, byte: 0)
        return DeviceMemory(byteCount: bytes, storage: .device(buffer))
    }

    public func address(of memory: DeviceMemory) throws -> UInt64 { try buffer(memory).address }

    public func upload(_ bytes: UnsafeRawBufferPointer, to memory: DeviceMemory, offset: Int) throws {
        try context.upload(bytes, to: buffer(memory), offset: offset)
    }

    public func download(_ memory: DeviceMemory, offset: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        try context.download(buffer(memory), offset: offset, into: destination)
    }

    public func launch(_ kernel: Kernel, grid: Dim3, block: Dim3, arguments: [LaunchArgument]) throws {
        let function = try modules.function(kernel.name) { kernel }
        captured += 1
        try context.launch(function, grid: grid, block: block, arguments: try arguments.map {
            switch $0 {
            case .memory(let memory, let offset):
                precondition(offset >= 0 && offset <= memory.byteCount, "\(kernel.name): offset \(offset) past \(memory.byteCount) bytes")
                return .address(try buffer(memory).address + UInt64(offset))
            case .u32(let value): return .u32(value)
            case .f32(let value): return .f32(value)
            }
        })
    }

    public func makeCurrent() throws { try context.makeCurrent() }

    /// Device-to-device copy bandwidth in bytes per second, counting bytes read and written (the
    /// ceiling a memory-bound kernel is measured against): the median of 10 copies of 1 GiB.
    public func copyBandwidth() throws -> Double {
        let bytes = 1 << 30
        let source = try context.allocate(bytes: bytes), target = try context.allocate(bytes: bytes)
        try context.fill(source, byte: 0x5A)
        try context.copy(from: source, to: target, bytes: bytes)
        var seconds: [Double] = []
        for _ in 0..<10 { seconds.append(try context.time { try context.copy(from: source, to: target, bytes: bytes) } / 1000) }
        return Double(2 * bytes) / seconds.sorted()[seconds.count / 2]
    }

    public func capture(_ work: () throws -> Void) throws -> CapturedLaunches {
        captured = 0
        let graph = try context.capture(work)
        return CapturedLaunches(.graph(graph), count: captured)
    }

    public func replay(_ captured: CapturedLaunches) throws {
        guard case .graph(let graph) = captured.storage else { throw CUDAError.foreignMemory }
        try graph.launch()
    }

    private func buffer(_ memory: DeviceMemory) throws -> DeviceBuffer {
        guard case .device(let buffer) = memory.storage else { throw CUDAError.foreignMemory }
        return buffer
    }
}

/// The kernel interpreter as a device: every launch runs to completion on the calling thread,
/// with CUDA's grid, blocks, warps and shared memory, and faults on any out-of-bounds access.
public final class InterpreterDevice: KernelDevice, @unchecked Sendable {
    public let name = "interpreter"
    /// Launches being captured, instead of run.
    private var recording: [(kernel: Kernel, grid: Dim3, block: Dim3, arguments: [KernelArgument])]?

    public init() {}

    public func allocate(bytes: Int) throws -> DeviceMemory {
        DeviceMemory(byteCount: bytes, storage: .interpreter(InterpreterBuffer(count: bytes)))
    }

    public func address(of memory: DeviceMemory) throws -> UInt64 { try buffer(memory).address() }

    public func upload(_ bytes: UnsafeRawBufferPointer, to memory: DeviceMemory, offset: Int) throws {
        let target = try buffer(memory)
        precondition(offset >= 0 && offset + bytes.count <= target.count, "upload of \(bytes.count) bytes at \(offset) past \(target.count)")
        if let base = bytes.baseAddress { (target.bytes + offset).copyMemory(from: base, byteCount: bytes.count) }
    }

    public func download(_ memory: DeviceMemory, offset: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        let source = try buffer(memory)
        precondition(offset >= 0 && offset + destination.count <= source.count, "download of \(destination.count) bytes at \(offset) past \(source.count)")
        if let base = destination.baseAddress { base.copyMemory(from: source.bytes + offset, byteCount: destination.count) }
    }

    public func launch(_ kernel: Kernel, grid: Dim3, block: Dim3, arguments: [LaunchArgument]) throws {
        let converted: [KernelArgument] = try arguments.map {
            switch $0 {
            case .memory(let memory, let offset): return .bufferAt(try buffer(memory), offset: offset)
            case .u32(let value): return .u32(value)
            case .f32(let value): return .f32(value)
            }
        }
        if recording != nil {
            recording!.append((kernel, grid, block, converted))
        } else {
            try KernelInterpreter.launch(kernel, grid: grid, block: block, arguments: converted)
        }
    }

    public func makeCurrent() throws {}

    public func capture(_ work: () throws -> Void) throws -> CapturedLaunches {
        precondition(recording == nil, "captures do not nest")
        recording = []
        defer { recording = nil }
        try work()
        return CapturedLaunches(.launches(recording!), count: recording!.count)
    }

    public func replay(_ captured: CapturedLaunches) throws {
        guard case .launches(let launches) = captured.storage else { throw CUDAError.foreignMemory }
        for launch in launches {
            try KernelInterpreter.launch(launch.kernel, grid: launch.grid, block: launch.block, arguments: launch.arguments)
        }
    }

    private func buffer(_ memory: DeviceMemory) throws -> InterpreterBuffer {
        guard case .interpreter(let buffer) = memory.storage else { throw CUDAError.foreignMemory }
        return buffer
    }
}
