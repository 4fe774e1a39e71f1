import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTestSupport

/// The token mask's cost per step on the real vocabularies, next to a forward pass: walks valid
/// instances of several schemas token by token (each token checked to be in the mask), first
/// with empty mask caches (cold), then again with the caches filled (warm). Opt-in, printed by
/// `scripts/bench-grammar`: REALIZAR_BENCH_GRAMMAR=1.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["REALIZAR_BENCH_GRAMMAR"] != nil))
struct GrammarBenchmarkTests {
    static let workloads: [(name: String, constraint: OutputConstraint, text: String)] = [
        ("json_object", .jsonObject, #"{"name": "Ada Lovelace", "born": 1815, "fields": ["mathematics", "computing"], "notes": {"first": true}}"#),
        ("person", .jsonSchema(#"{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150}},"required":["name","age"],"additionalProperties":false}"#),
         #"{"name": "Ada Lovelace", "age": 36}"#),
        ("event", .jsonSchema(#"{"type":"object","properties":{"title":{"type":"string","maxLength":60},"date":{"type":"string","format":"date"},"attendees":{"type":"array","items":{"type":"string"},"maxItems":5},"priority":{"type":"integer","minimum":1,"maximum":5}},"required":["title","date","attendees","priority"],"additionalProperties":false}"#),
         #"{"title": "Weekly planning meeting", "date": "2024-03-04", "attendees": ["Ada", "Grace", "Alan"], "priority": 2}"#),
        ("recursive-tree", .jsonSchema(##"{"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value","children"],"additionalProperties":false}},"$ref":"#/$defs/node"}"##),
         #"{"value": 1, "children": [{"value": 2, "children": []}, {"value": 3, "children": [{"value": 4, "children": []}]}]}"#),
    ]

    static func stats(_ samples: [Double]) -> String {
        let sorted = samples.sorted()
        let mean = samples.reduce(0, +) / Double(max(1, samples.count))
        func at(_ q: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }
        return String(format: "mean %8.1f µs  p50 %8.1f µs  p99 %8.1f µs", mean * 1e6, at(0.5) * 1e6, at(0.99) * 1e6)
    }

    @Test(arguments: [TestModels.Name.gemma, .smolLM2])
    func maskCostPerToken(_ name: TestModels.Name) throws {
        let model = try LoadedModel(path: try TestModels.path(name))
        let started = Date()
        let vocabulary = TokenVocabulary(tokenizer: model.tokenizer)
        print("\(name.rawValue): \(vocabulary.count) tokens, \(vocabulary.trieNodeCount) trie nodes, vocabulary built in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        let result = try Generator(model: model).generate(GenerationRequest(prompt: model.tokenize("The history of computing"), maxTokens: 32,
                                                                            sampling: .greedy, context: 256))
        let forward = result.generationSeconds / Double(max(1, result.tokens.count - 1))
        print(String(format: "  forward pass: %.2f ms per token (greedy, one sequence)", forward * 1e3))
        for workload in Self.workloads {
            // A grammar compiled here, not from the cache, so that its masks start empty.
            let grammar = try CompiledGrammar(Grammar(gbnf: workload.constraint.gbnf()))
            let masks = vocabulary.masks(for: grammar)
            // Without the BOS token Gemma's tokenizer puts first (no bytes, so never in a mask).
            let tokens = model.tokenize(workload.text, parseSpecial: false).filter { vocabulary.withPiece($0) { !$0.isEmpty } }
            for pass in ["cold", "warm"] {
                var matcher = GrammarMatcher(grammar, maxDepth: workload.constraint.maxDepth)
                var mask: [UInt64] = []
                var samples: [Double] = []
                for token in tokens {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    matcher.fillMask(masks, vocabulary: vocabulary, into: &mask)
                    samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                    #expect(mask[token >> 6] & (1 << UInt64(token & 63)) != 0, "\(workload.name): token \(token) of a valid text masked")
                    let fits = vocabulary.withPiece(token) { matcher.advance($0) }
                    #expect(fits)
                }
                #expect(matcher.canEnd, "\(workload.name): the valid text did not complete")
                print("  \(workload.name.padding(toLength: 15, withPad: " ", startingAt: 0)) \(pass): \(Self.stats(samples))  (\(tokens.count) tokens, \(grammar.stateCount) states)")
            }
        }
    }
}
