/// Text that stays a valid prefix of one JSON object, byte by byte: the grammar engine's
/// ``JSONSchemaGrammar/jsonObjectGBNF`` (OpenAI's `json_object`, Ollama's `format: "json"`)
/// behind the small interface the JSON mode had before it ran on grammars.
///
/// Limits that keep a small model from wandering forever: nesting at most ``maxDepth`` deep, and
/// at most ``maxWhitespaceRun`` whitespace bytes in a row outside strings.
public struct JSONConstraint: Sendable {
    public static let maxDepth = 64
    public static let maxWhitespaceRun = 32

    private static let grammar: CompiledGrammar = try! CompiledGrammar.cached(gbnf: JSONSchemaGrammar.jsonObjectGBNF)
    private var matcher = GrammarMatcher(JSONConstraint.grammar, maxDepth: JSONSchemaGrammar.jsonObjectMaxDepth)

    public init() {}

    /// Whether the top-level object has closed.
    public var isComplete: Bool { matcher.mustEnd }

    /// Whether `bytes` may follow the text so far.
    public func accepts(_ bytes: some Collection<UInt8>) -> Bool { matcher.accepts(bytes) }

    /// Takes one byte; false (and the state unchanged) when it would make the text invalid.
    @discardableResult
    public mutating func feed(_ byte: UInt8) -> Bool { matcher.advance(byte) }
}
