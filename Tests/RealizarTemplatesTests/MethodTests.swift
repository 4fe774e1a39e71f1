import Testing

@testable import RealizarTemplates

/// Python methods of str, list and dict that chat templates call.
@Suite struct MethodTests {
    static let stringsSpecs: [Spec] = [
        Spec("strip, lstrip, rstrip", "[{{ '  a  '.strip() }}][{{ '  a  '.lstrip() }}][{{ '  a  '.rstrip() }}][{{ 'xxaxx'.strip('x') }}]", "[a][a  ][  a][a]"),
        Spec("split", "{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }}", "['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b c'] ['a b', 'c']"),
        Spec("splitlines", "{{ 'a\\nb\\r\\nc'.splitlines() }}", "['a', 'b', 'c']"),
        Spec("startswith and endswith", "{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith('bc') }} {{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith('x') }}", "True True True False"),
        Spec("replace", "{{ 'aaa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 1) }}", "bbb baa"),
        Spec("case methods", "{{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ 'a'.upper() }} {{ 'A'.lower() }} {{ 'aB'.swapcase() }}", "Hello World Hello A a Ab"),
        Spec("find, rfind, count", "{{ 'abcabc'.find('c') }} {{ 'abcabc'.rfind('c') }} {{ 'abc'.find('x') }} {{ 'aaa'.count('a') }}", "2 5 -1 3"),
        Spec("format", "{{ '{} + {} = {}'.format(1, 2, 3) }} {{ '{0}{0}{name}'.format('x', name='y') }} {{ '{:>5}|{:.2f}|{:05d}'.format('a', 3.14159, 42) }}", "1 + 2 = 3 xxy     a|3.14|00042"),
        Spec("join", "{{ ', '.join(['a', 'b']) }}", "a, b"),
        Spec("percent formatting", "{{ '%s-%d-%.2f-%5s-%-3s|' % ('a', 3, 2.5, 'r', 'l') }}", "a-3-2.50-    r-l  |"),
        Spec("predicates", "{{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }} {{ 'ab'.islower() }} {{ 'AB'.isupper() }}", "True True True True True"),
    ]

    static let collectionsSpecs: [Spec] = [
        Spec("dict.get", "{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }}", "1 None 5", json: #"{"d": {"a": 1}}"#),
        Spec("dict.items, keys, values keep order", "{{ d.items()|list }} {{ d.keys()|list }} {{ d.values()|list }}", "[('b', 1), ('a', 2)] ['b', 'a'] [1, 2]", json: #"{"d": {"b": 1, "a": 2}}"#),
        Spec("dict.update and pop", "{% set d = {'a': 1} %}{% set _ = d.update({'b': 2}) %}{{ d.pop('a') }}{{ d }}", "1{'b': 2}"),
        Spec("list.append, pop, index, count", "{% set l = [1, 2] %}{% set _ = l.append(1) %}{{ l.pop(0) }}{{ l }}{{ l.index(1) }}{{ l.count(1) }}", "1[2, 1]11"),
        Spec("context lists are copies", "{% set _ = l.append(9) %}{{ l }}", "[1, 9]", json: #"{"l": [1]}"#),
    ]

    @Test(arguments: stringsSpecs) func stringMethod(_ spec: Spec) { spec.check() }
    @Test(arguments: collectionsSpecs) func collectionMethod(_ spec: Spec) { spec.check() }
}
