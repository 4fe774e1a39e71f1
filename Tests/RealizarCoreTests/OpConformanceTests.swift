import Testing
@testable import RealizarCore

/// Every operation on every kernel family this CPU has, against float64 math (`OpConformance`).
@Suite struct OpConformanceTests {
    static var families: [KernelFamily] { KernelFamily.allCases.filter(\.isSupportedByHardware) }

    @Test(arguments: families) func everyOperationMeetsItsTolerance(family: KernelFamily) throws {
        let results = try OpConformance.run(on: CPUBackend(family: family, threads: 2))
        print(OpConformance.table(results))
        #expect(results.count >= 40)
        for result in results {
            #expect(result.passed, "\(result.operation) \(result.type) on \(result.backend): error \(result.maxError) > \(result.tolerance)")
        }
    }

    /// The suite can fail: a wrong kernel (here, a matrix with its rows shifted) is caught.
    @Test func aWrongResultFails() throws {
        var c = try OpConformance.matmul(.q8_0, batch: 1, seed: 7)
        c = OpConformance.Case(operation: c.operation, type: c.type, tolerance: c.tolerance, sequences: c.sequences,
                               probe: c.probe, reference: Array(c.reference.dropFirst()) + [0])
        #expect(!(try OpConformance.run(c, on: CPUBackend(family: .generic, threads: 1))).passed)
    }
}
