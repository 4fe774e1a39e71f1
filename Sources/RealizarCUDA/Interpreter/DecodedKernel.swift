/// A kernel's IR flattened once into fixed-size records, labels resolved to instruction indices
/// and immediates moved into a constant table, so the interpreter's inner loop is one switch.
struct DecodedKernel {
    enum Code: UInt8 {
        case parameter, special, sharedAddress, mov, binary, fma, unary, convert, setp, selp
        case load, store, atomicAdd, barrier, shuffle, vote, dp4a, mma, branch, ret
    }

    /// Operands are register indices (>= 0) or `~index` into `constants` (< 0).
    struct Op {
        var code: Code
        var type: ScalarType = .u32
        var type2: ScalarType = .u32
        var sub: UInt8 = 0
        var d: Int32 = 0
        var a: Int32 = 0
        var b: Int32 = 0
        var c: Int32 = 0
        var offset: Int32 = 0
        /// Start and length in `lists` for vector accesses and mma fragments.
        var list: Int32 = 0
        var count: Int32 = 0
        var mask: UInt32 = 0
        var flag = false
        var flag2 = false
    }

    let kernel: Kernel
    var ops: [Op] = []
    var constants: [UInt64] = []
    var lists: [Int32] = []
    /// For each op, the instruction it came from (for fault messages).
    var source: [Int] = []
    let names: RegisterNames
    let sharedOffsets: [Int]

    init(_ kernel: Kernel) {
        self.kernel = kernel
        names = RegisterNames(kernel.registers)
        sharedOffsets = SharedLayout(kernel.shared).offsets
        var labelTargets: [Int: Int] = [:]
        var count = 0
        for instruction in kernel.instructions {
            if case .label(let label) = instruction { labelTargets[label] = count } else { count += 1 }
        }
        for (index, instruction) in kernel.instructions.enumerated() {
            if case .label = instruction { continue }
            ops.append(decode(instruction, labels: labelTargets))
            source.append(index)
        }
    }

    func text(at pc: Int) -> String {
        PTXEmitter.line(kernel.instructions[source[pc]], kernel: kernel, names: names)
    }

    private mutating func operand(_ operand: Operand) -> Int32 {
        switch operand {
        case .register(let register): return register
        case .immediate(let bits):
            constants.append(bits)
            return ~Int32(constants.count - 1)
        }
    }

    private mutating func list(_ items: [Int32]) -> (Int32, Int32) {
        let start = Int32(lists.count)
        lists.append(contentsOf: items)
        return (start, Int32(items.count))
    }

    private mutating func decode(_ instruction: Instruction, labels: [Int: Int]) -> Op {
        switch instruction {
        case .parameter(let dst, let index):
            return Op(code: .parameter, d: dst, a: Int32(index))
        case .special(let dst, let register):
            return Op(code: .special, sub: register.rawValue, d: dst)
        case .sharedAddress(let dst, let array):
            return Op(code: .sharedAddress, d: dst, a: Int32(sharedOffsets[array]))
        case .mov(let type, let dst, let a):
            return Op(code: .mov, type: type, d: dst, a: operand(a))
        case .bitcast(let dst, let a):
            return Op(code: .mov, type: kernel.registers[Int(dst)], d: dst, a: operand(a))
        case .binary(let op, let type, let dst, let a, let b):
            return Op(code: .binary, type: type, sub: op.rawValue, d: dst, a: operand(a), b: operand(b))
        case .fma(let type, let dst, let a, let b, let c):
            return Op(code: .fma, type: type, d: dst, a: operand(a), b: operand(b), c: operand(c))
        case .unary(let op, let type, let dst, let a):
            return Op(code: .unary, type: type, sub: op.rawValue, d: dst, a: operand(a))
        case .convert(let to, let from, let rounding, let dst, let a):
            return Op(code: .convert, type: to, type2: from, sub: rounding.rawValue, d: dst, a: operand(a))
        case .setp(let comparison, let type, let dst, let a, let b):
            return Op(code: .setp, type: type, sub: comparison.rawValue, d: dst, a: operand(a), b: operand(b))
        case .selp(let type, let dst, let a, let b, let predicate):
            return Op(code: .selp, type: type, d: dst, a: operand(a), b: operand(b), c: operand(predicate))
        case .load(let space, let type, let dsts, let address, let offset):
            let (start, count) = list(dsts)
            return Op(code: .load, type: type, sub: space.rawValue, a: operand(address), offset: Int32(offset), list: start, count: count)
        case .store(let space, let type, let address, let offset, let values):
            let (start, count) = list(values.map { operand($0) })
            return Op(code: .store, type: type, sub: space.rawValue, a: operand(address), offset: Int32(offset), list: start, count: count)
        case .atomicAdd(let space, let type, let dst, let address, let offset, let value):
            return Op(code: .atomicAdd, type: type, sub: space.rawValue, d: dst ?? -1, a: operand(address), b: operand(value),
                      offset: Int32(offset))
        case .barrier:
            return Op(code: .barrier)
        case .shuffle(let mode, let dst, let value, let lane, let clamp, let mask):
            return Op(code: .shuffle, sub: mode.rawValue, d: dst, a: operand(value), b: operand(lane), c: Int32(clamp), mask: mask)
        case .vote(let mode, let dst, let predicate, let mask):
            return Op(code: .vote, sub: mode.rawValue, d: dst, a: operand(predicate), mask: mask)
        case .dp4a(let aSigned, let bSigned, let dst, let a, let b, let c):
            return Op(code: .dp4a, d: dst, a: operand(a), b: operand(b), c: operand(c), flag: aSigned, flag2: bSigned)
        case .mma(let shape, let d, let a, let b, let c):
            let items = d + a.map { operand($0) } + b.map { operand($0) } + c.map { operand($0) }
            let (start, count) = list(items)
            return Op(code: .mma, sub: shape.rawValue, list: start, count: count, mask: 0xFFFF_FFFF)
        case .label:
            preconditionFailure("labels are resolved")
        case .branch(let label, let predicate, let negated):
            return Op(code: .branch, d: Int32(labels[label]!), a: predicate ?? Int32.min, flag: negated)
        case .ret:
            return Op(code: .ret)
        }
    }
}
