/// The syntax tree of a template. Nodes are immutable values, so a parsed `Template` can be shared
/// between threads and rendered many times.

/// An argument in a call, filter or test: `f(x, key=y, *rest, **more)`.
enum Argument: Sendable {
    case positional(Expr)
    case keyword(String, Expr)
    case splat(Expr)
    case doubleSplat(Expr)
}

enum BinaryOperator: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", floorDiv = "//", mod = "%", pow = "**"
    case concat = "~"
}

enum CompareOperator: String, Sendable {
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case `in` = "in", notIn = "not in"
}

indirect enum Expr: Sendable {
    case constant(Constant, SourceLocation)
    case name(String, SourceLocation)
    case list([Expr], SourceLocation)
    case tuple([Expr], SourceLocation)
    case dict([(key: Expr, value: Expr)], SourceLocation)
    /// `obj.name`
    case attribute(Expr, String, SourceLocation)
    /// `obj[key]`
    case item(Expr, Expr, SourceLocation)
    /// `obj[start:stop:step]`
    case slice(Expr, start: Expr?, stop: Expr?, step: Expr?, SourceLocation)
    case call(Expr, [Argument], SourceLocation)
    case filter(Expr, name: String, [Argument], SourceLocation)
    case test(Expr, name: String, [Argument], negated: Bool, SourceLocation)
    case negate(Expr, SourceLocation)
    case plus(Expr, SourceLocation)
    case not(Expr, SourceLocation)
    case binary(BinaryOperator, Expr, Expr, SourceLocation)
    case and(Expr, Expr, SourceLocation)
    case or(Expr, Expr, SourceLocation)
    /// `a < b <= c`: Python chains comparisons.
    case compare(Expr, [(CompareOperator, Expr)], SourceLocation)
    /// `then if condition else otherwise`; a missing `else` gives undefined.
    case conditional(condition: Expr, then: Expr, otherwise: Expr?, SourceLocation)

    var location: SourceLocation {
        switch self {
        case .constant(_, let l), .name(_, let l), .list(_, let l), .tuple(_, let l), .dict(_, let l),
            .attribute(_, _, let l), .item(_, _, let l), .slice(_, _, _, _, let l), .call(_, _, let l),
            .filter(_, _, _, let l), .test(_, _, _, _, let l), .negate(_, let l), .plus(_, let l), .not(_, let l),
            .binary(_, _, _, let l), .and(_, _, let l), .or(_, _, let l), .compare(_, _, let l),
            .conditional(_, _, _, let l):
            return l
        }
    }
}

enum Constant: Sendable {
    case none, bool(Bool), int(Int), float(Double), string(String)
}

/// Where `set` and `for` store values: a name, `ns.attr`, or a tuple to unpack.
indirect enum AssignTarget: Sendable {
    case name(String)
    case namespaceAttribute(String, String)
    case tuple([AssignTarget])
}

/// A filter application in `{% filter f(x) %}` or `{% set x | f %}`.
struct FilterCall: Sendable {
    var name: String
    var arguments: [Argument]
    var location: SourceLocation
}

struct MacroParameter: Sendable {
    var name: String
    var defaultValue: Expr?
}

/// A macro (or the body of a `{% call %}` block, which is an anonymous macro named `caller`).
struct MacroDefinition: Sendable {
    var name: String
    var parameters: [MacroParameter]
    var body: [Stmt]
    /// Jinja2 lets a macro accept extra positional/keyword arguments, or a caller, only when its
    /// body mentions `varargs`, `kwargs` or `caller`; found once at parse time.
    var usesVarargs: Bool
    var usesKwargs: Bool
    var usesCaller: Bool
}

struct ForLoop: Sendable {
    var target: AssignTarget
    var iterable: Expr
    var condition: Expr?
    var body: [Stmt]
    var elseBody: [Stmt]
    var recursive: Bool
    /// Whether the body defines macros or call blocks (which capture the iteration's scope, so
    /// each iteration then needs a scope of its own).
    var bodyDefinesMacros: Bool
}

indirect enum Stmt: Sendable {
    case text(String)
    case output(Expr)
    case ifChain([(condition: Expr, body: [Stmt])], elseBody: [Stmt], SourceLocation)
    case forLoop(ForLoop, SourceLocation)
    case set(AssignTarget, Expr, SourceLocation)
    case setBlock(AssignTarget, [FilterCall], [Stmt], SourceLocation)
    case macro(MacroDefinition, SourceLocation)
    /// `{% call(args) target(...) %}body{% endcall %}`: the call expression and the caller macro.
    case callBlock(Expr, MacroDefinition, SourceLocation)
    case filterBlock([FilterCall], [Stmt], SourceLocation)
    case with([(AssignTarget, Expr)], [Stmt], SourceLocation)
    /// Bodies rendered in place: `{% generation %}` (Hugging Face's assistant-mask marker),
    /// `{% autoescape %}` and `{% block %}` (no inheritance without a loader).
    case scope([Stmt], newScope: Bool, SourceLocation)
    case breakLoop(SourceLocation)
    case continueLoop(SourceLocation)
}
