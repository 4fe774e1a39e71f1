/// A kernel parameter: a global pointer, or a 32-bit value.
public enum KernelParameterKind: Sendable {
    case pointer, u32, f32

    var type: ScalarType {
        switch self {
        case .pointer: .u64
        case .u32: .u32
        case .f32: .f32
        }
    }
}

public struct KernelParameter: Sendable {
    public let name: String
    public let kind: KernelParameterKind
}

/// A statically sized shared-memory array of a kernel.
public struct SharedArray: Sendable {
    public let name: String
    public let byteCount: Int
    public let alignment: Int
}

/// A finished kernel: what the PTX emitter prints and the interpreter runs.
public struct Kernel: Sendable {
    public let name: String
    public let target: PTXTarget
    public let parameters: [KernelParameter]
    public let registers: [ScalarType]
    public let shared: [SharedArray]
    public let instructions: [Instruction]
    /// Threads per block the kernel is written for (the interpreter refuses larger blocks).
    public let maxThreads: Int

    /// Total static shared memory in bytes, with each array aligned.
    public var sharedByteCount: Int { SharedLayout(shared).total }
}

/// Offsets of a kernel's shared arrays in one block's shared memory.
struct SharedLayout {
    let offsets: [Int]
    let total: Int

    init(_ arrays: [SharedArray]) {
        var offsets: [Int] = []
        var end = 0
        for array in arrays {
            end = (end + array.alignment - 1) / array.alignment * array.alignment
            offsets.append(end)
            end += array.byteCount
        }
        self.offsets = offsets
        total = end
    }
}
