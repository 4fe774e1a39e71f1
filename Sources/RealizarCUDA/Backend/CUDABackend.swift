import RealizarCore

/// NVIDIA GPUs as a backend: weights are copied to device memory in their GGUF block format,
/// activations are quantized to Q8_1 for the integer `dp4a` products, and a pass is one stream
/// of kernel launches with a single wait, for the logits. The kernels are generated as PTX from
/// Swift (`RealizarCUDA/Kernels`); on an `InterpreterDevice` the same kernels run on the CPU.
public struct CUDABackend: Backend {
    public let device: any KernelDevice
    /// Whether passes without a prompt run fused kernels (`DecodeStep`; the same bits either way).
    public let fusesDecode: Bool
    /// Grid size from which a prompt's products take the tensor-core GEMM's 64-token tile
    /// (`TensorCoreGEMMKernel.tokenWidth`); 0 takes it always (the tests do, to run it on small matrices).
    public let wideGridBlocks: Int

    public init(device: any KernelDevice, fusesDecode: Bool = true, wideGridBlocks: Int = TensorCoreGEMMKernel.wideGridBlocks) {
        self.device = device
        self.fusesDecode = fusesDecode
        self.wideGridBlocks = wideGridBlocks
    }

    /// The GPU of `ordinal` through the driver; throws one clear error where there is none.
    public static func gpu(ordinal: Int = 0) throws -> CUDABackend {
        CUDABackend(device: try DriverDevice(ordinal: ordinal))
    }

    public var name: String { "cuda \(device.name)" }

    /// Everything but mixtures of experts and encoders (bidirectional attention, erf GELU,
    /// token-type rows), on the weight types the kernels decode: f32, f16 and
    /// bf16, and Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q4_K Q5_K Q6_K; attention heads of 32 to 256 dimensions.
    public func supports(_ operation: GraphOperation, in graph: ModelGraph) -> Bool {
        switch operation {
        case .matmul(_, let products):
            return products.allSatisfy { Self.multiplies(graph.spec($0.weight)) }
        case .embed(let table, let positions, _):
            return [table, positions].compactMap { $0 }.allSatisfy {
                let spec = graph.spec($0)
                return EmbeddingKernel.supportedTypes.contains(spec.type) && spec.columns % 32 == 0
            }
        case .attention(_, _, _, let shape):
            return shape.causal && shape.headDimension % 32 == 0 && shape.headDimension <= 256 && shape.kvHeads > 0 && shape.heads % shape.kvHeads == 0
        case .rope(_, _, _, let rotation):
            return graph.rotations[rotation.index].dimensions % 2 == 0
        case .mixtureOfExperts, .addRow, .activate(.gelu, _, _):
            return false
        default:
            return true
        }
    }

    /// Whether a matrix has a GEMV kernel: integer products need whole blocks per row, float
    /// products rows of a multiple of 4 values (their vector loads).
    static func multiplies(_ matrix: MatrixSpec) -> Bool {
        if QuantizedGEMVKernel.supportedTypes.contains(matrix.type) {
            return matrix.columns % matrix.type.blockSize == 0 && matrix.columns % 32 == 0
        }
        return FloatGEMVKernel.supportedTypes.contains(matrix.type) && matrix.columns % 4 == 0
    }

    public func prepare(_ graph: ModelGraph, weights source: any TensorSource) throws -> any PreparedModel {
        try CUDAModel(graph: graph, source: source, device: device, fusesDecode: fusesDecode, wideGridBlocks: wideGridBlocks)
    }
}
