import Foundation
import Hummingbird
import RealizarEngine
import RealizarTemplates

/// A value of a JSON request body with its path (`input[2].content[0].text`), read with 400s
/// that name the field. The Responses and Messages routes read their bodies this way: their
/// fields are often one of several shapes (a string or an array of typed items), and schemas and
/// tool inputs keep their key order (templates print them, grammars follow it).
struct JSONField: Sendable {
    let value: OrderedJSON
    let path: String

    /// The body as a JSON object; 413 past `limit` bytes, 400 when it is not JSON or not an object.
    static func body(of request: Request, limit: Int) async throws -> JSONField {
        // Decoding through JSONBody keeps its size limit and its messages for malformed JSON.
        let (_, text) = try await JSONBody.decodeKeepingText(AnyJSON.self, from: request, limit: limit)
        guard let value = try? OrderedJSON(parsing: text), case .object = value else {
            throw APIError.invalid("the request body must be a JSON object")
        }
        return JSONField(value: value, path: "")
    }

    /// The member `key`; nil when it is absent or null (the APIs treat both alike).
    subscript(key: String) -> JSONField? {
        guard let member = value[key], !member.isNull else { return nil }
        return JSONField(value: member, path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// A 400 naming this field: `'path' <problem>`.
    func invalid(_ problem: String) -> APIError {
        APIError.invalid("'\(path)' \(problem)", param: path)
    }

    var isObject: Bool {
        if case .object = value { return true }
        return false
    }

    /// The member names of an object, in order.
    var keys: [String] {
        if case .object(let members) = value { return members.map(\.key) }
        return []
    }

    func object() throws(APIError) -> JSONField {
        guard isObject else { throw invalid("must be an object") }
        return self
    }

    func items() throws(APIError) -> [JSONField] {
        guard case .array(let values) = value else { throw invalid("must be an array") }
        return values.enumerated().map { JSONField(value: $1, path: "\(path)[\($0)]") }
    }

    func string() throws(APIError) -> String {
        guard case .string(let text) = value else { throw invalid("must be a string") }
        return text
    }

    func bool() throws(APIError) -> Bool {
        guard case .bool(let flag) = value else { throw invalid("must be a boolean") }
        return flag
    }

    func double() throws(APIError) -> Double {
        guard case .number(let number, _) = value, number.isFinite else { throw invalid("must be a number") }
        return number
    }

    func int() throws(APIError) -> Int {
        guard case .number(let number, _) = value, number.isFinite, number.rounded() == number, abs(number) < 1e15 else {
            throw invalid("must be an integer")
        }
        return Int(number)
    }

    /// The member `key`, which must be present.
    func required(_ key: String) throws(APIError) -> JSONField {
        guard let member = self[key] else {
            let field = path.isEmpty ? key : "\(path).\(key)"
            throw APIError.invalid("'\(field)' is required", param: field)
        }
        return member
    }
}

/// An ``OrderedJSON`` value written back as it came (keys in order, numbers as written), for
/// fields a response echoes or passes through.
struct EncodedJSON: Encodable, Sendable {
    let value: OrderedJSON

    init(_ value: OrderedJSON) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .number(let number, let text):
            if let integer = Int(text) { try container.encode(integer) } else { try container.encode(number) }
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items.map(EncodedJSON.init))
        case .object(let members):
            var object = encoder.container(keyedBy: AnyKey.self)
            for member in members { try object.encode(EncodedJSON(member.value), forKey: AnyKey(member.key)) }
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ key: String) { stringValue = key }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
