import Foundation
import RealizarCore
import Testing

/// The reference data of `scripts/quant_reference.py`, generated once per test process into a
/// temporary folder (removed at exit).
enum QuantReferenceData {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Quantization
        .deletingLastPathComponent()  // RealizarCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    static let directory: URL = FileManager.default.temporaryDirectory
        .appendingPathComponent("realizar-quant-reference-\(ProcessInfo.processInfo.processIdentifier)")

    /// The folder holding the data, or why it could not be made.
    static let generated: Result<URL, Failure> = generate()

    /// The folder; throws (so the test fails, never skips) when python3 or gguf-py is missing.
    static func folder() throws -> URL {
        try generated.get()
    }

    private static func generate() -> Result<URL, Failure> {
        let script = repositoryRoot.appendingPathComponent("scripts/quant_reference.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--out", directory.path, "--seed", "20240611"]
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failure(Failure(description: "could not start python3 for \(script.path): \(error). "
                + "The quantization reference tests need python3 with numpy and gguf: pip install gguf numpy"))
        }
        let errorOutput = errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        atexit { try? FileManager.default.removeItem(at: QuantReferenceData.directory) }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let text = String(decoding: errorOutput, as: UTF8.self)
            return .failure(Failure(description: "scripts/quant_reference.py failed (status \(process.terminationStatus)); "
                + "it needs python3 with numpy and gguf: pip install gguf numpy\n\(text)"))
        }
        return .success(directory)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try folder().appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Failure(description: "missing reference file \(url.path)")
        }
        return [UInt8](data)
    }

    static func floats(_ name: String) throws -> [Float] {
        let raw = try bytes(name)
        return raw.withUnsafeBytes { buffer in
            (0..<raw.count / 4).map { Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}

/// A small deterministic generator (SplitMix64) for test data.
struct QuantTestRandom {
    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    /// Uniform in [0, 1).
    mutating func uniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Standard normal (Box-Muller).
    mutating func normal() -> Float {
        let u1 = Double(next() >> 11) * 0x1p-53 + 0x1p-54
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }
}
