/// One operand: a virtual register or an immediate (the bit pattern, read at the instruction's type).
public enum Operand: Sendable, Equatable {
    case register(Int32)
    case immediate(UInt64)
}

public enum BinaryOp: UInt8, Sendable {
    /// `mul` is `mul.lo` for integers; `mulWide` widens 32-bit operands to a 64-bit result.
    case add, sub, mul, mulHi, mulWide, div, rem, and, or, xor, shl, shr, min, max
}

public enum UnaryOp: UInt8, Sendable {
    /// `ex2`, `rsqrt`, `tanh`, `lg2`, `sin`, `cos` are the hardware approximations (`.approx`); `sqrt` and `rcp` are IEEE (`.rn`).
    case neg, abs, not, ex2, rsqrt, rcp, sqrt, tanh, lg2, popc, sin, cos
}

public enum Comparison: UInt8, Sendable {
    case eq, ne, lt, le, gt, ge
}

/// `cvt` rounding: `rn`..`rp` for results that are floats, `rni`..`rpi` for float-to-integer.
public enum Rounding: UInt8, Sendable {
    case none, rn, rz, rm, rp, rni, rzi, rmi, rpi
}

public enum MemorySpace: UInt8, Sendable {
    case global, shared
}

public enum ShuffleMode: UInt8, Sendable {
    case up, down, bfly, idx
}

public enum VoteMode: UInt8, Sendable {
    case ballot, any, all
}

/// The `mma.sync` forms the IR knows, with PTX's fragment layouts (row-major A, column-major B).
public enum MMAShape: UInt8, Sendable {
    /// `m16n8k16.row.col.f32.f16.f16.f32`: A 4×b32 (f16x2), B 2×b32, C/D 4×f32.
    case m16n8k16F16F32
    /// `m16n8k32.row.col.s32.s8.s8.s32`: A 4×b32 (s8x4), B 2×b32, C/D 4×s32.
    case m16n8k32S8S32

    var fragmentCounts: (a: Int, b: Int, c: Int) { (4, 2, 4) }
}

/// One IR instruction. Registers are virtual (numbered from 0 in the kernel's register table).
public enum Instruction: Sendable {
    case parameter(dst: Int32, index: Int)
    case special(dst: Int32, SpecialRegister)
    case sharedAddress(dst: Int32, array: Int)
    case mov(ScalarType, dst: Int32, Operand)
    /// Reinterprets bits between same-width registers (`mov.b32 %f, %r`).
    case bitcast(dst: Int32, Operand)
    case binary(BinaryOp, ScalarType, dst: Int32, Operand, Operand)
    case fma(ScalarType, dst: Int32, Operand, Operand, Operand)
    case unary(UnaryOp, ScalarType, dst: Int32, Operand)
    case convert(to: ScalarType, from: ScalarType, Rounding, dst: Int32, Operand)
    case setp(Comparison, ScalarType, dst: Int32, Operand, Operand)
    case selp(ScalarType, dst: Int32, Operand, Operand, predicate: Operand)
    case load(MemorySpace, ScalarType, dsts: [Int32], address: Operand, offset: Int)
    case store(MemorySpace, ScalarType, address: Operand, offset: Int, values: [Operand])
    /// `atom.add` (with a result register) or `red.add` (without).
    case atomicAdd(MemorySpace, ScalarType, dst: Int32?, address: Operand, offset: Int, value: Operand)
    case barrier
    case shuffle(ShuffleMode, dst: Int32, value: Operand, lane: Operand, clamp: UInt32, mask: UInt32)
    case vote(VoteMode, dst: Int32, predicate: Operand, mask: UInt32)
    case dp4a(aSigned: Bool, bSigned: Bool, dst: Int32, Operand, Operand, Operand)
    case mma(MMAShape, d: [Int32], a: [Operand], b: [Operand], c: [Operand])
    case label(Int)
    case branch(Int, predicate: Int32?, negated: Bool)
    case ret
}
