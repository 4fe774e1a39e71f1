import Testing

@testable import RealizarTemplates

/// Jinja2's tests (`x is defined`, `x is string`, ...).
@Suite struct IsTestTests {
    static let specs: [Spec] = [
        Spec("defined and undefined", "{{ x is defined }} {{ missing is defined }} {{ missing is undefined }}", "True False True", json: #"{"x": null}"#),
        Spec("none", "{{ none is none }} {{ 0 is none }} {{ missing is none }}", "True False False"),
        Spec("string", "{{ 'a' is string }} {{ 1 is string }} {{ ('a'|safe) is string }}", "True False True"),
        Spec("number, integer, float", "{{ 1 is number }} {{ 1.5 is number }} {{ true is number }} {{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ 1 is float }}", "True True True True False True False"),
        Spec("boolean, true, false", "{{ true is boolean }} {{ 1 is boolean }} {{ true is true }} {{ 1 is true }} {{ false is false }}", "True False True False True"),
        Spec("mapping", "{{ {} is mapping }} {{ [] is mapping }} {{ namespace() is mapping }}", "True False False"),
        Spec("iterable", "{{ [] is iterable }} {{ 'a' is iterable }} {{ {} is iterable }} {{ 1 is iterable }} {{ missing is iterable }}", "True True True False True"),
        Spec("sequence", "{{ [] is sequence }} {{ 'a' is sequence }} {{ {} is sequence }} {{ 1 is sequence }}", "True True True False"),
        Spec("callable", "{{ range is callable }} {{ 1 is callable }} {{ 'a'.upper is callable }}", "True False True"),
        Spec("odd, even, divisibleby", "{{ 3 is odd }} {{ 3 is even }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }}", "True False True True False"),
        Spec("equalto, eq, ne", "{{ 1 is equalto 1 }} {{ 'a' is eq 'a' }} {{ 1 is eq 2 }} {{ 1 is ne 2 }}", "True True False True"),
        Spec("ordering tests", "{{ 1 is lt 2 }} {{ 2 is gt 1 }} {{ 1 is le 1 }} {{ 1 is ge 2 }} {{ 1 is lessthan 2 }} {{ 1 is greaterthan 2 }}", "True True True False True False"),
        Spec("in", "{{ 1 is in [1, 2] }} {{ 'x' is in 'abc' }}", "True False"),
        Spec("lower and upper", "{{ 'ab' is lower }} {{ 'Ab' is lower }} {{ 'AB' is upper }}", "True False True"),
        Spec("not negates a test", "{{ 1 is not string }} {{ missing is not defined }}", "True True"),
        Spec("sameas", "{{ none is sameas none }} {{ true is sameas true }} {{ 1 is sameas 2 }}", "True True False"),
        Spec("filter and test names", "{{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }}", "True False True"),
    ]

    @Test(arguments: specs) func isTest(_ spec: Spec) { spec.check() }
}
