import ArgumentParser
import Foundation
import RealizarCore
import RealizarEngine
import RealizarTemplates

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a model in the terminal, using its chat template.",
        discussion: "Type a message and press return; /bye or end of input quits, /reset forgets the conversation.")

    @Argument(help: "A model file, catalog name or hf: reference. Default: smollm2-135m-instruct.")
    var model: String?

    @Option(help: "A system prompt.")
    var system: String?

    @Option(name: .customLong("chat-template"), help: "A Jinja chat template file to use instead of the model's.")
    var chatTemplate: String?

    @Option(name: [.short, .customLong("max-tokens")], help: "Tokens per reply at most.")
    var n = 512

    @Option(help: "Context size (default: the model's, at most 4096).")
    var ctx: Int?

    @Option(help: "Threads (default: all cores).")
    var threads: Int?

    @Option(help: Device.help)
    var device: Device = .auto

    @OptionGroup var sampling: SamplingOptions

    func run() throws {
        try reportingErrors {
            let loaded = try LoadedModel(path: try resolveModel(model ?? CatalogModel.defaultChatModel.name), preferring: try device.backends(threads: threads))
            let templateSource = try chatTemplate.map { path -> String in
                guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
                return String(decoding: data, as: UTF8.self)
            }
            let prompt = try ChatPrompt(model: loaded, overrideSource: templateSource)
            let context = ctx ?? loaded.defaultContext
            let parameters = try sampling.parameters()
            let interactive = isatty(STDIN_FILENO) != 0
            var messages: [JinjaValue] = system.map { [ChatMessage(role: "system", content: $0).jinjaValue] } ?? []
            let initial = messages
            while true {
                if interactive { FileHandle.standardError.write(Data(">>> ".utf8)) }
                guard let line = readLine() else { break }
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                if text == "/bye" || text == "/exit" { break }
                if text == "/reset" {
                    messages = initial
                    continue
                }
                messages.append(ChatMessage(role: "user", content: text).jinjaValue)
                let tokens = try prompt.tokens(messages, model: loaded)
                let request = GenerationRequest(prompt: tokens, maxTokens: min(n, max(context - tokens.count, 0)),
                                                sampling: parameters, context: context)
                do {
                    try loaded.validate(prompt: tokens, context: context, reserve: 1)
                } catch {
                    FileHandle.standardError.write(Data("error: \(error) (/reset starts over)\n".utf8))
                    messages.removeLast()
                    continue
                }
                let result = try Generator(model: loaded).generate(request) { piece in
                    FileHandle.standardOutput.write(Data(piece.utf8))
                    return true
                }
                print()
                messages.append(ChatMessage(role: "assistant", content: result.text.trimmingCharacters(in: .whitespacesAndNewlines)).jinjaValue)
            }
        }
    }
}
