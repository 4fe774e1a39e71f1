import ArgumentParser
import Foundation
import RealizarCore
import RealizarCUDA

/// Prompt-processing and generation speed, measured as llama-bench measures it: pp = one batch
/// of P random tokens into an empty context; tg = N single-token steps into an empty context.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prompt processing (pp) and generation (tg) speed, like llama-bench.")

    @Argument(help: "A model file, catalog name or hf: reference.")
    var model: String

    @Option(name: [.short, .customLong("n-prompt")], help: "Prompt tokens for the pp test (0 skips it).")
    var p = 512

    @Option(name: [.short, .customLong("n-gen")], help: "Generated tokens for the tg test (0 skips it).")
    var n = 128

    @Option(name: [.short, .customLong("threads")], help: "Threads (default: all cores).")
    var t: Int?

    @Option(help: Device.help)
    var device: Device = .auto

    @Option(name: [.short, .customLong("repetitions")], help: "Measured runs of each test (after one warm-up).")
    var r = 5

    @Option(help: "Also measure batched generation, like llama-batched-bench: for each count B (comma-separated), B sequences prefill --batch-prompt tokens each in one pass, then generate -n tokens each, all B in every step (greedy).")
    var batch: String?

    @Option(name: .customLong("batch-prompt"), help: "Prompt tokens per sequence in the --batch test.")
    var batchPrompt = 128

    @Flag(help: "Print JSON.")
    var json = false

    struct Result: Codable {
        let test: String
        let tokens: Int
        let threads: Int
        let kernels: String
        let meanTokensPerSecond: Double
        let standardDeviation: Double
        let samples: [Double]
        /// For tg: the speed at which reading the weights once per token takes all the measured
        /// memory bandwidth.
        var bandwidthLimitTokensPerSecond: Double?
        var bandwidthGigabytesPerSecond: Double?
        /// For a batched test: the prompts' rate, all sequences in one pass (t/s is generation's).
        var prefillTokensPerSecond: Double?
    }

    func run() throws {
        try reportingErrors {
            let file = try GGUFFile(path: try resolveModel(model))
            let threads = t ?? ProcessInfo.processInfo.activeProcessorCount
            let decoder = try ModelRegistry.load(file, preferring: try device.backends(threads: threads))
            var generator = SystemRandomNumberGenerator()
            let vocabulary = decoder.vocabularySize
            func randomTokens(_ count: Int) -> [Int] { (0..<count).map { _ in Int.random(in: 0..<vocabulary, using: &generator) } }

            func measure(_ name: String, tokens: Int, _ body: () throws -> Void) throws -> Result {
                try body()  // warm-up: page in the weights
                var samples: [Double] = []
                for _ in 0..<max(r, 1) {
                    let start = DispatchTime.now().uptimeNanoseconds
                    try body()
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    samples.append(Double(tokens) / seconds)
                }
                let mean = samples.reduce(0, +) / Double(samples.count)
                let variance = samples.count > 1 ? samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count - 1) : 0
                return Result(test: name, tokens: tokens, threads: threads, kernels: (decoder.backend as? CPUBackend)?.family.rawValue ?? decoder.backend.name,
                              meanTokensPerSecond: mean, standardDeviation: variance.squareRoot(), samples: samples,
                              bandwidthLimitTokensPerSecond: nil, bandwidthGigabytesPerSecond: nil)
            }

            var results: [Result] = []
            if p > 0 {
                let prompt = randomTokens(p)
                results.append(try measure("pp\(p)", tokens: p) {
                    _ = try decoder.forward(prompt, cache: try decoder.makeCache(capacity: p))
                })
            }
            if n > 0 {
                let steps = randomTokens(n)
                var logits: [Float] = []
                var result = try measure("tg\(n)", tokens: n) {
                    let cache = try decoder.makeCache(capacity: n)
                    for token in steps { try decoder.forward([token], cache: cache, into: &logits) }
                }
                // Generation reads every weight once per token: the memory it computes from bounds it.
                var bandwidth: Double?
                if decoder.backend is CPUBackend {
                    bandwidth = MemoryBandwidth.measure(pool: ThreadPool(threads: threads))
                } else if let gpu = (decoder.backend as? CUDABackend)?.device as? DriverDevice {
                    bandwidth = try gpu.copyBandwidth()
                }
                if let bandwidth {
                    result.bandwidthGigabytesPerSecond = bandwidth / 1e9
                    result.bandwidthLimitTokensPerSecond = bandwidth / Double(decoder.graph.bytesPerToken)
                }
                results.append(result)
            }
            if let batch {
                let counts = try batch.split(separator: ",").map { piece -> Int in
                    guard let count = Int(piece.trimmingCharacters(in: .whitespaces)), count >= 1, count <= 1024 else {
                        throw ValidationError("--batch expects counts between 1 and 1024, got '\(piece)'")
                    }
                    return count
                }
                for count in counts {
                    let prompts = (0..<count).map { _ in randomTokens(batchPrompt) }
                    let steps = randomTokens(count)
                    let generated = max(n, 1)
                    var prefill: [Double] = [], generation: [Double] = []
                    for repetition in 0...max(r, 1) {
                        let caches = try prompts.map { _ in try decoder.makeCache(capacity: batchPrompt + generated) }
                        let start = DispatchTime.now().uptimeNanoseconds
                        _ = try decoder.forwardGreedy(batch: zip(caches, prompts).map { SequenceBatch(cache: $0, tokens: $1) })
                        let prefilled = DispatchTime.now().uptimeNanoseconds
                        // Fixed tokens each step: the rate is measured, not the text.
                        for _ in 0..<generated {
                            _ = try decoder.forwardGreedy(batch: zip(caches, steps).map { SequenceBatch(cache: $0, tokens: [$1]) })
                        }
                        let end = DispatchTime.now().uptimeNanoseconds
                        guard repetition > 0 else { continue }  // the first run warms up
                        prefill.append(Double(count * batchPrompt) / (Double(prefilled - start) / 1e9))
                        generation.append(Double(count * generated) / (Double(end - prefilled) / 1e9))
                    }
                    let mean = generation.reduce(0, +) / Double(generation.count)
                    let deviation = generation.count > 1
                        ? (generation.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(generation.count - 1)).squareRoot() : 0
                    var result = Result(test: "batched tg\(generated) ×\(count)", tokens: count * generated, threads: threads,
                                        kernels: (decoder.backend as? CPUBackend)?.family.rawValue ?? decoder.backend.name,
                                        meanTokensPerSecond: mean, standardDeviation: deviation, samples: generation)
                    result.prefillTokensPerSecond = prefill.reduce(0, +) / Double(prefill.count)
                    results.append(result)
                }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(results), as: UTF8.self))
            } else {
                print("| model | size | threads | kernels | test | t/s | memory-bound limit, or prefill |")
                print("| --- | ---: | ---: | --- | ---: | ---: | --- |")
                for result in results {
                    let limit: String
                    if let prefill = result.prefillTokensPerSecond {
                        limit = String(format: "prefill %d×%d tokens: %.1f t/s", result.tokens / max(n, 1), batchPrompt, prefill)
                    } else if let bound = result.bandwidthLimitTokensPerSecond {
                        limit = String(format: "%.1f t/s (%.1f GB/s, %@ per token): %.0f%% reached", bound,
                                       result.bandwidthGigabytesPerSecond ?? 0, ByteCount.format(decoder.graph.bytesPerToken),
                                       100 * result.meanTokensPerSecond / bound)
                    } else {
                        limit = ""
                    }
                    print("| \(file.file.fileName) | \(ByteCount.format(file.file.size)) | \(threads) | \(result.kernels) | \(result.test) | "
                          + String(format: "%.2f ± %.2f", result.meanTokensPerSecond, result.standardDeviation) + " | \(limit) |")
                }
            }
        }
    }
}
