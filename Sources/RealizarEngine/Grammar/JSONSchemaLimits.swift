/// Bounds that ``JSONSchemaGrammar`` puts on what a schema leaves unbounded, so that every
/// output it allows is finite.
///
/// A small model decoding greedily under a schema can loop inside an unbounded string, array,
/// map or recursive structure until `max_tokens` cuts it, and a cut output is not valid JSON.
/// With these bounds the grammar's language is finite: the model must close each structure
/// within them (see ``Grammar/longestMatch``), as it must within the whitespace bound. A
/// schema's own keywords win: `maxLength` and `maxItems` replace the default where they are
/// given (above or below it), and a lower bound above a default (`minLength`, `minItems`)
/// raises it. Every instance of the schema inside the bounds is still
/// accepted; outputs never exceed them.
public struct JSONSchemaLimits: Sendable, Equatable {
    /// Characters in a string whose schema gives no `maxLength`, `pattern`, `format`, `enum` or
    /// `const` (an escape such as `\n` or `\u00e9` counts as one character).
    public var maxStringLength: Int
    /// Characters in a property name the schema does not declare (`additionalProperties`,
    /// free-form objects).
    public var maxKeyLength: Int
    /// Items in an array whose schema gives no `maxItems`.
    public var maxItems: Int
    /// Properties besides the declared ones, where `additionalProperties` allows them or the
    /// object declares none.
    public var maxAdditionalProperties: Int
    /// Times one `$ref` may be entered inside itself; at the limit the recursion's optional
    /// parts (optional properties, array items, `anyOf` branches) are left out.
    public var maxRecursionDepth: Int
    /// Nesting of objects and arrays inside a free-form value (`{}`, `true`, an object with no
    /// declared properties); the deepest level holds only strings, numbers, booleans and null.
    public var maxFreeFormDepth: Int
    /// Repetitions of an unbounded `pattern` quantifier (`*`, `+`, `{m,}`) and of the text an
    /// unanchored pattern may have around its match.
    public var maxPatternRepetition: Int

    public init(maxStringLength: Int = 256, maxKeyLength: Int = 64, maxItems: Int = 64, maxAdditionalProperties: Int = 16,
                maxRecursionDepth: Int = 4, maxFreeFormDepth: Int = 3, maxPatternRepetition: Int = 64) {
        self.maxStringLength = maxStringLength
        self.maxKeyLength = maxKeyLength
        self.maxItems = maxItems
        self.maxAdditionalProperties = maxAdditionalProperties
        self.maxRecursionDepth = maxRecursionDepth
        self.maxFreeFormDepth = maxFreeFormDepth
        self.maxPatternRepetition = maxPatternRepetition
    }

    /// The bounds `response_format` strict, Ollama's `format` and tool arguments compile with:
    /// strings of 256 characters, keys of 64, 64 items, 16 extra properties, a `$ref` 4 deep in
    /// itself, free-form values 3 deep, 64 repetitions in a pattern.
    public static let `default` = JSONSchemaLimits()
}
