import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// The f32 logits of fixed prompts, alone and batched, hashed: refactoring the forward pass must
/// not change one bit of them. The digests in `Tests/Fixtures/logit-digests.json` were recorded
/// with the engine as it was before the forward pass moved behind the `Backend` seam (one run per
/// kernel family, chosen then with `REALIZAR_CPU`; the AVX-512 ones on an AVX-512 machine with
/// the same commit, c7fbb86); now every family this CPU has runs in one process, each through its
/// own `CPUBackend`.
///
/// `REALIZAR_RECORD_DIGESTS=1` writes the digests this build computes into the file instead of
/// comparing (for a deliberate change of the numbers, to be explained in the commit).
@Suite(.serialized) struct LogitDigestTests {
    static let prompts = [
        "The capital of France is",
        "def fibonacci(n):\n    if n < 2:",
        "Once upon a time, in a land far away, there lived a",
    ]
    static let steps = 3
    static let fixture = ProjectPaths.root.appendingPathComponent("Tests/Fixtures/logit-digests.json")

    static func hex(_ logits: [Float]) -> String {
        logits.withUnsafeBytes { Checksum.sha256Hex($0) }
    }

    /// Each prompt alone: every prompt row's logits, then `steps` greedy decode steps.
    static func single(_ model: LoadedModel) throws -> String {
        var all: [Float] = []
        for prompt in prompts.map({ model.tokenize($0) }) {
            let cache = try model.decoder.makeCache(capacity: 128)
            var logits = try model.decoder.forward(prompt, cache: cache, logits: .all)
            all += logits
            for _ in 0..<steps {
                let next = argmax(logits.suffix(model.decoder.vocabularySize))
                logits = try model.decoder.forward([next], cache: cache)
                all += logits
            }
        }
        return hex(all)
    }

    /// The prompts in one pass, then their decode steps together.
    static func batched(_ model: LoadedModel) throws -> String {
        let ids = prompts.map { model.tokenize($0) }
        let caches = try ids.map { _ in try model.decoder.makeCache(capacity: 128) }
        var logits: [Float] = []
        var all: [Float] = []
        try model.decoder.forward(batch: zip(caches, ids).map { SequenceBatch(cache: $0, tokens: $1) }, logits: &logits)
        all += logits
        let vocabulary = model.decoder.vocabularySize
        for _ in 0..<steps {
            let next = (0..<ids.count).map { argmax(logits[($0 * vocabulary)..<(($0 + 1) * vocabulary)]) }
            try model.decoder.forward(batch: zip(caches, next).map { SequenceBatch(cache: $0, tokens: [$1]) }, logits: &logits)
            all += logits
        }
        return hex(all)
    }

    static func argmax<C: Collection>(_ values: C) -> Int where C.Element == Float, C.Index == Int {
        var best = values.startIndex
        for i in values.indices where values[i] > values[best] { best = i }
        return best - values.startIndex
    }

    static func computed() throws -> [String: String] {
        var digests: [String: String] = [:]
        for name in [TestModels.Name.gemma, .smolLM2] {
            for family in KernelFamily.allCases where family.isSupportedByHardware {
                let model = try LoadedModel(path: TestModels.path(name), backend: CPUBackend(family: family))
                digests["\(name.rawValue)/\(family)/single"] = try single(model)
                digests["\(name.rawValue)/\(family)/batched"] = try batched(model)
            }
        }
        return digests
    }

    @Test func logitsAreBitIdenticalToTheRecordedDigests() throws {
        let digests = try Self.computed()
        var recorded: [String: String] = [:]
        if let data = try? Data(contentsOf: Self.fixture) {
            recorded = try JSONDecoder().decode([String: String].self, from: data)
        }
        if ProcessInfo.processInfo.environment["REALIZAR_RECORD_DIGESTS"] == "1" {
            recorded.merge(digests) { _, new in new }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(recorded).write(to: Self.fixture)
            return
        }
        for (key, digest) in digests.sorted(by: { $0.key < $1.key }) {
            let expected = try #require(recorded[key], "no recorded digest for \(key)")
            #expect(digest == expected, "\(key): logits changed")
        }
    }
}
