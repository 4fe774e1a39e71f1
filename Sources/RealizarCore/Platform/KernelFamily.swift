/// The compiled kernel sets, one module per instruction set; the engine runs the widest one the
/// CPU supports (capped by `REALIZAR_CPU`), and every one is tested against the scalar reference.
public enum KernelFamily: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Plain Swift: the reference, and the path on CPUs without AVX2.
    case generic
    /// `RealizarKernelsAVX2`: AVX2, FMA, F16C.
    case avx2
    /// `RealizarKernelsAVX512`: AVX-512 F/BW/VL/DQ with VNNI.
    case avx512

    /// The family used by default.
    public static let selected: KernelFamily = best(for: .current)

    /// The widest family `features` can run.
    public static func best(for features: CPUFeatures) -> KernelFamily {
        if features.isSuperset(of: .avx512Kernels) { return .avx512 }
        if features.isSuperset(of: .avx2Kernels) { return .avx2 }
        return .generic
    }

    /// Whether this machine's CPU can run the family at all (ignoring `REALIZAR_CPU`).
    public var isSupportedByHardware: Bool {
        switch self {
        case .generic: return true
        case .avx2: return CPUFeatures.hardware.isSuperset(of: .avx2Kernels)
        case .avx512: return CPUFeatures.hardware.isSuperset(of: .avx512Kernels)
        }
    }

    public var description: String { rawValue }
}
