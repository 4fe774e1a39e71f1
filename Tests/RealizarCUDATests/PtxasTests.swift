import Testing
@testable import RealizarCUDA

/// Every generated kernel assembles with NVIDIA's ptxas for sm_90 without spilling.
@Suite struct PtxasTests {
    static let ptxas = Ptxas.locate()

    @Test(.enabled(if: ptxas != nil, "ptxas not found: run scripts/install-ptxas or set REALIZAR_PTXAS"))
    func everyKernelAssemblesWithoutSpills() throws {
        let ptxas = try #require(Self.ptxas)
        var reports: [Ptxas.Report] = []
        for kernel in KernelCatalog.all() {
            do {
                let report = try ptxas.assemble(kernel)
                #expect(report.spillStores == 0 && report.spillLoads == 0, "\(kernel.name) spills: \(report.log)")
                reports.append(report)
            } catch {
                Issue.record("\(error)")
            }
        }
        print(Ptxas.table(reports))
    }
}
