import RealizarTemplates

extension ChatPrompt {
    /// The format the model writes calls in, from its template's markers.
    public var toolCallFormat: ToolCallFormat { .detect(template: source) }

    /// Whether the template reads `tools`; when not, the tools are described in a system message.
    public var rendersTools: Bool { source.contains("tools") }

    /// Whether the template writes assistant messages' `tool_calls`; when not, they are written
    /// into the message's content in the model's call syntax.
    public var rendersToolCalls: Bool { source.contains("tool_calls") }

    /// `messages` as this template can render them with `tools` (each an OpenAI-shaped
    /// `{"type": "function", "function": {...}}` value), the way llama.cpp adapts templates
    /// without tool support: a system message that lists the tools and the call syntax, and
    /// earlier calls as text.
    public func adapting(_ messages: [JinjaValue], tools: [JinjaValue], format: ToolCallFormat) -> [JinjaValue] {
        var messages = messages
        if !rendersToolCalls {
            messages = messages.map { message in
                guard case .object(var object) = message, case .array(let calls)? = object["tool_calls"], !calls.isEmpty else { return message }
                var texts: [String] = []
                if case .string(let content)? = object["content"], !content.isEmpty { texts.append(content) }
                for call in calls {
                    let function = call["function"] ?? call
                    guard case .string(let name)? = function["name"] else { continue }
                    texts.append(format.callText(name: name, arguments: Self.jsonText(function["arguments"] ?? .object(JinjaObject()))))
                }
                object["content"] = .string(texts.joined(separator: "\n"))
                object["tool_calls"] = nil
                return .object(object)
            }
        }
        guard !rendersTools, !tools.isEmpty else { return messages }
        let instructions = Self.toolInstructions(tools, format: format)
        if case .object(var first)? = messages.first, first["role"] == .string("system"), case .string(let system)? = first["content"] {
            first["content"] = .string(system + "\n\n" + instructions)
            messages[0] = .object(first)
        } else {
            messages.insert(.object(JinjaObject([("role", .string("system")), ("content", .string(instructions))])), at: 0)
        }
        return messages
    }

    /// Hermes's function-calling system prompt, with the example call in `format`'s syntax.
    static func toolInstructions(_ tools: [JinjaValue], format: ToolCallFormat) -> String {
        """
        You may call one or more functions to assist with the user query.

        You are provided with function signatures within <tools></tools> XML tags:
        <tools>
        \(tools.map(\.jsonString).joined(separator: "\n"))
        </tools>

        For each function call, return a JSON object with the function name and arguments:
        \(format.callText(name: "<function-name>", arguments: "<args-json-object>"))
        """
    }

    /// Arguments as JSON text: a string is already JSON text (OpenAI sends them so).
    static func jsonText(_ value: JinjaValue) -> String {
        if case .string(let text) = value { return text }
        return value.jsonString
    }
}

extension OrderedJSON {
    /// The value as a template sees it (keys in order, integers as integers).
    public var jinjaValue: JinjaValue {
        switch self {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .number(let value, let text):
            if let integer = Int(text) { return .int(integer) }
            return .double(value)
        case .string(let text): return .string(text)
        case .array(let items): return .array(items.map(\.jinjaValue))
        case .object(let members): return .object(JinjaObject(members.map { ($0.key, $0.value.jinjaValue) }))
        }
    }
}
