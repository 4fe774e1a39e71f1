import Foundation
import Testing

@testable import RealizarTemplates

/// Every chat template shipped in llama.cpp's source (models/templates/*.jinja) parses and renders
/// a simple conversation; raising an error on purpose (`raise_exception`) or on data the template
/// requires (undefined `functions`) is fine, as Jinja2 does the same.
@Suite struct LlamaCppTemplateTests {
    /// Runs scripts/fetch-llama-cpp-source, which downloads llama.cpp's source once and prints the
    /// folder. A failure fails the tests: they must not pass by skipping.
    static func templateFolder() throws -> URL {
        let process = Process()
        process.executableURL = packageRoot.appendingPathComponent("scripts/fetch-llama-cpp-source")
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TemplateError(.value, "scripts/fetch-llama-cpp-source failed with status \(process.terminationStatus)")
        }
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return URL(fileURLWithPath: path).appendingPathComponent("models/templates")
    }

    static func templateNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: templateFolder().path).filter { $0.hasSuffix(".jinja") }.sorted()
    }

    @Test func thereAreManyTemplates() throws {
        let names = try Self.templateNames()
        #expect(names.count >= 60, "expected llama.cpp's templates, found \(names.count)")
    }

    static let conversation: [JinjaValue] = [
        ["role": "system", "content": "You are a helpful assistant."], ["role": "user", "content": "Hello!"],
        ["role": "assistant", "content": "Hi! How can I help?"], ["role": "user", "content": "Tell me a joke."],
    ]

    @Test(arguments: try templateNames())
    func parsesAndRenders(_ name: String) throws {
        let source = try String(contentsOf: Self.templateFolder().appendingPathComponent(name), encoding: .utf8)
        let template = try ChatTemplate(source: source)
        do {
            let text = try template.render(messages: Self.conversation, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
            #expect(text.contains("Tell me a joke."), "\(name): the last message is missing from the prompt")
        } catch let error as TemplateError where error.kind == .raised || error.kind == .undefined {
            // Jinja2 raises here too: Gemma 2 refuses system messages, firefunction needs `functions`.
        }
    }
}
