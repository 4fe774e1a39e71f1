import Foundation

/// Checks the CUDA backend's kernels against the CPU references, for the `realizar selftest`
/// command and the GPU machine.
public enum CUDASelfTest {
    public enum Mode: Sendable {
        /// Every kernel under the CPU interpreter.
        case interpreter
        /// Every kernel on GPU 0 through the driver, then bandwidth measurements.
        case gpu
        /// Every kernel variant through ptxas (register/shared/spill table).
        case ptx(ptxasPath: String?)
    }

    /// Every case, at sizes the interpreter runs in seconds (`large` for the GPU).
    public static func cases(large: Bool = false) -> [SelfTestCase] {
        // Columns of 136 sub-blocks (68 Q4_K chunks): the GEMV's paired loop (64 at a time) and
        // its remainder, by sub-block and by chunk.
        let rows = large ? 1024 : 8
        let columns = 4352
        return GEMVCases.all(rows: rows, columns: columns, batches: large ? [1, 2, 4, 8, 16] : [1, 3, 16])
            + LayerCases.all(large: large)
    }

    /// Writes every kernel variant's PTX to `directory` (one `<kernel>.ptx` each), for ptxas, ncu
    /// or a reader; returns the file names.
    public static func writePTX(to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try KernelCatalog.all().map { kernel in
            let path = "\(directory)/\(kernel.name).ptx"
            try PTXEmitter.emit(kernel).write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// Runs `mode`, printing a table through `log`; true when everything passed.
    public static func run(mode: Mode, log: (String) -> Void = { print($0) }) -> Bool {
        switch mode {
        case .interpreter:
            let results = cases().flatMap { $0.results(on: InterpreterExecutor()) }
            log(CaseResult.table(results))
            return results.allSatisfy(\.passed)
        case .ptx(let path):
            guard let ptxas = path.map(Ptxas.init) ?? Ptxas.locate() else {
                log("ptxas not found: pass --ptxas PATH, set REALIZAR_PTXAS, or run scripts/install-ptxas")
                return false
            }
            var reports: [Ptxas.Report] = []
            var passed = true
            for kernel in KernelCatalog.all() {
                do {
                    let report = try ptxas.assemble(kernel)
                    if report.spillStores > 0 || report.spillLoads > 0 {
                        passed = false
                        log("\(kernel.name) spills")
                    }
                    reports.append(report)
                } catch {
                    passed = false
                    log("\(error)")
                }
            }
            log(Ptxas.table(reports))
            return passed
        case .gpu:
            return runOnGPU(log: log)
        }
    }

    static func runOnGPU(log: (String) -> Void) -> Bool {
        let context: CUDAContext
        do {
            context = try CUDAContext()
            log(try context.summary())
        } catch {
            log("\(error)")
            return false
        }
        let executor = DeviceExecutor(context: context)
        var results: [CaseResult] = []
        for testCase in cases(large: true) {
            let caseResults = testCase.results(on: executor)
            // One line per result as it happens, so a hang or a sticky device error shows where.
            for result in caseResults {
                log("\(result.passed ? "pass" : "FAIL") \(result.op) \(result.type): max error \(result.maxError) \(result.detail)")
            }
            results += caseResults
            executor.releaseBuffers()
        }
        results.append(GraphCheck.run(context: context))
        log(CaseResult.table(results))
        // Under compute-sanitizer the bandwidth runs would take long and measure nothing.
        if ProcessInfo.processInfo.environment["REALIZAR_SELFTEST_NO_BENCHMARKS"] == nil {
            withoutActuallyEscaping(log) { log in
                let benchmarks = Benchmarks(context: context, log: log)
                benchmarks.copyBandwidth()
                benchmarks.gemvBandwidth()
            }
        }
        return results.allSatisfy(\.passed)
    }
}
