import ArgumentParser
import Foundation
import RealizarCore
import RealizarEngine

struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Print the raw logits after the last prompt token.")

    @Argument(help: "A model file, catalog name or hf: reference.")
    var model: String

    @Option(help: "The prompt (tokenized with BOS where the model adds one).")
    var prompt: String?

    @Option(help: "Token ids, comma-separated, instead of a prompt.")
    var tokens: String?

    @Option(help: "How many of the largest logits to print.")
    var top = 20

    @Option(help: "Then decode this many tokens greedily (every step's argmax, end of generation included) and print their ids.")
    var greedy = 0

    @Flag(help: "Print JSON: {\"tokens\": [...], \"top\": [{\"id\": ..., \"logit\": ...}], \"greedy\": [...]}.")
    var json = false

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @Option(help: Device.help)
    var device: Device = .auto

    func run() throws {
        try reportingErrors {
            let loaded = try LoadedModel(path: try resolveModel(model), preferring: try device.backends(threads: threads))
            let ids: [Int]
            switch (prompt, tokens) {
            case (let prompt?, nil):
                guard !prompt.isEmpty else { throw ModelError("the prompt is empty: give some text") }
                ids = loaded.tokenize(prompt)
            case (nil, let tokens?):
                ids = try tokens.split(separator: ",").map { piece -> Int in
                    guard let id = Int(piece.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("bad token id '\(piece)'") }
                    return id
                }
            default: throw ValidationError("give either --prompt or --tokens")
            }
            guard greedy >= 0 else { throw ValidationError("--greedy must be 0 or more") }
            try loaded.validate(prompt: ids, context: loaded.decoder.architecture.contextLength, reserve: greedy)
            let cache = try loaded.decoder.makeCache(capacity: ids.count + greedy)
            let logits = try loaded.decoder.forward(ids, cache: cache)
            let ranked = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(top)
            var continuation: [Int] = []
            var step = logits
            for _ in 0..<greedy {
                // The first largest, as llama.cpp's greedy sampler picks.
                let next = step.indices.max { step[$0] < step[$1] || (step[$0] == step[$1] && $0 > $1) }!
                continuation.append(next)
                if continuation.count < greedy { try loaded.decoder.forward([next], cache: cache, into: &step) }
            }
            if json {
                var object: [String: Any] = ["tokens": ids, "top": ranked.map { ["id": $0, "logit": Double(logits[$0])] }]
                if greedy > 0 { object["greedy"] = continuation }
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else {
                for id in ranked { print("\(id)\t\(logits[id])") }
                if greedy > 0 { print("greedy: \(continuation.map(String.init).joined(separator: " "))") }
            }
        }
    }
}
