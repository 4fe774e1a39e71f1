import Testing
@testable import RealizarCore
import RealizarCUDA

/// The op conformance suite's CUDA column: every graph operation and weight type through the CUDA
/// backend, its kernels run by the interpreter, against float64 math with the tolerances the CPU
/// kernel families meet.
@Suite struct CUDABackendConformanceTests {
    @Test func everyOperationMeetsItsToleranceUnderTheInterpreter() throws {
        let results = try OpConformance.run(on: CUDABackend(device: InterpreterDevice()))
        print(OpConformance.table(results))
        #expect(results.count >= 40)
        for result in results {
            #expect(result.passed, "\(result.operation) \(result.type) on \(result.backend): error \(result.maxError) > \(result.tolerance)")
        }
    }

    /// The prompt products again with the tensor-core GEMM's 64-token tile, which the GPU takes only
    /// for grids too large for the interpreter: same tolerance, and the same bits as the 32-token tile
    /// (each output's products are summed in the same order whatever the tile).
    @Test func theWideTokenTileGivesTheSameProducts() throws {
        let cases = try OpConformance.cases().filter { $0.operation.hasPrefix("matmul ×70") }
        #expect(cases.count >= 8)
        for c in cases {
            let narrow = try OpConformance.run(c, on: CUDABackend(device: InterpreterDevice()))
            let wide = try OpConformance.run(c, on: CUDABackend(device: InterpreterDevice(), wideGridBlocks: 0))
            #expect(wide.passed, "\(wide.operation) \(wide.type): error \(wide.maxError) > \(wide.tolerance)")
            #expect(wide.maxError == narrow.maxError, "\(wide.operation) \(wide.type): \(wide.maxError) against \(narrow.maxError) with 32 tokens")
        }
    }
}
