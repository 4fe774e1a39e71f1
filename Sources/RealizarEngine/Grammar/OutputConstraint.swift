import Foundation

/// What a sequence's output must match: one JSON object, a JSON Schema, or a GBNF grammar.
public enum OutputConstraint: Sendable, Equatable {
    /// Any one JSON object (OpenAI's `json_object`, Ollama's `format: "json"`).
    case jsonObject
    /// JSON text that this JSON Schema (JSON text) accepts.
    case jsonSchema(String)
    /// Text that this GBNF grammar matches from its `root` rule.
    case grammar(String)

    /// The GBNF source of the constraint; for a schema, the compiled grammar.
    public func gbnf() throws(JSONSchemaError) -> String {
        switch self {
        case .jsonObject: JSONSchemaGrammar.jsonObjectGBNF
        case .jsonSchema(let schema): try JSONSchemaGrammar.gbnf(schema: schema)
        case .grammar(let source): source
        }
    }

    /// The stack depth a match may reach: the JSON object mode keeps its 64 nesting levels.
    public var maxDepth: Int {
        self == .jsonObject ? JSONSchemaGrammar.jsonObjectMaxDepth : 512
    }

    /// The compiled grammar, from a process-wide cache of recent compilations (a schema sent
    /// with every request compiles once). Throws ``JSONSchemaError`` or ``GrammarError``.
    public func compile() throws -> CompiledGrammar {
        try CompiledGrammar.cached(gbnf: gbnf())
    }
}

extension CompiledGrammar {
    private static let cache = GrammarCache()

    /// The compiled grammar of this GBNF source, compiled once while among the 64 most recent.
    public static func cached(gbnf source: String) throws(GrammarError) -> CompiledGrammar {
        if let known = cache.get(source) { return known }
        let compiled = try CompiledGrammar(Grammar(gbnf: source))
        cache.put(source, compiled)
        return compiled
    }
}

private final class GrammarCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: CompiledGrammar] = [:]
    private var order: [String] = []

    func get(_ key: String) -> CompiledGrammar? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }

    func put(_ key: String, _ value: CompiledGrammar) {
        lock.lock()
        defer { lock.unlock() }
        guard entries[key] == nil else { return }
        entries[key] = value
        order.append(key)
        if order.count > 64 { entries[order.removeFirst()] = nil }
    }
}
