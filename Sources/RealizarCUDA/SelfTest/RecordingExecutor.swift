import Foundation

/// Runs kernels in the interpreter and records every launch — the kernel's PTX, grid, block,
/// arguments, each buffer's bytes before and after — so that `scripts/replay-cuda-recording`
/// can replay them on a GPU with only Python and the driver (no Swift toolchain there) and compare
/// the GPU's buffers with the interpreter's.
public final class RecordingExecutor: KernelExecutor {
    private let interpreter = InterpreterExecutor()
    private let directory: String
    private var initial: [[UInt8]] = []
    private var launches: [[String: Any]] = []

    /// Records into `directory` (created); call `finish()` after the case.
    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public func buffer(_ bytes: [UInt8]) throws -> Int {
        initial.append(bytes)
        return try interpreter.buffer(bytes)
    }

    public func zeros(_ count: Int) throws -> Int {
        initial.append([UInt8](repeating: 0, count: count))
        return try interpreter.zeros(count)
    }

    public func launch(_ kernel: Kernel, grid: Dim3, block: Dim3, arguments: [ExecutorArgument]) throws {
        let ptx = "\(directory)/\(kernel.name).ptx"
        try PTXEmitter.emit(kernel).write(toFile: ptx, atomically: true, encoding: .utf8)
        launches.append([
            "kernel": kernel.name, "grid": [grid.x, grid.y, grid.z], "block": [block.x, block.y, block.z],
            "arguments": arguments.map { argument -> [String: Any] in
                switch argument {
                case .buffer(let index): ["buffer": index]
                case .u32(let value): ["u32": value]
                case .f32(let value): ["f32": value.bitPattern]
                }
            },
        ])
        try interpreter.launch(kernel, grid: grid, block: block, arguments: arguments)
    }

    public func read(_ buffer: Int) throws -> [UInt8] { try interpreter.read(buffer) }

    /// Whether the case put a buffer's address into memory (a KV table): its buffers then hold
    /// the interpreter's addresses, which mean nothing on a GPU, so it is not recorded.
    private(set) var holdsAddresses = false

    public func address(_ buffer: Int) throws -> UInt64 {
        holdsAddresses = true
        return try interpreter.address(buffer)
    }

    /// Writes the buffers (before and after) and the launch list.
    public func finish() throws {
        for (index, bytes) in initial.enumerated() {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/in\(index).bin"))
            try Data(try interpreter.read(index)).write(to: URL(fileURLWithPath: "\(directory)/out\(index).bin"))
        }
        let json = try JSONSerialization.data(withJSONObject: ["buffers": initial.count, "launches": launches], options: [.prettyPrinted])
        try json.write(to: URL(fileURLWithPath: "\(directory)/launches.json"))
    }
}

extension CUDASelfTest {
    /// Runs every case through a `RecordingExecutor`, one subdirectory per case.
    public static func record(to directory: String, log: (String) -> Void = { print($0) }) throws -> Bool {
        var passed = true
        for (index, testCase) in cases().enumerated() {
            let executor = try RecordingExecutor(directory: "\(directory)/case\(index)")
            let results = testCase.results(on: executor)
            passed = passed && results.allSatisfy(\.passed)
            if executor.holdsAddresses {
                log("case\(index): \(testCase.op) \(testCase.type): not recorded (its buffers hold device addresses)")
                continue
            }
            try executor.finish()
            log("case\(index): \(testCase.op) \(testCase.type)")
        }
        return passed
    }
}
