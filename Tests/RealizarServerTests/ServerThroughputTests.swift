import Foundation
import Testing
import RealizarTestSupport

/// Many concurrent streaming chats against `realizar serve` with its default flags: every text
/// must equal the same greedy request alone. The speed (aggregate tokens/s against one stream's)
/// is printed here for the log but asserted nowhere: it is `scripts/bench-server`'s to measure,
/// on a quiet machine.
@Suite(.serialized)
struct ServerThroughputTests {
    @Test(arguments: [16, 64])
    func concurrentStreamsWithTheDefaultFlags(streams: Int) throws {
        _ = try TestModels.path(.gemma)
        let server = try ServerProcess([ServerTests.model])
        defer { server.stop() }
        let load = try FixtureScript.run("server_checks.py", ["concurrency", "--base-url", server.baseURL, "--model", ServerTests.model,
                                                              "--streams", "\(streams)", "--max-tokens", "16", "--distinct", "3", "--rounds", "1"])
        print(load.output)
        #expect(load.status == 0, "concurrency checks failed:\n\(load.output)\n\(server.stderr.suffix(2000))")
        let line = load.output.split(separator: "\n").last { $0.hasPrefix("{") }
        let numbers = try line.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(numbers?["generated"] as? Int ?? 0 > 0, "no tokens counted")
        print("\(streams) concurrent streams, default flags: \(numbers?["aggregate_tps"] ?? "?") tokens/s aggregate, one stream \(numbers?["single_tps"] ?? "?") (not asserted; see scripts/bench-server) on \(Self.cpu)")
        let stop = server.stop()
        #expect(stop.status == 0 && !stop.crashed, "exit status \(stop.status)")
    }

    /// A KV budget of 8 MiB (about 230 Gemma positions) for 16 streams that need about 900: the
    /// youngest are preempted and recomputed, and still every text is the lone request's.
    @Test func concurrentStreamsUnderATinyKVBudget() throws {
        _ = try TestModels.path(.gemma)
        let server = try ServerProcess([ServerTests.model, "--kv-memory", "8M", "--ctx", "192"])
        defer { server.stop() }
        let load = try FixtureScript.run("server_checks.py", ["concurrency", "--base-url", server.baseURL, "--model", ServerTests.model,
                                                              "--streams", "16", "--max-tokens", "24", "--distinct", "3", "--rounds", "1",
                                                              "--expect-preemptions"])
        print(load.output)
        #expect(load.status == 0, "concurrency checks under a tiny KV budget failed:\n\(load.output)\n\(server.stderr.suffix(2000))")
        let stop = server.stop()
        #expect(stop.status == 0 && !stop.crashed, "exit status \(stop.status)")
    }

    /// The processor the rates were measured on (they depend on the balance of memory bandwidth,
    /// which bounds one stream, and integer throughput, which bounds sixteen).
    static var cpu: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let name = info.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "an unknown CPU"
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return "\(name), \(cores) cores" + (info.contains("avx512_vnni") ? ", AVX-512 VNNI" : ", AVX2")
    }
}
