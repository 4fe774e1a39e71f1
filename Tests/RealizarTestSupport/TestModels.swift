import Foundation
import RealizarCore

/// The real models the tests run on, fetched into the model store on first use.
public enum TestModels {
    public enum Name: String, Sendable {
        case gemma = "gemma3-270m"
        case smolLM2 = "smollm2-135m-instruct"
        case miniLM = "all-minilm-l6-v2"
    }

    /// The local path of a catalog model, pulling it first if the store lacks it.
    public static func path(_ name: Name) throws -> String {
        try ModelStore.standard.resolve(name.rawValue).path
    }
}

/// Paths of the project and of the shared reference data beside it.
public enum ProjectPaths {
    /// The package root (the folder holding Package.swift).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `../shared/reference` relative to the package root.
    public static var reference: URL {
        root.deletingLastPathComponent().appendingPathComponent("shared/reference")
    }

    /// A file under the shared reference folder, e.g. `gemma-3-270m/logits-dev.json`.
    public static func reference(_ relativePath: String) -> URL {
        reference.appendingPathComponent(relativePath)
    }

    /// The llama.cpp source tree fetched by `scripts/fetch-llama-cpp-source` (fetched on first use).
    public static func llamaCppSource() throws -> URL {
        let output = try Shell.run([root.appendingPathComponent("scripts/fetch-llama-cpp-source").path])
        return URL(fileURLWithPath: output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Runs helper programs from tests.
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public let command: [String]
        public let status: Int32
        public let output: String
        public var description: String { "\(command.joined(separator: " ")) exited with \(status):\n\(output)" }

        public init(command: [String], status: Int32, output: String) {
            self.command = command
            self.status = status
            self.output = output
        }
    }

    /// Runs a command and returns its standard output; throws with the output when it fails.
    @discardableResult
    public static func run(_ command: [String], environment: [String: String] = [:], input: Data? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try? stdin.fileHandleForWriting.close()
        let (outputData, errorData) = readToEnd(stdout, stderr)
        process.waitUntilExit()
        let output = String(decoding: outputData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(command: command, status: process.terminationStatus,
                          output: output + String(decoding: errorData, as: UTF8.self))
        }
        return output
    }
}

extension Shell {
    /// Reads a child's standard output and error to their ends, concurrently, so that neither pipe
    /// fills up and blocks the child.
    static func readToEnd(_ stdout: Pipe, _ stderr: Pipe) -> (Data, Data) {
        nonisolated(unsafe) var errorData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        return (outputData, errorData)
    }
}

/// The `realizar` executable built beside the tests.
public enum RealizarBinary {
    public static var url: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("realizar")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        return ProjectPaths.root.appendingPathComponent(".build/\(configuration)/realizar")
    }

    public struct Result: Sendable {
        public let status: Int32
        /// True when the process ended by a signal (a crash), not by exit.
        public let crashed: Bool
        public let stdout: String
        public let stderr: String
        public let seconds: Double
    }

    /// Runs `realizar` with `arguments`, capturing everything, killing it after `timeout` seconds.
    public static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let start = Date()
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let (outputData, errorData) = Shell.readToEnd(stdout, stderr)
        process.waitUntilExit()
        killer.cancel()
        return Result(status: process.terminationStatus,
                      crashed: process.terminationReason == .uncaughtSignal,
                      stdout: String(decoding: outputData, as: UTF8.self),
                      stderr: String(decoding: errorData, as: UTF8.self),
                      seconds: Date().timeIntervalSince(start))
    }
}

/// A fresh temporary folder, removed when the value is deinitialised.
public final class TemporaryFolder {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("realizar-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}
