import Testing

@testable import RealizarTemplates

/// `{{ value }}` prints what Python's `str()` gives; values inside containers print as `repr()`.
@Suite struct ValuePrintingTests {
    static let specs: [Spec] = [
        Spec("None, True and False", "{{ none }} {{ None }} {{ true }} {{ False }}", "None None True False"),
        Spec("undefined prints as nothing", "[{{ missing }}]", "[]"),
        Spec("whole floats keep .0", "{{ 1.0 }} {{ 3 / 1 }} {{ -0.0 }}", "1.0 3.0 -0.0"),
        Spec("floats print shortest round-trip", "{{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 123456789.123456789 }}", "0.30000000000000004 0.3333333333333333 123456789.12345679"),
        Spec("large and small floats use exponents like Python", "{{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ -1.5e-7 }}", "1e+16 1000000000000000.0 0.0001 1e-05 -1.5e-07"),
        Spec("big integers", "{{ 10 ** 18 }}", "1000000000000000000"),
        Spec("lists print as Python repr", "{{ ['a', 1, none, true, 1.5] }}", "['a', 1, None, True, 1.5]"),
        Spec("dicts print as Python repr in insertion order", "{{ {'b': 1, 'a': {'c': (1, 2)}} }}", "{'b': 1, 'a': {'c': (1, 2)}}"),
        Spec("repr picks quotes like Python", "{{ [\"it's\", 'say \"hi\"', 'both \\' and \"'] }}", "[\"it's\", 'say \"hi\"', 'both \\' and \"']"),
        Spec("repr escapes control characters", "{{ ['a\\nb\\t\\\\', '\\x01'] }}", "['a\\nb\\t\\\\', '\\x01']"),
        Spec("repr keeps printable non-ASCII", "{{ ['é', '日本'] }}", "['é', '日本']"),
        Spec("JSON values print as Python objects", "{{ m }}", "{'role': 'user', 'n': 2, 'x': 1.0, 'ok': False, 'v': None}", json: #"{"m": {"role": "user", "n": 2, "x": 1.0, "ok": false, "v": null}}"#),
    ]

    @Test(arguments: specs) func printing(_ spec: Spec) { spec.check() }
}
