import Testing

@testable import RealizarTemplates

/// Errors are typed, say where they happened and read like Jinja2's.
@Suite struct ErrorTests {
    @Test func raiseExceptionCarriesTheTemplatesMessage() {
        let error = renderError("line one\n{{ raise_exception('Conversation roles must alternate!') }}")
        #expect(error?.kind == .raised)
        #expect(error?.message == "Conversation roles must alternate!")
        #expect(error?.line == 2)
        #expect(error?.column == 4)
    }

    @Test func usingAnUndefinedVariableIsAnError() {
        let error = renderError("{{ missing + 1 }}")
        #expect(error?.kind == .undefined)
        #expect(error?.message == "'missing' is undefined")
    }

    @Test func attributesOfUndefinedAreErrors() {
        let error = renderError("{{ missing.attr }}")
        #expect(error?.kind == .undefined)
        #expect(error?.message == "'missing' is undefined")
    }

    @Test func missingAttributesOfDefinedValuesAreUndefined() throws {
        #expect(try render("[{{ d.nope }}][{{ d.nope is defined }}]", ["d": ["a": 1]]) == "[][False]")
        let error = renderError("{{ d.nope.deeper }}", ["d": ["a": 1]])
        #expect(error?.message == "'dict object' has no attribute 'nope'")
    }

    @Test func typeErrorsReadLikePython() {
        #expect(renderError("{{ 'a' + 1 }}")?.message == "can only concatenate str (not \"int\") to str")
        #expect(renderError("{{ 'a' < 1 }}")?.message == "'<' not supported between instances of 'str' and 'int'")
        #expect(renderError("{{ 1 / 0 }}")?.message == "division by zero")
        #expect(renderError("{% for x in 1 %}{% endfor %}")?.message == "'int' object is not iterable")
    }

    @Test func syntaxErrorsHaveLineAndColumn() {
        let error = renderError("ok\n{% if x %}\nno end")
        #expect(error?.kind == .syntax)
        #expect(error?.message.hasPrefix("Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'.") == true)
        let unknown = renderError("a\n  {% frobnicate %}")
        #expect(unknown?.kind == .syntax)
        #expect(unknown?.message == "Encountered unknown tag 'frobnicate'.")
        #expect(unknown?.line == 2)
        #expect(unknown?.column == 3)
        #expect(renderError("{{ 1 + }}")?.kind == .syntax)
        #expect(renderError("{{ 'unterminated }}")?.kind == .syntax)
        #expect(renderError("{# no end")?.message == "Missing end of comment tag")
    }

    @Test func errorsDescribeThemselves() {
        let error = TemplateError(.raised, "bad roles", at: SourceLocation(line: 3, column: 7))
        #expect(error.description == "template raised an exception at line 3, column 7: bad roles")
    }

    @Test func theInnermostExpressionGivesTheLocation() {
        let error = renderError("{{ 'ok' }}\n{{ 1 + (2 * missing.x) }}")
        #expect(error?.line == 2)
        #expect(error?.column == 13)
    }
}
