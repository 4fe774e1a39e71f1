/// The grammar that forces a call (`tool_choice` required or named): the format's own call syntax
/// around each tool's arguments schema, so that even a small model writes a call the parser reads
/// and arguments that validate.
public enum ToolCallGrammar {
    /// GBNF for one call of one of `tools` (up to one per tool, a line apart, when `parallel`), in `format`.
    /// Throws ``JSONSchemaError`` naming the tool whose parameters do not compile.
    public static func gbnf(format: ToolCallFormat, tools: [FunctionTool], parallel: Bool) throws(JSONSchemaError) -> String {
        var rules: [String] = []
        var calls: [String] = []
        for (index, tool) in tools.enumerated() {
            let schema: String
            do {
                schema = try JSONSchemaGrammar.gbnf(schema: tool.parameters)
            } catch {
                throw JSONSchemaError("the parameters of '\(tool.name)': \(error.message)")
            }
            let prefix = "t\(index)-"
            rules.append(prefixingRules(schema, with: prefix))
            let marker = "\u{0}ARGUMENTS\u{0}"
            let pieces = format.callText(name: tool.name, arguments: marker).components(separatedBy: marker)
            calls.append("\(prefix)call")
            rules.append("\(prefix)call ::= \(literal(pieces[0])) \(prefix)root \(literal(pieces[1]))")
        }
        // As many calls as there are tools (at most eight): a small model forced to call would
        // otherwise repeat calls until max_tokens cuts the last one short.
        let extra = min(tools.count, 8) - 1
        let more = parallel && extra > 0 ? " ( \"\\n\" call ){0,\(extra)}" : ""
        return (["root ::= call\(more)", "call ::= " + calls.joined(separator: " | ")] + rules).joined(separator: "\n") + "\n"
    }

    /// A GBNF string literal for `text`.
    static func literal(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `source` with every rule name (definitions and references) prefixed, so that several
    /// compiled schemas share one grammar. Names are the words outside literals, character
    /// classes, repetition braces and comments.
    static func prefixingRules(_ source: String, with prefix: String) -> String {
        let scalars = Array(source.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func isName(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic && s.isASCII || ("0"..."9").contains(s) || s == "-" || s == "_" }
        func copyDelimited(until close: Unicode.Scalar) {
            out.append(scalars[i])
            i += 1
            while i < scalars.count {
                let s = scalars[i]
                out.append(s)
                i += 1
                if s == "\\", i < scalars.count {
                    out.append(scalars[i])
                    i += 1
                } else if s == close {
                    return
                }
            }
        }
        while i < scalars.count {
            let s = scalars[i]
            switch s {
            case "\"": copyDelimited(until: "\"")
            case "[": copyDelimited(until: "]")
            case "{": copyDelimited(until: "}")
            case "#":
                while i < scalars.count, scalars[i] != "\n" { out.append(scalars[i]); i += 1 }
            case _ where isName(s):
                out.append(contentsOf: prefix.unicodeScalars)
                while i < scalars.count, isName(scalars[i]) { out.append(scalars[i]); i += 1 }
            default:
                out.append(s)
                i += 1
            }
        }
        return String(out)
    }
}
