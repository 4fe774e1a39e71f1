import Foundation
import Testing
@testable import RealizarTokenizers

/// Pre-tokenizer throughput on 100 KB of mixed text, per type (run in release with
/// REALIZAR_PRETOKENIZER_BENCH=1; prints only).
@Test(.enabled(if: ProcessInfo.processInfo.environment["REALIZAR_PRETOKENIZER_BENCH"] != nil,
               "a measurement, run only with REALIZAR_PRETOKENIZER_BENCH=1"))
func preTokenizerThroughput() throws {
    var text = ""
    for t in FuzzTexts.make(count: 4000, seed: 5) where text.utf8.count < 100_000 { text += t + "\n" }
    let bytes = Array(text.utf8)
    let clock = ContinuousClock()
    for type in PreTokenizerType.allCases {
        let pre = try PreTokenizer(type: type)
        let start = clock.now
        let words = bytes.withUnsafeBufferPointer { pre.split($0) }
        print("\(type.rawValue): \(clock.now - start) for \(bytes.count) bytes, \(words.count) pieces")
    }
    // Worst cases: long runs of one class.
    for (name, run) in [("letters", String(repeating: "Ab", count: 50_000)), ("UPPER", String(repeating: "A", count: 100_000)),
                        ("spaces", String(repeating: " ", count: 100_000) + "x"), ("digits", String(repeating: "7", count: 100_000)),
                        ("punct", String(repeating: "!?", count: 50_000)), ("cjk", String(repeating: "我", count: 30_000))] {
        let b = Array(run.utf8)
        var worst = (Duration.zero, "")
        for type in PreTokenizerType.allCases {
            let pre = try PreTokenizer(type: type)
            let start = clock.now
            _ = b.withUnsafeBufferPointer { pre.split($0) }
            let d = clock.now - start
            if d > worst.0 { worst = (d, type.rawValue) }
        }
        print("run of \(name): slowest \(worst.1) \(worst.0)")
    }
}
