import Testing
import RealizarCore
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
}
