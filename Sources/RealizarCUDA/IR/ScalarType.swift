/// The element types a kernel computes with or moves through memory.
///
/// `u8`/`s8` exist only in memory: a load of one widens into a 32-bit register (zero- or
/// sign-extended, as PTX's `ld.u8`/`ld.s8` do), a store of one narrows a 32-bit register.
/// `f16`/`bf16` live in 16-bit registers as bit patterns; arithmetic happens in `f32`.
public enum ScalarType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case pred, u8, s8, u16, s16, f16, bf16, u32, s32, u64, s64, f32

    /// Width in bits (a predicate counts as 1).
    public var bits: Int {
        switch self {
        case .pred: 1
        case .u8, .s8: 8
        case .u16, .s16, .f16, .bf16: 16
        case .u32, .s32, .f32: 32
        case .u64, .s64: 64
        }
    }

    /// Bytes the type takes in memory.
    public var byteCount: Int { Swift.max(1, bits / 8) }

    public var isFloat: Bool { self == .f32 || self == .f16 || self == .bf16 }
    public var isSigned: Bool { self == .s8 || self == .s16 || self == .s32 || self == .s64 }
    public var isInteger: Bool { !isFloat && self != .pred }

    /// The type of the register a load of this memory type produces.
    public var registerType: ScalarType {
        switch self {
        case .u8: .u32
        case .s8: .s32
        default: self
        }
    }

    /// The PTX type suffix (`u32`, `f32`, ...).
    public var description: String { name }

    private var name: String {
        switch self {
        case .pred: "pred"
        case .u8: "u8"
        case .s8: "s8"
        case .u16: "u16"
        case .s16: "s16"
        case .f16: "f16"
        case .bf16: "bf16"
        case .u32: "u32"
        case .s32: "s32"
        case .u64: "u64"
        case .s64: "s64"
        case .f32: "f32"
        }
    }

    /// The PTX untyped bit-size name of the same width (`b32`).
    var bitName: String { self == .pred ? "pred" : "b\(bits)" }
}

/// Special registers a kernel reads its position from.
public enum SpecialRegister: UInt8, Sendable {
    case tidX, tidY, tidZ, ntidX, ntidY, ntidZ, ctaidX, ctaidY, ctaidZ, nctaidX, nctaidY, nctaidZ, laneid

    var ptxName: String {
        switch self {
        case .tidX: "%tid.x"
        case .tidY: "%tid.y"
        case .tidZ: "%tid.z"
        case .ntidX: "%ntid.x"
        case .ntidY: "%ntid.y"
        case .ntidZ: "%ntid.z"
        case .ctaidX: "%ctaid.x"
        case .ctaidY: "%ctaid.y"
        case .ctaidZ: "%ctaid.z"
        case .nctaidX: "%nctaid.x"
        case .nctaidY: "%nctaid.y"
        case .nctaidZ: "%nctaid.z"
        case .laneid: "%laneid"
        }
    }
}

/// The GPU architecture a kernel is emitted for: `sm_80` unless it uses something only Hopper has.
public enum PTXTarget: String, Sendable {
    case sm80 = "sm_80"
    case sm90 = "sm_90"
}
