import ArgumentParser
import Foundation
import RealizarCore
import RealizarEngine

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Continue a prompt, streaming the text to standard output.")

    @Argument(help: "A model file, catalog name or hf: reference.")
    var model: String

    @Argument(help: "The prompt.")
    var prompt: String

    @Option(name: [.short, .customLong("n-predict"), .customLong("max-tokens")], help: "Tokens to generate at most.")
    var n = 128

    @Option(help: "Context size (default: the model's, at most 4096).")
    var ctx: Int?

    @Option(help: "Stop when this text appears (repeatable; not printed).")
    var stop: [String] = []

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @Option(help: Device.help)
    var device: Device = .auto

    @Flag(help: "Print JSON: {\"prompt_tokens\": [...], \"tokens\": [...], \"text\": \"...\"} instead of streaming.")
    var json = false

    @OptionGroup var sampling: SamplingOptions

    func run() throws {
        try reportingErrors {
            guard !prompt.isEmpty else { throw ModelError("the prompt is empty: give some text to continue") }
            let loaded = try LoadedModel(path: try resolveModel(model), preferring: try device.backends(threads: threads))
            let context = ctx ?? loaded.defaultContext
            let promptTokens = loaded.tokenize(prompt)
            let request = GenerationRequest(prompt: promptTokens, maxTokens: n, sampling: try sampling.parameters(),
                                            stop: stop, context: context)
            let result = try Generator(model: loaded).generate(request) { piece in
                if !json {
                    FileHandle.standardOutput.write(Data(piece.utf8))
                }
                return true
            }
            if json {
                let object: [String: Any] = ["prompt_tokens": promptTokens, "tokens": result.tokens, "text": result.text,
                                             "finish_reason": result.finishReason.rawValue]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
            } else {
                print()
            }
            let promptRate = Double(promptTokens.count) / max(result.promptSeconds, 1e-9)
            let generationRate = Double(result.tokens.count) / max(result.generationSeconds, 1e-9)
            FileHandle.standardError.write(Data(String(format: "prompt: %d tokens, %.1f tok/s; generation: %d tokens, %.1f tok/s\n",
                                                       promptTokens.count, promptRate, result.tokens.count, generationRate).utf8))
        }
    }
}

struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity of a text file, by llama-perplexity's method.")

    @Argument(help: "A model file, catalog name or hf: reference.")
    var model: String

    @Option(help: "The text file.")
    var file: String

    @Option(help: "Tokens per chunk.")
    var ctx = 512

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @Option(help: Device.help)
    var device: Device = .auto

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let loaded = try LoadedModel(path: try resolveModel(model), preferring: try device.backends(threads: threads))
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            let result = try Perplexity.measure(loaded, text: String(decoding: data, as: UTF8.self), context: ctx) { done, total, running in
                FileHandle.standardError.write(Data(String(format: "[%d/%d] %.4f\n", done, total, running).utf8))
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(String(format: "perplexity: %.4f +/- %.5f (%d chunks of %d)", result.perplexity, result.standardError, result.chunks, result.context))
            }
        }
    }
}
