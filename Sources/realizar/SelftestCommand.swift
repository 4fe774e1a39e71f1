import ArgumentParser
import Foundation
import RealizarCUDA

/// `realizar selftest`: checks the CUDA backend's kernels against the CPU references — under the
/// kernel interpreter, on a real GPU, or through ptxas — and exits 0 only when all pass.
struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check the CUDA kernels against the CPU reference.",
        discussion: """
            --cuda-interpreter runs every kernel in the CPU interpreter; --gpu runs every kernel on \
            GPU 0 through the CUDA driver and measures copy and GEMV bandwidth; --ptx assembles every \
            kernel variant with ptxas and prints registers, shared memory and spills. With no mode, \
            --cuda-interpreter.
            """
    )

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
        var modes: [CUDASelfTest.Mode] = []
        if cudaInterpreter || (!gpu && !ptx) { modes.append(.interpreter) }
        if ptx || ptxas != nil { modes.append(.ptx(ptxasPath: ptxas)) }
        if gpu { modes.append(.gpu) }
        var passed = true
        for mode in modes {
            let ok = CUDASelfTest.run(mode: mode) { line in
                // Unbuffered, so progress shows even when piped to a log.
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
            passed = passed && ok
        }
        // A failure has already said what failed (for --gpu without a driver: one line, why).
        guard passed else { throw ExitCode(1) }
        print("selftest: all passed")
    }
}
