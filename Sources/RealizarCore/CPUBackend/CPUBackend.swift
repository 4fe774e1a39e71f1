import Foundation

/// The CPU as a backend: weights stay in their block format in the mapped file, and the kernel
/// family (generic, AVX2, AVX-512) is this instance's, so several families can run side by side
/// (the op conformance suite and the logit digests compare them in one process).
public struct CPUBackend: Backend {
    public let family: KernelFamily
    public let threads: Int

    /// The widest family the CPU allows (capped by `REALIZAR_CPU`) on every core unless told.
    public init(family: KernelFamily = .selected, threads: Int? = nil) {
        self.family = family
        self.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
    }

    public var name: String { "cpu \(family)" }

    /// Every operation, on every weight type the dequantizer knows (integer kernels where they
    /// exist, f32 tiles elsewhere).
    public func supports(_ operation: GraphOperation, in graph: ModelGraph) -> Bool {
        guard case .matmul(_, let products) = operation else { return true }
        return products.allSatisfy { Dequantization.isSupported(graph.spec($0.weight).type) }
    }

    public func prepare(_ graph: ModelGraph, weights source: any TensorSource) throws -> any PreparedModel {
        try CPUModel(graph: graph, source: source, family: family, threads: threads)
    }
}
