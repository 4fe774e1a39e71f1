import Testing
@testable import RealizarCUDA

/// The interpreter's own behaviour: CUDA semantics it must model and the faults it must catch.
@Suite struct KernelInterpreterTests {
    /// out[i] = in[i] for a launch that covers `n` threads without a bounds check.
    func copyKernel(guarded: Bool) -> Kernel {
        let k = KernelBuilder(name: "copy", maxThreads: 64)
        let input = k.pointerParameter("input")
        let output = k.pointerParameter("output")
        let n = k.u32Parameter("n")
        let i = k.blockIndex * 64 + k.threadIndex
        if guarded { k.returnIf(i.ge(n)) }
        k.store(k.load(.f32, from: input + (i << 2)), to: output + (i << 2))
        return k.finish()
    }

    @Test func guardedCopyRuns() throws {
        let input = InterpreterBuffer(elements: (0..<100).map { Float($0) })
        let output = InterpreterBuffer(count: 400)
        try KernelInterpreter.launch(copyKernel(guarded: true), grid: Dim3(2), block: Dim3(64),
                                     arguments: [.buffer(input), .buffer(output), .u32(100)])
        #expect(output.elements(as: Float.self) == (0..<100).map { Float($0) })
    }

    @Test func outOfBoundsGlobalReadIsReportedWithItsThread() {
        let input = InterpreterBuffer(count: 400)
        let output = InterpreterBuffer(count: 512)
        #expect {
            try KernelInterpreter.launch(copyKernel(guarded: false), grid: Dim3(2), block: Dim3(64),
                                         arguments: [.buffer(input), .buffer(output), .u32(100)])
        } throws: { error in
            let fault = error as? KernelFault
            return fault?.block.x == 1 && fault?.thread.x == 36 && fault?.instruction.hasPrefix("ld.global.f32") == true
                && fault?.message.contains("out of bounds") == true
        }
    }

    /// Every thread writes its slot, then reads its neighbour's: correct only with the barrier.
    func neighbourKernel(barrier: Bool) -> Kernel {
        let k = KernelBuilder(name: "neighbour", maxThreads: 64)
        let output = k.pointerParameter("output")
        let shared = k.sharedArray("slots", bytes: 256)
        let tid = k.threadIndex
        k.store(tid, to: shared + (tid << 2))
        if barrier { k.barrier() }
        let neighbour = k.load(.u32, from: shared + (((tid + 1) & 63) << 2))
        k.store(neighbour, to: output + (tid << 2))
        return k.finish()
    }

    @Test func barrierOrdersSharedMemory() throws {
        let output = InterpreterBuffer(count: 256)
        try KernelInterpreter.launch(neighbourKernel(barrier: true), grid: Dim3(1), block: Dim3(64), arguments: [.buffer(output)])
        #expect(output.elements(as: UInt32.self) == (0..<64).map { UInt32(($0 + 1) & 63) })
    }

    @Test func sharedRaceWithoutBarrierIsReported() {
        let output = InterpreterBuffer(count: 256)
        #expect {
            try KernelInterpreter.launch(neighbourKernel(barrier: false), grid: Dim3(1), block: Dim3(64), arguments: [.buffer(output)])
        } throws: { error in
            (error as? KernelFault)?.message.contains("race") == true
        }
    }

    @Test func shuffleAndBallotFollowPTX() throws {
        let k = KernelBuilder(name: "warp", maxThreads: 32)
        let output = k.pointerParameter("output")
        let lane = k.lane
        let down = k.shuffle(.down, lane, 3)  // lanes 29...31 keep their own value
        let ballot = k.ballot((lane & 1).eq(1))
        let sum = k.warpSum(lane)
        let anyAbove30 = k.any(lane.gt(30))
        let anyAbove31 = k.any(lane.gt(31))
        let votes = k.select(anyAbove30, k.constant(1), 0) + k.select(anyAbove31, k.constant(2), 0)
        k.store(votes, to: output + (lane << 4), offset: 12)
        k.store(down, to: output + (lane << 4))
        k.store(ballot, to: output + (lane << 4), offset: 4)
        k.store(sum, to: output + (lane << 4), offset: 8)
        let buffer = InterpreterBuffer(count: 32 * 16)
        try KernelInterpreter.launch(k.finish(), grid: Dim3(1), block: Dim3(32), arguments: [.buffer(buffer)])
        let words = buffer.elements(as: UInt32.self)
        for lane in 0..<32 {
            #expect(words[4 * lane] == UInt32(lane + 3 <= 31 ? lane + 3 : lane))
            #expect(words[4 * lane + 1] == 0xAAAA_AAAA)
            #expect(words[4 * lane + 2] == 496)
            #expect(words[4 * lane + 3] == 1, "vote.any: true for lane > 30, false for lane > 31")
        }
    }

    @Test func divergentShuffleIsADeadlock() {
        let k = KernelBuilder(name: "divergent", maxThreads: 32)
        let output = k.pointerParameter("output")
        let lane = k.lane
        k.ifThen(lane.lt(16)) { k.store(k.shuffle(.bfly, lane, 1), to: output + (lane << 2)) }
        let buffer = InterpreterBuffer(count: 128)
        #expect(throws: KernelFault.self) {
            try KernelInterpreter.launch(k.finish(), grid: Dim3(1), block: Dim3(32), arguments: [.buffer(buffer)])
        }
    }

    @Test func dp4aMixesSignedness() {
        // bytes a = (255, 1, 0, 0) unsigned · b = (-1, 2, 0, 0) signed = -255 + 2, plus c = 10
        #expect(Int32(bitPattern: UInt32(Arithmetic.dp4a(0x01FF, 0x02FF, 10, aSigned: false, bSigned: true))) == -243)
        #expect(Int32(bitPattern: UInt32(Arithmetic.dp4a(0x01FF, 0x02FF, 10, aSigned: true, bSigned: true))) == 13)
    }
}

/// Atomics and shared-memory bounds.
@Suite struct KernelInterpreterAtomicTests {
    @Test func atomicsAddFromEveryThreadWithoutARace() throws {
        let k = KernelBuilder(name: "atomics", maxThreads: 64)
        let total = k.pointerParameter("total")
        let counter = k.sharedArray("counter", bytes: 4)
        let tid = k.threadIndex
        k.ifThen(tid.eq(0)) { k.store(k.constant(0), to: counter) }
        k.barrier()
        _ = k.atomicFetchAdd(k.constant(1), to: counter)
        k.atomicAdd(tid.to(.f32), to: total)
        k.barrier()
        k.ifThen(tid.eq(0)) { k.atomicAdd(k.load(.u32, from: counter), to: total, offset: 4) }
        let buffer = InterpreterBuffer(count: 8)
        try KernelInterpreter.launch(k.finish(), grid: Dim3(3), block: Dim3(64), arguments: [.buffer(buffer)])
        let bytes = buffer.byteArray
        let sum = bytes.withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
        let count = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) }
        #expect(sum == Float(3 * (63 * 64 / 2)))
        #expect(count == 3 * 64)
    }

    @Test func sharedAccessPastTheArrayIsReported() {
        let k = KernelBuilder(name: "shared_oob", maxThreads: 32)
        let slots = k.sharedArray("slots", bytes: 64)
        k.store(k.lane, to: slots + (k.lane << 2))
        #expect {
            try KernelInterpreter.launch(k.finish(), grid: Dim3(1), block: Dim3(32), arguments: [])
        } throws: { error in
            let fault = error as? KernelFault
            return fault?.thread.x == 16 && fault?.message.contains("outside the block's 64 bytes") == true
        }
    }
}

/// The driver binding without a GPU: a clear one-line error.
@Suite struct CUDADriverTests {
    static let hasDriver = (try? CUDADriver.shared()) != nil

    @Test(.enabled(if: !hasDriver, "a CUDA driver is installed here"))
    func missingDriverIsOneClearLine() {
        #expect {
            _ = try CUDAContext()
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("no CUDA driver: libcuda.so.1 not found (") && !text.contains("\n")
        }
    }

    @Test func integerAndTensorCoreInstructionsAppearInThePTX() {
        let q4 = PTXEmitter.emit(QuantizedGEMVKernel.make(.q4_K))
        #expect(q4.contains("dp4a.u32.s32 "))
        #expect(q4.contains("ld.global.v4.u32 {"))
        #expect(q4.contains("shfl.sync.bfly.b32 "))
        #expect(PTXEmitter.emit(QuantizedGEMVKernel.make(.q8_0)).contains("dp4a.s32.s32 "))
        #expect(PTXEmitter.emit(MMATestKernel.make(.m16n8k16F16F32)).contains("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {"))
        #expect(PTXEmitter.emit(MMATestKernel.make(.m16n8k32S8S32)).contains("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {"))
        #expect(PTXEmitter.emit(NormKernel.make(.rms)).contains("bar.sync 0;"))
    }

    @Test func everyKernelEmitsPTXForItsTarget() {
        for kernel in KernelCatalog.all() {
            let ptx = PTXEmitter.emit(kernel)
            #expect(ptx.contains(".version 7.8\n.target \(kernel.target.rawValue)\n.address_size 64"), "\(kernel.name)")
            #expect(ptx.contains(".visible .entry \(kernel.name)("), "\(kernel.name)")
        }
    }
}
