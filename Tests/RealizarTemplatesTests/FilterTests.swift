import Testing

@testable import RealizarTemplates

/// Jinja2's builtin filters, and Hugging Face's `tojson`.
@Suite struct FilterTests {
    static let textSpecs: [Spec] = [
        Spec("trim", "[{{ '  a b \\n'|trim }}][{{ 'xxaxx'|trim('x') }}]", "[a b][a]"),
        Spec("upper, lower, capitalize, title", "{{ 'aB'|upper }} {{ 'aB'|lower }} {{ 'hello WORLD'|capitalize }} {{ 'hello-world foo'|title }}", "AB ab Hello world Hello-World Foo"),
        Spec("replace", "{{ 'a-b-c'|replace('-', '+') }} {{ 'aaa'|replace('a', 'b', 2) }}", "a+b+c bba"),
        Spec("indent", "{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent('> ', blank=true) }}", "a\n  b\n\n  c|  a\n  b|a\n> \n> b"),
        Spec("center", "[{{ 'ab'|center(7) }}]", "[   ab  ]"),
        Spec("truncate", "{{ 'hello world'|truncate(8) }}|{{ 'hello wonderful world'|truncate(12) }}|{{ 'hello wonderful world'|truncate(12, true) }}", "hello world|hello...|hello won..."),
        Spec("wordcount", "{{ 'one two, three_3!'|wordcount }}", "3"),
        Spec("format", "{{ '%s is %d years'|format('Ann', 30) }} {{ '%(a)s'|format(a='x') }}", "Ann is 30 years x"),
        Spec("string", "{{ 12|string + '!' }} {{ [1]|string }}", "12! [1]"),
        Spec("escape gives entities", "{{ '<a href=\"x\">&\\'</a>'|e }}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;"),
        Spec("safe text escapes what is added to it", "{{ ('<b>'|safe) + '<i>' }} {{ '<i>' ~ ('<b>'|safe) }}", "<b>&lt;i&gt; <i><b>"),
        Spec("striptags", "{{ '<p>Hello   <b>you</b></p>'|striptags }}", "Hello you"),
    ]

    static let numbersSpecs: [Spec] = [
        Spec("int", "{{ '42'|int }} {{ '4.7'|int }} {{ 3.9|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ '0x1f'|int(base=16) }}", "42 4 3 0 7 31"),
        Spec("float", "{{ '1.5'|float }} {{ 2|float }} {{ 'x'|float }}", "1.5 2.0 0.0"),
        Spec("round", "{{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 2.41|round(1, 'ceil') }} {{ 2.49|round(1, 'floor') }} {{ 3|round }}", "2.0 4.0 2.67 2.5 2.4 3"),
        Spec("abs", "{{ -3|abs }} {{ (-2.5)|abs }}", "3 2.5"),
        Spec("sum", "{{ [1, 2, 3]|sum }} {{ [1, 2]|sum(start=10) }} {{ [{'n': 1}, {'n': 2}]|sum(attribute='n') }}", "6 13 3"),
        Spec("max and min", "{{ [3, 1, 2]|max }} {{ [3, 1, 2]|min }} {{ ['a', 'B']|max }} {{ [{'n': 1}, {'n': 5}]|max(attribute='n') }}", "3 1 B {'n': 5}"),
    ]

    static let collectionsSpecs: [Spec] = [
        Spec("length and count", "{{ [1, 2]|length }} {{ 'héllo'|length }} {{ {'a': 1}|count }} {{ missing|length }}", "2 5 1 0"),
        Spec("first and last", "{{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} {{ 'abc'|first }} [{{ []|first }}]", "1 3 a []"),
        Spec("join", "{{ [1, 2, 3]|join(', ') }} {{ ['a', 'b']|join }} {{ [{'n': 'x'}, {'n': 'y'}]|join('-', attribute='n') }}", "1, 2, 3 ab x-y"),
        Spec("list", "{{ 'ab'|list }} {{ {'k': 1}|list }} {{ missing|list }}", "['a', 'b'] ['k'] []"),
        Spec("reverse", "{{ [1, 2, 3]|reverse|list }} {{ 'abc'|reverse }}", "[3, 2, 1] cba"),
        Spec("unique ignores case by default", "{{ ['a', 'A', 'b', 'a']|unique|list }} {{ ['a', 'A']|unique(case_sensitive=true)|list }}", "['a', 'b'] ['a', 'A']"),
        Spec("sort", "{{ [3, 1, 2]|sort }} {{ ['b', 'A', 'c']|sort }} {{ ['b', 'a']|sort(reverse=true) }}", "[1, 2, 3] ['A', 'b', 'c'] ['b', 'a']"),
        Spec("sort by attribute is stable", "{{ [{'n': 2, 'i': 0}, {'n': 1, 'i': 1}, {'n': 2, 'i': 2}]|sort(attribute='n')|map(attribute='i')|list }}", "[1, 0, 2]"),
        Spec("dictsort", "{{ {'b': 1, 'A': 2}|dictsort }} {{ {'b': 1, 'a': 2}|dictsort(by='value', reverse=true) }}", "[('A', 2), ('b', 1)] [('a', 2), ('b', 1)]"),
        Spec("items", "{{ {'a': 1, 'b': 2}|items|list }} {{ missing|items|list }}", "[('a', 1), ('b', 2)] []"),
        Spec("map by attribute", "{{ [{'a': 1}, {'a': 2}]|map(attribute='a')|list }} {{ [{'a': 1}, {}]|map(attribute='a', default=0)|list }}", "[1, 2] [1, 0]"),
        Spec("map by filter", "{{ [1, 2]|map('string')|list }} {{ ['a']|map('upper')|list }}", "['1', '2'] ['A']"),
        Spec("select and reject", "{{ [0, 1, 2, 3]|select|list }} {{ [1, 2, 3]|select('odd')|list }} {{ [1, 2, 3]|reject('odd')|list }} {{ [1, 5, 9]|select('>', 4)|list }}", "[1, 2, 3] [1, 3] [2] [5, 9]"),
        Spec(
            "selectattr and rejectattr", "{{ ts|selectattr('type', 'equalto', 'f')|map(attribute='n')|list }} {{ ts|rejectattr('type', 'eq', 'f')|map(attribute='n')|list }} {{ ts|selectattr('x')|list }}",
            "['a'] ['b'] []", json: #"{"ts": [{"type": "f", "n": "a"}, {"type": "g", "n": "b"}]}"#),
        Spec("select over none is empty", "{{ none|selectattr('a')|list }} {{ none|map('upper')|list }}", "[] []"),
        Spec("batch", "{{ [1, 2, 3, 4, 5]|batch(2)|list }} {{ [1, 2, 3]|batch(2, 0)|list }}", "[[1, 2], [3, 4], [5]] [[1, 2], [3, 0]]"),
        Spec("slice", "{{ [1, 2, 3, 4, 5]|slice(2)|list }}", "[[1, 2, 3], [4, 5]]"),
        Spec("attr reads attributes, not keys", "[{{ d|attr('a') }}] {{ namespace(a=1)|attr('a') }}", "[] 1", json: #"{"d": {"a": 1}}"#),
        Spec("pprint", "{{ {'a': 'b'}|pprint }}", "{'a': 'b'}"),
    ]

    static let defaultsSpecs: [Spec] = [
        Spec("default replaces undefined", "{{ missing|default('d') }} {{ missing|d('e') }}", "d e"),
        Spec("default keeps defined false values", "[{{ ''|default('d') }}] {{ none|default('d') }} {{ false|default('d') }}", "[] None False"),
        Spec("default with boolean replaces false values", "{{ ''|default('d', true) }} {{ none|d('e', true) }}", "d e"),
    ]

    @Test(arguments: textSpecs) func textFilter(_ spec: Spec) { spec.check() }
    @Test(arguments: numbersSpecs) func numberFilter(_ spec: Spec) { spec.check() }
    @Test(arguments: collectionsSpecs) func collectionFilter(_ spec: Spec) { spec.check() }
    @Test(arguments: defaultsSpecs) func defaultFilter(_ spec: Spec) { spec.check() }

    @Test func unknownFiltersAreErrors() {
        let error = renderError("{{ 1|frobnicate }}")
        #expect(error?.message == "No filter named 'frobnicate'.")
        #expect(error?.line == 1)
    }
}
