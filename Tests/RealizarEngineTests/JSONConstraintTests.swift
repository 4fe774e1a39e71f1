import Foundation
import Testing
import RealizarEngine

@Suite struct JSONConstraintTests {
    func accepts(_ text: String) -> (accepted: Bool, complete: Bool) {
        var constraint = JSONConstraint()
        for byte in text.utf8 where !constraint.feed(byte) { return (false, constraint.isComplete) }
        return (true, constraint.isComplete)
    }

    @Test(arguments: [
        #"{}"#, #"{"a": 1}"#, #"{"a": [1, -2.5e3, true, false, null, "x\"y\u00e9"], "b": {"c": {}}}"#,
        "{\n  \"name\": \"cat\",\n  \"legs\": 4\n}", #"{"a":0.5,"b":[]}"#,
    ])
    func validObjectsAreAcceptedAndComplete(_ text: String) {
        let result = accepts(text)
        #expect(result.accepted && result.complete, "\(text)")
        // And the object's text is valid JSON by Foundation's reading too.
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any])
    }

    @Test(arguments: [#"{"a": 1"#, #"{"a": [1, 2"#, #"{"a": "unfinished"#, #"{"a": -"#, #"{"a": tr"#])
    func prefixesAreAcceptedButIncomplete(_ text: String) {
        let result = accepts(text)
        #expect(result.accepted && !result.complete, "\(text)")
    }

    @Test(arguments: [
        #"[1]"#, #""text""#, #"{a: 1}"#, #"{"a" 1}"#, #"{"a": 01}"#, #"{"a": 1,}"#, #"{"a": 1.}"#, #"{"a": tru}"#,
        #"{"a": "\q"}"#, "{\"a\": \"line\nbreak\"}", #"{} {}"#, #"{"a": 1]"#, #"{"a": NaN}"#,
    ])
    func invalidTextIsRefused(_ text: String) {
        #expect(!accepts(text).accepted, "\(text)")
    }

    @Test func endlessWhitespaceIsRefused() {
        #expect(!accepts("{" + String(repeating: " ", count: JSONConstraint.maxWhitespaceRun + 1)).accepted)
        #expect(accepts("{" + String(repeating: " ", count: JSONConstraint.maxWhitespaceRun) + "}").accepted)
    }

    @Test func nestingDeeperThanTheLimitIsRefused() {
        let deep = #"{"a": "# + String(repeating: "[", count: JSONConstraint.maxDepth - 1)
        #expect(accepts(deep).accepted)
        #expect(!accepts(deep + "[").accepted)
    }
}
