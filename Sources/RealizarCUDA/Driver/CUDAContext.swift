import Foundation

/// One device's primary context and a stream on it: where buffers live and kernels run.
/// Not thread-safe: use one context from one thread (the driver's current context is per thread).
public final class CUDAContext: @unchecked Sendable {
    public let driver: CUDADriver
    public let device: Int32
    let context: CUDADriver.Handle?
    public let stream: CUDADriver.Handle?

    /// Device attributes (`CUdevice_attribute` numbers).
    enum Attribute: Int32 {
        case maxThreadsPerBlock = 1, multiprocessorCount = 16, computeCapabilityMajor = 75, computeCapabilityMinor = 76
        case memoryClockKHz = 36, memoryBusWidth = 37, l2CacheBytes = 38, maxSharedPerBlockOptin = 97
    }

    /// Retains device `ordinal`'s primary context, makes it current and creates a stream.
    public init(ordinal: Int = 0) throws {
        driver = try CUDADriver.shared()
        guard try driver.deviceCount() > ordinal else { throw CUDAError.noDevice }
        var device: Int32 = 0
        try driver.check(driver.cuDeviceGet(&device, Int32(ordinal)), "cuDeviceGet(\(ordinal))")
        self.device = device
        var context: CUDADriver.Handle?
        try driver.check(driver.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
        self.context = context
        try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        var stream: CUDADriver.Handle?
        // CU_STREAM_NON_BLOCKING: no implicit synchronisation with the legacy default stream.
        try driver.check(driver.cuStreamCreate(&stream, 1), "cuStreamCreate")
        self.stream = stream
        let major = (try? Self.attribute(.computeCapabilityMajor, driver: driver, device: device)) ?? 0
        dependentLaunch = major >= 9 && driver.cuLaunchKernelEx != nil
            && ProcessInfo.processInfo.environment["REALIZAR_CUDA_PDL"] == "1"
    }

    /// Whether kernels are emitted with dependency points and launched with programmatic stream
    /// serialization, so that each is scheduled while the one before it drains (sm_90 and later,
    /// with `REALIZAR_CUDA_PDL=1`). Off by default: measured on an H200
    /// (docs/gpu-runs/2026-12-02-pdl), it gave Gemma 3 270M's decode 5% and cost the 8B shape's
    /// decode 2% and its 512-token prefill 22%.
    public let dependentLaunch: Bool

    deinit {
        _ = driver.cuStreamDestroy(stream)
        _ = driver.cuDevicePrimaryCtxRelease(device)
    }

    /// Makes this context current on the calling thread.
    public func makeCurrent() throws { try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent") }

    public func synchronize() throws { try driver.check(driver.cuStreamSynchronize(stream), "cuStreamSynchronize") }

    func attribute(_ attribute: Attribute) throws -> Int {
        try Self.attribute(attribute, driver: driver, device: device)
    }

    static func attribute(_ attribute: Attribute, driver: CUDADriver, device: Int32) throws -> Int {
        var value: Int32 = 0
        try driver.check(driver.cuDeviceGetAttribute(&value, attribute.rawValue, device), "cuDeviceGetAttribute(\(attribute))")
        return Int(value)
    }

    public var name: String {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = driver.cuDeviceGetName(&buffer, 256, device)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    public func computeCapability() throws -> (major: Int, minor: Int) {
        (try attribute(.computeCapabilityMajor), try attribute(.computeCapabilityMinor))
    }

    public func multiprocessorCount() throws -> Int { try attribute(.multiprocessorCount) }

    public func totalMemory() throws -> Int {
        var bytes = 0
        try driver.check(driver.cuDeviceTotalMem(&bytes, device), "cuDeviceTotalMem_v2")
        return bytes
    }

    /// A one-paragraph description of the device for logs.
    public func summary() throws -> String {
        let (major, minor) = try computeCapability()
        let memory = Double(try totalMemory()) / Double(1 << 30)
        return "CUDA driver \(try driver.version()), device \(device): \(name), compute capability \(major).\(minor), "
            + "\(try multiprocessorCount()) SMs, \(String(format2: memory)) GiB, L2 \(try attribute(.l2CacheBytes) >> 20) MiB, "
            + "memory bus \(try attribute(.memoryBusWidth)) bits"
    }

    // MARK: Memory

    public func allocate(bytes: Int) throws -> DeviceBuffer { try DeviceBuffer(context: self, byteCount: bytes) }

    /// A device buffer holding `elements` (copied and synchronised).
    public func upload<T>(_ elements: [T]) throws -> DeviceBuffer {
        let buffer = try allocate(bytes: Swift.max(1, elements.count * MemoryLayout<T>.stride))
        try elements.withUnsafeBytes { bytes in
            try driver.check(driver.cuMemcpyHtoDAsync(buffer.address, bytes.baseAddress, bytes.count, stream), "cuMemcpyHtoDAsync_v2")
            try synchronize()
        }
        return buffer
    }

    /// `count` elements copied back from `buffer` (after the stream's earlier work).
    public func download<T>(_ buffer: DeviceBuffer, count: Int, as _: T.Type) throws -> [T] {
        var result = [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        try result.withUnsafeMutableBytes { bytes in
            try driver.check(driver.cuMemcpyDtoHAsync(bytes.baseAddress, buffer.address, bytes.count, stream), "cuMemcpyDtoHAsync_v2")
            try synchronize()
        }
        return result
    }

    /// Queues a copy of `bytes` to `offset` bytes into `buffer`. From pageable host memory the
    /// driver stages the bytes before it returns, so `bytes` may be reused at once.
    public func upload(_ bytes: UnsafeRawBufferPointer, to buffer: DeviceBuffer, offset: Int) throws {
        precondition(offset >= 0 && offset + bytes.count <= buffer.byteCount, "upload of \(bytes.count) bytes at \(offset) past a buffer of \(buffer.byteCount)")
        guard bytes.count > 0 else { return }
        try driver.check(driver.cuMemcpyHtoDAsync(buffer.address + UInt64(offset), bytes.baseAddress, bytes.count, stream), "cuMemcpyHtoDAsync_v2")
    }

    /// Copies bytes from `offset` bytes into `buffer` to `destination` once the stream's earlier
    /// work is done, and waits for them.
    public func download(_ buffer: DeviceBuffer, offset: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        precondition(offset >= 0 && offset + destination.count <= buffer.byteCount, "download of \(destination.count) bytes at \(offset) past a buffer of \(buffer.byteCount)")
        guard destination.count > 0 else { return try synchronize() }
        try driver.check(driver.cuMemcpyDtoHAsync(destination.baseAddress, buffer.address + UInt64(offset), destination.count, stream), "cuMemcpyDtoHAsync_v2")
        try synchronize()
    }

    public func copy(from source: DeviceBuffer, to destination: DeviceBuffer, bytes: Int) throws {
        try driver.check(driver.cuMemcpyDtoDAsync(destination.address, source.address, bytes, stream), "cuMemcpyDtoDAsync_v2")
    }

    public func fill(_ buffer: DeviceBuffer, byte: UInt8) throws {
        try driver.check(driver.cuMemsetD8Async(buffer.address, byte, buffer.byteCount, stream), "cuMemsetD8Async")
    }

    // MARK: Kernels

    /// Loads `kernel`'s PTX through the driver's JIT; a rejection carries the JIT error log.
    public func load(_ kernel: Kernel) throws -> CUDAFunction {
        let module = try CUDAModule(context: self, ptx: PTXEmitter.emit(kernel, dependentLaunch: dependentLaunch), name: kernel.name)
        return try module.function(kernel.name)
    }

    /// Launches `function` on this context's stream; `arguments` in the kernel's parameter order.
    public func launch(_ function: CUDAFunction, grid: Dim3, block: Dim3, sharedBytes: Int = 0,
                       arguments: [DeviceArgument]) throws {
        let storage = UnsafeMutablePointer<UInt64>.allocate(capacity: Swift.max(1, arguments.count))
        let pointers = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: Swift.max(1, arguments.count))
        defer {
            storage.deallocate()
            pointers.deallocate()
        }
        for (i, argument) in arguments.enumerated() {
            switch argument {
            case .buffer(let buffer): storage[i] = buffer.address
            case .address(let address): storage[i] = address
            case .u32(let value): storage[i] = UInt64(value)
            case .f32(let value): storage[i] = UInt64(value.bitPattern)
            }
            pointers[i] = UnsafeMutableRawPointer(storage + i)
        }
        if dependentLaunch, let launchEx = driver.cuLaunchKernelEx {
            try driver.check(LaunchConfiguration.withDependentLaunch(grid: grid, block: block, sharedBytes: sharedBytes, stream: stream) {
                launchEx($0, function.handle, pointers, nil)
            }, "cuLaunchKernelEx(\(function.name), grid \(grid), block \(block), programmatic stream serialization)")
            return
        }
        try driver.check(driver.cuLaunchKernel(function.handle, UInt32(grid.x), UInt32(grid.y), UInt32(grid.z),
                                               UInt32(block.x), UInt32(block.y), UInt32(block.z), UInt32(sharedBytes),
                                               stream, pointers, nil),
                         "cuLaunchKernel(\(function.name), grid \(grid), block \(block))")
    }

    // MARK: Timing

    /// Milliseconds `work` takes on the stream, measured with two events.
    public func time(_ work: () throws -> Void) throws -> Double {
        var start: CUDADriver.Handle?
        var stop: CUDADriver.Handle?
        try driver.check(driver.cuEventCreate(&start, 0), "cuEventCreate")
        defer { _ = driver.cuEventDestroy(start) }
        try driver.check(driver.cuEventCreate(&stop, 0), "cuEventCreate")
        defer { _ = driver.cuEventDestroy(stop) }
        try driver.check(driver.cuEventRecord(start, stream), "cuEventRecord")
        try work()
        try driver.check(driver.cuEventRecord(stop, stream), "cuEventRecord")
        try driver.check(driver.cuEventSynchronize(stop), "cuEventSynchronize")
        var milliseconds: Float = 0
        try driver.check(driver.cuEventElapsedTime(&milliseconds, start, stop), "cuEventElapsedTime")
        return Double(milliseconds)
    }

    // MARK: Graphs

    /// Records the launches `work` makes on the stream into a graph instead of running them.
    public func capture(_ work: () throws -> Void) throws -> CUDAGraph {
        // CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: other threads' unsafe calls do not abort this capture.
        try driver.check(driver.cuStreamBeginCapture(stream, 1), "cuStreamBeginCapture_v2")
        var graph: CUDADriver.Handle?
        do {
            try work()
        } catch {
            _ = driver.cuStreamEndCapture(stream, &graph)
            if graph != nil { _ = driver.cuGraphDestroy(graph) }
            throw error
        }
        try driver.check(driver.cuStreamEndCapture(stream, &graph), "cuStreamEndCapture")
        return try CUDAGraph(context: self, graph: graph)
    }
}

/// One argument of a device launch, matching the kernel's parameter of the same position.
public enum DeviceArgument {
    case buffer(DeviceBuffer)
    /// A device address (a buffer's address plus an offset).
    case address(CUDADriver.DevicePointer)
    case u32(UInt32)
    case f32(Float)
}

extension String {
    /// `value` with two decimals.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

/// `CUlaunchConfig` with one `CUlaunchAttribute`, laid out as cuda.h declares them: the grid and
/// block sizes and shared bytes as seven u32 (28 bytes, padded to 32), the stream at 32, the
/// attribute array at 40 and its count at 48 (56 bytes); an attribute is its u32 id padded to 8
/// bytes, then a 64-byte value union (72 bytes).
enum LaunchConfiguration {
    /// `CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION`.
    static let programmaticStreamSerialization: UInt32 = 6

    static func withDependentLaunch(grid: Dim3, block: Dim3, sharedBytes: Int, stream: CUDADriver.Handle?,
                                    _ body: (UnsafeRawPointer) -> CUDADriver.Result) -> CUDADriver.Result {
        let attribute = UnsafeMutableRawPointer.allocate(byteCount: 72, alignment: 8)
        let config = UnsafeMutableRawPointer.allocate(byteCount: 56, alignment: 8)
        defer {
            attribute.deallocate()
            config.deallocate()
        }
        attribute.initializeMemory(as: UInt8.self, repeating: 0, count: 72)
        attribute.storeBytes(of: programmaticStreamSerialization, as: UInt32.self)
        // value.programmaticStreamSerializationAllowed = 1
        attribute.storeBytes(of: Int32(1), toByteOffset: 8, as: Int32.self)
        config.initializeMemory(as: UInt8.self, repeating: 0, count: 56)
        for (index, value) in [grid.x, grid.y, grid.z, block.x, block.y, block.z, sharedBytes].enumerated() {
            config.storeBytes(of: UInt32(value), toByteOffset: 4 * index, as: UInt32.self)
        }
        config.storeBytes(of: stream, toByteOffset: 32, as: CUDADriver.Handle?.self)
        config.storeBytes(of: UnsafeRawPointer(attribute), toByteOffset: 40, as: UnsafeRawPointer.self)
        config.storeBytes(of: UInt32(1), toByteOffset: 48, as: UInt32.self)
        return body(config)
    }
}
