import RealizarKernelsAVX2
import RealizarKernelsAVX512

/// Integer kernels for quantized weights times 8-bit-quantized activations.
///
/// Activations are quantized once per matrix product (`quantizeActivations`, format in
/// `QuantizedActivations`); the kernels multiply the weights' integer levels with the activations'
/// Int8 levels (`maddubs`/`madd` on AVX2) and apply the block scales in f32, so weights are never
/// widened to f32.
public enum QuantizedMatmul {
    /// Whether `type` has an integer kernel for rows of `columns` values.
    public static func supports(_ type: GGMLType, columns: Int) -> Bool {
        guard columns > 0 else { return false }
        switch type {
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: return columns % 32 == 0
        case .q4_K, .q5_K, .q6_K: return columns % 256 == 0
        default: return false
        }
    }

    /// Bytes of one quantized activation row of `columns` values (the same layout for every type).
    public static func activationRowBytes(for type: GGMLType, columns: Int) -> Int {
        QuantizedActivations.rowBytes(columns: columns)
    }

    /// Quantizes one f32 activation row for multiplying with weights of `type`
    /// (`activationRowBytes(for:columns:)` bytes at `into`, 4-byte alignment recommended).
    public static func quantizeActivations(
        _ x: UnsafePointer<Float>, columns: Int, for type: GGMLType, into: UnsafeMutableRawPointer,
        family: KernelFamily = .selected
    ) {
        precondition(columns % 32 == 0, "activation rows are whole blocks of 32")
        switch family {
        case .generic: QuantizedActivations.quantize(x, columns: columns, into: into)
        case .avx2, .avx512: RealizarKernelsAVX2.quantizeActivations(x, columns: columns, into: into)
        }
    }

    /// `output[c * outputStride + r] = Σ_k W[r][k]·A[c][k]` for `r` in `0..<rows`, `c` in `0..<activationCount`.
    ///
    /// W: `rows` weight rows of `columns` values starting at `weights`, `weightRowBytes` apart (any
    /// alignment); A: `activationCount` rows from `quantizeActivations`, `activationRowBytes` apart.
    /// Call per thread on a tile; allocates nothing.
    ///
    /// Each output depends only on its weight row, its activation row and `family`: it is the same
    /// bit for bit whatever `activationCount`, the activation row's position in the batch and the
    /// weight-row tile (`rows`, `weights`) that computed it, so a sequence gives the same logits
    /// alone or batched with others.
    public static func multiply(
        _ type: GGMLType, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
        activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
        columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int,
        family: KernelFamily = .selected
    ) {
        precondition(supports(type, columns: columns), "no integer kernel for \(type.name) rows of \(columns)")
        guard rows > 0, activationCount > 0 else { return }
        if family == .generic {
            QuantizedMatmulGeneric.multiply(
                type, weights: weights, weightRowBytes: weightRowBytes, rows: rows,
                activations: activations, activationRowBytes: activationRowBytes, activationCount: activationCount,
                columns: columns, output: output, outputStride: outputStride)
            return
        }
        let kernel = family == .avx512 ? Self.avx512Kernel(type) : Self.avx2Kernel(type)
        kernel(weights, weightRowBytes, rows, activations, activationRowBytes, activationCount, columns, output, outputStride)
    }

    /// The AVX2 module's kernel for `type`.
    private static func avx2Kernel(_ type: GGMLType) -> Kernel {
        switch type {
        case .q4_0: RealizarKernelsAVX2.multiplyQ4_0
        case .q4_1: RealizarKernelsAVX2.multiplyQ4_1
        case .q5_0: RealizarKernelsAVX2.multiplyQ5_0
        case .q5_1: RealizarKernelsAVX2.multiplyQ5_1
        case .q8_0: RealizarKernelsAVX2.multiplyQ8_0
        case .q4_K: RealizarKernelsAVX2.multiplyQ4_K
        case .q5_K: RealizarKernelsAVX2.multiplyQ5_K
        case .q6_K: RealizarKernelsAVX2.multiplyQ6_K
        default: preconditionFailure("unreachable: \(type.name)")
        }
    }

    /// The same kernels compiled for AVX-512 with VNNI (`dpbusd` for the integer sums: the same
    /// integers, so the same bits as the AVX2 module).
    private static func avx512Kernel(_ type: GGMLType) -> Kernel {
        switch type {
        case .q4_0: RealizarKernelsAVX512.multiplyQ4_0
        case .q4_1: RealizarKernelsAVX512.multiplyQ4_1
        case .q5_0: RealizarKernelsAVX512.multiplyQ5_0
        case .q5_1: RealizarKernelsAVX512.multiplyQ5_1
        case .q8_0: RealizarKernelsAVX512.multiplyQ8_0
        case .q4_K: RealizarKernelsAVX512.multiplyQ4_K
        case .q5_K: RealizarKernelsAVX512.multiplyQ5_K
        case .q6_K: RealizarKernelsAVX512.multiplyQ6_K
        default: preconditionFailure("unreachable: \(type.name)")
        }
    }

    private typealias Kernel = (
        _ weights: UnsafeRawPointer, _ weightRowBytes: Int, _ rows: Int,
        _ activations: UnsafeRawPointer, _ activationRowBytes: Int, _ activationCount: Int,
        _ columns: Int, _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) -> Void
}
