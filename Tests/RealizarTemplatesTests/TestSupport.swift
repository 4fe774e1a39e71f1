import Foundation
import Testing

@testable import RealizarTemplates

/// The package's root folder, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The shared reference data (`../shared/reference` next to the package).
let referenceRoot = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/reference")

/// Renders `source` with Hugging Face's settings (trim_blocks, lstrip_blocks).
func render(_ source: String, _ context: [String: JinjaValue] = [:], options: TemplateOptions = .huggingFace) throws -> String {
    try Template(source, options: options).render(context)
}

/// Renders, returning the error instead of throwing it.
func renderError(_ source: String, _ context: [String: JinjaValue] = [:], options: TemplateOptions = .huggingFace) -> TemplateError? {
    do {
        _ = try render(source, context, options: options)
        return nil
    } catch let error as TemplateError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// Describes where two texts first differ, with some context on both sides.
func firstDifference(expected: String, actual: String) -> String {
    let e = Array(expected.unicodeScalars)
    let a = Array(actual.unicodeScalars)
    var i = 0
    while i < e.count, i < a.count, e[i] == a[i] { i += 1 }
    func excerpt(_ s: [Unicode.Scalar]) -> String {
        let lo = max(0, i - 30)
        let hi = min(s.count, i + 50)
        return PythonText.stringRepr(String(scalars: s[lo..<hi]))
    }
    return "first difference at character \(i) (expected \(e.count) characters, got \(a.count)):\n  expected …\(excerpt(e))…\n  actual   …\(excerpt(a))…"
}

/// One template → output example, checked against Python's Jinja2 when written.
struct Spec: Sendable, CustomTestStringConvertible {
    let name: String
    let template: String
    let expected: String
    let json: String?

    init(_ name: String, _ template: String, _ expected: String, json: String? = nil) {
        self.name = name
        self.template = template
        self.expected = expected
        self.json = json
    }

    var testDescription: String { name }

    /// Renders the template with the JSON object in `json` as context and compares.
    func check(sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        do {
            var context: [String: JinjaValue] = [:]
            if let json, case .object(let object) = try JinjaValue(json: json) {
                for (k, v) in object { context[k] = v }
            }
            let actual = try render(template, context)
            #expect(actual == expected, "\(name): \(firstDifference(expected: expected, actual: actual))", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(name): \(template) raised \(error)", sourceLocation: sourceLocation)
        }
    }
}
