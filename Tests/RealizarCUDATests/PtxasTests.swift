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

    /// The form an sm_90 device loads: the same kernels with programmatic dependent launch points.
    @Test(.enabled(if: ptxas != nil, "ptxas not found: run scripts/install-ptxas or set REALIZAR_PTXAS"))
    func everyKernelAssemblesWithDependentLaunchPoints() throws {
        let ptxas = try #require(Self.ptxas)
        for kernel in KernelCatalog.all() {
            let text = PTXEmitter.emit(kernel, dependentLaunch: true)
            #expect(text.contains(".target sm_90") && text.contains("griddepcontrol.wait;"), "\(kernel.name)")
            do {
                let report = try ptxas.assemble(kernel, dependentLaunch: true)
                #expect(report.spillStores == 0 && report.spillLoads == 0, "\(kernel.name) spills: \(report.log)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
