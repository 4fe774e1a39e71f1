/// One lexical token of a template. Text between tags arrives as `.text`, already trimmed by the
/// whitespace-control rules, so the parser never has to think about whitespace.
enum TokenKind: Sendable, Equatable {
    case text(String)
    case variableBegin, variableEnd
    case blockBegin, blockEnd
    case name(String)
    case string(String)
    case integer(Int)
    case float(Double)
    /// Punctuation and operators: `+ - * / // % ** ~ == != < <= > >= = . : | , ( ) [ ] { }`.
    case op(String)
    case eof
}

struct Token: Sendable {
    var kind: TokenKind
    var location: SourceLocation

    var describe: String {
        switch kind {
        case .text: return "template data"
        case .variableBegin: return "begin of print statement"
        case .variableEnd: return "end of print statement"
        case .blockBegin: return "begin of statement block"
        case .blockEnd: return "end of statement block"
        case .name(let n): return n
        case .string(let s): return "'\(s)'"
        case .integer(let i): return String(i)
        case .float(let d): return String(d)
        case .op(let o): return o
        case .eof: return "end of template"
        }
    }
}
