import Foundation

/// NVIDIA's PTX assembler run as a checker: it needs no GPU, and its `-v` report says how many
/// registers, how much shared memory and how many spill bytes each kernel takes.
public struct Ptxas: Sendable {
    public let path: String

    /// What ptxas reported for one kernel.
    public struct Report: Sendable {
        public let kernel: String
        public let registers: Int
        public let sharedBytes: Int
        public let spillStores: Int
        public let spillLoads: Int
        public let log: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public let kernel: String
        public let log: String
        public var description: String { "ptxas rejected \(kernel):\n\(log)" }
    }

    public init(path: String) { self.path = path }

    /// ptxas from `REALIZAR_PTXAS`, then `PATH`, then the `nvidia-cuda-nvcc-cu12` pip wheel's place
    /// (see `scripts/install-ptxas`); nil where none exists.
    public static func locate() -> Ptxas? {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let explicit = environment["REALIZAR_PTXAS"] { candidates.append(explicit) }
        for directory in (environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(directory)/ptxas") }
        candidates.append("/usr/local/cuda/bin/ptxas")
        let home = environment["HOME"] ?? "/root"
        for python in ["3.13", "3.12", "3.11", "3.10"] {
            candidates.append("\(home)/.local/lib/python\(python)/site-packages/nvidia/cuda_nvcc/bin/ptxas")
            candidates.append("/usr/local/lib/python\(python)/dist-packages/nvidia/cuda_nvcc/bin/ptxas")
            candidates.append("/usr/lib/python\(python)/site-packages/nvidia/cuda_nvcc/bin/ptxas")
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }.map(Ptxas.init)
    }

    /// Assembles `kernel` for `arch`; throws `Failure` with ptxas's log when it reports an error.
    public func assemble(_ kernel: Kernel, arch: String = "sm_90", dependentLaunch: Bool = false) throws -> Report {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("realizar-ptxas-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Unique per call: tests assemble the same kernel in two forms at once.
        let source = directory.appendingPathComponent("\(kernel.name)-\(UUID().uuidString).ptx")
        try PTXEmitter.emit(kernel, dependentLaunch: dependentLaunch).write(to: source, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: source) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-arch=\(arch)", "-v", source.path, "-o", "/dev/null"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let log = String(decoding: data, as: UTF8.self)
        if process.terminationStatus != 0 || log.contains("error") {
            throw Failure(kernel: kernel.name, log: log)
        }
        return Report(kernel: kernel.name, registers: Self.number(before: " registers", in: log),
                      sharedBytes: Self.number(before: " bytes smem", in: log),
                      spillStores: Self.number(before: " bytes spill stores", in: log),
                      spillLoads: Self.number(before: " bytes spill loads", in: log), log: log)
    }

    /// The integer just before `marker` in ptxas's report (0 when absent).
    static func number(before marker: String, in log: String) -> Int {
        guard let range = log.range(of: marker) else { return 0 }
        let digits = log[..<range.lowerBound].reversed().prefix { $0.isNumber }
        return Int(String(digits.reversed())) ?? 0
    }

    /// A fixed-width table of reports.
    public static func table(_ reports: [Report]) -> String {
        let width = max(6, reports.map(\.kernel.count).max() ?? 6)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var out = "\(pad("kernel", width))  regs  smem  spill-st  spill-ld\n"
        for r in reports {
            out += "\(pad(r.kernel, width))  \(pad(String(r.registers), 4))  \(pad(String(r.sharedBytes), 4))  \(pad(String(r.spillStores), 8))  \(r.spillLoads)\n"
        }
        return out
    }
}
