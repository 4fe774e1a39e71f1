import ArgumentParser
import Foundation
import RealizarCore
import RealizarEngine

/// `--quantize` for Hugging Face folders.
enum FolderQuantization: String, ExpressibleByArgument, CaseIterable {
    case q8_0, q4_k

    var type: GGMLType { self == .q8_0 ? .q8_0 : .q4_K }

    static let help: ArgumentHelp = "Quantize a Hugging Face folder's matrices on load: q8_0 or q4_k (default: their own precision)."
}

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the embedding of each text.",
        discussion: """
            Texts come from the arguments and from --file (one per line; empty lines skipped). \
            Prints one line per text (its values separated by spaces), or a JSON array of vectors \
            with --json. Texts longer than the model reads are truncated unless --no-truncate. \
            The time taken is printed to standard error.
            """
    )

    @Argument(help: "A model folder, a GGUF file or a catalog model name (all-minilm-l6-v2).")
    var model: String

    @Argument(help: "Texts to embed.")
    var texts: [String] = []

    @Option(help: "A file of texts, one per line.")
    var file: String?

    @Flag(help: "Print a JSON array of vectors.")
    var json = false

    @Flag(help: "Refuse texts longer than the model reads instead of truncating them.")
    var noTruncate = false

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @Option(help: Device.help)
    var device: Device = .auto

    @Option(help: FolderQuantization.help)
    var quantize: FolderQuantization?

    func run() throws {
        try reportingErrors {
            var all = texts
            if let file {
                guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw ModelError("cannot read \(file) as UTF-8 text")
                }
                all += contents.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
            }
            guard !all.isEmpty else { throw ValidationError("give at least one text (arguments or --file)") }
            let embedder = try EmbeddingModel(path: try resolveModel(model), preferring: try device.backends(threads: threads),
                                              quantize: quantize?.type)
            let start = Date()
            let tokens = try all.map { try embedder.tokenize($0, truncate: !noTruncate) }
            let vectors = try embedder.embed(tokens)
            let seconds = Date().timeIntervalSince(start)
            let count = tokens.reduce(0) { $0 + $1.count }
            var out = ""
            if json {
                out = "[" + vectors.map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" }.joined(separator: ",\n") + "]\n"
            } else {
                for vector in vectors { out += vector.map { "\($0)" }.joined(separator: " ") + "\n" }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
            FileHandle.standardError.write(Data(String(format: "embedded %d texts (%d tokens) in %.3f s: %.1f texts/s\n",
                                                       all.count, count, seconds, Double(all.count) / seconds).utf8))
        }
    }
}
