import Foundation
import RealizarEngine
import RealizarTemplates

/// A chat request's `tools`, `tool_choice` and `parallel_tool_calls`, checked, in the shapes the
/// template, the grammar and the parser need. OpenAI and Ollama send tools alike
/// (`{"type": "function", "function": {"name", "description", "parameters"}}`).
struct ToolRequest: Sendable {
    var tools: [FunctionTool]
    /// The tools as the template gets them (transformers' `tools`), keys in the request's order.
    var templateTools: [JinjaValue]
    var choice: ToolChoice
    var parallel: Bool

    /// The tools of a request body (its JSON text, read again for the key order); nil when it
    /// has none. 400s name the field.
    static func parse(body: String) throws(APIError) -> ToolRequest? {
        guard let root = try? OrderedJSON(parsing: body) else { return nil }
        var tools: [FunctionTool] = []
        var templateTools: [JinjaValue] = []
        switch root["tools"] {
        case nil, .null?: break
        case .array(let items)?:
            for (index, item) in items.enumerated() {
                let field = "tools[\(index)]"
                guard case .object = item else { throw APIError.invalid("'\(field)' must be an object", param: field) }
                if let type = item["type"], type.stringValue != "function" {
                    throw APIError.invalid("'\(field).type' must be \"function\"", param: "\(field).type")
                }
                guard let function = item["function"], case .object = function else {
                    throw APIError.invalid("'\(field).function' is required and must be an object", param: "\(field).function")
                }
                let tool = try Self.function(name: function["name"], description: function["description"], parameters: function["parameters"],
                                             field: "\(field).function", parametersKey: "parameters", declared: tools)
                tools.append(tool)
                templateTools.append(item.jinjaValue)
            }
        case _?: throw APIError.invalid("'tools' must be an array of tools", param: "tools")
        }

        var choice = ToolChoice.auto
        switch root["tool_choice"] {
        case nil, .null?: break
        case .string(let value)?:
            switch value {
            case "auto": choice = .auto
            case "none": choice = .none
            case "required": choice = .required
            default: throw APIError.invalid("'tool_choice' must be auto, none, required or {\"type\": \"function\", \"function\": {\"name\": ...}}",
                                            param: "tool_choice")
            }
        case .object?:
            guard let name = root["tool_choice"]?["function"]?["name"]?.stringValue,
                  root["tool_choice"]?["type"]?.stringValue ?? "function" == "function" else {
                throw APIError.invalid("'tool_choice' must be auto, none, required or {\"type\": \"function\", \"function\": {\"name\": ...}}",
                                       param: "tool_choice")
            }
            guard tools.contains(where: { $0.name == name }) else {
                throw APIError.invalid("'tool_choice.function.name' is '\(name)', which names no tool in 'tools'", param: "tool_choice.function.name")
            }
            choice = .function(name)
        case _?:
            throw APIError.invalid("'tool_choice' must be auto, none, required or {\"type\": \"function\", \"function\": {\"name\": ...}}",
                                   param: "tool_choice")
        }
        if tools.isEmpty, choice == .required {
            throw APIError.invalid("'tool_choice' is required but 'tools' is empty", param: "tool_choice")
        }

        var parallel = true
        switch root["parallel_tool_calls"] {
        case nil, .null?: break
        case .bool(let value)?: parallel = value
        case _?: throw APIError.invalid("'parallel_tool_calls' must be a boolean", param: "parallel_tool_calls")
        }
        guard !tools.isEmpty else { return nil }
        return ToolRequest(tools: tools, templateTools: templateTools, choice: choice, parallel: parallel)
    }

    /// A function declared in any dialect's shape (OpenAI's `function`, the Responses API's flat
    /// tool, Anthropic's `input_schema`), checked: a valid name no other tool in `declared` has,
    /// a string description, an object schema (an empty object schema when absent).
    static func function(name: OrderedJSON?, description: OrderedJSON?, parameters: OrderedJSON?, field: String,
                         parametersKey: String, declared: [FunctionTool]) throws(APIError) -> FunctionTool {
        guard let name = name?.stringValue, Self.isValidName(name) else {
            throw APIError.invalid("'\(field).name' must be 1 to 64 letters, digits, underscores, dashes or dots", param: "\(field).name")
        }
        guard !declared.contains(where: { $0.name == name }) else {
            throw APIError.invalid("'\(field).name': another tool is also named '\(name)'", param: "\(field).name")
        }
        if let description, description.stringValue == nil, !description.isNull {
            throw APIError.invalid("'\(field).description' must be a string", param: "\(field).description")
        }
        var schema = OrderedJSON.object([("type", .string("object")), ("properties", .object([]))])
        if let given = parameters, !given.isNull {
            guard case .object = given else {
                throw APIError.invalid("'\(field).\(parametersKey)' must be a JSON Schema object", param: "\(field).\(parametersKey)")
            }
            schema = given
        }
        return FunctionTool(name: name, parameters: schema)
    }

    /// Tools declared outside OpenAI's chat shape, shown to the template in that shape
    /// (`{"type": "function", "function": {...}}`), which is the one templates are written for.
    static func declared(_ tools: [FunctionTool], descriptions: [String?], choice: ToolChoice, parallel: Bool) -> ToolRequest {
        let templateTools = zip(tools, descriptions).map { tool, description -> JinjaValue in
            var function: [(String, JinjaValue)] = [("name", .string(tool.name))]
            if let description { function.append(("description", .string(description))) }
            function.append(("parameters", tool.parameters.jinjaValue))
            return .object(JinjaObject([("type", .string("function")), ("function", .object(JinjaObject(function)))]))
        }
        return ToolRequest(tools: tools, templateTools: templateTools, choice: choice, parallel: parallel)
    }

    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0))
        }
    }

    /// Whether the output is read for calls.
    var parsesCalls: Bool { choice != .none }

    /// The tools the template is shown: none under `tool_choice: none`, so the model answers in text.
    var shownTools: [JinjaValue]? { choice == .none ? nil : templateTools }

    /// For `required` and a named function, the grammar of a call (of that function) in `format`.
    func constraint(format: ToolCallFormat) throws(APIError) -> OutputConstraint? {
        let forced: [FunctionTool]
        switch choice {
        case .auto, .none: return nil
        case .required: forced = tools
        case .function(let name): forced = tools.filter { $0.name == name }
        }
        let source: String
        do {
            source = try ToolCallGrammar.gbnf(format: format, tools: forced, parallel: parallel && choice == .required)
        } catch {
            throw APIError.invalid("'tools': \(error.message)", param: "tools")
        }
        return try OutputConstraint.grammar(source).validated(param: "tools")
    }

    /// A parser for one choice's output; ids in OpenAI's `call_...` shape, or the nine
    /// alphanumerics Mistral's templates insist on.
    func parser(format: ToolCallFormat, idPrefix: String = "call_") -> ToolCallParser {
        let base = String(OpenAIRequestFields.randomID().prefix(16))
        let makeID: @Sendable (Int) -> String
        if format == .mistral {
            makeID = { _ in String(OpenAIRequestFields.randomID().prefix(9)) }
        } else {
            makeID = { index in idPrefix + base + String(index) }
        }
        return ToolCallParser(format: format, toolNames: Set(tools.map(\.name)), makeID: makeID)
    }
}

extension OrderedJSON {
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
