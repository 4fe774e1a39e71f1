import Foundation
import Testing

@testable import RealizarTemplates

/// Expressions follow Python's semantics, with Jinja2's precedence.
@Suite struct ExpressionTests {
    static let arithmeticSpecs: [Spec] = [
        Spec("integer arithmetic stays integer", "{{ 7 + 3 }} {{ 7 - 10 }} {{ 6 * 7 }}", "10 -3 42"),
        Spec("true division gives a float", "{{ 7 / 2 }} {{ 6 / 3 }}", "3.5 2.0"),
        Spec("floor division rounds down", "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7.5 // 2 }}", "3 -4 3.0"),
        Spec("modulo takes the divisor's sign", "{{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 5.5 % 2 }}", "1 2 -2 1.5"),
        Spec("power", "{{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2 ** 0.5 }}", "1024 0.5 1.4142135623730951"),
        Spec("power is left-associative in Jinja2", "{{ 2 ** 3 ** 2 }}", "64"),
        Spec("unary minus binds tighter than power", "{{ -2 ** 2 }}", "4"),
        Spec("mixed int and float", "{{ 1 + 1.0 }} {{ true + 1 }}", "2.0 2"),
        Spec("operator precedence", "{{ 1 + 2 * 3 - 4 / 2 }}", "5.0"),
    ]

    static let stringsSpecs: [Spec] = [
        Spec("tilde concatenates anything as text", "{{ 'a' ~ 1 ~ none ~ true }}", "a1NoneTrue"),
        Spec("plus concatenates strings", "{{ 'a' + 'b' }}", "ab"),
        Spec("string repetition", "{{ 'ab' * 3 }}|{{ 2 * 'x' }}|{{ 'a' * 0 }}", "ababab|xx|"),
        Spec("adjacent string literals join", "{{ 'a' 'b' \"c\" }}", "abc"),
        Spec("string escapes", "{{ 'tab\\there\\n\\u00e9\\x41' }}", "tab\there\né\u{41}"),
        Spec("negative indexes", "{{ 'hello'[-1] }}{{ [1, 2, 3][-2] }}", "o2"),
        Spec("slices", "{{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ [1, 2, 3, 4][::2] }} {{ [1, 2, 3][-2:] }}", "el olleh [1, 3] [2, 3]"),
        Spec("indexes count code points", "{{ 'héllo'[1] }}{{ 'héllo'|length }}", "é5"),
        Spec("an index past the end is undefined", "[{{ [1][5] }}][{{ 'a'[3] }}]", "[][]"),
    ]

    static let logicSpecs: [Spec] = [
        Spec("comparisons chain", "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}", "True False"),
        Spec("equality across int, float and bool", "{{ 1 == 1.0 }} {{ 1 == true }} {{ [1, 2] == [1, 2] }} {{ {'a': 1} == {'a': 1} }}", "True True True True"),
        Spec("in and not in", "{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }}", "True True True True"),
        Spec("and/or return an operand", "{{ 0 or 'x' }} {{ 1 and 'y' }} {{ none or [] }} {{ '' and 1 }}|", "x y [] |"),
        Spec("not", "{{ not 1 == 2 }} {{ not [] }}", "True True"),
        Spec("conditional expression", "{{ 'yes' if 1 else 'no' }} {{ 'yes' if 0 else 'no' }}", "yes no"),
        Spec("conditional expression without else is undefined", "[{{ 'x' if false }}]", "[]"),
        Spec("strings compare by code point", "{{ 'B' < 'a' }} {{ 'abc' < 'abd' }}", "True True"),
    ]

    static let literalsSpecs: [Spec] = [
        Spec("list, tuple and dict literals", "{{ [1, 'a'] }} {{ (1, 2) }} {{ (1,) }} {{ () }} {{ {'k': [1]} }}", "[1, 'a'] (1, 2) (1,) () {'k': [1]}"),
        Spec("trailing commas are allowed", "{{ [1, 2,] }} {{ {'a': 1,} }}", "[1, 2] {'a': 1}"),
        Spec("print of a bare tuple", "{{ 1, 2 }}", "(1, 2)"),
        Spec("attribute and item access on dicts", "{{ d.a }}{{ d['a'] }}{{ d.b.c }}", "11x", json: #"{"d": {"a": 1, "b": {"c": "x"}}}"#),
        Spec("dot with a number indexes", "{{ l.1 }}", "b", json: #"{"l": ["a", "b"]}"#),
        Spec("dict methods win over keys with a dot, keys win with brackets", "{{ d['items'] }}", "1", json: #"{"d": {"items": 1}}"#),
        Spec("integer literals with underscores and bases", "{{ 1_000 }} {{ 0x10 }} {{ 0b11 }} {{ 0o7 }}", "1000 16 3 7"),
        Spec("float literals", "{{ 1.5e3 }} {{ 2.0 }}", "1500.0 2.0"),
    ]

    static let globalsSpecs: [Spec] = [
        Spec("range", "{{ range(3)|list }} {{ range(1, 10, 4)|list }} {{ range(3, 0, -1)|list }}", "[0, 1, 2] [1, 5, 9] [3, 2, 1]"),
        Spec("dict", "{{ dict(a=1, b=2) }} {{ dict([('x', 1)]) }}", "{'a': 1, 'b': 2} {'x': 1}"),
        Spec("cycler", "{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}", "abab"),
        Spec("joiner", "{% set j = joiner(', ') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}", "1, 2, 3"),
    ]

    @Test(arguments: arithmeticSpecs) func arithmetic(_ spec: Spec) { spec.check() }
    @Test(arguments: stringsSpecs) func string(_ spec: Spec) { spec.check() }
    @Test(arguments: logicSpecs) func logic(_ spec: Spec) { spec.check() }
    @Test(arguments: literalsSpecs) func literal(_ spec: Spec) { spec.check() }
    @Test(arguments: globalsSpecs) func global(_ spec: Spec) { spec.check() }

    @Test func strftimeNowFormatsTheGivenDate() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(from: DateComponents(year: 2026, month: 1, day: 5, hour: 14, minute: 7))!
        let template = try Template("{{ strftime_now('%Y-%m-%d|%d %b %Y|%B %-d, %Y|%A %H:%M|%j') }}")
        let text = try template.render([:], now: date, timeZone: TimeZone(identifier: "UTC")!)
        #expect(text == "2026-01-05|05 Jan 2026|January 5, 2026|Monday 14:07|005")
    }
}
