import Testing

@testable import RealizarTemplates

/// Whitespace handling with Hugging Face's settings: `trim_blocks` and `lstrip_blocks` on,
/// `-` strips all whitespace on its side, `+` opts out of the automatic rules.
@Suite struct WhitespaceControlTests {
    static let specs: [Spec] = [
        Spec("trim_blocks removes the newline after a block tag", "{% if true %}\nyes\n{% endif %}\nafter", "yes\nafter"),
        Spec("trim_blocks removes only one newline", "{% if true %}\n\nyes{% endif %}", "\nyes"),
        Spec("lstrip_blocks removes indentation before a block tag", "a\n    {% if true %}b{% endif %}", "a\nb"),
        Spec("lstrip_blocks keeps text before a tag on the same line", "x  {% if true %}b{% endif %}", "x  b"),
        Spec("lstrip_blocks does not touch print tags", "a\n  {{ 'b' }}", "a\n  b"),
        Spec("comments are stripped like blocks", "a\n  {# note #}\nb", "a\nb"),
        Spec("minus strips all whitespace before", "a  \n\n  {%- if true %}b{% endif %}", "ab"),
        Spec("minus strips all whitespace after", "{% if true -%}  \n\n  b{% endif %}", "b"),
        Spec("minus works on print tags", "a  {{- 'b' -}}  c", "abc"),
        Spec("minus works on comments", "a  {#- c -#}  b", "ab"),
        Spec("plus after a block tag keeps its newline", "{% if true +%}\nb{% endif %}", "\nb"),
        Spec("plus before a block tag keeps the indentation", "a\n  {%+ if true %}b{% endif %}", "a\n  b"),
        Spec("one trailing newline of the source is dropped", "a\n", "a"),
        Spec("only one trailing newline is dropped", "a\n\n", "a\n"),
        Spec("Windows newlines become \\n", "a\r\nb\rc", "a\nb\nc"),
        Spec("raw blocks keep tags as text", "{% raw %}{{ x }}{% if %}{% endraw %}", "{{ x }}{% if %}"),
        Spec("raw blocks honour whitespace control", "a {%- raw -%}  {{ x }}  {%- endraw -%} b", "a{{ x }}b"),
        Spec("a loop body on its own lines renders one line per item", "{% for x in [1, 2] %}\n  {{ x }}\n{% endfor %}\n", "  1\n  2\n"),
    ]

    @Test(arguments: specs)
    func whitespace(_ spec: Spec) { spec.check() }

    @Test func withoutTrimAndLstripNewlinesAndIndentationStay() throws {
        let options = TemplateOptions(trimBlocks: false, lstripBlocks: false)
        #expect(try render("a\n  {% if true %}\nb{% endif %}", options: options) == "a\n  \nb")
    }
}
