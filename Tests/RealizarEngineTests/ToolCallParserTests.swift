import Testing
@testable import RealizarEngine

/// Tool-call parsers on outputs written the way each family's chat template and documentation
/// show them; every output is also streamed split at every position and character by character.
struct ToolCallParserTests {
    struct Expected: Equatable, CustomStringConvertible {
        var content = ""
        var reasoning = ""
        var calls: [(name: String, arguments: String)] = []

        static func == (a: Expected, b: Expected) -> Bool {
            a.content == b.content && a.reasoning == b.reasoning && a.calls.count == b.calls.count
                && zip(a.calls, b.calls).allSatisfy { $0.name == $1.name && $0.arguments == $1.arguments }
        }

        var description: String {
            "content \(content.debugDescription), reasoning \(reasoning.debugDescription), calls "
                + calls.map { "\($0.name)(\($0.arguments))" }.joined(separator: ", ")
        }
    }

    /// The output fed as `deltas`: what the events say, checked against the parser's own calls.
    static func stream(_ deltas: [String], format: ToolCallFormat, toolNames: Set<String>?) -> Expected {
        var parser = ToolCallParser(format: format, toolNames: toolNames)
        var result = Expected()
        var streamedArguments: [String] = []
        for event in deltas.flatMap({ parser.feed($0) }) + parser.finish() {
            switch event {
            case .content(let text): result.content += text
            case .reasoning(let text): result.reasoning += text
            case .toolCall(let delta):
                if delta.index == result.calls.count {
                    #expect(delta.name != nil && delta.id == "call_\(delta.index)", "the first delta of a call names it: \(delta)")
                    result.calls.append((delta.name ?? "", ""))
                    streamedArguments.append("")
                } else {
                    #expect(delta.name == nil && delta.id == nil && delta.index < result.calls.count, "a later delta only adds arguments: \(delta)")
                }
                if delta.index < streamedArguments.count { streamedArguments[delta.index] += delta.arguments }
            }
        }
        for index in result.calls.indices { result.calls[index].arguments = streamedArguments[index] }
        let own = parser.calls.map { (name: $0.name, arguments: $0.arguments) }
        #expect(Expected(content: result.content, reasoning: result.reasoning, calls: own) == result,
                "streamed arguments differ from the parser's calls: \(own)")
        return result
    }

    static func check(_ output: String, _ format: ToolCallFormat, toolNames: Set<String>? = nil, _ expected: Expected,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let whole = stream([output], format: format, toolNames: toolNames)
        #expect(whole == expected, "whole output:\n expected \(expected)\n   actual \(whole)", sourceLocation: sourceLocation)
        let characters = Array(output)
        for cut in 1..<max(1, characters.count) {
            let split = stream([String(characters[..<cut]), String(characters[cut...])], format: format, toolNames: toolNames)
            if split != expected {
                Issue.record("split at \(cut) (\(String(characters[..<cut]).debugDescription)):\n expected \(expected)\n   actual \(split)",
                             sourceLocation: sourceLocation)
                return
            }
        }
        let each = stream(characters.map { String($0) }, format: format, toolNames: toolNames)
        #expect(each == expected, "character by character:\n expected \(expected)\n   actual \(each)", sourceLocation: sourceLocation)
    }

    static let weather = #"{"city": "Paris", "unit": "celsius"}"#

    // MARK: Hermes, Qwen

    @Test func hermesCallsAmongText() {
        Self.check("Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \(Self.weather)}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"tz\": \"Europe/Paris\"}}\n</tool_call>",
                   .hermes, Expected(content: "Let me check.\n", calls: [("get_weather", Self.weather), ("get_time", #"{"tz": "Europe/Paris"}"#)]))
    }

    @Test func hermesArgumentsWrittenAsAStringAreItsValue() {
        Self.check(#"<tool_call>{"name": "f", "arguments": "{\"x\": [1, 2]}"}</tool_call>"#, .hermes,
                   Expected(calls: [("f", #"{"x": [1, 2]}"#)]))
    }

    @Test func hermesTextWithMarkerLookalikesStaysText() {
        Self.check("a < b, <tool_ is not a tag, and <tool_call>not json</tool_call> either.", .hermes,
                   Expected(content: "a < b, <tool_ is not a tag, and <tool_call>not json</tool_call> either."))
    }

    @Test func hermesCallCutShortKeepsItsArguments() {
        Self.check(#"<tool_call>{"name": "get_weather", "arguments": {"city": "Par"#, .hermes,
                   Expected(calls: [("get_weather", #"{"city": "Par"#)]))
    }

    @Test func hermesNameAfterArguments() {
        Self.check(#"<tool_call>{"arguments": {"q": "ü ✓"}, "name": "search"}</tool_call>"#, .hermes,
                   Expected(calls: [("search", #"{"q": "ü ✓"}"#)]))
    }

    // MARK: Llama 3.x

    @Test func llama3BareJSONCalls() {
        Self.check(#"{"name": "get_weather", "parameters": {"city": "Paris"}}; {"type": "function", "name": "get_time", "parameters": {}}"#,
                   .llama3, toolNames: ["get_weather", "get_time"],
                   Expected(calls: [("get_weather", #"{"city": "Paris"}"#), ("get_time", "{}")]))
    }

    @Test func llama3JSONAnswerIsNotACall() {
        Self.check(#"{"name": "Bob", "age": 3}"#, .llama3, toolNames: ["get_weather"], Expected(content: #"{"name": "Bob", "age": 3}"#))
    }

    @Test func llama3TextThenNoCall() {
        Self.check("The weather in Paris is mild {usually}.", .llama3, toolNames: ["get_weather"],
                   Expected(content: "The weather in Paris is mild {usually}."))
    }

    @Test func llama3PythonTagBuiltinTool() {
        Self.check(#"<|python_tag|>brave_search.call(query="weather in Paris", count=3)"#, .llama3,
                   Expected(calls: [("brave_search", #"{"query": "weather in Paris", "count": 3}"#)]))
    }

    @Test func llama3PythonTagCodeAndJSON() {
        Self.check("<|python_tag|>import math\nprint(math.pi)", .llama3, Expected(calls: [("python", #"{"code": "import math\nprint(math.pi)"}"#)]))
        Self.check(#"<|python_tag|>{"name": "get_weather", "parameters": {"city": "Oslo"}}"#, .llama3,
                   Expected(calls: [("get_weather", #"{"city": "Oslo"}"#)]))
    }

    // MARK: Mistral

    @Test func mistralJSONArray() {
        Self.check(#"[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_time", "arguments": {}, "id": "a1b2c3d4e"}]"#,
                   .mistral, Expected(calls: [("get_weather", #"{"city": "Paris"}"#), ("get_time", "{}")]))
    }

    @Test func mistralNameAndArgs() {
        Self.check(#"I'll look.[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}[TOOL_CALLS]get_time[CALL_ID]x9Yz12AbC[ARGS]{}"#,
                   .mistral, Expected(content: "I'll look.", calls: [("get_weather", #"{"city": "Paris"}"#), ("get_time", "{}")]))
    }

    // MARK: DeepSeek

    @Test func deepSeekV3FencedArguments() {
        Self.check("Sure.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n\(Self.weather)\n```<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_time\n```json\n{}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
                   .deepseek, Expected(content: "Sure.", calls: [("get_weather", Self.weather), ("get_time", "{}")]))
    }

    @Test func deepSeekV31Arguments() {
        Self.check(#"<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"city": "Paris"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>Done."#,
                   .deepseek, Expected(content: "Done.", calls: [("get_weather", #"{"city": "Paris"}"#)]))
    }

    // MARK: Granite

    @Test func graniteCallList() {
        Self.check(#"<|tool_call|>[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_time", "arguments": {"tz": "UTC"}}]"#,
                   .granite, Expected(calls: [("get_weather", #"{"city": "Paris"}"#), ("get_time", #"{"tz": "UTC"}"#)]))
    }

    // MARK: Functionary

    @Test func functionaryV31FunctionTags() {
        Self.check(#"Checking.<function=get_weather>{"city": "Paris"}</function><function=get_time>{}</function>"#,
                   .functionaryV31, Expected(content: "Checking.", calls: [("get_weather", #"{"city": "Paris"}"#), ("get_time", "{}")]))
    }

    @Test func functionaryV32Recipients() {
        Self.check("get_weather\n{\"city\": \"Paris\"}>>>get_time\n{\"tz\": \"UTC\"}", .functionaryV32,
                   Expected(calls: [("get_weather", #"{"city": "Paris"}"#), ("get_time", #"{"tz": "UTC"}"#)]))
        Self.check("all\nLet me check.>>>get_weather\n{\"city\": \"Paris\"}", .functionaryV32,
                   Expected(content: "Let me check.", calls: [("get_weather", #"{"city": "Paris"}"#)]))
        Self.check("all\nIt is sunny in Paris.", .functionaryV32, Expected(content: "It is sunny in Paris."))
        Self.check("python\nprint(2 ** 10)", .functionaryV32, Expected(calls: [("python", #"{"code": "print(2 ** 10)"}"#)]))
    }

    // MARK: gpt-oss harmony

    @Test func harmonyAnalysisThenCall() {
        Self.check(#"<|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city":"Paris"}<|call|>"#,
                   .harmony, Expected(reasoning: "Need the weather.", calls: [("get_weather", #"{"city":"Paris"}"#)]))
    }

    @Test func harmonyFinalAnswer() {
        Self.check("<|channel|>analysis<|message|>Easy.<|end|><|start|>assistant<|channel|>final<|message|>It is sunny.<|return|>",
                   .harmony, Expected(content: "It is sunny.", reasoning: "Easy."))
        Self.check(#"<|start|>assistant to=functions.get_time<|channel|>commentary json<|message|>{}<|call|>"#,
                   .harmony, Expected(calls: [("get_time", "{}")]))
    }

    // MARK: Generic

    @Test func genericJSONShapes() {
        Self.check(#"{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_time", "arguments": {}}]}"#,
                   .generic, Expected(calls: [("get_weather", #"{"city": "Paris"}"#), ("get_time", "{}")]))
        Self.check(#"[{"name": "get_weather", "arguments": {"city": "Paris"}}]"#, .generic, Expected(calls: [("get_weather", #"{"city": "Paris"}"#)]))
        Self.check(#" {"name": "get_weather", "arguments": {"city": "Paris"}}"#, .generic, toolNames: ["get_weather"],
                   Expected(calls: [("get_weather", #"{"city": "Paris"}"#)]))
        Self.check(#"{"tool_call": {"name": "get_time", "arguments": {"tz": "UTC"}}}"#, .generic, Expected(calls: [("get_time", #"{"tz": "UTC"}"#)]))
    }

    @Test func genericTextAndJSONAnswers() {
        Self.check(#"{"answer": 42}"#, .generic, toolNames: ["get_weather"], Expected(content: #"{"answer": 42}"#))
        Self.check("Plain text, then <tool_call>{\"name\": \"get_weather\", \"arguments\": {}}</tool_call>", .generic,
                   Expected(content: "Plain text, then ", calls: [("get_weather", "{}")]))
    }

    // MARK: Forced calls

    @Test func forcedCallGrammarCompilesInEveryFormat() throws {
        let weather = try OrderedJSON(parsing: ##"{"type": "object", "properties": {"city": {"type": "string"}, "days": {"$ref": "#/$defs/days"}}, "required": ["city"], "$defs": {"days": {"type": "integer", "minimum": 1, "maximum": 7}}}"##)
        let time = try OrderedJSON(parsing: #"{"type": "object", "properties": {"tz": {"type": "string"}}}"#)
        let tools = [FunctionTool(name: "get_weather", parameters: weather), FunctionTool(name: "get_time", parameters: time)]
        for format in ToolCallFormat.allCases {
            let source = try ToolCallGrammar.gbnf(format: format, tools: tools, parallel: true)
            #expect(throws: Never.self, "\(format):\n\(source)") { _ = try CompiledGrammar.cached(gbnf: source) }
            #expect(source.contains("t0-root") && source.contains("t1-root"), "\(source)")
        }
    }

    @Test func ruleNamesArePrefixedOutsideLiteralsAndClasses() {
        let source = #"root ::= "a b" [a-z] item{1,3} # note root"# + "\nitem ::= \"\\\"x\" ws\n"
        #expect(ToolCallGrammar.prefixingRules(source, with: "p-") == #"p-root ::= "a b" [a-z] p-item{1,3} # note root"# + "\np-item ::= \"\\\"x\" p-ws\n")
    }

    // MARK: Detection

    @Test func formatsFromTemplateMarkers() {
        let cases: [(String, ToolCallFormat)] = [
            ("{% for tool in tools %}<tool_call>{{ tool }}</tool_call>{% endfor %}<|im_start|>", .hermes),
            ("<|im_start|>{{ message.content }}<|im_end|>", .hermes),
            ("<|start_header_id|>ipython<|end_header_id|><|python_tag|>", .llama3),
            ("[AVAILABLE_TOOLS]{{ tools }}[/AVAILABLE_TOOLS][TOOL_CALLS]", .mistral),
            ("<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>", .deepseek),
            ("<|start_of_role|>assistant<|end_of_role|><|tool_call|>", .granite),
            ("<|start_header_id|>assistant<|end_header_id|>\n\n>>>all\n", .functionaryV32),
            ("<|start_header_id|>system<|end_header_id|> use <function=name>{...}</function>", .functionaryV31),
            ("<|start|>assistant<|channel|>commentary to=functions.x<|message|>", .harmony),
            ("{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}", .generic),
        ]
        for (template, format) in cases {
            #expect(ToolCallFormat.detect(template: template) == format, "\(template)")
        }
        #expect(ToolCallFormat(rawValue: "functionary-v3.2") == .functionaryV32)
    }
}
