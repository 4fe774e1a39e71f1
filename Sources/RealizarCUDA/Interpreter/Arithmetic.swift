import Foundation
import RealizarCore

/// PTX arithmetic on register bit patterns (the low `bits` of a UInt64; upper bits zero), as the
/// interpreter executes it.
enum Arithmetic {
    @inline(__always) static func mask(_ type: ScalarType) -> UInt64 {
        type.bits >= 64 ? ~0 : (1 << UInt64(type.bits)) - 1
    }

    @inline(__always) static func float(_ bits: UInt64) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: bits)) }
    @inline(__always) static func bits(_ value: Float) -> UInt64 { UInt64(value.bitPattern) }

    /// Sign-extends `bits` of a `type`-wide signed value.
    @inline(__always) static func signed(_ bits: UInt64, _ type: ScalarType) -> Int64 {
        let shift = UInt64(64 - type.bits)
        return Int64(bitPattern: bits << shift) >> Int64(shift)
    }

    /// PTX min/max return the other operand when one is NaN.
    @inline(__always) static func floatMin(_ a: Float, _ b: Float) -> Float { a.isNaN ? b : b.isNaN ? a : Swift.min(a, b) }
    @inline(__always) static func floatMax(_ a: Float, _ b: Float) -> Float { a.isNaN ? b : b.isNaN ? a : Swift.max(a, b) }

    /// nil for an integer division by zero.
    static func binary(_ op: BinaryOp, _ type: ScalarType, _ x: UInt64, _ y: UInt64) -> UInt64? {
        if type == .f32 {
            let a = float(x), b = float(y)
            switch op {
            case .add: return bits(a + b)
            case .sub: return bits(a - b)
            case .mul: return bits(a * b)
            case .div: return bits(a / b)
            case .min: return bits(floatMin(a, b))
            case .max: return bits(floatMax(a, b))
            default: preconditionFailure("\(op) on f32")
            }
        }
        let m = mask(type)
        let width = UInt64(type.bits)
        switch op {
        case .add: return (x &+ y) & m
        case .sub: return (x &- y) & m
        case .mul: return (x &* y) & m
        case .and: return x & y
        case .or: return x | y
        case .xor: return x ^ y
        case .shl: return y >= width ? 0 : (x << y) & m
        case .shr:
            if type.isSigned {
                return UInt64(bitPattern: signed(x, type) >> Int64(Swift.min(y, width - 1))) & m
            }
            return y >= width ? 0 : x >> y
        case .mulWide:
            if type.isSigned { return UInt64(bitPattern: signed(x, type) &* signed(y, type)) }
            return x &* y
        case .mulHi:
            if type.bits == 64 {
                if type.isSigned { return UInt64(bitPattern: Int64(bitPattern: x).multipliedFullWidth(by: Int64(bitPattern: y)).high) }
                return x.multipliedFullWidth(by: y).high
            }
            if type.isSigned { return UInt64(bitPattern: (signed(x, type) &* signed(y, type)) >> Int64(width)) & m }
            return (x &* y) >> width
        case .div, .rem:
            if y == 0 { return nil }
            if type.isSigned {
                let a = signed(x, type), b = signed(y, type)
                return UInt64(bitPattern: op == .div ? a / b : a % b) & m
            }
            return op == .div ? x / y : x % y
        case .min, .max:
            let less = type.isSigned ? signed(x, type) < signed(y, type) : x < y
            return (op == .min) == less ? x : y
        }
    }

    static func fma(_ type: ScalarType, _ x: UInt64, _ y: UInt64, _ z: UInt64) -> UInt64 {
        if type == .f32 { return bits(fused(x, y, z)) }
        return (x &* y &+ z) & mask(type)
    }

    /// a·b + c rounded once, as `fma.rn.f32`.
    @inline(__always) static func fused(_ x: UInt64, _ y: UInt64, _ z: UInt64) -> Float {
        float(z).addingProduct(float(x), float(y))
    }

    static func unary(_ op: UnaryOp, _ type: ScalarType, _ x: UInt64) -> UInt64 {
        if type == .pred { return x ^ 1 }
        if type == .f32 {
            let a = float(x)
            switch op {
            case .neg: return bits(-a)
            case .abs: return bits(Swift.abs(a))
            case .ex2: return bits(Foundation.exp2(a))
            case .rsqrt: return bits(1 / a.squareRoot())
            case .rcp: return bits(1 / a)
            case .sqrt: return bits(a.squareRoot())
            case .tanh: return bits(Foundation.tanh(a))
            case .lg2: return bits(Foundation.log2(a))
            case .sin: return bits(Foundation.sin(a))
            case .cos: return bits(Foundation.cos(a))
            default: preconditionFailure("\(op) on f32")
            }
        }
        let m = mask(type)
        switch op {
        case .neg: return (0 &- x) & m
        case .abs: return UInt64(bitPattern: Swift.abs(signed(x, type))) & m
        case .not: return ~x & m
        case .popc: return UInt64(x.nonzeroBitCount)
        default: preconditionFailure("\(op) on \(type)")
        }
    }

    static func convert(_ x: UInt64, from: ScalarType, to: ScalarType, rounding: Rounding) -> UInt64 {
        if from.isFloat {
            let f: Float
            switch from {
            case .f16: f = HalfPrecision.float(fromHalfBits: UInt16(truncatingIfNeeded: x))
            case .bf16: f = HalfPrecision.float(fromBFloat16Bits: UInt16(truncatingIfNeeded: x))
            default: f = float(x)
            }
            switch to {
            case .f32:
                switch rounding {
                case .rni: return bits(f.rounded(.toNearestOrEven))
                case .rzi: return bits(f.rounded(.towardZero))
                case .rmi: return bits(f.rounded(.down))
                case .rpi: return bits(f.rounded(.up))
                default: return bits(f)
                }
            case .f16: return UInt64(HalfPrecision.halfBits(from: f))
            case .bf16: return UInt64(HalfPrecision.bfloat16Bits(from: f))
            default: return integer(from: f, to: to, rounding: rounding)
            }
        }
        if to.isFloat {
            let f = from.isSigned ? Float(signed(x, from)) : Float(x)
            return convert(bits(f), from: .f32, to: to, rounding: .rn)
        }
        if from.isSigned { return UInt64(bitPattern: signed(x, from)) & mask(to) }
        return x & mask(to)
    }

    /// Float to integer with PTX's saturation (NaN becomes 0).
    private static func integer(from f: Float, to: ScalarType, rounding: Rounding) -> UInt64 {
        if f.isNaN { return 0 }
        let rule: FloatingPointRoundingRule
        switch rounding {
        case .rni, .rn: rule = .toNearestOrEven
        case .rmi, .rm: rule = .down
        case .rpi, .rp: rule = .up
        default: rule = .towardZero
        }
        let rounded = Double(f).rounded(rule)
        if to.isSigned {
            let limit = Double(Int64(1) << Int64(to.bits - 1))
            let clamped = Swift.min(Swift.max(rounded, -limit), limit - 1)
            return UInt64(bitPattern: Int64(clamped)) & mask(to)
        }
        let limit = to.bits == 64 ? Double(UInt64.max) : Double(UInt64(1) << UInt64(to.bits)) - 1
        return UInt64(Swift.min(Swift.max(rounded, 0), limit))
    }

    static func compare(_ comparison: Comparison, _ type: ScalarType, _ x: UInt64, _ y: UInt64) -> Bool {
        if type == .f32 {
            let a = float(x), b = float(y)
            // PTX's ordered comparisons are false with a NaN operand, `ne` included.
            return a.isNaN || b.isNaN ? false : compare(comparison, a, b)
        }
        return type.isSigned ? compare(comparison, signed(x, type), signed(y, type)) : compare(comparison, x, y)
    }

    private static func compare<T: Comparable>(_ comparison: Comparison, _ a: T, _ b: T) -> Bool {
        switch comparison {
        case .eq: return a == b
        case .ne: return a != b
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        case .ge: return a >= b
        }
    }

    static func dp4a(_ a: UInt64, _ b: UInt64, _ c: UInt64, aSigned: Bool, bSigned: Bool) -> UInt64 {
        var sum = Int64(Int32(truncatingIfNeeded: c))
        for i in 0..<4 {
            let shift = UInt64(8 * i)
            let byteA = UInt8(truncatingIfNeeded: a >> shift), byteB = UInt8(truncatingIfNeeded: b >> shift)
            let x = aSigned ? Int64(Int8(bitPattern: byteA)) : Int64(byteA)
            let y = bSigned ? Int64(Int8(bitPattern: byteB)) : Int64(byteB)
            sum += x * y
        }
        return UInt64(UInt32(truncatingIfNeeded: sum))
    }
}
