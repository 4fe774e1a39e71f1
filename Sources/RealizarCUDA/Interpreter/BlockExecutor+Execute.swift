import Foundation
import RealizarCore

extension BlockExecutor {
    /// Runs thread `t` until it exits or stops at a barrier or a warp collective.
    mutating func runThread(_ t: Int) throws {
        let r = registers + t * registerCount
        var pc = Int(pcs[t])
        @inline(__always) func value(_ operand: Int32) -> UInt64 {
            operand >= 0 ? r[Int(operand)] : constants[Int(~operand)]
        }
        while true {
            let op = ops[pc]
            switch op.code {
            case .parameter:
                r[Int(op.d)] = parameters[Int(op.a)]
            case .special:
                r[Int(op.d)] = special(SpecialRegister(rawValue: op.sub)!, thread: t)
            case .sharedAddress:
                r[Int(op.d)] = UInt64(op.a)
            case .mov:
                r[Int(op.d)] = value(op.a)
            case .binary:
                guard let result = Arithmetic.binary(BinaryOp(rawValue: op.sub)!, op.type, value(op.a), value(op.b)) else {
                    pcs[t] = Int32(pc)
                    throw fault(t, pc, "integer division by zero")
                }
                r[Int(op.d)] = result
            case .fma:
                r[Int(op.d)] = Arithmetic.fma(op.type, value(op.a), value(op.b), value(op.c))
            case .unary:
                r[Int(op.d)] = Arithmetic.unary(UnaryOp(rawValue: op.sub)!, op.type, value(op.a))
            case .convert:
                r[Int(op.d)] = Arithmetic.convert(value(op.a), from: op.type2, to: op.type, rounding: Rounding(rawValue: op.sub)!)
            case .setp:
                r[Int(op.d)] = Arithmetic.compare(Comparison(rawValue: op.sub)!, op.type, value(op.a), value(op.b)) ? 1 : 0
            case .selp:
                r[Int(op.d)] = value(op.c) != 0 ? value(op.a) : value(op.b)
            case .load:
                let size = op.type.byteCount
                let base = value(op.a) &+ UInt64(bitPattern: Int64(op.offset))
                let pointer = try resolve(base, bytes: size * Int(op.count), space: op.sub, thread: t, pc: pc, write: false)
                for i in 0..<Int(op.count) {
                    var bits: UInt64 = 0
                    for byte in 0..<size { bits |= UInt64(pointer[i * size + byte]) << UInt64(8 * byte) }
                    if op.type == .s8 { bits = UInt64(UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: bits)))) }
                    r[Int(lists[Int(op.list) + i])] = bits
                }
            case .store:
                let size = op.type.byteCount
                let base = value(op.a) &+ UInt64(bitPattern: Int64(op.offset))
                let pointer = try resolve(base, bytes: size * Int(op.count), space: op.sub, thread: t, pc: pc, write: true)
                for i in 0..<Int(op.count) {
                    let bits = value(lists[Int(op.list) + i])
                    for byte in 0..<size { pointer[i * size + byte] = UInt8(truncatingIfNeeded: bits >> UInt64(8 * byte)) }
                }
            case .atomicAdd:
                let address = value(op.a) &+ UInt64(bitPattern: Int64(op.offset))
                let pointer = try resolve(address, bytes: 4, space: op.sub, thread: t, pc: pc, write: true, atomic: true)
                let old = UInt64(UnsafeMutableRawPointer(pointer).loadUnaligned(as: UInt32.self))
                let sum = Arithmetic.binary(.add, op.type, old, value(op.b))!
                UnsafeMutableRawPointer(pointer).storeBytes(of: UInt32(truncatingIfNeeded: sum), as: UInt32.self)
                if op.d >= 0 { r[Int(op.d)] = old }
            case .barrier:
                pcs[t] = Int32(pc)
                states[t] = .barrier
                return
            case .shuffle, .vote, .mma:
                pcs[t] = Int32(pc)
                states[t] = .collective
                return
            case .dp4a:
                r[Int(op.d)] = Arithmetic.dp4a(value(op.a), value(op.b), value(op.c), aSigned: op.flag, bSigned: op.flag2)
            case .branch:
                if op.a == Int32.min || (r[Int(op.a)] != 0) != op.flag {
                    pc = Int(op.d)
                    continue
                }
            case .ret:
                pcs[t] = Int32(pc)
                states[t] = .exited
                return
            }
            pc += 1
        }
    }

    func special(_ register: SpecialRegister, thread t: Int) -> UInt64 {
        let value: Int
        switch register {
        case .tidX: value = t % blockShape.x
        case .tidY: value = (t / blockShape.x) % blockShape.y
        case .tidZ: value = t / (blockShape.x * blockShape.y)
        case .ntidX: value = blockShape.x
        case .ntidY: value = blockShape.y
        case .ntidZ: value = blockShape.z
        case .ctaidX: value = blockIndex.x
        case .ctaidY: value = blockIndex.y
        case .ctaidZ: value = blockIndex.z
        case .nctaidX: value = grid.x
        case .nctaidY: value = grid.y
        case .nctaidZ: value = grid.z
        case .laneid: value = t % 32
        }
        return UInt64(value)
    }

    /// The host address of a `bytes`-long access at `address`, after the bounds, alignment and
    /// (for shared memory) race checks.
    func resolve(_ address: UInt64, bytes: Int, space: UInt8, thread t: Int, pc: Int, write: Bool,
                 atomic: Bool = false) throws -> UnsafeMutablePointer<UInt8> {
        let alignment = bytes > 16 ? 16 : bytes
        if address % UInt64(alignment) != 0 {
            throw fault(t, pc, "misaligned \(bytes)-byte access at \(describe(address, space))")
        }
        if space == MemorySpace.shared.rawValue {
            guard address <= UInt64(Int32.max), Int(address) + bytes <= sharedCount else {
                throw fault(t, pc, "shared access of \(bytes) bytes at \(address) outside the block's \(sharedCount) bytes")
            }
            let start = Int(address)
            if !atomic {
                for i in start..<(start + bytes) { try checkRace(i, thread: t, pc: pc, write: write) }
            }
            return shared + start
        }
        let id = address >> KernelInterpreter.bufferShift
        let offset = Int(address & ((1 << KernelInterpreter.bufferShift) - 1))
        guard let buffer = buffers[id] ?? InterpreterBuffer.buffer(id: id) else {
            throw fault(t, pc, "global access at \(describe(address, space)) is in no buffer")
        }
        guard offset + bytes <= buffer.count else {
            throw fault(t, pc, "global access of \(bytes) bytes at offset \(offset) of buffer \(id) (\(buffer.count) bytes) is out of bounds")
        }
        return buffer.bytes.assumingMemoryBound(to: UInt8.self) + offset
    }

    private func describe(_ address: UInt64, _ space: UInt8) -> String {
        if space == MemorySpace.shared.rawValue { return "shared \(address)" }
        return "buffer \(address >> KernelInterpreter.bufferShift) offset \(address & ((1 << KernelInterpreter.bufferShift) - 1))"
    }

    private func checkRace(_ i: Int, thread t: Int, pc: Int, write: Bool) throws {
        let me = Int32(t)
        if writeEpoch[i] == epoch && writer[i] != me {
            throw fault(t, pc, "shared-memory race: byte \(i) was written by thread \(writer[i]) since the last barrier")
        }
        if write {
            if readEpoch[i] == epoch && reader[i] != me {
                let other = reader[i] == -2 ? "other threads" : "thread \(reader[i])"
                throw fault(t, pc, "shared-memory race: byte \(i) was read by \(other) since the last barrier")
            }
            writer[i] = me
            writeEpoch[i] = epoch
        } else if readEpoch[i] != epoch {
            reader[i] = me
            readEpoch[i] = epoch
        } else if reader[i] != me {
            reader[i] = -2
        }
    }
}
