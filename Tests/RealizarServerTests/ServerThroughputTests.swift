import Foundation
import Testing
import RealizarTestSupport

/// Sixteen concurrent streaming chats against one: every text must equal the same greedy request
/// alone, and the aggregate rate must be at least 3× a single stream's.
///
/// A throughput ratio on a 2-core machine means something only when nothing else runs, so
/// `scripts/test` runs this suite alone, after the others (`swift test --filter
/// ServerThroughputTests`).
@Suite(.serialized)
struct ServerThroughputTests {
    @Test func sixteenConcurrentStreams() throws {
        _ = try TestModels.path(.gemma)
        let server = try ServerProcess([ServerTests.model, "--parallel", "16", "--ctx", "1024"])
        defer { server.stop() }
        let load = try FixtureScript.run("server_checks.py", ["concurrency", "--base-url", server.baseURL, "--model", ServerTests.model,
                                                              "--streams", "16", "--max-tokens", "24", "--distinct", "3", "--rounds", "3"])
        print(load.output)
        #expect(load.status == 0, "concurrency checks failed:\n\(load.output)\n\(server.stderr.suffix(2000))")
        let line = load.output.split(separator: "\n").last { $0.hasPrefix("{") }
        let numbers = try line.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let single = numbers?["single_tps"] as? Double ?? 0
        let aggregate = numbers?["aggregate_tps"] as? Double ?? 0
        print("single stream: \(single) tokens/s; 16 concurrent streams: \(aggregate) tokens/s aggregate (\(aggregate / max(single, 1e-9))×) on \(Self.cpu)")
        #expect(aggregate >= 3 * single, "aggregate \(aggregate) tokens/s is not 3× a single stream's \(single)")
        let stop = server.stop()
        #expect(stop.status == 0 && !stop.crashed, "exit status \(stop.status)")
    }

    /// The processor the ratio was measured on (it depends on the balance of memory bandwidth,
    /// which bounds one stream, and integer throughput, which bounds sixteen).
    static var cpu: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let name = info.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "an unknown CPU"
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return "\(name), \(cores) cores" + (info.contains("avx512_vnni") ? ", AVX-512 VNNI" : ", AVX2")
    }
}
