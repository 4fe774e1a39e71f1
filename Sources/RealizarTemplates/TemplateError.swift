/// A position in template source, 1-based. Line 0 means "not known yet": the interpreter fills it in
/// from the innermost expression or statement that was being evaluated when the error was raised.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// Line 0: the position is not known (yet).
    public static let unknown = SourceLocation(line: 0, column: 0)

    public var description: String { "line \(line), column \(column)" }
}

/// An error raised while parsing or rendering a template.
///
/// Every error carries the place in the template where it happened, so that a broken chat template
/// can be fixed without guessing; `message` reads like the matching Jinja2 exception text.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The source is not a valid template (Jinja2's `TemplateSyntaxError`).
        case syntax
        /// An undefined value was used in a way that needs a value (Jinja2's `UndefinedError`).
        case undefined
        /// An operation was applied to a value of the wrong type (Python's `TypeError`).
        case type
        /// An operation got a value of the right type but a wrong value (Python's `ValueError`,
        /// `ZeroDivisionError`, `IndexError`...).
        case value
        /// The template reached for something the sandbox forbids (Jinja2's `SecurityError`).
        case security
        /// A resource limit was reached: loop iterations, recursion depth, output size or time.
        case limit
        /// The template itself called `raise_exception(message)`; `message` is exactly its argument.
        case raised
    }

    public var kind: Kind
    public var message: String
    public var location: SourceLocation

    public init(_ kind: Kind, _ message: String, at location: SourceLocation = .unknown) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    public var line: Int { location.line }
    public var column: Int { location.column }

    public var description: String {
        let what: String
        switch kind {
        case .syntax: what = "syntax error"
        case .undefined: what = "undefined error"
        case .type: what = "type error"
        case .value: what = "value error"
        case .security: what = "security error"
        case .limit: what = "limit reached"
        case .raised: what = "template raised an exception"
        }
        if location.line == 0 { return "\(what): \(message)" }
        return "\(what) at \(location): \(message)"
    }

    /// Gives the error a location unless it already has one (the innermost node wins).
    func located(_ loc: SourceLocation) -> TemplateError {
        if location.line != 0 { return self }
        var copy = self
        copy.location = loc
        return copy
    }
}
