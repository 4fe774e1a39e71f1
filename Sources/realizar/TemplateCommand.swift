import ArgumentParser
import RealizarEngine
import Foundation
import RealizarTemplates

/// `realizar template ...`: chat-template tools.
struct TemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Render chat templates.",
        subcommands: [Render.self]
    )

    /// `realizar template render`: prints a conversation rendered through a chat template, exactly
    /// as Hugging Face transformers would (no newline is added after it).
    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render a conversation with a chat template.",
            discussion: """
                The messages file holds either a JSON array of messages or an object \
                {"messages": [...], "tools": [...], ...}; further keys of that object become template \
                variables (for example "enable_thinking": false).
                """
        )

        @Option(name: .long, help: "A .jinja file, or a .gguf model / model name to take the template from.")
        var template: String

        @Option(name: .long, help: "JSON file with the messages.")
        var messages: String

        @Flag(name: .long, help: "End with the header that starts the assistant's reply.")
        var addGenerationPrompt = false

        @Option(name: .long, help: "JSON file with a list of tool schemas.")
        var tools: String?

        @Option(name: .long, help: "The beginning-of-sequence token.")
        var bosToken = ""

        @Option(name: .long, help: "The end-of-sequence token.")
        var eosToken = ""

        @Option(name: .long, help: "The date strftime_now reports, as YYYY-MM-DD (default: now).")
        var date: String?

        func run() throws {
            do {
                let source = try templateSource(template)
                let chat = try ChatTemplate(source: source)
                var (conversation, toolList, extra) = try readMessages(messages)
                if let tools {
                    guard case .array(let list) = try readJSON(tools) else {
                        throw TemplateCommandError("\(tools): expected a JSON array of tools")
                    }
                    toolList = list
                }
                var now = Date()
                var timeZone = TimeZone.current
                if let date {
                    (now, timeZone) = try parseDate(date)
                }
                let text = try chat.render(
                    messages: conversation, tools: toolList, addGenerationPrompt: addGenerationPrompt, bosToken: bosToken,
                    eosToken: eosToken, date: now, timeZone: timeZone, extra: extra)
                FileHandle.standardOutput.write(Data(text.utf8))
            } catch let error as TemplateError {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }

        private func readFile(_ path: String) throws -> Data {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TemplateCommandError("cannot read \(path)")
            }
            return data
        }

        private func readJSON(_ path: String) throws -> JinjaValue {
            do {
                return try JinjaValue(jsonData: try readFile(path))
            } catch let error as TemplateError {
                throw TemplateCommandError("\(path): \(error)")
            }
        }

        /// A template file, or (for `.gguf` paths and model names) the template inside the model.
        private func templateSource(_ nameOrPath: String) throws -> String {
            if nameOrPath.hasSuffix(".gguf") || !FileManager.default.fileExists(atPath: nameOrPath) && !looksLikeTemplateFile(nameOrPath) {
                return try loadModelChatTemplate(nameOrPath)
            }
            return String(decoding: try readFile(nameOrPath), as: UTF8.self)
        }

        private func looksLikeTemplateFile(_ path: String) -> Bool {
            [".jinja", ".jinja2", ".j2", ".txt", ".tmpl"].contains { path.hasSuffix($0) }
        }

        private func readMessages(_ path: String) throws -> ([JinjaValue], [JinjaValue]?, [String: JinjaValue]) {
            let json = try readJSON(path)
            switch json {
            case .array(let list):
                return (list, nil, [:])
            case .object(let object):
                guard case .array(let list)? = object["messages"] else {
                    throw TemplateCommandError("\(path): expected a \"messages\" array")
                }
                var tools: [JinjaValue]? = nil
                var extra: [String: JinjaValue] = [:]
                for (key, value) in object where key != "messages" {
                    if key == "tools" {
                        guard case .array(let t) = value else { throw TemplateCommandError("\(path): \"tools\" must be an array") }
                        tools = t
                    } else {
                        extra[key] = value
                    }
                }
                return (list, tools, extra)
            default:
                throw TemplateCommandError("\(path): expected a JSON array of messages or an object with \"messages\"")
            }
        }

        /// Midnight of the given day, in UTC (formatted in UTC too, so the day never shifts).
        private func parseDate(_ text: String) throws -> (Date, TimeZone) {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else {
                throw ValidationError("--date must look like 2026-01-15")
            }
            let utc = TimeZone(identifier: "UTC")!
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = utc
            guard let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else {
                throw ValidationError("--date: no such day \(text)")
            }
            return (date, utc)
        }
    }
}

/// A failure reported as `Error: message` (exit status 1), without the usage text that
/// `ValidationError` adds.
struct TemplateCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The chat template a model uses, given its path or name: `tokenizer.chat_template` from the GGUF
/// file, or the built-in format chosen for it when it has none.
func loadModelChatTemplate(_ nameOrPath: String) throws -> String {
    try ChatPrompt(model: LoadedModel(path: resolveModel(nameOrPath), threads: 1)).source
}
