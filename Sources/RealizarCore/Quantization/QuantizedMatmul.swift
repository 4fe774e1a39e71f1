import RealizarKernelsAVX2

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
        case .avx2, .avx512: avx2QuantizeActivations(x, columns: columns, into: into)
        }
    }

    /// `output[c * outputStride + r] = Σ_k W[r][k]·A[c][k]` for `r` in `0..<rows`, `c` in `0..<activationCount`.
    ///
    /// W: `rows` weight rows of `columns` values starting at `weights`, `weightRowBytes` apart (any
    /// alignment); A: `activationCount` rows from `quantizeActivations`, `activationRowBytes` apart.
    /// Call per thread on a tile; allocates nothing.
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
        let kernel: AVX2Kernel
        switch type {
        case .q4_0: kernel = avx2MultiplyQ4_0
        case .q4_1: kernel = avx2MultiplyQ4_1
        case .q5_0: kernel = avx2MultiplyQ5_0
        case .q5_1: kernel = avx2MultiplyQ5_1
        case .q8_0: kernel = avx2MultiplyQ8_0
        case .q4_K: kernel = avx2MultiplyQ4_K
        case .q5_K: kernel = avx2MultiplyQ5_K
        case .q6_K: kernel = avx2MultiplyQ6_K
        default: preconditionFailure("unreachable: \(type.name)")
        }
        kernel(weights, weightRowBytes, rows, activations, activationRowBytes, activationCount, columns, output, outputStride)
    }

    private typealias AVX2Kernel = (
        _ weights: UnsafeRawPointer, _ weightRowBytes: Int, _ rows: Int,
        _ activations: UnsafeRawPointer, _ activationRowBytes: Int, _ activationCount: Int,
        _ columns: Int, _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) -> Void
}
