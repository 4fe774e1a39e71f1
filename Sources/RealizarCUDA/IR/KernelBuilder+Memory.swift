/// Loads, stores and atomics. The address's register type picks the state space: a u64 address is
/// global memory, a u32 address (from `sharedArray`) is shared memory.
extension KernelBuilder {
    private func space(of address: Value) -> MemorySpace {
        switch address.type {
        case .u64, .s64: return .global
        case .u32: return .shared
        default: preconditionFailure("address of type \(address.type)")
        }
    }

    /// One element of `type` at `address + offset` (u8/s8 widen to 32 bits).
    public func load(_ type: ScalarType, from address: Value, offset: Int = 0) -> Value {
        let result = newRegister(type.registerType)
        emit(.load(space(of: address), type, dsts: [result.register], address: .register(address.register), offset: offset))
        return result
    }

    /// `count` (2 or 4) consecutive elements with one vector access; the address must be aligned to
    /// the vector's size.
    public func loadVector(_ type: ScalarType, count: Int, from address: Value, offset: Int = 0) -> [Value] {
        precondition(count == 2 || count == 4, "vector loads are v2 or v4")
        let results = (0..<count).map { _ in newRegister(type.registerType) }
        emit(.load(space(of: address), type, dsts: results.map(\.register), address: .register(address.register), offset: offset))
        return results
    }

    /// Stores `value` as `type` (by default the value's own type; u8 narrows a 32-bit value).
    public func store(_ value: some KernelOperand, to address: Value, offset: Int = 0, as type: ScalarType? = nil) {
        let memoryType = type ?? (value as? Value)?.type ?? .u32
        emit(.store(space(of: address), memoryType, address: .register(address.register), offset: offset,
                    values: [value.operand(as: memoryType.registerType)]))
    }

    public func storeVector(_ values: [Value], to address: Value, offset: Int = 0) {
        precondition(values.count == 2 || values.count == 4, "vector stores are v2 or v4")
        emit(.store(space(of: address), values[0].type, address: .register(address.register), offset: offset,
                    values: values.map { .register($0.register) }))
    }

    /// `red.add`: adds `value` to memory without returning the old value.
    public func atomicAdd(_ value: Value, to address: Value, offset: Int = 0) {
        emit(.atomicAdd(space(of: address), value.type, dst: nil, address: .register(address.register), offset: offset,
                        value: .register(value.register)))
    }

    /// `atom.add`: adds `value` to memory and returns the value it held before.
    public func atomicFetchAdd(_ value: Value, to address: Value, offset: Int = 0) -> Value {
        let old = newRegister(value.type)
        emit(.atomicAdd(space(of: address), value.type, dst: old.register, address: .register(address.register), offset: offset,
                        value: .register(value.register)))
        return old
    }

    /// `bar.sync 0`: every thread of the block arrives before any continues.
    public func barrier() { emit(.barrier) }

    /// A little-endian u32 from an address that is only 2-byte aligned (two u16 loads), as
    /// blocks of 18, 22, 34 or 210 bytes need.
    public func loadU32Aligned2(from address: Value, offset: Int = 0) -> Value {
        let low = load(.u16, from: address, offset: offset).to(.u32)
        let high = load(.u16, from: address, offset: offset + 2).to(.u32)
        return low | (high << 16)
    }

    /// An f16 in memory, widened to f32.
    public func loadHalf(from address: Value, offset: Int = 0) -> Value {
        load(.f16, from: address, offset: offset).to(.f32)
    }
}
