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
