import RealizarCore

extension BlockExecutor {
    /// Executes every collective of the warp `first..<end` whose member lanes have all arrived;
    /// returns whether any did.
    mutating func executeCollectives(first: Int, end: Int) throws -> Bool {
        var executed = false
        var existing: UInt32 = 0
        for lane in 0..<(end - first) { existing |= 1 << UInt32(lane) }
        var handled: Set<Int32> = []
        for t in first..<end where states[t] == .collective && !handled.contains(pcs[t]) {
            let pc = pcs[t]
            handled.insert(pc)
            let op = ops[Int(pc)]
            var arrived: UInt32 = 0
            for u in first..<end where states[u] == .collective && pcs[u] == pc { arrived |= 1 << UInt32(u - first) }
            let required = op.mask & existing
            if arrived & ~required != 0 {
                let lane = (arrived & ~required).trailingZeroBitCount
                throw fault(first + lane, Int(pc), "lane \(lane) executes a collective its member mask leaves out")
            }
            for lane in 0..<(end - first) where required & (1 << UInt32(lane)) != 0 && states[first + lane] == .exited {
                throw fault(t, Int(pc), "member lane \(lane) exited before this collective")
            }
            guard arrived == required else { continue }
            switch op.code {
            case .shuffle: try shuffle(op, first: first, lanes: arrived, pc: Int(pc))
            case .vote: vote(op, first: first, lanes: arrived)
            default:
                guard arrived == 0xFFFF_FFFF else { throw fault(t, Int(pc), "mma.sync needs all 32 lanes") }
                mma(op, first: first)
            }
            for lane in 0..<32 where arrived & (1 << UInt32(lane)) != 0 {
                states[first + lane] = .running
                pcs[first + lane] += 1
            }
            executed = true
        }
        return executed
    }

    @inline(__always) private func read(_ thread: Int, _ operand: Int32) -> UInt64 {
        operand >= 0 ? registers[thread * registerCount + Int(operand)] : constants[Int(~operand)]
    }

    @inline(__always) private func write(_ thread: Int, _ register: Int32, _ value: UInt64) {
        registers[thread * registerCount + Int(register)] = value
    }

    /// PTX's `shfl.sync` source-lane rule with the clamp value in `op.c` (segment mask zero).
    private func shuffle(_ op: DecodedKernel.Op, first: Int, lanes: UInt32, pc: Int) throws {
        var results = [UInt64](repeating: 0, count: 32)
        let maxLane = Int(op.c & 0x1F)
        for lane in 0..<32 where lanes & (1 << UInt32(lane)) != 0 {
            let b = Int(read(first + lane, op.b) & 0x1F)
            var source: Int
            var valid: Bool
            switch ShuffleMode(rawValue: op.sub)! {
            case .up: source = lane - b; valid = source >= maxLane
            case .down: source = lane + b; valid = source <= maxLane
            case .bfly: source = lane ^ b; valid = source <= maxLane
            case .idx: source = b; valid = source <= maxLane
            }
            if !valid { source = lane }
            guard lanes & (1 << UInt32(source)) != 0 else {
                throw fault(first + lane, pc, "shfl reads lane \(source), which does not take part")
            }
            results[lane] = read(first + source, op.a)
        }
        for lane in 0..<32 where lanes & (1 << UInt32(lane)) != 0 { write(first + lane, op.d, results[lane]) }
    }

    private func vote(_ op: DecodedKernel.Op, first: Int, lanes: UInt32) {
        var ballot: UInt32 = 0
        for lane in 0..<32 where lanes & (1 << UInt32(lane)) != 0 && read(first + lane, op.a) != 0 {
            ballot |= 1 << UInt32(lane)
        }
        let result: UInt64
        switch VoteMode(rawValue: op.sub)! {
        case .ballot: result = UInt64(ballot)
        case .any: result = ballot != 0 ? 1 : 0
        case .all: result = ballot == lanes ? 1 : 0
        }
        for lane in 0..<32 where lanes & (1 << UInt32(lane)) != 0 { write(first + lane, op.d, result) }
    }

    /// Assembles A, B and C from the lanes' fragments as the PTX ISA lays them out (groupID =
    /// lane / 4 picks rows of A and C and the column of B; lane % 4 picks the k and n positions),
    /// multiplies, and scatters D the same way as C.
    private func mma(_ op: DecodedKernel.Op, first: Int) {
        let shape = MMAShape(rawValue: op.sub)!
        let items = Array(lists[Int(op.list)..<Int(op.list + op.count)])
        let d = Array(items[0..<4]), a = Array(items[4..<8]), b = Array(items[8..<10]), c = Array(items[10..<14])
        let k = shape == .m16n8k16F16F32 ? 16 : 32
        var matrixA = [Double](repeating: 0, count: 16 * k)
        var matrixB = [Double](repeating: 0, count: k * 8)
        var matrixC = [Double](repeating: 0, count: 16 * 8)
        for lane in 0..<32 {
            let t = first + lane
            let group = lane >> 2, inGroup = lane & 3
            for register in 0..<4 {
                let bits = read(t, a[register])
                let row = group + (register & 1) * 8
                let columnBase = register >= 2 ? k / 2 : 0
                if k == 16 {
                    for half in 0..<2 {
                        let h = UInt16(truncatingIfNeeded: bits >> UInt64(16 * half))
                        matrixA[row * k + columnBase + 2 * inGroup + half] = Double(HalfPrecision.float(fromHalfBits: h))
                    }
                } else {
                    for byte in 0..<4 {
                        let v = Int8(truncatingIfNeeded: bits >> UInt64(8 * byte))
                        matrixA[row * k + columnBase + 4 * inGroup + byte] = Double(v)
                    }
                }
            }
            for register in 0..<2 {
                let bits = read(t, b[register])
                let rowBase = register * (k / 2)
                if k == 16 {
                    for half in 0..<2 {
                        let h = UInt16(truncatingIfNeeded: bits >> UInt64(16 * half))
                        matrixB[(rowBase + 2 * inGroup + half) * 8 + group] = Double(HalfPrecision.float(fromHalfBits: h))
                    }
                } else {
                    for byte in 0..<4 {
                        let v = Int8(truncatingIfNeeded: bits >> UInt64(8 * byte))
                        matrixB[(rowBase + 4 * inGroup + byte) * 8 + group] = Double(v)
                    }
                }
            }
            for register in 0..<4 {
                let bits = read(t, c[register])
                let row = group + (register >> 1) * 8
                let column = 2 * inGroup + (register & 1)
                matrixC[row * 8 + column] = k == 16 ? Double(Arithmetic.float(bits)) : Double(Int32(truncatingIfNeeded: bits))
            }
        }
        for lane in 0..<32 {
            let group = lane >> 2, inGroup = lane & 3
            for register in 0..<4 {
                let row = group + (register >> 1) * 8
                let column = 2 * inGroup + (register & 1)
                var sum = matrixC[row * 8 + column]
                for i in 0..<k { sum += matrixA[row * k + i] * matrixB[i * 8 + column] }
                let bits = k == 16 ? Arithmetic.bits(Float(sum)) : UInt64(UInt32(truncatingIfNeeded: Int32(truncatingIfNeeded: Int64(sum))))
                write(first + lane, d[register], bits)
            }
        }
    }
}
