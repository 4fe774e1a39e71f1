import Foundation

/// One function call parsed from a model's output.
public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The arguments as JSON text, exactly the concatenation of the streamed fragments.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A piece of a tool call as it streams: the first delta of a call carries its `id` and `name`,
/// later ones only further `arguments` text.
public struct ToolCallDelta: Sendable, Equatable {
    /// The call's position among this output's calls (OpenAI's `tool_calls[].index`).
    public var index: Int
    public var id: String?
    public var name: String?
    public var arguments: String

    public init(index: Int, id: String? = nil, name: String? = nil, arguments: String = "") {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// What a ``ToolCallParser`` makes of a stretch of output.
public enum ToolCallEvent: Sendable, Equatable {
    /// Text for the user, outside any call.
    case content(String)
    /// The model's reasoning, where the format marks it apart (gpt-oss's analysis channel).
    case reasoning(String)
    case toolCall(ToolCallDelta)
}
