import ArgumentParser
import RealizarCore
import RealizarCUDA

/// Where a command computes the model (`--device`).
enum Device: String, ExpressibleByArgument, CaseIterable {
    /// GPU 0 when a CUDA driver and device are there and the backend computes the whole model,
    /// else the CPU.
    case auto
    case cpu
    /// GPU 0; an error when there is none or the model has an operation the backend lacks.
    case cuda

    /// The backends to try, in order (see `ModelRegistry.load(_:preferring:)`).
    func backends(threads: Int?) throws -> [any Backend] {
        switch self {
        case .cpu: return [CPUBackend(threads: threads)]
        case .cuda: return [try CUDABackend.gpu()]
        case .auto:
            guard let gpu = try? CUDABackend.gpu() else { return [CPUBackend(threads: threads)] }
            return [gpu, CPUBackend(threads: threads)]
        }
    }

    static let help: ArgumentHelp = "Where to compute: auto (a CUDA GPU when there is one), cpu or cuda."
}
