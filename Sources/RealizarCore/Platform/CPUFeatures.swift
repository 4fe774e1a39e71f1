import CRealizarSupport

/// The instruction-set extensions of the CPU this process runs on, read once at start.
///
/// `REALIZAR_CPU=generic|avx2` caps what the engine uses, so that the portable and AVX2 paths can be
/// tested on a machine that has more.
public struct CPUFeatures: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let avx2 = CPUFeatures(rawValue: UInt32(REALIZAR_CPU_AVX2))
    public static let fma = CPUFeatures(rawValue: UInt32(REALIZAR_CPU_FMA))
    public static let f16c = CPUFeatures(rawValue: UInt32(REALIZAR_CPU_F16C))
    public static let avx512f = CPUFeatures(rawValue: UInt32(REALIZAR_CPU_AVX512F))
    public static let avx512bw = CPUFeatures(rawValue: UInt32(REALIZAR_CPU_AVX512BW))
    public static let avx512vl = CPUFeatures(rawValue: UInt32(REALIZAR_CPU_AVX512VL))
    public static let avx512vnni = CPUFeatures(rawValue: UInt32(REALIZAR_CPU_AVX512VNNI))
    public static let avx512bf16 = CPUFeatures(rawValue: UInt32(REALIZAR_CPU_AVX512BF16))
    public static let avxvnni = CPUFeatures(rawValue: UInt32(REALIZAR_CPU_AVXVNNI))

    /// AVX2 with FMA and F16C: what the AVX2 kernel module is compiled for.
    public static let avx2Kernels: CPUFeatures = [.avx2, .fma, .f16c]

    /// AVX-512 F/BW/VL/DQ and VNNI plus the AVX2 set: what the AVX-512 kernel module is compiled
    /// for (its integer kernels use `dpbusd`).
    public static let avx512Kernels: CPUFeatures = avx2Kernels.union([.avx512f, .avx512bw, .avx512vl, .avx512vnni])

    /// What the hardware offers.
    public static let hardware = CPUFeatures(rawValue: UInt32(realizar_cpu_features()))

    /// What the engine may use: the hardware's features, capped by `REALIZAR_CPU`.
    public static let current: CPUFeatures = {
        let cap = ProcessEnvironment.value("REALIZAR_CPU")?.lowercased()
        switch cap {
        case "generic", "portable", "scalar": return []
        case "avx2": return hardware.intersection(avx2Kernels)
        default: return hardware
        }
    }()

    public var description: String {
        let names: [(CPUFeatures, String)] = [
            (.avx2, "avx2"), (.fma, "fma"), (.f16c, "f16c"), (.avx512f, "avx512f"),
            (.avx512bw, "avx512bw"), (.avx512vl, "avx512vl"), (.avx512vnni, "avx512vnni"),
            (.avx512bf16, "avx512bf16"), (.avxvnni, "avxvnni"),
        ]
        let present = names.filter { contains($0.0) }.map(\.1)
        return present.isEmpty ? "generic" : present.joined(separator: " ")
    }
}
