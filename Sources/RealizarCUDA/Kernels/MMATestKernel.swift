/// One warp multiplies a 16×K tile of A (row-major) by a K×8 tile of B (column-major) with one
/// `mma.sync`, loading each lane's fragments as the PTX ISA lays them out. It proves the IR's
/// tensor-core path (and the interpreter's fragment layout) end to end.
///
/// f16 form: A 16×16 f16, B stored as 8 columns × 16 f16, D 16×8 f32. s8 form: A 16×32 s8,
/// B 8 columns × 32 s8, D 16×8 s32. Parameters: `a`, `b`, `d`.
public enum MMATestKernel {
    public static func name(_ shape: MMAShape) -> String { shape == .m16n8k16F16F32 ? "mma_m16n8k16_f16_f32" : "mma_m16n8k32_s8_s32" }

    public static func make(_ shape: MMAShape) -> Kernel {
        let k = KernelBuilder(name: name(shape), maxThreads: 32)
        let a = k.pointerParameter("a")
        let b = k.pointerParameter("b")
        let d = k.pointerParameter("d")
        let lane = k.lane
        let group = lane >> 2
        let inGroup = lane & 3
        // Row stride in bytes (16 f16 or 32 s8 are both 32 bytes); each lane's pair/quad is 4 bytes.
        let kBytes = 32
        let aFragments = (0..<4).map { register in
            let row = group + ((register & 1) * 8)
            let column = (inGroup << 2) + (register >= 2 ? kBytes / 2 : 0)
            return k.load(.u32, from: a + (row * UInt32(kBytes) + column))
        }
        let bFragments = (0..<2).map { register in
            k.load(.u32, from: b + (group * UInt32(kBytes) + (inGroup << 2) + register * kBytes / 2))
        }
        let zero: [Value] = (0..<4).map { _ in shape == .m16n8k16F16F32 ? k.constant(Float(0)) : k.constant(0, .s32) }
        let result = k.mma(shape, a: aFragments, b: bFragments, c: zero)
        for register in 0..<4 {
            let row = group + ((register >> 1) * 8)
            let column = (inGroup << 1) + (register & 1)
            k.store(result[register], to: d + ((row * 8 + column) << 2))
        }
        return k.finish()
    }
}
