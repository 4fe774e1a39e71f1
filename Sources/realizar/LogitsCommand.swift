import ArgumentParser
import Foundation
import RealizarCore

struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Print the raw logits after the last prompt token.")

    @Argument(help: "A model file, catalog name or hf: reference.")
    var model: String

    @Option(help: "Token ids, comma-separated, instead of a prompt.")
    var tokens: String?

    @Option(help: "How many of the largest logits to print.")
    var top = 20

    @Flag(help: "Print JSON: {\"tokens\": [...], \"top\": [{\"id\": ..., \"logit\": ...}]}.")
    var json = false

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    func run() throws {
        try reportingErrors {
            let file = try GGUFFile(path: try resolveModel(model))
            let decoder = try ModelRegistry.load(file, threads: threads)
            guard let tokens else { throw ValidationError("give --tokens") }
            let ids = try tokens.split(separator: ",").map { piece -> Int in
                guard let id = Int(piece.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("bad token id '\(piece)'") }
                return id
            }
            let cache = decoder.makeCache(capacity: max(ids.count, 1))
            let logits = try decoder.forward(ids, cache: cache)
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
