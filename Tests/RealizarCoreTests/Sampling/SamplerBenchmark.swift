// A small benchmark of one sampling step on a 262,144-token vocabulary (Gemma 3's size). It is
// not a test: timings on shared machines are not pass/fail material. Everything below compiles
// to nothing unless REALIZAR_SAMPLING_BENCHMARK is defined, so the test target ignores it; run it
// optimised, without building the rest of the package, with
//
//   swiftc -O -wmo -D REALIZAR_SAMPLING_BENCHMARK -parse-as-library \
//       Sources/RealizarCore/Sampling/*.swift Tests/RealizarCoreTests/Sampling/SamplerBenchmark.swift \
//       -o /tmp/sampler-benchmark && /tmp/sampler-benchmark [part of a case name [steps]]
#if REALIZAR_SAMPLING_BENCHMARK
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct SamplerBenchmark {
    static let vocabularySize = 262_144
    /// Steps per case; a second argument overrides it (running under valgrind with two step
    /// counts shows whether a step allocates: the heap totals must not grow with the count).
    static let steps = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 2000 : 2000

    static func main() throws {
        // Logits shaped like a model's: mostly noise around -2, a few hundred plausible tokens.
        var generator = Xoshiro256(seed: 1)
        var logits = (0..<vocabularySize).map { _ in Float(generator.nextUnitInterval() * 6 - 5) }
        for _ in 0..<300 { logits[Int(generator.next() % UInt64(vocabularySize))] += 8 }
        let history = (0..<1024).map { _ in Int(generator.next() % UInt64(vocabularySize)) }

        let cases: [(String, SamplingParameters, Int?)] = [
            ("defaults (top-k 40, top-p 0.95, min-p 0.05, T 0.8)", SamplingParameters(seed: 1), nil),
            ("defaults + repeat/frequency/presence penalties", SamplingParameters(
                repeatPenalty: 1.1, frequencyPenalty: 0.2, presencePenalty: 0.2, seed: 1), nil),
            ("defaults + 5 top logprobs", SamplingParameters(seed: 1), 5),
            ("greedy", .greedy, nil),
            ("top-k off (top-p 0.95, min-p 0.05)", SamplingParameters(topK: 0, seed: 1), nil),
            ("top-k off, top-p off, min-p off (full-vocabulary draw)",
             SamplingParameters(topK: 0, topP: 1, minP: 0, seed: 1), nil),
            ("typical 0.9, top-k off", SamplingParameters(topK: 0, typicalP: 0.9, seed: 1), nil),
        ]
        var scratch = logits
        // An argument picks the cases whose name contains it (for profiling one at a time).
        let filter = CommandLine.arguments.dropFirst().first
        for (name, parameters, topLogprobs) in cases where filter.map(name.contains) ?? true {
            var sampler = try Sampler(parameters: parameters, vocabularySize: vocabularySize)
            let steps = parameters.typicalP < 1 ? max(steps / 20, 1) : steps
            var best = Double.infinity
            var total = 0.0
            var checksum = 0
            for _ in 0..<steps {
                // Fresh logits each step, copied outside the timed region (penalties and bias write
                // to them, as a model's output buffer would be overwritten anyway).
                _ = scratch.withUnsafeMutableBufferPointer { $0.update(fromContentsOf: logits) }
                let start = now()
                scratch.withUnsafeMutableBufferPointer { buffer in
                    if let topLogprobs {
                        checksum &+= sampler.sampleWithLogprobs(buffer, history: history, topLogprobs: topLogprobs).id
                    } else {
                        checksum &+= sampler.sample(buffer, history: history)
                    }
                }
                let elapsed = now() - start
                best = min(best, elapsed)
                total += elapsed
            }
            let mean = total / Double(steps)
            print(String(
                describing: "\(name): mean \(format(mean * 1e6)) µs, best \(format(best * 1e6)) µs per step  [\(checksum)]"))
        }
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    static func format(_ value: Double) -> String {
        String(Double(Int(value * 10)) / 10)
    }
}
#endif
