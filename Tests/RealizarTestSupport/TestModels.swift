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
        // Read both pipes concurrently so that neither fills up and blocks the child.
        nonisolated(unsafe) var errorData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let output = String(decoding: outputData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(command: command, status: process.terminationStatus,
                          output: output + String(decoding: errorData, as: UTF8.self))
        }
        return output
    }
}
