import Testing

@testable import RealizarTemplates

/// `tojson` writes what Python's `json.dumps(x, ensure_ascii=False)` writes, which is what
/// Hugging Face's `tojson` filter calls; JSON input keeps its key order.
@Suite struct ToJSONTests {
    static let specs: [Spec] = [
        Spec("scalars", "{{ 'a'|tojson }} {{ 1|tojson }} {{ 1.0|tojson }} {{ true|tojson }} {{ none|tojson }}", "\"a\" 1 1.0 true null"),
        Spec("Python's separators", "{{ {'a': [1, 2], 'b': {}}|tojson }}", "{\"a\": [1, 2], \"b\": {}}"),
        Spec("key order is kept", "{{ t|tojson }}", "{\"z\": 1, \"a\": {\"y\": 2, \"b\": 3}}", json: #"{"t": {"z": 1, "a": {"y": 2, "b": 3}}}"#),
        Spec("non-ASCII is kept", "{{ 'Zürich 日本 😀'|tojson }}", "\"Zürich 日本 😀\""),
        Spec("ensure_ascii escapes non-ASCII", "{{ 'é😀'|tojson(ensure_ascii=true) }}", "\"\\u00e9\\ud83d\\ude00\""),
        Spec("escapes quotes, backslashes and control characters", "{{ 'a\"b\\\\c\\nd\\te\\x01'|tojson }}", "\"a\\\"b\\\\c\\nd\\te\\u0001\""),
        Spec("HTML characters are not escaped", "{{ '<a>&\\''|tojson }}", "\"<a>&'\""),
        Spec("indent", "{{ {'a': [1, {'b': none}], 'c': []}|tojson(indent=2) }}", "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": []\n}"),
        Spec("indent with a string", "{{ [1]|tojson(indent='\\t') }}", "[\n\t1\n]"),
        Spec("separators and sort_keys", "{{ {'b': 1, 'a': 2}|tojson(separators=(',', ':'), sort_keys=true) }}", "{\"a\":2,\"b\":1}"),
        Spec("tuples are arrays, non-string keys become strings", "{{ {1: (1, 2), none: true}|tojson }}", "{\"1\": [1, 2], \"null\": true}"),
        Spec("floats like Python", "{{ [0.1, 1e16, 1e-7]|tojson }}", "[0.1, 1e+16, 1e-07]"),
    ]

    @Test(arguments: specs) func tojson(_ spec: Spec) { spec.check() }

    @Test func undefinedIsNotSerializable() {
        let error = renderError("{{ missing|tojson }}")
        #expect(error?.kind == .type)
        #expect(error?.message == "Object of type Undefined is not JSON serializable")
    }

    @Test func parsedJSONKeepsKeyOrderAndTypes() throws {
        let value = try JinjaValue(json: #"{"z": [1, 2.5, "s", true, null], "a": {"\u00e9": "\ud83d\ude00"}}"#)
        guard case .object(let object) = value else {
            Issue.record("expected an object, got \(value)")
            return
        }
        #expect(object.keys == ["z", "a"])
        #expect(object["z"] == [1, 2.5, "s", true, nil])
        #expect(object["a"] == ["é": "😀"])
        #expect(value.jsonString == #"{"z": [1, 2.5, "s", true, null], "a": {"é": "😀"}}"#)
    }

    @Test func invalidJSONReportsWhere() {
        #expect(throws: TemplateError.self) { try JinjaValue(json: "{\"a\": 1,\n \"b\" 2}") }
        do {
            _ = try JinjaValue(json: "{\"a\": 1,\n \"b\" 2}")
        } catch let error as TemplateError {
            #expect(error.line == 2)
            #expect(error.message == "invalid JSON: expected ':'")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
