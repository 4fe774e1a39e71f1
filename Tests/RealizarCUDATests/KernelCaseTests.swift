import Testing
@testable import RealizarCUDA

/// Every self-test case under the interpreter: each kernel against its CPU reference, with the
/// tolerance the case states (printed in the failure message).
@Suite struct KernelCaseTests {
    static let cases = CUDASelfTest.cases()

    @Test(arguments: cases.indices)
    func kernelMatchesCPUReference(_ index: Int) {
        let testCase = Self.cases[index]
        for result in testCase.results(on: InterpreterExecutor()) {
            #expect(result.passed, "\(result.op) \(result.type): max error \(result.maxError), tolerance \(result.tolerance); \(result.detail)")
        }
    }
}
