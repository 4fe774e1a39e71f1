import Foundation
import Testing
import RealizarCore
import RealizarEngine
import RealizarTemplates
import RealizarTestSupport

/// The JSON-schema set of Tests/Fixtures/json-schemas/schemas.json: each schema with instances
/// it accepts and rejects (checked by the `jsonschema` package when the set was written).
struct SchemaCase: Sendable, CustomTestStringConvertible {
    let name: String
    let schema: String
    /// Each instance as JSON text, compact and spaced (see ``texts(_:)``).
    let valid: [String]
    let invalid: [String]
    let prompt: String
    var testDescription: String { name }

    static let all: [SchemaCase] = {
        let url = ProjectPaths.root.appendingPathComponent("Tests/Fixtures/json-schemas/schemas.json")
        let list = try! JSONSerialization.jsonObject(with: Data(contentsOf: url), options: [.fragmentsAllowed]) as! [[String: Any]]
        return list.map { entry in
            let schema = try! JSONSerialization.data(withJSONObject: entry["schema"]!, options: [.sortedKeys, .fragmentsAllowed])
            return SchemaCase(name: entry["name"] as! String, schema: String(decoding: schema, as: UTF8.self),
                              valid: (entry["valid"] as! [Any]).flatMap(texts), invalid: (entry["invalid"] as! [Any]).flatMap(texts), prompt: entry["prompt"] as! String)
        }
    }()

    /// Instances as JSON text, compact and with spaces after ':' and ','; keys sorted, as the
    /// schema's properties are (the grammar writes properties in the schema's order).
    static func texts(_ value: Any) -> [String] {
        let options: JSONSerialization.WritingOptions = [.fragmentsAllowed, .withoutEscapingSlashes, .sortedKeys]
        let compact = String(decoding: try! JSONSerialization.data(withJSONObject: value, options: options), as: UTF8.self)
        var spaced = ""
        var inString = false, escaped = false
        for c in compact {
            spaced.append(c)
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" { inString = true } else if c == ":" || c == "," { spaced.append(" ") }
        }
        return [compact, spaced]
    }
}

@Suite struct GrammarSchemaTests {
    func matches(_ grammar: CompiledGrammar, _ text: String) -> Bool {
        var matcher = GrammarMatcher(grammar)
        for byte in text.utf8 where !matcher.advance(byte) { return false }
        return matcher.canEnd
    }

    @Test func theSetHasAtLeastFortySchemas() { #expect(SchemaCase.all.count >= 40) }

    @Test(arguments: SchemaCase.all)
    func schemaAcceptsItsValidInstancesAndRefusesItsInvalidOnes(_ item: SchemaCase) throws {
        let source = try JSONSchemaGrammar.gbnf(schema: item.schema)
        let grammar = try CompiledGrammar(Grammar(gbnf: source))
        for text in item.valid { #expect(matches(grammar, text), "\(item.name): refused valid \(text)\n\(source)") }
        for text in item.invalid { #expect(!matches(grammar, text), "\(item.name): accepted invalid \(text)\n\(source)") }
    }

    @Test(arguments: [
        (#"{"type":"object","properties":{"x":{"patternProperties":{}}}}"#, "unsupported JSON Schema keyword 'patternProperties' at #/properties/x"),
        (#"{"type":"string","not":{"const":"a"}}"#, "unsupported JSON Schema keyword 'not' at #"),
        (##"{"$ref":"#/$defs/missing"}"##, "'$ref' '#/$defs/missing' points to nothing at #/$ref"),
        (#"{"type":"array","uniqueItems":true}"#, "unsupported JSON Schema keyword 'uniqueItems' (true, with more than one item allowed) at #"),
        (#"{"type":"integer","minimum":5,"maximum":1}"#, "no integer lies between the bounds at #"),
        (#"{"type":"strin"}"#, "unknown type 'strin' at #/type"),
        (#"{"type":"string","pattern":"(?=a)"}"#, "'pattern' at #: lookarounds and named groups are not supported (position 1 of the regex)"),
    ])
    func unsupportedOrBrokenSchemasAreRefusedByName(_ schema: String, _ message: String) {
        #expect(throws: JSONSchemaError.self) { try JSONSchemaGrammar.gbnf(schema: schema) }
        do { _ = try JSONSchemaGrammar.gbnf(schema: schema) } catch { #expect(error.description == message) }
    }
}

/// Generation under `response_format`-style schema constraints on the real models: every output
/// of the schema set validates with the `jsonschema` package; and the per-token mask cost.
@Suite(.serialized) struct GrammarGenerationTests {
    /// The `max_tokens` a schema's output fits in: its grammar's longest match in bytes (each
    /// token holds at least one), and one for the end-of-generation token; `cap` where longer.
    static func maxTokens(_ item: SchemaCase, cap: Int) throws -> Int {
        let longest = try Grammar(gbnf: JSONSchemaGrammar.gbnf(schema: item.schema)).longestMatch
        return min(cap, (longest ?? cap) + 1)
    }

    static func generate(_ name: TestModels.Name, cases: [SchemaCase], maxTokens cap: Int) throws -> [(SchemaCase, String, GenerationResult.FinishReason)] {
        let model = try LoadedModel(path: try TestModels.path(name))
        let chat = try ChatPrompt(model: model)
        let context = 4096
        let scheduler = try Scheduler(model: model, configuration: .init(slots: 8, context: context, queueLimit: 64))
        defer { scheduler.shutdown() }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var texts: [String]
            var reasons: [GenerationResult.FinishReason?]
            let done = DispatchSemaphore(value: 0)
            init(_ count: Int) { texts = Array(repeating: "", count: count); reasons = Array(repeating: nil, count: count) }
        }
        var jobs: [SequenceJob] = []
        for item in cases {
            let content = String(decoding: try JSONSerialization.data(withJSONObject: [item.prompt + " Use this JSON schema: " + item.schema]), as: UTF8.self).dropFirst().dropLast()
            let prompt = try chat.tokens([try JinjaValue(json: #"{"role": "user", "content": "# + content + "}")], model: model)
            jobs.append(SequenceJob(request: GenerationRequest(prompt: prompt, maxTokens: try maxTokens(item, cap: min(cap, context - prompt.count)),
                                                               sampling: .greedy, context: context),
                                    constraint: .jsonSchema(item.schema)))
        }
        let results = Results(jobs.count)
        _ = try scheduler.submit(jobs) { index, event in
            results.lock.lock()
            defer { results.lock.unlock() }
            switch event {
            case .step(let step): results.texts[index] += step.text
            case .finished(let summary):
                results.reasons[index] = summary.finishReason
                results.done.signal()
            }
        }
        for _ in jobs { _ = results.done.wait(timeout: .now() + 600) }
        return cases.indices.map { (cases[$0], results.texts[$0], results.reasons[$0] ?? .cancelled) }
    }

    /// Runs python's jsonschema on each (schema, output); returns the failures' messages.
    static func validate(_ outputs: [(SchemaCase, String, GenerationResult.FinishReason)]) throws -> [String] {
        let items = outputs.map { ["name": $0.0.name, "schema": $0.0.schema, "output": $0.1] }
        let input = try JSONSerialization.data(withJSONObject: items)
        let script = """
            import json, sys, jsonschema
            failures = []
            for item in json.load(sys.stdin):
                schema = json.loads(item["schema"])
                cls = jsonschema.validators.validator_for(schema)
                try:
                    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(json.loads(item["output"]))
                except Exception as error:
                    failures.append(item["name"] + ": " + str(error).splitlines()[0] + " in " + repr(item["output"][:300]))
            print(json.dumps(failures))
            """
        let output = try Shell.run(["python3", "-c", script], input: input)
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String]
    }

    /// Greedy decoding loops in places (a string of one repeated word, properties without end);
    /// the grammar's bounds (``JSONSchemaLimits``) make it close every structure in time, so
    /// each output is complete within its schema's longest match and valid.
    @Test(arguments: [TestModels.Name.smolLM2, .gemma])
    func everyOutputOfTheSchemaSetIsCompleteAndValidates(_ name: TestModels.Name) throws {
        let outputs = try Self.generate(name, cases: SchemaCase.all, maxTokens: 3072)
        let cut = outputs.filter { $0.2 != .endOfGeneration }
        print("\(name.rawValue): \(outputs.count - cut.count) of \(outputs.count) outputs complete; longest \(outputs.map(\.1.utf8.count).max() ?? 0) bytes")
        #expect(cut.isEmpty, "cut by max_tokens: \(cut.map { "\($0.0.name): \($0.1.prefix(300))" })")
        let failures = try Self.validate(outputs)
        #expect(failures.isEmpty, "\(failures)")
    }
}
