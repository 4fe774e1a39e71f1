import Foundation

/// One chat message with the two fields every template reads. Messages with more fields
/// (`tool_calls`, `reasoning_content`, content parts...) are passed as `JinjaValue` objects.
public struct ChatMessage: Sendable, Hashable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public var jinjaValue: JinjaValue { .object(["role": .string(role), "content": .string(content)]) }
}

/// A model's chat template: renders a conversation into the prompt text the model was trained on,
/// exactly as `tokenizer.apply_chat_template(..., tokenize=False)` does in Hugging Face transformers.
public struct ChatTemplate: Sendable {
    public let template: Template

    public init(source: String, options: TemplateOptions = .huggingFace) throws {
        template = try Template(source, options: options)
    }

    /// Renders a conversation.
    /// - Parameters:
    ///   - messages: the conversation; each an object with at least `role` and `content`.
    ///   - tools: tool (function) schemas; nil leaves `tools` undefined in the template.
    ///   - addGenerationPrompt: end with the header that starts the assistant's reply.
    ///   - bosToken, eosToken: the model's special tokens, as `bos_token` / `eos_token`.
    ///   - date: what `strftime_now` reports, in `timeZone`.
    ///   - extra: further variables, e.g. `enable_thinking`; they override the ones above.
    public func render(
        messages: [JinjaValue], tools: [JinjaValue]? = nil, addGenerationPrompt: Bool = false, bosToken: String = "",
        eosToken: String = "", date: Date = Date(), timeZone: TimeZone = .current, extra: [String: JinjaValue] = [:]
    ) throws -> String {
        var context: [String: JinjaValue] = [
            "messages": .array(messages),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken),
            "eos_token": .string(eosToken),
        ]
        if let tools { context["tools"] = .array(tools) }
        context.merge(extra) { _, new in new }
        return try template.render(context, now: date, timeZone: timeZone)
    }

    /// Renders a conversation of plain role/content messages.
    public func render(
        messages: [ChatMessage], addGenerationPrompt: Bool = false, bosToken: String = "", eosToken: String = "",
        date: Date = Date(), timeZone: TimeZone = .current, extra: [String: JinjaValue] = [:]
    ) throws -> String {
        try render(
            messages: messages.map(\.jinjaValue), tools: nil, addGenerationPrompt: addGenerationPrompt, bosToken: bosToken,
            eosToken: eosToken, date: date, timeZone: timeZone, extra: extra)
    }
}
