/// A device allocation (`cuMemAlloc_v2`), freed when the last reference goes.
public final class DeviceBuffer: @unchecked Sendable {
    public let address: CUDADriver.DevicePointer
    public let byteCount: Int
    let context: CUDAContext

    init(context: CUDAContext, byteCount: Int) throws {
        var address: CUDADriver.DevicePointer = 0
        try context.driver.check(context.driver.cuMemAlloc(&address, byteCount), "cuMemAlloc_v2(\(byteCount) bytes)")
        self.address = address
        self.byteCount = byteCount
        self.context = context
    }

    deinit { _ = context.driver.cuMemFree(address) }
}

/// Page-locked host memory (`cuMemAllocHost_v2`), for copies that overlap with kernels.
public final class PinnedHostBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int
    let driver: CUDADriver

    public init(context: CUDAContext, byteCount: Int) throws {
        var pointer: UnsafeMutableRawPointer?
        try context.driver.check(context.driver.cuMemAllocHost(&pointer, byteCount), "cuMemAllocHost_v2(\(byteCount) bytes)")
        self.pointer = pointer!
        self.byteCount = byteCount
        driver = context.driver
    }

    deinit { _ = driver.cuMemFreeHost(pointer) }
}
