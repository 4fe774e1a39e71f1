import Foundation

/// How a model family writes function calls in its output. Chosen from the chat template's
/// markers (``detect(template:)``), or named explicitly (``init(rawValue:)``) where a template
/// is ambiguous.
public enum ToolCallFormat: String, Sendable, CaseIterable {
    /// Hermes 2 Pro, Qwen 2.5/3 and ChatML models: `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>`.
    case hermes
    /// Llama 3.1–3.3: a bare `{"name": ..., "parameters": {...}}`, or `<|python_tag|>` before a
    /// JSON call, a built-in tool's `name.call(key="value")`, or code for the python tool.
    case llama3 = "llama3"
    /// Mistral: `[TOOL_CALLS][{"name": ..., "arguments": {...}}]`, or (v11 tokenizers and later)
    /// `[TOOL_CALLS]name[ARGS]{...}`.
    case mistral
    /// DeepSeek V3/R1 (`<｜tool▁call▁begin｜>function<｜tool▁sep｜>name` and a fenced JSON block)
    /// and V3.1 (`<｜tool▁call▁begin｜>name<｜tool▁sep｜>{...}`).
    case deepseek
    /// IBM Granite 3: `<|tool_call|>[{"name": ..., "arguments": {...}}]`.
    case granite
    /// Functionary v3.1 (Llama 3.1 based): `<function=name>{...}</function>`.
    case functionaryV31 = "functionary-v3.1"
    /// Functionary v3.2: messages led by a recipient, `>>>name\n{...}`, with `all` for text.
    case functionaryV32 = "functionary-v3.2"
    /// gpt-oss's harmony messages: `<|channel|>commentary to=functions.name <|constrain|>json<|message|>{...}<|call|>`.
    case harmony
    /// Any model: a JSON call (`{"name", "arguments"}`, a list of them, `{"tool_calls": [...]}`)
    /// as the whole output, or Hermes tags.
    case generic

    /// The format a chat template's text implies; ``generic`` when it shows none.
    public static func detect(template: String) -> ToolCallFormat {
        func has(_ marker: String) -> Bool { template.contains(marker) }
        if has("<|channel|>") && has("<|message|>") { return .harmony }
        if has("tool▁call▁begin") || has("tool▁calls▁begin") { return .deepseek }
        if has("[TOOL_CALLS]") { return .mistral }
        if has("<|tool_call|>") { return .granite }
        if has(">>>all") { return .functionaryV32 }
        // Qwen3-Coder nests `<function=...>` inside `<tool_call>`, so the tag decides first.
        if has("<tool_call>") { return .hermes }
        if has("<function=") { return .functionaryV31 }
        if has("<|start_header_id|>") || has("<|python_tag|>") { return .llama3 }
        if has("<|im_start|>") { return .hermes }
        return .generic
    }

    /// A call written the way this format's models write it, for prompts whose template cannot
    /// render `tool_calls` itself (and for the forced-call grammar's shape). `arguments` is JSON text.
    public func callText(name: String, arguments: String) -> String {
        let quoted = OrderedJSON.quote(name)
        switch self {
        case .hermes, .generic: return "<tool_call>\n{\"name\": \(quoted), \"arguments\": \(arguments)}\n</tool_call>"
        case .llama3: return "{\"name\": \(quoted), \"parameters\": \(arguments)}"
        case .mistral: return "[TOOL_CALLS][{\"name\": \(quoted), \"arguments\": \(arguments)}]"
        case .deepseek:
            return "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>\(name)\n```json\n\(arguments)\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>"
        case .granite: return "<|tool_call|>[{\"name\": \(quoted), \"arguments\": \(arguments)}]"
        case .functionaryV31: return "<function=\(name)>\(arguments)</function>"
        case .functionaryV32: return ">>>\(name)\n\(arguments)"
        case .harmony: return "<|channel|>commentary to=functions.\(name) <|constrain|>json<|message|>\(arguments)<|call|>"
        }
    }
}

extension ToolCallFormat {
    /// Whether the format's markers are control tokens in its models' vocabularies, which the
    /// detokenizer leaves out of the text unless told to write them.
    public var markersAreControlTokens: Bool {
        switch self {
        case .hermes, .generic, .functionaryV32: false
        case .llama3, .mistral, .deepseek, .granite, .functionaryV31, .harmony: true
        }
    }
}
