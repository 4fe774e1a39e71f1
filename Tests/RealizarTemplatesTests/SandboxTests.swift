import Testing

@testable import RealizarTemplates

/// Hostile templates end quickly with a clear error under the default limits, and templates cannot
/// reach Python-style internals. Serialized so that timings are not distorted by parallel tests.
@Suite(.serialized) struct SandboxTests {
    struct Hostile: Sendable, CustomTestStringConvertible {
        let name: String
        let template: String
        let kind: TemplateError.Kind
        let message: String

        var testDescription: String { name }
    }

    static let hostile: [Hostile] = [
        Hostile(name: "a huge range", template: "{% for i in range(10**12) %}x{% endfor %}", kind: .limit, message: "range too big"),
        Hostile(name: "nested loops that would run forever", template: "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", kind: .limit, message: "too many loop iterations"),
        Hostile(name: "infinite macro recursion", template: "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", kind: .limit, message: "maximum recursion depth exceeded"),
        Hostile(name: "infinite recursive loop", template: "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", kind: .limit, message: "maximum recursion depth exceeded"),
        Hostile(name: "huge output", template: "{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}", kind: .limit, message: "output too large"),
        Hostile(name: "a huge string", template: "{{ 'x' * 10**12 }}", kind: .limit, message: "string too long"),
        Hostile(name: "a doubling string", template: "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", kind: .limit, message: "string too long"),
        Hostile(name: "a doubling list", template: "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}", kind: .limit, message: "list too long"),
        Hostile(name: "a huge list", template: "{{ ([1] * 10**12)|length }}", kind: .limit, message: "list too long"),
        Hostile(name: "big strings built and thrown away", template: "{% for i in range(100000) %}{% set x = 'x' * 10000000 %}{% endfor %}", kind: .limit, message: "built too much text"),
        Hostile(name: "a huge padding width", template: "{{ 'x'|center(10**12) }}{{ '{:>999999999999}'.format(1) }}", kind: .limit, message: "format width too large"),
        Hostile(name: "a replace that explodes", template: "{{ ('x' * 1000000).replace('x', 'y' * 1000) }}", kind: .limit, message: "string too long"),
        Hostile(name: "a join that explodes", template: "{% set l = ['x' * 1000000] * 100 %}{{ l|join('-') }}", kind: .limit, message: "string too long"),
        Hostile(name: "a tojson indent that explodes", template: "{{ [[[[[[1]]]]]]|tojson(indent=' ' * 10000000) }}", kind: .limit, message: "string too long"),
        Hostile(name: "a huge slice count", template: "{{ [1]|slice(10**9)|length }}", kind: .limit, message: "list too long"),
        Hostile(name: "integer overflow", template: "{{ 2 ** 100000 }}", kind: .value, message: "integer overflow"),
        Hostile(name: "__class__ on a string", template: "{{ ''.__class__ }}", kind: .security, message: "access to attribute '__class__' of 'str' object is unsafe."),
        Hostile(name: "__class__.__mro__ chain", template: "{{ ''.__class__.__mro__[1].__subclasses__() }}", kind: .security, message: "unsafe"),
        Hostile(name: "mro", template: "{{ messages.mro }}", kind: .security, message: "access to attribute 'mro' of 'list' object is unsafe."),
        Hostile(name: "__globals__ of a function", template: "{{ range.__globals__ }}", kind: .security, message: "unsafe"),
        Hostile(name: "__init__ of a macro", template: "{% macro m() %}{% endmacro %}{{ m.__init__ }}", kind: .security, message: "unsafe"),
        Hostile(name: "__dict__ of a namespace", template: "{{ namespace().__dict__ }}", kind: .security, message: "unsafe"),
        Hostile(name: "deeply nested brackets", template: "{{ " + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + " }}", kind: .limit, message: "nested too deeply"),
        Hostile(name: "a very long operator chain", template: "{{ 1" + String(repeating: " + 1", count: 100_000) + " }}", kind: .limit, message: "nested too deeply"),
        Hostile(name: "a very long filter chain", template: "{{ 'x'" + String(repeating: "|upper", count: 100_000) + " }}", kind: .limit, message: "nested too deeply"),
        Hostile(name: "a very long attribute chain", template: "{{ x" + String(repeating: ".a", count: 100_000) + " }}", kind: .limit, message: "nested too deeply"),
        Hostile(name: "deeply nested values", template: "{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = {'a': [ns.x]} %}{% endfor %}", kind: .limit, message: "value nested too deeply"),
        Hostile(name: "recursion through deep expressions", template: "{% macro f(n) %}{{ " + String(repeating: "(0 + ", count: 60) + "f(n + 1)" + String(repeating: ")", count: 60) + " }}{% endmacro %}{{ f(0) }}", kind: .limit, message: "nested too deeply"),
        Hostile(name: "deeply nested blocks", template: String(repeating: "{% if true %}", count: 10_000) + String(repeating: "{% endif %}", count: 10_000), kind: .limit, message: "nested too deeply"),
    ]

    @Test(arguments: hostile)
    func endsQuicklyWithAClearError(_ h: Hostile) {
        let clock = ContinuousClock()
        var caught: TemplateError? = nil
        let elapsed = clock.measure {
            caught = renderError(h.template, ["messages": []])
        }
        guard let error = caught else {
            Issue.record("\(h.name): rendered without an error")
            return
        }
        #expect(error.kind == h.kind, "\(h.name): expected a \(h.kind) error, got \(error)")
        #expect(error.message.contains(h.message), "\(h.name): expected a message containing \"\(h.message)\", got \"\(error.message)\"")
        #expect(error.line >= 1, "\(h.name): the error should say where it happened: \(error)")
        #expect(elapsed < .seconds(1), "\(h.name): took \(elapsed)")
    }

    @Test func theTimeLimitStopsSlowRenders() {
        let limits = RenderLimits(maxLoopIterations: .max, timeLimit: .milliseconds(50))
        let clock = ContinuousClock()
        var caught: TemplateError? = nil
        let elapsed = clock.measure {
            caught = renderError("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", options: TemplateOptions(limits: limits))
        }
        #expect(caught?.kind == .limit)
        #expect(caught?.message.contains("took too long") == true, "got \(String(describing: caught))")
        #expect(elapsed < .seconds(1))
    }

    @Test func legitimateRecursionIsWellWithinTheLimits() throws {
        let template = "{% macro f(n) %}{% if n > 0 %}{{ (1 + (2 + (3 + f(n - 1)|length))) }}{% endif %}{% endmacro %}{{ f(150) }}"
        #expect(try render(template) == "7")
    }

    @Test func limitsCanBeRaised() throws {
        let limits = RenderLimits(maxLoopIterations: 10)
        let template = "{% for i in range(20) %}{% endfor %}"
        #expect(renderError(template, options: TemplateOptions(limits: limits))?.kind == .limit)
        #expect(try render(template, options: TemplateOptions(limits: RenderLimits(maxLoopIterations: 100))) == "")
    }

    @Test func dictKeysThatLookLikeInternalsAreJustKeys() throws {
        #expect(try render("{{ d.__x__ }}{{ d['__class__'] }}", ["d": ["__x__": 1, "__class__": 2]]) == "12")
    }

    @Test func templatesCannotChangeTheCallersData() throws {
        let messages: JinjaValue = [["role": "user", "content": "hi"]]
        _ = try render("{% set _ = messages.append(1) %}{% set _ = messages[0].update({'role': 'x'}) %}", ["messages": messages])
        #expect(messages == [["role": "user", "content": "hi"]])
    }

    @Test func selfContainingListsPrintWithoutHanging() throws {
        let text = try render("{% set l = [1] %}{% set _ = l.append(l) %}{{ l|length }}")
        #expect(text == "2")
        #expect(renderError("{% set l = [] %}{% set _ = l.append(l) %}{{ l|tojson }}")?.message == "Circular reference detected")
        let twoCycles = "{% set a = [] %}{% set b = [] %}{% set _ = a.append(a) %}{% set _ = b.append(b) %}"
        #expect(try render(twoCycles + "{{ a == b }}") == "False")
        #expect(renderError(twoCycles + "{{ a < b }}")?.message == "maximum recursion depth exceeded in comparison")
    }
}
