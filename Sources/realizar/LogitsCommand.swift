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

    @Flag(help: "Print JSON: {\"tokens\": [...], \"top\": [{\"id\": ..., \"logit\": ...}]}.")
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
            try loaded.validate(prompt: ids, context: loaded.decoder.architecture.contextLength)
            let cache = try loaded.decoder.makeCache(capacity: ids.count)
            let logits = try loaded.decoder.forward(ids, cache: cache)
            let ranked = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(top)
            if json {
                let object: [String: Any] = ["tokens": ids, "top": ranked.map { ["id": $0, "logit": Double(logits[$0])] }]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else {
                for id in ranked { print("\(id)\t\(logits[id])") }
            }
        }
    }
}
