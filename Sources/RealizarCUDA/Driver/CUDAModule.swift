/// A PTX module JIT-compiled by the driver (`cuModuleLoadDataEx`), with its error and info logs
/// captured so that a rejected kernel says why.
public final class CUDAModule: @unchecked Sendable {
    let handle: CUDADriver.Handle?
    let context: CUDAContext
    public let name: String
    /// The JIT's info log (register use and the like).
    public let infoLog: String

    // CUjit_option numbers.
    private static let infoLogBuffer: Int32 = 3, infoLogSize: Int32 = 4, errorLogBuffer: Int32 = 5, errorLogSize: Int32 = 6
    private static let logVerbose: Int32 = 12

    public init(context: CUDAContext, ptx: String, name: String) throws {
        self.context = context
        self.name = name
        let logSize = 16 * 1024
        let errorLog = UnsafeMutablePointer<CChar>.allocate(capacity: logSize)
        let infoLog = UnsafeMutablePointer<CChar>.allocate(capacity: logSize)
        defer {
            errorLog.deallocate()
            infoLog.deallocate()
        }
        errorLog.initialize(repeating: 0, count: logSize)
        infoLog.initialize(repeating: 0, count: logSize)
        var options: [Int32] = [Self.errorLogBuffer, Self.errorLogSize, Self.infoLogBuffer, Self.infoLogSize, Self.logVerbose]
        // Sizes and flags travel in the pointer-sized value slots themselves.
        var values: [UnsafeMutableRawPointer?] = [
            UnsafeMutableRawPointer(errorLog), UnsafeMutableRawPointer(bitPattern: logSize),
            UnsafeMutableRawPointer(infoLog), UnsafeMutableRawPointer(bitPattern: logSize),
            UnsafeMutableRawPointer(bitPattern: 1),
        ]
        var module: CUDADriver.Handle?
        let driver = context.driver
        let result = ptx.withCString { source in
            driver.cuModuleLoadDataEx(&module, source, UInt32(options.count), &options, &values)
        }
        guard result == 0 else {
            let (errorName, _) = driver.describe(result)
            throw CUDAError.jit(kernel: name, code: result, name: errorName, log: String(cString: errorLog))
        }
        handle = module
        self.infoLog = String(cString: infoLog)
    }

    deinit { _ = context.driver.cuModuleUnload(handle) }

    public func function(_ name: String) throws -> CUDAFunction {
        var function: CUDADriver.Handle?
        try context.driver.check(context.driver.cuModuleGetFunction(&function, handle, name), "cuModuleGetFunction(\(name))")
        return CUDAFunction(module: self, handle: function, name: name)
    }
}
