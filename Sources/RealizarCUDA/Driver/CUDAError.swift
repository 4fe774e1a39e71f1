/// Everything that can go wrong talking to the CUDA driver, each naming the call and the driver's
/// own words.
public enum CUDAError: Error, CustomStringConvertible {
    /// `libcuda.so.1` could not be opened (no NVIDIA driver on this machine).
    case noDriver(String)
    /// The driver lacks an entry point this binding needs (a driver older than CUDA 12).
    case missingSymbol(String)
    /// A driver call returned a `CUresult` other than `CUDA_SUCCESS`.
    case call(String, code: Int32, name: String, message: String)
    /// The JIT rejected a kernel's PTX; `log` is the driver's JIT error log.
    case jit(kernel: String, code: Int32, name: String, log: String)
    /// No CUDA device is present.
    case noDevice
    /// Memory of one `KernelDevice` was handed to another.
    case foreignMemory

    public var description: String {
        switch self {
        case .noDriver(let detail): "no CUDA driver: libcuda.so.1 not found (\(detail))"
        case .missingSymbol(let symbol): "the CUDA driver lacks \(symbol); a driver for CUDA 12 or later is needed"
        case .call(let call, let code, let name, let message): "\(call) failed: \(name) (\(code)): \(message)"
        case .jit(let kernel, let code, let name, let log):
            "loading kernel \(kernel) failed: \(name) (\(code)); JIT log:\n\(log.isEmpty ? "(empty)" : log)"
        case .noDevice: "no CUDA device found"
        case .foreignMemory: "memory allocated on one device was used on another"
        }
    }
}
