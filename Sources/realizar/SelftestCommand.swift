import ArgumentParser
import Foundation
import RealizarCore
import RealizarCUDA

/// `realizar selftest`: the op conformance suite on every CPU kernel family this machine has
/// (against float64 math), and the CUDA backend's kernels against the CPU references — under the
/// kernel interpreter, on a real GPU, or through ptxas, and the CUDA backend's graph operations
/// as the CPU's are checked. Exits 0 only when all pass.
struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check every operation of every backend against plain math.",
        discussion: """
            --cpu (the default with no mode) runs every operation and weight type on each CPU kernel \
            family against float64 math; --cuda-interpreter runs every kernel in the CPU interpreter; --gpu runs every kernel on \
            GPU 0 through the CUDA driver and measures copy and GEMV bandwidth; --ptx assembles every \
            kernel variant with ptxas and prints registers, shared memory and spills.
            """
    )

    @Flag(name: .long, help: "Run every operation on each CPU kernel family against float64 math.")
    var cpu = false

    @Flag(name: .long, help: "Run every kernel in the CPU kernel interpreter.")
    var cudaInterpreter = false

    @Flag(name: .long, help: "Run every kernel on the GPU and compare with the CPU reference.")
    var gpu = false

    @Flag(name: .long, help: "Assemble every kernel with ptxas (registers, shared memory, spills).")
    var ptx = false

    @Option(name: .long, help: "The ptxas to use (default: REALIZAR_PTXAS, PATH, then the pip wheel's place).")
    var ptxas: String?

    @Option(name: .long, help: "Also write every kernel's PTX into this directory.")
    var emitPtx: String?

    @Option(name: .long, help: "Record every interpreted launch into this directory for scripts/replay-cuda-recording.")
    var record: String?

    func run() throws {
        if let record {
            guard try CUDASelfTest.record(to: record) else { throw ExitCode(1) }
            return
        }
        if let emitPtx {
            let files = try CUDASelfTest.writePTX(to: emitPtx)
            print("wrote \(files.count) PTX files to \(emitPtx)")
        }
        var passed = true
        if cpu || (!cudaInterpreter && !gpu && !ptx && ptxas == nil && emitPtx == nil) {
            for family in KernelFamily.allCases where family.isSupportedByHardware {
                let results = try OpConformance.run(on: CPUBackend(family: family))
                print(OpConformance.table(results))
                passed = passed && results.allSatisfy(\.passed)
            }
        }
        var modes: [CUDASelfTest.Mode] = []
        if cudaInterpreter { modes.append(.interpreter) }
        if ptx || ptxas != nil { modes.append(.ptx(ptxasPath: ptxas)) }
        if gpu { modes.append(.gpu) }
        for mode in modes {
            let ok = CUDASelfTest.run(mode: mode) { line in
                // Unbuffered, so progress shows even when piped to a log.
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
            passed = passed && ok
            // The whole backend, graph operations on random inputs against float64 math, as the CPU
            // families above.
            let backend: CUDABackend?
            switch mode {
            case .interpreter: backend = CUDABackend(device: InterpreterDevice())
            case .gpu: backend = try? CUDABackend.gpu()
            case .ptx: backend = nil
            }
            if let backend {
                let results = try OpConformance.run(on: backend)
                print(OpConformance.table(results))
                passed = passed && results.allSatisfy(\.passed)
            }
        }
        // A failure has already said what failed (for --gpu without a driver: one line, why).
        guard passed else { throw ExitCode(1) }
        print("selftest: all passed")
    }
}
