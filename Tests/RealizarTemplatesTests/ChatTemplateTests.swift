import Foundation
import Testing

@testable import RealizarTemplates

/// The chat-template API: what the template sees for each argument.
@Suite struct ChatTemplateTests {
    @Test func passesTheStandardVariables() throws {
        let chat = try ChatTemplate(source: "{{ bos_token }}{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}{{ add_generation_prompt }}{{ eos_token }}")
        let text = try chat.render(messages: [ChatMessage(role: "user", content: "hi")], addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
        #expect(text == "<s>user:hi;True</s>")
    }

    @Test func toolsAreUndefinedUnlessGiven() throws {
        let chat = try ChatTemplate(source: "{{ tools is defined }}{% if tools %} {{ tools|length }} {{ tools[0]|tojson }}{% endif %}")
        #expect(try chat.render(messages: []) == "False")
        let tool: JinjaValue = ["type": "function", "function": ["name": "f", "parameters": ["type": "object"]]]
        #expect(try chat.render(messages: [], tools: [tool]) == "True 1 {\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\"}}}")
    }

    @Test func messagesCarryArbitraryJSON() throws {
        let messages = try JinjaValue(json: """
            [{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
              "reasoning_content": "think", "tool_calls": [{"function": {"name": "f", "arguments": {"z": 1, "a": "é"}}}]}]
            """)
        guard case .array(let list) = messages else { return }
        let chat = try ChatTemplate(source: """
            {%- for m in messages -%}
            {{ m.reasoning_content }}|{% for p in m.content %}{{ p.text }}{% endfor %}|{{ m.tool_calls[0].function.arguments|tojson }}
            {%- endfor -%}
            """)
        #expect(try chat.render(messages: list) == "think|ab|{\"z\": 1, \"a\": \"é\"}")
    }

    @Test func extraVariablesReachTheTemplate() throws {
        let chat = try ChatTemplate(source: "{{ enable_thinking }}")
        #expect(try chat.render(messages: [], extra: ["enable_thinking": false]) == "False")
    }

    @Test func strftimeNowUsesTheGivenDate() throws {
        let utc = TimeZone(identifier: "UTC")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        let date = calendar.date(from: DateComponents(year: 2026, month: 1, day: 15))!
        let chat = try ChatTemplate(source: "{{ strftime_now('%d %b %Y') }}")
        #expect(try chat.render(messages: [], date: date, timeZone: utc) == "15 Jan 2026")
    }

    @Test func aTemplateRendersManyTimesConcurrently() async throws {
        let chat = try ChatTemplate(source: "{% for m in messages %}{{ m.content|upper }}{% endfor %}")
        try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<8 {
                group.addTask { try chat.render(messages: [ChatMessage(role: "user", content: "m\(i)")]) }
            }
            var results: [String] = []
            for try await text in group { results.append(text) }
            #expect(results.sorted() == (0..<8).map { "M\($0)" }.sorted())
        }
    }
}
