/// A kernel entry point in a loaded module (keeps its module alive).
public final class CUDAFunction: @unchecked Sendable {
    public let module: CUDAModule
    let handle: CUDADriver.Handle?
    public let name: String

    init(module: CUDAModule, handle: CUDADriver.Handle?, name: String) {
        self.module = module
        self.handle = handle
        self.name = name
    }

    /// `CUfunction_attribute` numbers.
    public enum Attribute: Int32 {
        case maxThreadsPerBlock = 0, sharedBytes = 1, localBytes = 3, registers = 4, ptxVersion = 5, binaryVersion = 6
    }

    public func attribute(_ attribute: Attribute) throws -> Int {
        var value: Int32 = 0
        let driver = module.context.driver
        try driver.check(driver.cuFuncGetAttribute(&value, attribute.rawValue, handle), "cuFuncGetAttribute(\(name), \(attribute))")
        return Int(value)
    }
}
