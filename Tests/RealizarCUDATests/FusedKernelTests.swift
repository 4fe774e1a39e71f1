import RealizarCore
import Testing
@testable import RealizarCUDA

/// The fused residual kernel against the separate launches it replaces, bit for bit, at the
/// 1024-thread block size the backend takes for rows wider than 256 values (the architecture tests'
/// models are narrower) and at 256 threads.
@Suite struct FusedKernelTests {
    @Test(arguments: [NormKernel.threads, NormKernel.wideThreads])
    func residualNormMatchesTheSeparateKernels(threads: Int) throws {
        let rows = 2, columns = 1056, blocks = columns / 32
        var data = TestData(seed: 5)
        let x = data.floats(rows * columns, scale: 3), addend = data.floats(rows * columns, scale: 2)
        let addendWeight = data.floats(columns), weight = data.floats(columns)
        let eps: Float = 1e-6, addendEps: Float = 1e-5
        let qBytes = rows * Q8_1Rows.rowBytes(blocks: blocks)

        // Separate: norm the addend, add it, norm the sum, quantize.
        let sx = InterpreterBuffer(elements: x), sa = InterpreterBuffer(elements: addend), normed = InterpreterBuffer(count: 4 * x.count)
        let sy = InterpreterBuffer(count: 4 * x.count), sq = InterpreterBuffer(count: qBytes)
        let aw = InterpreterBuffer(elements: addendWeight), w = InterpreterBuffer(elements: weight)
        let norm = NormKernel.make(.rms, threads: threads)
        try KernelInterpreter.launch(norm, grid: Dim3(rows), block: Dim3(threads),
                                     arguments: [.buffer(sa), .buffer(aw), .buffer(normed), .u32(UInt32(columns)), .f32(addendEps)])
        try KernelInterpreter.launch(ElementwiseKernel.make(.add), grid: ElementwiseKernel.grid(count: x.count), block: Dim3(ElementwiseKernel.threads),
                                     arguments: [.buffer(sx), .buffer(normed), .buffer(sx), .u32(UInt32(x.count)), .f32(0)])
        try KernelInterpreter.launch(norm, grid: Dim3(rows), block: Dim3(threads),
                                     arguments: [.buffer(sx), .buffer(w), .buffer(sy), .u32(UInt32(columns)), .f32(eps)])
        try KernelInterpreter.launch(QuantizeQ8_1Kernel.make(), grid: QuantizeQ8_1Kernel.grid(blocks: rows * blocks),
                                     block: Dim3(QuantizeQ8_1Kernel.threads),
                                     arguments: [.buffer(sy), .buffer(sq), .u32(UInt32(rows * blocks)), .u32(UInt32(blocks))])

        // Fused.
        let fx = InterpreterBuffer(elements: x), fy = InterpreterBuffer(count: 4 * x.count), fq = InterpreterBuffer(count: qBytes)
        let variant = ResidualNormKernel.Variant(addend: .normalized, norm: .rms, quantize: true, threads: threads)
        try KernelInterpreter.launch(ResidualNormKernel.make(variant), grid: Dim3(rows), block: Dim3(threads),
                                     arguments: [.buffer(fx), .buffer(InterpreterBuffer(elements: addend)), .buffer(aw), .buffer(fy), .buffer(w),
                                                 .buffer(w), .buffer(fq), .u32(UInt32(columns)), .f32(eps), .f32(addendEps)])
        // Compared as booleans so a failure names the buffer instead of printing it.
        let sameResidual = fx.byteArray == sx.byteArray, sameNorm = fy.byteArray == sy.byteArray, sameQuants = fq.byteArray == sq.byteArray
        #expect(sameResidual, "the residual stream differs")
        #expect(sameNorm, "the norm's output differs")
        #expect(sameQuants, "the Q8_1 activations differ")
    }
}
