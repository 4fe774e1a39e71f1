/// A function the model may call: its name and the JSON Schema of its arguments.
public struct FunctionTool: Sendable {
    public var name: String
    /// The arguments' JSON Schema, an object schema.
    public var parameters: OrderedJSON

    public init(name: String, parameters: OrderedJSON) {
        self.name = name
        self.parameters = parameters
    }
}

/// Whether and which function the model must call (OpenAI's `tool_choice`).
public enum ToolChoice: Sendable, Equatable {
    /// The model decides; its output is read for calls.
    case auto
    /// No calls: the output is text.
    case none
    /// At least one call, of any of the tools.
    case required
    /// A call of this function.
    case function(String)
}
