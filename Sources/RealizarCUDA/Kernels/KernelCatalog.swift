import RealizarCore

/// Every kernel variant the backend generates, for ptxas checks and the self-test.
public enum KernelCatalog {
    public static func all() -> [Kernel] {
        var kernels: [Kernel] = [QuantizeQ8_1Kernel.make()]
        kernels += extraKernels()
        return kernels
    }

    static func extraKernels() -> [Kernel] {
        var kernels: [Kernel] = []
        for batch in [1, 2, 4, 8, 16] {
            kernels += QuantizedGEMVKernel.supportedTypes.map { QuantizedGEMVKernel.make($0, batch: batch) }
            guard batch <= 8 else { continue }
            kernels += FloatGEMVKernel.supportedTypes.map { FloatGEMVKernel.make($0, batch: batch) }
        }
        return kernels + laterKernels()
    }

    static func laterKernels() -> [Kernel] {
        var kernels: [Kernel] = NormKernel.Kind.allCases.flatMap { [NormKernel.make($0), NormKernel.make($0, threads: NormKernel.wideThreads)] }
        kernels += ElementwiseKernel.Op.allCases.map(ElementwiseKernel.make)
        kernels += RoPEKernel.Style.allCases.map(RoPEKernel.make)
        kernels += EmbeddingKernel.supportedTypes.map(EmbeddingKernel.make)
        kernels += [RowKernels.makeAddBias(), RowKernels.makeCopyRows(), RowKernels.makeStoreKV()]
        for width in TensorCoreGEMMKernel.tokenWidths {
            kernels += TensorCoreGEMMKernel.supportedTypes.map { TensorCoreGEMMKernel.make($0, tokenWidth: width) }
        }
        for headDimension in [64, 128, 256] {
            kernels.append(AttentionDecodeKernel.makeSplit(headDimension: headDimension, halfCache: false))
            kernels.append(AttentionDecodeKernel.makeSplit(headDimension: headDimension, halfCache: true))
            kernels.append(AttentionDecodeKernel.makeReduce(headDimension: headDimension))
            kernels.append(AttentionDecodeKernel.makeReduce(headDimension: headDimension, quantize: true))
        }
        kernels += ResidualNormKernel.Variant.all.map(ResidualNormKernel.make)
        kernels += [ElementwiseKernel.Op.siluGate, .geluGate].map(GatedQuantizeKernel.make)
        kernels += HeadPrepKernel.Variant.all.map(HeadPrepKernel.make)
        // The groups of matrices a Q4_K_M layer multiplies in one launch (q, k, v; gate, up).
        for types in [[GGMLType.q4_K, .q4_K, .q6_K], [.q4_K, .q4_K, .q4_K], [.q4_K, .q4_K], [.q8_0, .q8_0, .q8_0], [.q8_0, .q8_0]] {
            kernels.append(QuantizedGEMVKernel.make(types, batch: 1))
            kernels.append(QuantizedGEMVKernel.make(types, batch: 16))
        }
        kernels += [ArgmaxKernel.makePartial(), ArgmaxKernel.makeFinal(), MMATestKernel.make(.m16n8k16F16F32),
                    MMATestKernel.make(.m16n8k32S8S32)]
        return kernels
    }
}
