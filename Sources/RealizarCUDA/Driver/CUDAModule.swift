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

/// Kernels generated once per key (kernel name plus its shape and type parameters) and loaded once.
public final class CUDAModuleCache: @unchecked Sendable {
    let context: CUDAContext
    private var functions: [String: CUDAFunction] = [:]

    public init(context: CUDAContext) { self.context = context }

    /// The loaded function for `key`, generating it with `make` the first time.
    public func function(_ key: String, make: () -> Kernel) throws -> CUDAFunction {
        if let function = functions[key] { return function }
        let function = try context.load(make())
        functions[key] = function
        return function
    }
}

/// An executable graph of captured launches (`cuGraphInstantiateWithFlags`).
public final class CUDAGraph: @unchecked Sendable {
    let context: CUDAContext
    private(set) var graph: CUDADriver.Handle?
    let executable: CUDADriver.Handle?

    init(context: CUDAContext, graph: CUDADriver.Handle?) throws {
        self.context = context
        self.graph = graph
        var executable: CUDADriver.Handle?
        try context.driver.check(context.driver.cuGraphInstantiateWithFlags(&executable, graph, 0), "cuGraphInstantiateWithFlags")
        self.executable = executable
    }

    deinit {
        _ = context.driver.cuGraphExecDestroy(executable)
        _ = context.driver.cuGraphDestroy(graph)
    }

    public func launch() throws {
        try context.driver.check(context.driver.cuGraphLaunch(executable, context.stream), "cuGraphLaunch")
    }

    /// Updates the executable graph in place to `other`'s parameters (same topology), as decode
    /// steps with new positions do; returns false when the driver says a re-instantiation is needed.
    public func update(from other: CUDAGraph) throws -> Bool {
        // CUgraphExecUpdateResultInfo: an enum and two node handles.
        let info = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 8)
        defer { info.deallocate() }
        let result = context.driver.cuGraphExecUpdate(executable, other.graph, info)
        if result == 0 { return true }
        // CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE
        if result == 910 { return false }
        try context.driver.check(result, "cuGraphExecUpdate_v2")
        return false
    }
}
