import Foundation
import RealizarTestSupport

/// A `realizar serve` child on a free port, for the server tests: started from the binary built
/// beside the tests, ready once it prints its address, stopped with SIGTERM.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let baseURL: String
    private let errors = ErrorText()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()

    /// Starts the server with `arguments` after `serve`; waits up to `timeout` seconds for it to listen.
    init(_ arguments: [String], timeout: Double = 120) throws {
        process.executableURL = RealizarBinary.url
        process.arguments = ["serve", "--port", "0"] + arguments
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errors = errors
        stderrPipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { errors.append(data) }
        }
        // The first line of standard output is "realizar: listening on http://HOST:PORT".
        var line = Data()
        let deadline = Date().addingTimeInterval(timeout)
        let reader = stdoutPipe.fileHandleForReading
        while Date() < deadline, process.isRunning {
            let byte = try reader.read(upToCount: 1) ?? Data()
            if byte.isEmpty { break }
            if byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://") else {
            process.terminate()
            throw Shell.Failure(command: ["realizar"] + (process.arguments ?? []), status: -1, output: "no address printed: \(text)\n\(errors.text)")
        }
        baseURL = String(text[range.lowerBound...])
    }

    var stderr: String { errors.text }

    /// The server's standard error so far (read as it comes, so the pipe never fills).
    private final class ErrorText: @unchecked Sendable {
        private let lock = NSLock()
        private var value = ""

        func append(_ data: Data) {
            lock.lock()
            value += String(decoding: data, as: UTF8.self)
            lock.unlock()
        }

        var text: String {
            lock.lock()
            defer { lock.unlock() }
            return value
        }
    }

    /// Sends SIGTERM and waits for the exit status (SIGKILL after `timeout` seconds).
    @discardableResult
    func stop(timeout: Double = 30) -> (status: Int32, crashed: Bool) {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs one of the Python scripts in Tests/Fixtures/server, returning its status and output.
enum FixtureScript {
    static func run(_ name: String, _ arguments: [String], timeout: Double = 300) throws -> (status: Int32, output: String) {
        let (process, output) = try start(name, arguments)
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Starts a script without waiting for it.
    static func start(_ name: String, _ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", ProjectPaths.root.appendingPathComponent("Tests/Fixtures/server/\(name)").path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }
}
