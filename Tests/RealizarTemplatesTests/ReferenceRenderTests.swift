import Foundation
import Testing

@testable import RealizarTemplates

/// The reference renders of real chat templates by Python's Jinja2 (shared/reference/chat-templates).
/// Each must come out byte for byte the same, and each case where Jinja2 raised must raise here too.
@Suite struct ReferenceRenderTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let template: String
        let conversation: String
        let addGenerationPrompt: Bool
        let messages: [JinjaValue]
        let expected: String?
        let expectedError: String?

        var testDescription: String { "\(template) \(conversation) add_generation_prompt=\(addGenerationPrompt)" }
    }

    static let folder = referenceRoot.appendingPathComponent("chat-templates")

    static func loadCases() throws -> [Case] {
        let data = try Data(contentsOf: folder.appendingPathComponent("renders-dev.json"))
        guard case .object(let root) = try JinjaValue(jsonData: data), case .object(let conversations)? = root["conversations"],
            case .array(let cases)? = root["cases"]
        else { throw TemplateError(.value, "renders-dev.json has an unexpected shape") }
        return cases.compactMap { item in
            guard case .string(let template)? = item["template"], case .string(let conversation)? = item["conversation"],
                case .bool(let prompt)? = item["add_generation_prompt"], case .array(let messages)? = conversations[conversation]
            else { return nil }
            var output: String? = nil
            var error: String? = nil
            if case .string(let o)? = item["output"] { output = o }
            if case .string(let e)? = item["error"] { error = e }
            return Case(template: template, conversation: conversation, addGenerationPrompt: prompt, messages: messages, expected: output, expectedError: error)
        }
    }

    /// The reference was rendered by plain Jinja2 with Hugging Face's settings but without
    /// transformers' `{% generation %}` extension, so that tag is an error there.
    static let referenceOptions = TemplateOptions(generationBlocks: false)

    static let date: Date = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: 2026, month: 1, day: 15))!
    }()

    @Test func theReferenceHasAllCases() throws {
        let cases = try Self.loadCases()
        #expect(cases.count == 282, "renders-dev.json should hold 282 cases, found \(cases.count)")
    }

    @Test(arguments: try loadCases())
    func rendersLikeJinja2(_ c: Case) throws {
        let source = try String(contentsOf: Self.folder.appendingPathComponent("templates/\(c.template)"), encoding: .utf8)
        let result: Result<String, Error> = Result {
            let chat = try ChatTemplate(source: source, options: Self.referenceOptions)
            return try chat.render(
                messages: c.messages, addGenerationPrompt: c.addGenerationPrompt, bosToken: "<s>", eosToken: "</s>",
                date: Self.date, timeZone: TimeZone(identifier: "UTC")!)
        }
        switch (result, c.expected) {
        case (.success(let actual), let expected?):
            #expect(actual == expected, "\(firstDifference(expected: expected, actual: actual))")
        case (.failure(let error), let expected?):
            Issue.record("expected output \(PythonText.stringRepr(String(expected.prefix(80))))…, got error: \(error)")
        case (.success(let actual), nil):
            Issue.record("Jinja2 raised \(c.expectedError ?? "an error"), but this rendered: \(PythonText.stringRepr(String(actual.prefix(200))))")
        case (.failure, nil):
            break
        }
    }

    /// With transformers' generation extension (our default), the `{% generation %}` templates
    /// render, the block's body in place.
    @Test func generationBlocksRenderTheirBody() throws {
        let source = try String(contentsOf: Self.folder.appendingPathComponent("templates/poolside-Laguna-XS.2.jinja"), encoding: .utf8)
        let messages: [JinjaValue] = [
            ["role": "system", "content": "You are a helpful assistant."], ["role": "user", "content": "What is 2+2?"],
            ["role": "assistant", "content": "4"], ["role": "user", "content": "And 3+3?"],
        ]
        let actual = try ChatTemplate(source: source).render(messages: messages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
        // Python: jinja2 3.1.6 with an extension rendering `generation` like transformers' AssistantTracker.
        let expected = "\u{3008}|EOS|\u{3009}<system>\n\nYou are a helpful assistant.\n</system>\n<user>\nWhat is 2+2?\n</user>\n<assistant>\n</think>\n4\n</assistant>\n<user>\nAnd 3+3?\n</user>\n<assistant>\n</think>"
        #expect(actual == expected, "\(firstDifference(expected: expected, actual: actual))")
    }
}
