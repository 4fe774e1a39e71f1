import Foundation
import Testing
import RealizarTestSupport

/// A minute of scripts/load-test, the short form of issue 20's ten-minute run: chat, completions
/// and embeddings, streaming and not, greedy and seeded, a third of the streams dropped mid-way,
/// slow readers, a slow sender and idle keep-alive connections at once. Every answer must equal
/// the one the same request gets alone, and no response may be a 5xx. Timings are printed, not
/// asserted (the machine is shared); the full run is `scripts/load-test` with its defaults.
@Suite(.serialized)
struct LoadTests {
    @Test func aMinuteOfMixedLoadWithFaultsGivesEveryClientItsOwnAnswer() throws {
        _ = try TestModels.path(.gemma)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", ProjectPaths.root.appendingPathComponent("scripts/load-test").path,
                             "--binary", RealizarBinary.url.path, "--model", "gemma3-270m", "--duration", "60",
                             "--clients", "16", "--slow-readers", "2", "--slow-senders", "1", "--idle", "16",
                             "--slow-read-seconds", "10", "--trickle-seconds", "0.1", "--health-limit-ms", "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 600, execute: killer)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        killer.cancel()
        print(text)
        #expect(process.terminationStatus == 0, "scripts/load-test failed:\n\(text.suffix(4000))")
        let summary = text.split(separator: "\n").last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(summary?["server_errors_5xx"] as? Int == 0 && summary?["mismatches"] as? Int == 0, "summary: \(String(describing: summary))")
        #expect((summary?["dropped_streams"] as? Int ?? 0) > 0, "no stream was dropped mid-way: \(String(describing: summary))")
    }
}
