/// Warp-level operations: shuffles, votes, integer dot products and tensor-core products.
extension KernelBuilder {
    /// `shfl.sync` over the full warp. `lane` is the source lane (`idx`), the distance (`up`/`down`)
    /// or the XOR mask (`bfly`).
    public func shuffle(_ mode: ShuffleMode, _ value: Value, _ lane: some KernelOperand, mask: UInt32 = 0xFFFF_FFFF) -> Value {
        precondition(value.type.bits == 32, "shfl moves 32-bit values")
        let result = newRegister(value.type)
        emit(.shuffle(mode, dst: result.register, value: .register(value.register), lane: lane.operand(as: .u32),
                      clamp: mode == .up ? 0 : 0x1F, mask: mask))
        return result
    }

    /// The bit mask of lanes where `predicate` holds.
    public func ballot(_ predicate: Value, mask: UInt32 = 0xFFFF_FFFF) -> Value {
        let result = newRegister(.u32)
        emit(.vote(.ballot, dst: result.register, predicate: .register(predicate.register), mask: mask))
        return result
    }

    /// Whether `predicate` holds in any lane.
    public func any(_ predicate: Value, mask: UInt32 = 0xFFFF_FFFF) -> Value {
        let result = newRegister(.pred)
        emit(.vote(.any, dst: result.register, predicate: .register(predicate.register), mask: mask))
        return result
    }

    /// The sum over the warp's 32 lanes, in every lane (butterfly order: lanes agree bit for bit).
    public func warpSum(_ value: Value) -> Value {
        var x = value
        for distance in [16, 8, 4, 2, 1] { x = x + shuffle(.bfly, x, distance) }
        return x
    }

    /// The maximum over the warp's 32 lanes, in every lane.
    public func warpMax(_ value: Value) -> Value {
        var x = value
        for distance in [16, 8, 4, 2, 1] { x = max(x, shuffle(.bfly, x, distance)) }
        return x
    }

    /// `c + Σ a.byte[i] · b.byte[i]` over the four bytes of each 32-bit operand (`dp4a`), bytes
    /// signed or unsigned per operand; the result is s32.
    public func dp4a(_ a: Value, _ b: Value, _ c: some KernelOperand, aSigned: Bool = true, bSigned: Bool = true) -> Value {
        let result = newRegister(.s32)
        emit(.dp4a(aSigned: aSigned, bSigned: bSigned, dst: result.register, .register(a.register), .register(b.register),
                   c.operand(as: .s32)))
        return result
    }

    /// One warp-wide `mma.sync`; fragments as the PTX ISA lays them out per lane.
    public func mma(_ shape: MMAShape, a: [Value], b: [Value], c: [Value]) -> [Value] {
        let counts = shape.fragmentCounts
        precondition(a.count == counts.a && b.count == counts.b && c.count == counts.c, "mma fragment counts")
        let accumulator: ScalarType = shape == .m16n8k16F16F32 ? .f32 : .s32
        let d = (0..<counts.c).map { _ in newRegister(accumulator) }
        emit(.mma(shape, d: d.map(\.register), a: a.map { .register($0.register) }, b: b.map { .register($0.register) },
                  c: c.map { .register($0.register) }))
        return d
    }
}

/// Block-wide reductions through a small shared array (one slot per warp).
extension KernelBuilder {
    /// The sum of `value` over all threads of the block, in every thread. `scratch` is a shared
    /// array of at least 32 f32; the block size is a multiple of 32. Ends with a barrier so the
    /// scratch may be reused at once.
    public func blockSum(_ value: Value, scratch: Value, threads: Int) -> Value {
        blockReduce(value, scratch: scratch, threads: threads, warpReduce: warpSum) { $0 + $1 }
    }

    public func blockMax(_ value: Value, scratch: Value, threads: Int) -> Value {
        blockReduce(value, scratch: scratch, threads: threads, warpReduce: warpMax) { self.max($0, $1) }
    }

    private func blockReduce(_ value: Value, scratch: Value, threads: Int, warpReduce: (Value) -> Value,
                             combine: (Value, Value) -> Value) -> Value {
        let inWarp = warpReduce(value)
        if threads <= 32 { return inWarp }
        let warps = threads / 32
        let tid = threadIndex
        let lane = tid & 31
        let warp = tid >> 5
        ifThen(lane.eq(0)) { store(inWarp, to: scratch + (warp << 2)) }
        barrier()
        // Every warp reads all per-warp partials and reduces them the same way, so each thread
        // holds the same bits without a second broadcast through shared memory.
        var total = load(value.type, from: scratch)
        for w in 1..<warps { total = combine(total, load(value.type, from: scratch, offset: 4 * w)) }
        barrier()
        return total
    }
}
