import Foundation
import Testing

@testable import RealizarTemplates

/// Server-side template injection: the payloads published against Jinja2 (sandbox escapes through
/// Python's object model, loaders, globals of Flask-like hosts) render to a security error, an
/// error or an empty value, and never reach anything outside the template's own values. Chat
/// templates come from model files, which Realizar treats as untrusted.
@Suite struct TemplateInjectionTests {
    /// Payloads that must end in an error; the message must not echo anything from outside.
    static let refused: [String] = [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ ''.__class__.__base__.__subclasses__()[40]('/etc/passwd').read() }}",
        "{{ ().__class__.__bases__[0].__subclasses__() }}",
        "{{ [].__class__.__base__ }}",
        "{{ {}.__class__ }}",
        "{{ self.__init__.__globals__.__builtins__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__.os }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ range.__globals__ }}",
        "{{ raise_exception.__globals__ }}",
        "{{ strftime_now.__code__ }}",
        "{{ messages.__class__.__mro__ }}",
        "{{ messages.mro() }}",
        "{{ (messages|first).__class__ }}",
        "{{ ''|attr('__class__') }}",
        "{{ ''['__class__'] }}",
        "{{ 'x'.__getattribute__('__class__') }}",
        "{{ 'x'.format.__globals__ }}",
        "{{ 'x'.upper.__self__.__class__ }}",
        "{% for c in ''.__class__.__mro__ %}{{ c }}{% endfor %}",
        "{% set x = ''.__class__ %}{{ x }}",
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}{{ os }}",
        "{% from 'x' import y %}",
        "{% extends '/etc/passwd' %}",
        "{{ config.items() }}",
        "{{ request.application.__globals__ }}",
        "{{ url_for.__globals__ }}",
        "{{ get_flashed_messages.__globals__ }}",
        "{{ open('/etc/passwd').read() }}",
        "{{ __import__('os').system('id') }}",
        "{{ eval('1+1') }}",
        "{{ exec('x=1') }}",
    ]

    @Test(arguments: refused)
    func injectionPayloadsRenderNothingFromOutside(_ payload: String) {
        let context: [String: JinjaValue] = ["messages": [["role": "user", "content": "hi"]]]
        do {
            let text = try render(payload, context)
            // An undefined name renders empty in Jinja2's default mode; that is fine, reaching
            // anything is not.
            #expect(text.isEmpty, "\(payload) rendered \(text.debugDescription)")
        } catch let error as TemplateError {
            #expect([.security, .undefined, .syntax, .type].contains(error.kind), "\(payload): \(error)")
            #expect(!error.message.contains("root:"), "\(payload): \(error.message)")
        } catch {
            Issue.record("\(payload): unexpected error \(error)")
        }
    }

    @Test func dunderAccessIsASecurityErrorNamingTheAttribute() {
        let error = renderError("{{ cycler.__init__ }}")
        #expect(error?.kind == .security || error?.kind == .undefined, "\(String(describing: error))")
        let onString = renderError("{{ ''.__class__ }}")
        #expect(onString?.kind == .security)
        #expect(onString?.message.contains("__class__") == true, "\(String(describing: onString))")
    }

    @Test func templateSyntaxInMessagesIsDataNotCode() throws {
        let content = "{{ ''.__class__ }}{% for i in range(10**9) %}x{% endfor %}"
        let template = try ChatTemplate(source: "{% for m in messages %}{{ m.content }}{% endfor %}")
        #expect(try template.render(messages: [ChatMessage(role: "user", content: content)]) == content)
    }

    @Test func hostileVariablesCannotMakeARenderRunAway() {
        // What chat_template_kwargs would pass: values are data, but a template may multiply or
        // loop over them. The render limits still hold.
        let template = "{{ x * n }}{% for i in range(n) %}{% endfor %}"
        let error = renderError(template, ["x": .string(String(repeating: "a", count: 1 << 20)), "n": .int(1 << 40)])
        #expect(error?.kind == .limit, "\(String(describing: error))")
        let deep = renderError("{% macro f(v) %}{% for k in v %}{{ f(v[k]) }}{% endfor %}{% endmacro %}{{ f(d) }}", ["d": Self.nested(300)])
        #expect(deep?.kind == .limit, "\(String(describing: deep))")
    }

    static func nested(_ depth: Int) -> JinjaValue {
        var value: JinjaValue = .object(["k": .int(1)])
        for _ in 0..<depth { value = .object(["k": value]) }
        return value
    }
}
