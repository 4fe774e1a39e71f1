import Testing

@testable import RealizarTemplates

/// Statements: if, for (with loop variables, else, break/continue, filters, recursion), set,
/// namespace, macro, call, filter blocks, with, generation.
@Suite struct StatementTests {
    static let conditionalsSpecs: [Spec] = [
        Spec("if picks the first true branch", "{% if 0 %}a{% elif 1 %}b{% elif 1 %}c{% else %}d{% endif %}", "b"),
        Spec("else runs when nothing matched", "{% if false %}a{% elif none %}b{% else %}c{% endif %}", "c"),
        Spec("empty containers are false", "{% if [] or {} or '' %}t{% else %}f{% endif %}", "f"),
        Spec("undefined is false", "{% if nothing %}t{% else %}f{% endif %}", "f"),
    ]

    static let loopsSpecs: [Spec] = [
        Spec("for iterates a list", "{% for x in [1, 2, 3] %}{{ x }},{% endfor %}", "1,2,3,"),
        Spec("for over a dict gives its keys in order", "{% for k in {'b': 1, 'a': 2} %}{{ k }}{% endfor %}", "ba"),
        Spec("for over a string gives characters", "{% for c in 'héj' %}[{{ c }}]{% endfor %}", "[h][é][j]"),
        Spec("for unpacks pairs", "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;"),
        Spec("for-else runs on an empty sequence", "{% for x in [] %}x{% else %}empty{% endfor %}", "empty"),
        Spec("for over undefined is empty", "{% for x in missing %}x{% else %}none{% endfor %}", "none"),
        Spec(
            "loop counters", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.length }} {% endfor %}",
            "10323 21213 32103 "),
        Spec("loop.first and loop.last", "{% for x in [1, 2, 3] %}{{ loop.first }}/{{ loop.last }} {% endfor %}", "True/False False/False False/True "),
        Spec("loop.previtem and loop.nextitem", "{% for x in [1, 2, 3] %}({{ loop.previtem }},{{ loop.nextitem }}){% endfor %}", "(,2)(1,3)(2,)"),
        Spec("loop.cycle", "{% for x in range(4) %}{{ loop.cycle('odd', 'even') }} {% endfor %}", "odd even odd even "),
        Spec("loop.changed", "{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", "121"),
        Spec("a loop filter counts only kept items", "{% for x in range(6) if x is even %}{{ loop.index }}:{{ x }}/{{ loop.length }} {% endfor %}", "1:0/3 2:2/3 3:4/3 "),
        Spec("break leaves the loop", "{% for x in range(10) %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}", "012"),
        Spec("continue skips the rest of the body", "{% for x in range(5) %}{% if x is odd %}{% continue %}{% endif %}{{ x }}{% endfor %}", "024"),
        Spec("nested loops have their own loop variable", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{% endfor %}{{ loop.index }};{% endfor %}", "121;122;"),
        Spec(
            "recursive loops", "{% for n in [{'v': 1, 'c': [{'v': 2, 'c': []}]}] recursive %}{{ n.v }}@{{ loop.depth }}[{{ loop(n.c) }}]{% endfor %}",
            "1@1[2@2[]]"),
    ]

    static let assignmentsSpecs: [Spec] = [
        Spec("set assigns", "{% set x = 1 + 2 %}{{ x }}", "3"),
        Spec("set unpacks a tuple", "{% set a, b = 1, 2 %}{{ b }}{{ a }}", "21"),
        Spec("set inside a loop does not leak out", "{% set x = 0 %}{% for i in [1] %}{% set x = 5 %}{% endfor %}{{ x }}", "0"),
        Spec("set inside if does leak out", "{% if true %}{% set x = 5 %}{% endif %}{{ x }}", "5"),
        Spec("loop iterations do not share sets", "{% for i in [1, 2] %}{% if loop.first %}{% set y = 1 %}{% endif %}[{{ y }}]{% endfor %}", "[1][]"),
        Spec("a loop body sees outer variables until it shadows them", "{% set x = 1 %}{% for i in [1] %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", "121"),
        Spec("block set captures output", "{% set x %}a{{ 1 + 1 }}b{% endset %}[{{ x }}]", "[a2b]"),
        Spec("block set with a filter", "{% set x | upper %}abc{% endset %}{{ x }}", "ABC"),
        Spec("namespace carries values out of loops", "{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", "6"),
        Spec("namespace from a dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}", "12"),
        Spec("namespace prints like Jinja2", "{{ namespace(a=1) }}", "<Namespace {'a': 1}>"),
        Spec("list.append mutates in place", "{% set l = [] %}{% set _ = l.append(1) %}{% set _ = l.extend([2, 3]) %}{{ l.pop() }}{{ l }}", "3[1, 2]"),
        Spec("with opens a scope", "{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", "3[]"),
    ]

    static let macrosSpecs: [Spec] = [
        Spec("macro with defaults", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', punct='?') }}", "Hi Ann! Hi Bo?"),
        Spec("missing macro arguments are undefined", "{% macro m(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}", "[1|]"),
        Spec("varargs and kwargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}", "1(2, 3){'k': 4}"),
        Spec("macros see template variables at call time", "{% macro m() %}{{ x }}{% endmacro %}{% set x = 7 %}{{ m() }}", "7"),
        Spec("sets inside a macro stay inside", "{% set x = 1 %}{% macro m() %}{% set x = 2 %}{{ x }}{% endmacro %}{{ m() }}{{ x }}", "21"),
        Spec("macros recurse", "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}", "321"),
        Spec("call blocks pass caller", "{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}inside{% endcall %}", "[inside]"),
        Spec("call blocks with arguments", "{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(v) each([1, 2]) %}<{{ v }}>{% endcall %}", "<1><2>"),
        Spec("macros print as Jinja2 prints them", "{% macro m() %}{% endmacro %}{{ m }}", "<Macro 'm'>"),
    ]

    static let blocksSpecs: [Spec] = [
        Spec("filter blocks filter their output", "{% filter upper %}abc{{ 'd' }}{% endfilter %}", "ABCD"),
        Spec("filter blocks chain filters", "{% filter trim | upper %}  ab  {% endfilter %}", "AB"),
        Spec("generation blocks render their body", "{% generation %}reply{% endgeneration %}", "reply"),
    ]

    @Test(arguments: conditionalsSpecs) func conditional(_ spec: Spec) { spec.check() }
    @Test(arguments: loopsSpecs) func loop(_ spec: Spec) { spec.check() }
    @Test(arguments: assignmentsSpecs) func assignment(_ spec: Spec) { spec.check() }
    @Test(arguments: macrosSpecs) func macro(_ spec: Spec) { spec.check() }
    @Test(arguments: blocksSpecs) func block(_ spec: Spec) { spec.check() }

    @Test func macroRejectsExtraArguments() {
        let error = renderError("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}")
        #expect(error?.kind == .type)
        #expect(error?.message == "macro 'm' takes not more than 1 argument(s)")
    }

    @Test func generationBlocksCanBeTurnedOff() {
        let error = renderError("{% generation %}x{% endgeneration %}", options: TemplateOptions(generationBlocks: false))
        #expect(error?.kind == .syntax)
        #expect(error?.message.hasPrefix("Encountered unknown tag 'generation'") == true)
    }
}
