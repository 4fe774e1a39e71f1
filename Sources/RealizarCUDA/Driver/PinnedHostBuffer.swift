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
