/// Builds one kernel's IR. Kernels are Swift functions that take shapes and types, make a builder,
/// describe the computation with `Value`s, and call `finish()`.
public final class KernelBuilder {
    public let name: String
    /// Raised to `.sm90` by instructions only Hopper has.
    public var target: PTXTarget = .sm80
    let maxThreads: Int
    private(set) var parameters: [KernelParameter] = []
    private(set) var registers: [ScalarType] = []
    private(set) var shared: [SharedArray] = []
    private(set) var instructions: [Instruction] = []
    private var labels = 0
    private var parameterLoads: [Instruction] = []
    private lazy var exitLabel = newLabel()
    private var usesExit = false

    /// - Parameter maxThreads: the block size the kernel is launched with (at most).
    public init(name: String, maxThreads: Int) {
        self.name = name
        self.maxThreads = maxThreads
    }

    /// The finished kernel (parameter loads first, then the body, then one `ret`).
    public func finish() -> Kernel {
        var body = parameterLoads + instructions
        if usesExit { body.append(.label(exitLabel)) }
        body.append(.ret)
        return Kernel(name: name, target: target, parameters: parameters, registers: registers, shared: shared,
                      instructions: body, maxThreads: maxThreads)
    }

    // MARK: Registers, parameters, special registers

    func newRegister(_ type: ScalarType) -> Value {
        precondition(type != .u8 && type != .s8, "no 8-bit registers: load u8/s8 into 32-bit registers")
        registers.append(type)
        return Value(register: Int32(registers.count - 1), type: type, builder: self)
    }

    func emit(_ instruction: Instruction) { instructions.append(instruction) }

    /// A parameter holding a global-memory pointer (a u64 address).
    public func pointerParameter(_ name: String) -> Value { parameter(name, .pointer) }
    public func u32Parameter(_ name: String) -> Value { parameter(name, .u32) }
    public func f32Parameter(_ name: String) -> Value { parameter(name, .f32) }

    private func parameter(_ name: String, _ kind: KernelParameterKind) -> Value {
        parameters.append(KernelParameter(name: name, kind: kind))
        let value = newRegister(kind.type)
        parameterLoads.append(.parameter(dst: value.register, index: parameters.count - 1))
        return value
    }

    public func special(_ register: SpecialRegister) -> Value {
        let value = newRegister(.u32)
        emit(.special(dst: value.register, register))
        return value
    }

    public var threadIndex: Value { special(.tidX) }
    public var blockIndex: Value { special(.ctaidX) }
    public var blockSize: Value { special(.ntidX) }
    public var gridSize: Value { special(.nctaidX) }
    public var lane: Value { special(.laneid) }

    /// Declares a shared-memory array; returns its (32-bit, shared-space) base address.
    public func sharedArray(_ name: String, bytes: Int, alignment: Int = 16) -> Value {
        shared.append(SharedArray(name: name, byteCount: bytes, alignment: alignment))
        let value = newRegister(.u32)
        emit(.sharedAddress(dst: value.register, array: shared.count - 1))
        return value
    }

    // MARK: Values

    /// A fresh register holding `initial`: a mutable variable for `assign`.
    public func variable(_ type: ScalarType, _ initial: some KernelOperand) -> Value {
        let value = newRegister(type)
        emit(.mov(type, dst: value.register, initial.operand(as: type)))
        return value
    }

    public func constant(_ value: Float) -> Value { variable(.f32, value) }
    public func constant(_ value: Int, _ type: ScalarType = .u32) -> Value { variable(type, value) }

    /// Overwrites `variable` with `value` (loops and conditionals update registers in place).
    public func assign(_ variable: Value, _ value: some KernelOperand) {
        emit(.mov(variable.type, dst: variable.register, value.operand(as: variable.type)))
    }

    // MARK: Arithmetic

    func binary(_ op: BinaryOp, _ a: Value, _ b: some KernelOperand) -> Value {
        let isShift = op == .shl || op == .shr
        let operandB: Operand
        if let value = b as? Value {
            if a.type.bits == 64 && value.type.bits == 32 && !isShift {
                // Pointer plus 32-bit offset: widen the offset as C would.
                operandB = .register(convert(value, to: value.type.isSigned ? .s64 : .u64).register)
            } else {
                precondition(isShift ? value.type.bits == 32 : value.type.bits == a.type.bits,
                             "\(op) of \(a.type) with \(value.type) in \(name)")
                operandB = .register(value.register)
            }
        } else {
            operandB = b.operand(as: isShift ? .u32 : a.type)
        }
        let resultType: ScalarType = op == .mulWide ? (a.type.isSigned ? .s64 : .u64) : a.type
        let result = newRegister(resultType)
        emit(.binary(op, a.type, dst: result.register, .register(a.register), operandB))
        return result
    }

    func unary(_ op: UnaryOp, _ a: Value) -> Value {
        let result = newRegister(a.type)
        emit(.unary(op, a.type, dst: result.register, .register(a.register)))
        return result
    }

    public func min(_ a: Value, _ b: some KernelOperand) -> Value { binary(.min, a, b) }
    public func max(_ a: Value, _ b: some KernelOperand) -> Value { binary(.max, a, b) }
    public func mulHi(_ a: Value, _ b: some KernelOperand) -> Value { binary(.mulHi, a, b) }
    /// The full 64-bit product of two 32-bit values.
    public func mulWide(_ a: Value, _ b: some KernelOperand) -> Value { binary(.mulWide, a, b) }
    public func abs(_ a: Value) -> Value { unary(.abs, a) }
    public func not(_ a: Value) -> Value { unary(.not, a) }
    /// 2^x, the hardware approximation (`ex2.approx.f32`, ~2 ulp).
    public func exp2(_ a: Value) -> Value { unary(.ex2, a) }
    /// e^x through `ex2.approx` (x·log2 e first).
    public func exp(_ a: Value) -> Value { exp2(a * Float(1.4426950408889634)) }
    public func rsqrt(_ a: Value) -> Value { unary(.rsqrt, a) }
    public func sqrt(_ a: Value) -> Value { unary(.sqrt, a) }
    public func reciprocal(_ a: Value) -> Value { unary(.rcp, a) }
    /// `tanh.approx.f32` (sm_75 and later; max relative error about 2^-11).
    public func tanh(_ a: Value) -> Value { unary(.tanh, a) }
    public func log2(_ a: Value) -> Value { unary(.lg2, a) }
    public func popcount(_ a: Value) -> Value { unary(.popc, a) }
    /// `sin.approx.f32`: accurate (~2^-20.9 absolute) only for |x| ≤ π; see `sinCos` for wider ranges.
    public func sin(_ a: Value) -> Value { unary(.sin, a) }
    public func cos(_ a: Value) -> Value { unary(.cos, a) }

    /// sin and cos of any moderate angle: reduced to [-π, π] with a two-part 2π first, since the
    /// hardware approximations are only accurate there.
    public func sinCos(_ angle: Value) -> (sin: Value, cos: Value) {
        let turns = roundToInteger(angle * Float(1 / (2 * Double.pi)))
        let high = Float(2 * Double.pi)
        let low = Float(2 * Double.pi - Double(high))
        let reduced = fma(-turns, low, fma(-turns, high, angle))
        return (sin(reduced), cos(reduced))
    }

    /// tanh through `ex2` (1 − 2/(e^2x + 1)): about 1e-7 absolute error, where `tanh.approx`
    /// has 2^-11 relative; saturates cleanly to ±1 for large |x|.
    public func tanhAccurate(_ a: Value) -> Value {
        let e = exp2(a * Float(2 * 1.4426950408889634))
        return fma(reciprocal(e + Float(1)), Float(-2), Float(1))
    }

    /// a·b + c: `fma.rn.f32` for floats, `mad.lo` for integers.
    public func fma(_ a: Value, _ b: some KernelOperand, _ c: some KernelOperand) -> Value {
        let result = newRegister(a.type)
        emit(.fma(a.type, dst: result.register, .register(a.register), b.operand(as: a.type), c.operand(as: a.type)))
        return result
    }

    public func setp(_ comparison: Comparison, _ a: Value, _ b: some KernelOperand) -> Value {
        let result = newRegister(.pred)
        emit(.setp(comparison, a.type, dst: result.register, .register(a.register), b.operand(as: a.type)))
        return result
    }

    /// `predicate ? a : b`.
    public func select(_ predicate: Value, _ a: Value, _ b: some KernelOperand) -> Value {
        let result = newRegister(a.type)
        emit(.selp(a.type, dst: result.register, .register(a.register), b.operand(as: a.type), predicate: .register(predicate.register)))
        return result
    }

    public func convert(_ a: Value, to type: ScalarType, rounding: Rounding? = nil) -> Value {
        if a.type == type { return a }
        if a.type == .bf16 && type == .f32 {
            // bf16 is the top half of an f32; widening by shift keeps the kernel valid for sm_80.
            let wide = convert(a.bits(as: .u16), to: .u32) << 16
            return wide.bits(as: .f32)
        }
        let mode: Rounding
        if let rounding {
            mode = rounding
        } else if type.isFloat && !(a.type.isFloat && a.type.bits < type.bits) {
            mode = a.type.isFloat || type.isFloat ? .rn : .none
        } else if a.type.isFloat && type.isInteger {
            mode = .rzi
        } else {
            mode = .none
        }
        let result = newRegister(type)
        emit(.convert(to: type, from: a.type, mode, dst: result.register, .register(a.register)))
        return result
    }

    /// An f32 rounded to the nearest integer, ties to even (`cvt.rni.f32.f32`).
    public func roundToInteger(_ a: Value) -> Value {
        let result = newRegister(.f32)
        emit(.convert(to: .f32, from: .f32, .rni, dst: result.register, .register(a.register)))
        return result
    }

    public func bitcast(_ a: Value, to type: ScalarType) -> Value {
        precondition(a.type.bits == type.bits, "bitcast \(a.type) to \(type)")
        if a.type == type { return a }
        let result = newRegister(type)
        emit(.bitcast(dst: result.register, .register(a.register)))
        return result
    }

    // MARK: Control flow

    func newLabel() -> Int {
        labels += 1
        return labels
    }

    /// Runs `body`'s instructions only where `predicate` holds.
    public func ifThen(_ predicate: Value, _ body: () -> Void) {
        let skip = newLabel()
        emit(.branch(skip, predicate: predicate.register, negated: true))
        body()
        emit(.label(skip))
    }

    public func ifThenElse(_ predicate: Value, _ then: () -> Void, else otherwise: () -> Void) {
        let elseLabel = newLabel()
        let end = newLabel()
        emit(.branch(elseLabel, predicate: predicate.register, negated: true))
        then()
        emit(.branch(end, predicate: nil, negated: false))
        emit(.label(elseLabel))
        otherwise()
        emit(.label(end))
    }

    /// `for (i = start; i < end; i += step) body(i)` over u32 (unsigned comparison).
    public func forLoop(from start: some KernelOperand, to end: some KernelOperand, step: some KernelOperand = 1, _ body: (Value) -> Void) {
        let i = variable(.u32, start)
        let top = newLabel()
        let done = newLabel()
        emit(.label(top))
        let finished = setp(.ge, i, end)
        emit(.branch(done, predicate: finished.register, negated: false))
        body(i)
        emit(.binary(.add, .u32, dst: i.register, .register(i.register), step.operand(as: .u32)))
        emit(.branch(top, predicate: nil, negated: false))
        emit(.label(done))
    }

    /// Threads where `predicate` holds leave the kernel.
    public func returnIf(_ predicate: Value) {
        usesExit = true
        emit(.branch(exitLabel, predicate: predicate.register, negated: false))
    }
}
