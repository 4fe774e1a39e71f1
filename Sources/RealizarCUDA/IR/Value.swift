/// A typed virtual register of the kernel being built. Arithmetic on values appends instructions to
/// their builder, so kernels read like the math: `let y = k.load(.f32, from: x + i * 4) * scale`.
public struct Value {
    public let register: Int32
    public let type: ScalarType
    let builder: KernelBuilder
}

/// Anything that can stand as an operand of an instruction of a given type: a `Value`, or a Swift
/// literal that becomes an immediate of that type.
public protocol KernelOperand {
    func operand(as type: ScalarType) -> Operand
}

extension Value: KernelOperand {
    public func operand(as type: ScalarType) -> Operand {
        precondition(type.bits == self.type.bits || type == .pred && self.type == .pred,
                     "operand of type \(self.type) used as \(type)")
        return .register(register)
    }
}

extension Int: KernelOperand {
    public func operand(as type: ScalarType) -> Operand {
        switch type {
        case .f32: return .immediate(UInt64(Float(self).bitPattern))
        case .pred: return .immediate(self != 0 ? 1 : 0)
        default:
            let bits = UInt64(bitPattern: Int64(self))
            return .immediate(type.bits >= 64 ? bits : bits & ((1 << UInt64(type.bits)) - 1))
        }
    }
}

extension UInt32: KernelOperand {
    public func operand(as type: ScalarType) -> Operand { Int(self).operand(as: type) }
}

extension Float: KernelOperand {
    public func operand(as type: ScalarType) -> Operand {
        precondition(type == .f32, "a Float literal used as \(type)")
        return .immediate(UInt64(bitPattern))
    }
}

// Operators: the result has the left operand's type (a pointer plus a 32-bit offset widens the offset).
extension Value {
    public static func + (a: Value, b: some KernelOperand) -> Value { a.builder.binary(.add, a, b) }
    public static func - (a: Value, b: some KernelOperand) -> Value { a.builder.binary(.sub, a, b) }
    public static func * (a: Value, b: some KernelOperand) -> Value { a.builder.binary(.mul, a, b) }
    public static func / (a: Value, b: some KernelOperand) -> Value { a.builder.binary(.div, a, b) }
    public static func % (a: Value, b: some KernelOperand) -> Value { a.builder.binary(.rem, a, b) }
    public static func & (a: Value, b: some KernelOperand) -> Value { a.builder.binary(.and, a, b) }
    public static func | (a: Value, b: some KernelOperand) -> Value { a.builder.binary(.or, a, b) }
    public static func ^ (a: Value, b: some KernelOperand) -> Value { a.builder.binary(.xor, a, b) }
    public static func << (a: Value, b: some KernelOperand) -> Value { a.builder.binary(.shl, a, b) }
    public static func >> (a: Value, b: some KernelOperand) -> Value { a.builder.binary(.shr, a, b) }
    public static prefix func - (a: Value) -> Value { a.builder.unary(.neg, a) }

    public static func + (a: Int, b: Value) -> Value { b.builder.binary(.add, b, a) }
    public static func * (a: Int, b: Value) -> Value { b.builder.binary(.mul, b, a) }
    public static func * (a: Float, b: Value) -> Value { b.builder.binary(.mul, b, a) }

    public func lt(_ b: some KernelOperand) -> Value { builder.setp(.lt, self, b) }
    public func le(_ b: some KernelOperand) -> Value { builder.setp(.le, self, b) }
    public func gt(_ b: some KernelOperand) -> Value { builder.setp(.gt, self, b) }
    public func ge(_ b: some KernelOperand) -> Value { builder.setp(.ge, self, b) }
    public func eq(_ b: some KernelOperand) -> Value { builder.setp(.eq, self, b) }
    public func ne(_ b: some KernelOperand) -> Value { builder.setp(.ne, self, b) }

    /// This value converted to `type` (integer widths truncate or extend; floats round to nearest;
    /// float to integer truncates toward zero unless `rounding` says otherwise).
    public func to(_ type: ScalarType, rounding: Rounding? = nil) -> Value { builder.convert(self, to: type, rounding: rounding) }
    /// The same bits as a register of `type` (same width).
    public func bits(as type: ScalarType) -> Value { builder.bitcast(self, to: type) }
}
