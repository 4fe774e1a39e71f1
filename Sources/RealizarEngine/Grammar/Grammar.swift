/// A context-free grammar over UTF-8 text: named rules whose bodies are expressions, one of them
/// the start rule. Parsed from llama.cpp's GBNF (``init(gbnf:)``) or made from a JSON Schema
/// (``JSONSchemaGrammar``); ``CompiledGrammar`` turns it into the automaton the matcher runs.
public struct Grammar: Sendable, Equatable {
    /// Rule names in the order they were defined, and each one's body.
    public internal(set) var rules: [(name: String, body: GrammarExpression)]
    /// The rule a match starts from (`root` in GBNF).
    public internal(set) var root: String

    public init(rules: [(name: String, body: GrammarExpression)], root: String) {
        self.rules = rules
        self.root = root
    }

    public static func == (a: Grammar, b: Grammar) -> Bool {
        a.root == b.root && a.rules.count == b.rules.count
            && zip(a.rules, b.rules).allSatisfy { $0.name == $1.name && $0.body == $1.body }
    }
}

/// One grammar expression. Character classes hold Unicode scalar ranges; the compiler expands
/// them into UTF-8 byte sequences, so the matcher only ever sees bytes.
public indirect enum GrammarExpression: Sendable, Equatable {
    /// These bytes in order (a string literal's UTF-8).
    case literal([UInt8])
    /// One character in (or, negated, outside) the scalar ranges.
    case characters([ClosedRange<UInt32>], negated: Bool)
    /// Any one character (GBNF's `.`).
    case anyCharacter
    /// A reference to the rule of this name.
    case rule(String)
    case sequence([GrammarExpression])
    case choice([GrammarExpression])
    /// `min` to `max` (nil: unbounded) repetitions.
    case repeated(GrammarExpression, min: Int, max: Int?)

    /// The empty string.
    public static let empty = GrammarExpression.sequence([])
}

/// What is wrong with a grammar, with the place in its source when it came from text.
public struct GrammarError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// 1-based line and column in the GBNF source, when the error has a place there.
    public var line: Int?
    public var column: Int?

    public init(_ message: String, line: Int? = nil, column: Int? = nil) {
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        guard let line, let column else { return message }
        return "line \(line), column \(column): \(message)"
    }
}
