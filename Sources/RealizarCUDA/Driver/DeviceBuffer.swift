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
