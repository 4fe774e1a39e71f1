import Foundation

/// Why a JSON Schema cannot be compiled, naming the keyword and where it is (`#/properties/x`).
public struct JSONSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// JSON Schema compiled to a GBNF grammar whose matches are JSON texts the schema accepts.
///
/// Supported: `type` (one or a list), `properties`, `required`, `additionalProperties` (false,
/// true or a schema), `enum`, `const`, `anyOf`, `oneOf`, `allOf` (object schemas merged),
/// `$ref` into `$defs`/`definitions` (recursion included), `items`, `prefixItems`, `minItems`,
/// `maxItems`, `minLength`, `maxLength`, `pattern`, `format` (date, time, date-time, uuid,
/// email, ipv4; other formats are annotations), `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum`, and annotations (`title`, `description`, `default`, `examples`, ...).
/// Any other keyword is an error naming it, so a schema is never silently loosened.
///
/// What is narrower than the schema (every output still validates): properties come in the
/// schema's order, extra properties (only where `additionalProperties` is given or there are no
/// declared properties) after the declared ones and without escapes in their keys;
/// whitespace between tokens is one space or a newline with up to 20 indentation characters;
/// integers have at most 16 digits; numbers with bounds are written without exponent, and a
/// fractional bound is rounded inward to an integer; a date's February ends on the 28th.
/// `oneOf` is matched as `anyOf` (an output that fits two alternatives fails `oneOf`). What the
/// schema leaves unbounded is bounded by ``JSONSchemaLimits`` (strings of 256 characters, 64
/// items, a recursive `$ref` 4 deep, ...), so that every output is finite.
public enum JSONSchemaGrammar {
    /// The GBNF grammar of JSON texts that `schema` (JSON text) accepts within `limits`.
    public static func gbnf(schema: String, limits: JSONSchemaLimits = .default) throws(JSONSchemaError) -> String {
        let value: OrderedJSON
        do { value = try OrderedJSON(parsing: schema) } catch { throw JSONSchemaError("the schema is not valid JSON: \(error.message)") }
        return try gbnf(schema: value, limits: limits)
    }

    public static func gbnf(schema: OrderedJSON, limits: JSONSchemaLimits = .default) throws(JSONSchemaError) -> String {
        var compiler = SchemaCompiler(root: schema, limits: limits)
        let expression = try compiler.compile(schema, path: "#")
        if expression == SchemaCompiler.never {
            throw JSONSchemaError("the schema's recursion never ends within \(limits.maxRecursionDepth) levels (maxRecursionDepth) at #")
        }
        compiler.rules.insert(("root", expression), at: 0)
        return compiler.rules.map { "\($0.name) ::= \($0.body)" }.joined(separator: "\n") + "\n"
    }

    /// Any one JSON object, with at most 32 whitespace characters between tokens (and before the
    /// object): OpenAI's `json_object` and Ollama's `format: "json"`. Each nesting level takes two
    /// frames, so ``jsonObjectMaxDepth`` frames allow 64 nested containers.
    public static let jsonObjectGBNF = """
        root ::= ws "{" ws ( string ws ":" ws value ( ws "," ws string ws ":" ws value )* ws )? "}"
        value ::= object | array | string | number | "true" | "false" | "null"
        object ::= "{" ws ( string ws ":" ws value ( ws "," ws string ws ":" ws value )* ws )? "}"
        array ::= "[" ws ( value ( ws "," ws value )* ws )? "]"
        string ::= "\\"" ( [^"\\\\\\x00-\\x1F] | "\\\\" ( ["\\\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\\""
        number ::= "-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
        ws ::= [ \\t\\n\\r]{0,32}

        """

    /// The stack depth that gives ``jsonObjectGBNF`` 64 levels of nesting.
    public static let jsonObjectMaxDepth = 128
}

struct SchemaCompiler {
    let root: OrderedJSON
    let limits: JSONSchemaLimits
    var rules: [(name: String, body: String)] = []
    private var names = Set<String>(["root"])
    private var refRules: [String: String] = [:]
    private var bodies: [String: String] = [:]
    private var primitives: [String: String] = [:]
    /// How many times each `$ref` is being expanded inside itself right now.
    private var expanding: [String: Int] = [:]

    /// What a schema compiles to when it has no instance within the limits (a `$ref` past
    /// ``JSONSchemaLimits/maxRecursionDepth``); callers leave it out or pass it up.
    static let never = "<never>"

    init(root: OrderedJSON, limits: JSONSchemaLimits = .default) {
        self.root = root
        self.limits = limits
    }

    static let annotations: Set<String> = [
        "title", "description", "$schema", "$id", "$comment", "default", "examples", "deprecated", "readOnly", "writeOnly",
        "$defs", "definitions", "format", "strict", "nullable", "$anchor", "contentEncoding", "contentMediaType",
    ]
    static let keywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "enum", "const", "anyOf", "oneOf", "allOf", "$ref",
        "items", "prefixItems", "additionalItems", "minItems", "maxItems", "minLength", "maxLength", "pattern",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "uniqueItems", "multipleOf",
    ]

    // MARK: Rules

    /// A rule with `body`, named after `hint`; identical bodies share one rule.
    mutating func rule(_ hint: String, _ body: String) -> String {
        if let known = bodies[body] { return known }
        let name = uniqueName(hint)
        rules.append((name, body))
        bodies[body] = name
        return name
    }

    mutating func uniqueName(_ hint: String) -> String {
        var base = String(hint.unicodeScalars.map { scalar -> Character in
            let c = Character(scalar)
            return scalar.isASCII && (c.isLetter || c.isNumber || c == "-") ? c : "-"
        })
        if base.isEmpty { base = "r" }
        var name = base
        var counter = 1
        while names.contains(name) {
            counter += 1
            name = "\(base)-\(counter)"
        }
        names.insert(name)
        return name
    }

    mutating func primitive(_ name: String) -> String {
        if name == "value" { return freeValue(limits.maxFreeFormDepth) }
        if let known = primitives[name] { return known }
        let ruleName = uniqueName(name)
        primitives[name] = ruleName
        let body: String
        switch name {
        case "ws": body = #"| " " | "\n" [ \t]{0,20}"#
        case "json-char": body = #"[^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" ( [0-9a-cA-C] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2} | [e-fE-F] [0-9a-fA-F]{3} ) )"#
        case "string": body = #""\"" "# + primitive("json-char") + "{0,\(limits.maxStringLength)}" + #" "\"""#
        case "key": body = #""\"" "# + primitive("json-char") + "{0,\(limits.maxKeyLength)}" + #" "\"""#
        case "integer": body = #""-"? ( "0" | [1-9] [0-9]{0,15} )"#
        case "number": body = #""-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?"#
        case "boolean": body = #""true" | "false""#
        case "null": body = #""null""#
        default: fatalError("no primitive \(name)")
        }
        rules.append((ruleName, body))
        bodies[body] = ruleName
        return ruleName
    }

    /// Any JSON value with at most `depth` levels of objects and arrays inside it: free-form
    /// values nest only so deep (``JSONSchemaLimits/maxFreeFormDepth``), hold at most
    /// ``JSONSchemaLimits/maxItems`` items and ``JSONSchemaLimits/maxAdditionalProperties`` members.
    mutating func freeValue(_ depth: Int) -> String {
        let key = "value@\(depth)"
        if let known = primitives[key] { return known }
        let name = uniqueName(depth == limits.maxFreeFormDepth ? "value" : "value-\(depth)")
        primitives[key] = name
        var choices = [primitive("string"), primitive("number"), primitive("boolean"), primitive("null")]
        if depth > 0 {
            let inner = freeValue(depth - 1)
            let ws = primitive("ws")
            let member = "\(primitive("key")) \(ws) \":\" \(ws) \(inner)"
            let object = "\"{\" \(ws) " + list(member, count: 0...limits.maxAdditionalProperties) + " \(ws) \"}\""
            let array = "\"[\" \(ws) " + list(inner, count: 0...limits.maxItems) + " \(ws) \"]\""
            choices = [rule("free-object", object), rule("free-array", array)] + choices
        }
        rules.append((name, choices.joined(separator: " | ")))
        return name
    }

    /// `count` copies of `item` separated by commas (with whitespace), as a GBNF expression.
    mutating func list(_ item: String, count: ClosedRange<Int>) -> String {
        let ws = primitive("ws")
        guard count.upperBound > 0 else { return "\"\"" }
        let more = "( \(ws) \",\" \(ws) \(item) )" + repetition(max(0, count.lowerBound - 1), count.upperBound - 1)
        return count.lowerBound == 0 ? "( \(item) \(more) )?" : "\(item) \(more)"
    }

    // MARK: Schemas

    func error(_ message: String, _ path: String) -> JSONSchemaError { JSONSchemaError("\(message) at \(path)") }

    mutating func compile(_ schema: OrderedJSON, path: String) throws(JSONSchemaError) -> String {
        switch schema {
        case .bool(true): return primitive("value")
        case .bool(false): throw error("the schema 'false' matches nothing", path)
        case .object(let members):
            for member in members where !Self.keywords.contains(member.key) && !Self.annotations.contains(member.key) {
                throw error("unsupported JSON Schema keyword '\(member.key)'", path)
            }
            if members.isEmpty { return primitive("value") }
        default: throw error("a schema must be an object or a boolean", path)
        }

        if let ref = schema["$ref"] {
            guard case .string(let pointer) = ref else { throw error("'$ref' must be a string", path) }
            if let other = schemaKeys(schema).first(where: { $0 != "$ref" }) {
                throw error("'$ref' beside '\(other)' is not supported (wrap them in 'allOf')", path)
            }
            return try reference(pointer, path: path + "/$ref")
        }
        if let value = schema["const"] { return literal(value) }
        if let value = schema["enum"] {
            guard case .array(let items) = value, !items.isEmpty else { throw error("'enum' must be a non-empty array", path) }
            return "(" + items.map { literal($0) }.joined(separator: " | ") + ")"
        }
        if let all = schema["allOf"] {
            guard case .array(let items) = all, !items.isEmpty else { throw error("'allOf' must be a non-empty array", path) }
            var merged = without(schema, ["allOf"])
            for (index, item) in items.enumerated() {
                merged = try merge(merged, try resolved(item, path: path + "/allOf/\(index)"), path: path + "/allOf/\(index)")
            }
            return try compile(merged, path: path)
        }
        for keyword in ["anyOf", "oneOf"] {
            guard let any = schema[keyword] else { continue }
            guard case .array(let items) = any, !items.isEmpty else { throw error("'\(keyword)' must be a non-empty array", path) }
            let rest = without(schema, [keyword])
            var choices: [String] = []
            for (index, item) in items.enumerated() {
                let itemPath = path + "/\(keyword)/\(index)"
                if schemaKeys(rest).isEmpty {
                    choices.append(try compile(item, path: itemPath))
                } else {
                    choices.append(try compile(try merge(rest, try resolved(item, path: itemPath), path: itemPath), path: itemPath))
                }
            }
            choices.removeAll { $0 == Self.never }
            if choices.isEmpty { return Self.never }
            return "(" + choices.joined(separator: " | ") + ")"
        }

        var types: [String]
        switch schema["type"] {
        case .string(let type)?: types = [type]
        case .array(let list)?:
            types = []
            for item in list {
                guard case .string(let type) = item else { throw error("'type' must be a string or an array of strings", path) }
                types.append(type)
            }
        case nil:
            if schema["properties"] != nil || schema["additionalProperties"] != nil || schema["required"] != nil { types = ["object"] }
            else if schema["items"] != nil || schema["prefixItems"] != nil || schema["minItems"] != nil || schema["maxItems"] != nil { types = ["array"] }
            else if schema["pattern"] != nil || schema["minLength"] != nil || schema["maxLength"] != nil || schema["format"] != nil { types = ["string"] }
            else if schema["minimum"] != nil || schema["maximum"] != nil || schema["exclusiveMinimum"] != nil || schema["exclusiveMaximum"] != nil { types = ["number"] }
            else { return primitive("value") }
        default: throw error("'type' must be a string or an array of strings", path)
        }
        var choices: [String] = []
        for type in types {
            switch type {
            case "object": choices.append(try object(schema, path: path))
            case "array": choices.append(try array(schema, path: path))
            case "string": choices.append(try string(schema, path: path))
            case "integer": choices.append(try number(schema, integer: true, path: path))
            case "number": choices.append(try number(schema, integer: false, path: path))
            case "boolean": choices.append(primitive("boolean"))
            case "null": choices.append(primitive("null"))
            default: throw error("unknown type '\(type)'", path + "/type")
            }
        }
        choices.removeAll { $0 == Self.never }
        if choices.isEmpty { return Self.never }
        return choices.count == 1 ? choices[0] : "(" + choices.joined(separator: " | ") + ")"
    }

    func schemaKeys(_ schema: OrderedJSON) -> [String] {
        guard case .object(let members) = schema else { return [] }
        return members.map(\.key).filter { !Self.annotations.contains($0) || $0 == "format" }
    }

    func without(_ schema: OrderedJSON, _ keys: Set<String>) -> OrderedJSON {
        guard case .object(let members) = schema else { return schema }
        return .object(members.filter { !keys.contains($0.key) })
    }

    /// The schema `$ref` points to, followed (refs to refs too), for merging.
    func resolved(_ schema: OrderedJSON, path: String) throws(JSONSchemaError) -> OrderedJSON {
        var current = schema
        var hops = 0
        while case .string(let pointer)? = current["$ref"], schemaKeys(current).count == 1 {
            current = try target(pointer, path: path)
            hops += 1
            if hops > 32 { throw error("'$ref' chain too long or circular", path) }
        }
        return current
    }

    func target(_ pointer: String, path: String) throws(JSONSchemaError) -> OrderedJSON {
        guard pointer.hasPrefix("#") else { throw error("only local '$ref's (starting with '#') are supported, not '\(pointer)'", path) }
        var current = root
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let part = String(raw).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                .removingPercentEncoding ?? String(raw)
            if case .array(let items) = current, let index = Int(part), items.indices.contains(index) {
                current = items[index]
            } else if let next = current[part] {
                current = next
            } else {
                throw error("'$ref' '\(pointer)' points to nothing", path)
            }
        }
        return current
    }

    /// A rule for the schema `pointer` names. A recursive `$ref` is unrolled, one rule per level,
    /// and compiles to ``never`` past ``JSONSchemaLimits/maxRecursionDepth`` levels inside itself:
    /// a recursion with no bound lets a small model nest until `max_tokens` cuts it.
    mutating func reference(_ pointer: String, path: String) throws(JSONSchemaError) -> String {
        let depth = expanding[pointer, default: 0]
        if depth > limits.maxRecursionDepth { return Self.never }
        // What a target compiles to depends on the levels of every $ref being expanded.
        let context = pointer + "|" + expanding.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        if let known = refRules[context] { return known }
        let schema = try target(pointer, path: path)
        expanding[pointer] = depth + 1
        let body = try compile(schema, path: pointer)
        expanding[pointer] = depth
        let name = body == Self.never ? Self.never : rule("ref-" + (pointer.split(separator: "/").last.map(String.init) ?? "root"), body)
        refRules[context] = name
        return name
    }

    /// A GBNF literal for `value`'s compact JSON text.
    func literal(_ value: OrderedJSON) -> String { Self.gbnfLiteral(value.text) }

    static func gbnfLiteral(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case ..<" ": out += String(format8: scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: allOf

    /// Two schemas as one that accepts what both accept (object keywords combined, bounds
    /// tightened); keywords that cannot be combined are an error.
    func merge(_ a: OrderedJSON, _ b: OrderedJSON, path: String) throws(JSONSchemaError) -> OrderedJSON {
        guard case .object(var members) = a, case .object(let others) = b else {
            if case .bool(true) = b { return a }
            throw error("'allOf' of non-object schemas is not supported", path)
        }
        func index(_ key: String) -> Int? { members.firstIndex { $0.key == key } }
        for other in others {
            guard let i = index(other.key) else {
                members.append(other)
                continue
            }
            let mine = members[i].value
            switch other.key {
            case "properties":
                guard case .object(var properties) = mine, case .object(let more) = other.value else { throw error("'properties' must be an object", path) }
                for property in more {
                    if let j = properties.firstIndex(where: { $0.key == property.key }) {
                        properties[j].value = try merge(try resolved(properties[j].value, path: path), try resolved(property.value, path: path), path: path + "/properties/\(property.key)")
                    } else {
                        properties.append(property)
                    }
                }
                members[i].value = .object(properties)
            case "required":
                guard case .array(let list) = mine, case .array(let more) = other.value else { throw error("'required' must be an array", path) }
                let known = Set(list.map(\.text))
                members[i].value = .array(list + more.filter { !known.contains($0.text) })
            case "additionalProperties":
                if case .bool(false) = other.value { members[i].value = other.value }
            case "minimum", "exclusiveMinimum", "minLength", "minItems":
                if case .number(let x, _) = mine, case .number(let y, _) = other.value, y > x { members[i].value = other.value }
            case "maximum", "exclusiveMaximum", "maxLength", "maxItems":
                if case .number(let x, _) = mine, case .number(let y, _) = other.value, y < x { members[i].value = other.value }
            case "type":
                func set(_ value: OrderedJSON) -> Set<String> {
                    switch value {
                    case .string(let s): return [s]
                    case .array(let items): return Set(items.compactMap { if case .string(let s) = $0 { s } else { nil } })
                    default: return []
                    }
                }
                var common = set(mine).intersection(set(other.value))
                if set(mine).contains("number") && set(other.value).contains("integer") { common.insert("integer") }
                if set(other.value).contains("number") && set(mine).contains("integer") { common.insert("integer") }
                guard !common.isEmpty else { throw error("'allOf' combines types that share no value", path) }
                members[i].value = .array(common.sorted().map { .string($0) })
            default:
                if Self.annotations.contains(other.key) && other.key != "format" { continue }
                guard mine.text == other.value.text else {
                    throw error("'allOf' combining two different '\(other.key)' keywords is not supported", path)
                }
            }
        }
        // A subschema with additionalProperties: false admits only its own properties.
        if case .bool(false)? = b["additionalProperties"], case .object(let allowed)? = b["properties"] ?? .object([]),
           let i = index("properties"), case .object(let properties) = members[i].value {
            let names = Set(allowed.map(\.key))
            members[i].value = .object(properties.filter { names.contains($0.key) })
        }
        if case .bool(false)? = a["additionalProperties"], case .object(let allowed)? = a["properties"] ?? .object([]),
           let i = index("properties"), case .object(let properties) = members[i].value {
            let names = Set(allowed.map(\.key))
            members[i].value = .object(properties.filter { names.contains($0.key) })
        }
        return .object(members)
    }

    // MARK: Types

    mutating func object(_ schema: OrderedJSON, path: String) throws(JSONSchemaError) -> String {
        var properties: [(key: String, value: OrderedJSON)] = []
        switch schema["properties"] {
        case nil: break
        case .object(let members)?: properties = members
        default: throw error("'properties' must be an object", path)
        }
        var required = Set<String>()
        if let list = schema["required"] {
            guard case .array(let items) = list else { throw error("'required' must be an array of strings", path) }
            for item in items {
                guard case .string(let name) = item else { throw error("'required' must be an array of strings", path) }
                required.insert(name)
            }
        }
        var additional: String?
        switch schema["additionalProperties"] {
        case .bool(false)?: additional = nil
        case nil:
            // Absent means any extra property; with declared properties the declared ones suffice.
            additional = properties.isEmpty ? primitive("value") : nil
        case .bool(true)?: additional = primitive("value")
        case let extra?:
            additional = try compile(extra, path: path + "/additionalProperties")
            if additional == Self.never { additional = nil }
        }
        for name in required where !properties.contains(where: { $0.key == name }) {
            // A required property the schema does not describe takes any value.
            properties.append((name, .bool(true)))
        }
        let ws = primitive("ws")
        var members: [(text: String, required: Bool)] = []
        for property in properties {
            let value = try compile(property.value, path: path + "/properties/\(property.key)")
            if value == Self.never {
                if required.contains(property.key) { return Self.never }
                continue
            }
            members.append((SchemaCompiler.gbnfLiteral(OrderedJSON.quote(property.key)) + " \(ws) \":\" \(ws) " + value, required.contains(property.key)))
        }
        var extraMember: String?
        if let additional {
            let key = notStrings(properties.map(\.key))
            extraMember = rule("extra-kv", key + " \(ws) \":\" \(ws) " + additional)
        }
        // Extra members come after the declared ones, at most maxAdditionalProperties of them.
        let extras = limits.maxAdditionalProperties
        // after: members from i on, some member already written (each needs a comma first).
        var after = extraMember.map { "( \(ws) \",\" \(ws) \($0) )" + repetition(0, extras) } ?? ""
        // first: members from i on, none written yet.
        var first = extraMember.map { extras == 0 ? "" : "( \($0) ( \(ws) \",\" \(ws) \($0) )" + repetition(0, extras - 1) + " )?" } ?? ""
        for member in members.reversed() {
            let withComma = "\(ws) \",\" \(ws) \(member.text)"
            if member.required {
                first = "\(member.text) \(after)"
                after = "\(withComma) \(after)"
            } else {
                let restFirst = first.isEmpty ? "" : " | \(first)"
                first = "( \(member.text) \(after)\(restFirst) )"
                if first.hasSuffix("|  )") { first = "( \(member.text) \(after) )?" }
                after = "( \(withComma) )? \(after)"
            }
        }
        let inner = first.trimmingCharacters(in: .whitespaces)
        if inner.isEmpty { return rule(ruleHint(path, "object"), "\"{\" \(ws) \"}\"") }
        let canBeEmpty = !members.contains { $0.required }
        let body = canBeEmpty ? "\"{\" \(ws) ( \(inner) \(ws) )? \"}\"" : "\"{\" \(ws) \(inner) \(ws) \"}\""
        return rule(ruleHint(path, "object"), body)
    }

    func ruleHint(_ path: String, _ fallback: String) -> String {
        let last = path.split(separator: "/").last.map(String.init) ?? fallback
        return last == "#" ? fallback : last
    }

    /// A JSON string (with the quotes) whose content is none of `excluded`; keys are written
    /// without escapes, so one spelling per key needs excluding.
    mutating func notStrings(_ excluded: [String]) -> String {
        if excluded.isEmpty { return primitive("string") }
        final class Node { var children: [(Unicode.Scalar, Node)] = []; var terminal = false }
        let trie = Node()
        for key in excluded {
            var node = trie
            for scalar in OrderedJSON.quote(key).unicodeScalars.dropFirst().dropLast() {
                if let child = node.children.first(where: { $0.0 == scalar })?.1 { node = child } else {
                    let child = Node()
                    node.children.append((scalar, child))
                    node = child
                }
            }
            node.terminal = true
        }
        let plain = rule("key-char", #"[^"\\\x00-\x1F]"#)
        let tail = rule("key-tail", plain + "{0,\(limits.maxKeyLength)}")
        func body(_ node: Node) -> String {
            var choices: [String] = []
            for (scalar, child) in node.children {
                choices.append(Self.gbnfLiteral(String(scalar)) + " " + rule("not-key", body(child)))
            }
            let others = node.children.map { SchemaRegex.classText($0.0.value...$0.0.value) }.joined()
            choices.append("[^\"\\\\\\x00-\\x1F" + others + "] " + tail)
            if !node.terminal { choices.append("\"\"") }
            return choices.joined(separator: " | ")
        }
        return "\"\\\"\" ( " + body(trie) + " ) \"\\\"\""
    }

    mutating func array(_ schema: OrderedJSON, path: String) throws(JSONSchemaError) -> String {
        func count(_ key: String) throws(JSONSchemaError) -> Int? {
            guard let value = schema[key] else { return nil }
            guard case .number(let n, _) = value, n >= 0, n == n.rounded() else { throw error("'\(key)' must be a non-negative integer", path) }
            return Int(min(n, 1_000_000))
        }
        let minItems = try count("minItems") ?? 0
        let schemaMaxItems = try count("maxItems")
        if let schemaMaxItems, schemaMaxItems < minItems { throw error("'maxItems' is below 'minItems'", path) }
        if case .bool(true)? = schema["uniqueItems"], (schemaMaxItems ?? 2) > 1 {
            throw error("unsupported JSON Schema keyword 'uniqueItems' (true, with more than one item allowed)", path)
        }
        var prefix: [OrderedJSON] = []
        var items: OrderedJSON? = schema["items"]
        if case .array(let list)? = schema["prefixItems"] { prefix = list }
        if case .array(let list)? = items {
            prefix = list
            items = schema["additionalItems"]
        }
        let maxItems: Int? = schemaMaxItems ?? max(limits.maxItems, minItems, prefix.count)
        let ws = primitive("ws")
        var parts: [String] = []
        let prefixCount = min(prefix.count, maxItems ?? prefix.count)
        for (index, item) in prefix.prefix(prefixCount).enumerated() {
            let part = try compile(item, path: path + "/prefixItems/\(index)")
            if part == Self.never { return Self.never }
            parts.append(part)
        }
        var tail: String?
        if case .bool(false)? = items {
            tail = nil
        } else if prefixCount < (maxItems ?? Int.max) {
            tail = try items.map { (item) throws(JSONSchemaError) in try compile(item, path: path + "/items") } ?? primitive("value")
            if tail == Self.never {
                if prefixCount < minItems { return Self.never }
                tail = nil
            }
        }
        if prefixCount < minItems && tail == nil { throw error("'minItems' asks for more items than the schema allows", path) }
        var body = "\"[\" \(ws) "
        let separator = "\(ws) \",\" \(ws) "
        body += parts.joined(separator: " " + separator)
        if let tail {
            let low = max(0, minItems - prefixCount)
            let high = maxItems.map { $0 - prefixCount }
            if prefixCount > 0 {
                body += " ( \(separator)\(tail) )" + repetition(low, high)
            } else if low > 0 {
                body += "\(tail) ( \(separator)\(tail) )" + repetition(low - 1, high.map { $0 - 1 })
            } else if high != 0 {
                body += "( \(tail) ( \(separator)\(tail) )" + repetition(0, high.map { $0 - 1 }) + " )?"
            }
        }
        body += " \(ws) \"]\""
        return rule(ruleHint(path, "array"), body)
    }

    func repetition(_ low: Int, _ high: Int?) -> String {
        switch (low, high) {
        case (0, nil): return "*"
        case (1, nil): return "+"
        case (0, 1?): return "?"
        case (let l, nil): return "{\(l),}"
        case (let l, let h?): return l == h ? "{\(l)}" : "{\(l),\(h)}"
        }
    }

    mutating func string(_ schema: OrderedJSON, path: String) throws(JSONSchemaError) -> String {
        func count(_ key: String) throws(JSONSchemaError) -> Int? {
            guard let value = schema[key] else { return nil }
            guard case .number(let n, _) = value, n >= 0, n == n.rounded() else { throw error("'\(key)' must be a non-negative integer", path) }
            return Int(min(n, 1_000_000))
        }
        let minLength = try count("minLength")
        let maxLength = try count("maxLength")
        if let maxLength, maxLength > 5000 { throw error("'maxLength' above 5000 is not supported", path) }
        if let maxLength, let minLength, maxLength < minLength { throw error("'maxLength' is below 'minLength'", path) }
        if let pattern = schema["pattern"] {
            guard case .string(let text) = pattern else { throw error("'pattern' must be a string", path) }
            if minLength != nil || maxLength != nil { throw error("'pattern' together with 'minLength'/'maxLength' is not supported", path) }
            _ = primitive("json-char")
            return rule(ruleHint(path, "pattern"), "\"\\\"\" " + (try SchemaRegex.gbnf(text, path: path, maxRepetition: limits.maxPatternRepetition)) + " \"\\\"\"")
        }
        if case .string(let format)? = schema["format"], let body = Self.formats[format] {
            if minLength != nil || maxLength != nil { throw error("'format' together with 'minLength'/'maxLength' is not supported", path) }
            return rule(format, "\"\\\"\" " + body + " \"\\\"\"")
        }
        if minLength == nil && maxLength == nil { return primitive("string") }
        let char = primitive("json-char")
        let high = maxLength ?? max(limits.maxStringLength, minLength ?? 0)
        return rule(ruleHint(path, "string"), "\"\\\"\" \(char)" + repetition(minLength ?? 0, high) + " \"\\\"\"")
    }

    static let formats: [String: String] = {
        let day31 = #"( "0" [1-9] | [12] [0-9] | "3" [01] )"#
        let day30 = #"( "0" [1-9] | [12] [0-9] | "30" )"#
        let day28 = #"( "0" [1-9] | "1" [0-9] | "2" [0-8] )"#
        let date = #"[0-9]{4} "-" ( ( "0" [13578] | "1" [02] ) "-" "# + day31 + #" | ( "0" [469] | "11" ) "-" "# + day30 + #" | "02-" "# + day28 + " )"
        let time = #"( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,6} )? ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )"#
        let hex = "[0-9a-f]"
        let octet = #"( "25" [0-5] | "2" [0-4] [0-9] | "1" [0-9] [0-9] | [1-9]? [0-9] )"#
        return [
            "date": date,
            "time": time,
            "date-time": "( " + date + #" ) "T" "# + time,
            "uuid": "\(hex){8} \"-\" \(hex){4} \"-\" \(hex){4} \"-\" \(hex){4} \"-\" \(hex){12}",
            "email": #"[a-zA-Z0-9] [a-zA-Z0-9._+-]{0,30} "@" [a-zA-Z0-9] [a-zA-Z0-9-]{0,30} ( "." [a-zA-Z] [a-zA-Z0-9-]{0,20} ){1,3}"#,
            "ipv4": "\(octet) \".\" \(octet) \".\" \(octet) \".\" \(octet)",
        ]
    }()

    // MARK: Numbers

    mutating func number(_ schema: OrderedJSON, integer: Bool, path: String) throws(JSONSchemaError) -> String {
        if let multiple = schema["multipleOf"] {
            guard integer, case .number(1, _) = multiple else { throw error("unsupported JSON Schema keyword 'multipleOf'", path) }
        }
        func bound(_ key: String) throws(JSONSchemaError) -> Double? {
            guard let value = schema[key] else { return nil }
            if case .bool = value { return nil }  // draft 4's boolean form, read below
            guard case .number(let n, _) = value, n.isFinite else { throw error("'\(key)' must be a number", path) }
            return n
        }
        var low = try bound("minimum"), high = try bound("maximum")
        var lowExclusive = false, highExclusive = false
        if case .bool(true)? = schema["exclusiveMinimum"] { lowExclusive = true }
        if case .bool(true)? = schema["exclusiveMaximum"] { highExclusive = true }
        if let x = try bound("exclusiveMinimum"), low.map({ x >= $0 }) ?? true { low = x; lowExclusive = true }
        if let x = try bound("exclusiveMaximum"), high.map({ x <= $0 }) ?? true { high = x; highExclusive = true }
        if low == nil && high == nil { return primitive(integer ? "integer" : "number") }
        let limit = 9_999_999_999_999_999.0
        // Integer endpoints, rounded inward (exact for integer bounds).
        let lowInt: Int64? = low.map { value in
            let c = value.rounded(.up)
            return Int64(max(-limit, min(limit, lowExclusive && c == value ? c + 1 : c)))
        }
        let highInt: Int64? = high.map { value in
            let f = value.rounded(.down)
            return Int64(max(-limit, min(limit, highExclusive && f == value ? f - 1 : f)))
        }
        if let l = lowInt, let h = highInt, l > h {
            throw error(integer ? "no integer lies between the bounds" : "the bounds leave no value expressible as an integer-bounded number", path)
        }
        let fraction = integer ? nil : #"( "." [0-9]{1,15} )"#
        var choices: [String] = []
        // Non-negative values: integer part a...b, a fraction only below b.
        if highInt.map({ $0 >= 0 }) ?? true {
            let a = max(lowInt ?? 0, 0)
            if let b = highInt {
                if let fraction, a <= b - 1 { choices.append("( " + Self.digits(a, b - 1) + " ) " + fraction + "?") }
                if fraction == nil, a <= b { choices.append(Self.digits(a, b)) }
                if fraction != nil, a <= b { choices.append("\"\(b)\"") }
            } else {
                choices.append("( " + Self.digits(a, nil) + " )" + (fraction.map { " " + $0 + "?" } ?? ""))
            }
        }
        // Negative values -u: u from umin (above -high) to umax (-low), a fraction only below umax.
        if lowInt.map({ $0 < 0 }) ?? true {
            let umin = max(1, highInt.map { -$0 } ?? 1)
            if let low = lowInt {
                let umax = -low
                if let fraction, umin <= umax - 1 { choices.append("\"-\" ( " + Self.digits(umin, umax - 1) + " ) " + fraction + "?") }
                if fraction == nil, umin <= umax { choices.append("\"-\" ( " + Self.digits(umin, umax) + " )") }
                if fraction != nil, umin <= umax { choices.append("\"-\(umax)\"") }
            } else {
                choices.append("\"-\" ( " + Self.digits(umin, nil) + " )" + (fraction.map { " " + $0 + "?" } ?? ""))
            }
        }
        // Above an exclusive integer lower bound L ≥ 0: L itself with a non-zero fraction.
        if !integer, lowExclusive, let low, low >= 0, low == low.rounded(), low < limit, high.map({ low + 1 <= $0 }) ?? true {
            choices.append("\"\(Int64(low))\" \".\" [0-9]{0,14} [1-9]")
        }
        guard !choices.isEmpty else { throw error("the bounds leave no value", path) }
        return rule(ruleHint(path, integer ? "integer" : "number"), choices.map { "( \($0) )" }.joined(separator: " | "))
    }

    /// The decimal numerals (no leading zeros) from `low` to `high` (nil: up to 16 digits).
    static func digits(_ low: Int64, _ high: Int64?) -> String {
        let top = high ?? 9_999_999_999_999_999
        var choices: [String] = []
        var start = low
        // Split into runs of equal digit count.
        while start <= top {
            let length = String(start).count
            let lengthEnd = length >= 16 ? Int64(9_999_999_999_999_999) : Int64(pow(10.0, Double(length))) - 1
            let end = min(top, lengthEnd)
            choices.append(sameLength(Array(String(start).utf8), Array(String(end).utf8)))
            if end == top { break }
            start = end + 1
        }
        return choices.count == 1 ? choices[0] : choices.map { "( \($0) )" }.joined(separator: " | ")
    }

    /// Numerals of one length from `a` to `b` (digit arrays of equal length, `a` ≤ `b`).
    static func sameLength(_ a: [UInt8], _ b: [UInt8]) -> String {
        guard let x = a.first, let y = b.first else { return "\"\"" }
        let n = a.count
        let restA = Array(a.dropFirst()), restB = Array(b.dropFirst())
        if x == y { return "\"\(Character(UnicodeScalar(x)))\" " + (n > 1 ? sameLength(restA, restB) : "") }
        let allZero = restA.allSatisfy { $0 == UInt8(ascii: "0") }
        let allNine = restB.allSatisfy { $0 == UInt8(ascii: "9") }
        func digit(_ d: UInt8) -> String { String(Character(UnicodeScalar(d))) }
        func anyDigits(_ count: Int) -> String { count == 0 ? "" : " [0-9]" + (count > 1 ? "{\(count)}" : "") }
        if allZero && allNine { return "[\(digit(x))-\(digit(y))]" + anyDigits(n - 1) }
        var choices: [String] = []
        var low = x, high = y
        if !allZero {
            choices.append("\"\(digit(x))\" " + sameLength(restA, [UInt8](repeating: UInt8(ascii: "9"), count: n - 1)))
            low = x + 1
        }
        if !allNine { high = y - 1 }
        if low <= high { choices.append("[\(digit(low))-\(digit(high))]" + anyDigits(n - 1)) }
        if !allNine { choices.append("\"\(digit(y))\" " + sameLength([UInt8](repeating: UInt8(ascii: "0"), count: n - 1), restB)) }
        return "( " + choices.map { "( \($0) )" }.joined(separator: " | ") + " )"
    }
}
