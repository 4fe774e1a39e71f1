import Foundation
import RealizarCore

/// A value read from a Hugging Face JSON file together with where it came from, so that every
/// error can name the file and the field path (`model.vocab`, `normalizer.normalizers[2].type`).
struct JSONField: Sendable {
    let value: JSONValue
    /// The file, for error messages.
    let file: String
    /// The path of this value inside the file; empty for the root.
    let path: String

    /// Parses a whole file; bad JSON becomes a `FormatError` naming the file and the byte offset.
    static func parse(_ data: Data, file: String) throws -> JSONField {
        let result: Result<JSONValue, JSONValue.SyntaxError> = [UInt8](data).withUnsafeBufferPointer { buffer in
            do throws(JSONValue.SyntaxError) { return .success(try JSONValue.parse(buffer)) } catch { return .failure(error) }
        }
        switch result {
        case .success(let value): return JSONField(value: value, file: file, path: "")
        case .failure(let error): throw FormatError(path: file, offset: error.offset, problem: "is not valid JSON: \(error.problem)")
        }
    }

    func fail(_ problem: String) -> FormatError {
        FormatError(path: file, field: path.isEmpty ? nil : path, problem: problem)
    }

    var isNull: Bool { if case .null = value { return true } else { return false } }
    var isObject: Bool { if case .object = value { return true } else { return false } }
    var isString: Bool { if case .string = value { return true } else { return false } }

    /// The JSON type of the value, for "expected X, found Y" messages.
    var typeName: String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The raw members / elements, for loops over large vocabularies that should not build a
    /// field path per entry; `member` and `element` make the field for an error message.
    func rawMembers() throws -> [(key: String, value: JSONValue)] {
        guard case .object(let members) = value else { throw fail("expected an object, found \(typeName)") }
        return members
    }

    func rawElements() throws -> [JSONValue] {
        guard case .array(let a) = value else { throw fail("expected an array, found \(typeName)") }
        return a
    }

    func element(_ index: Int, _ v: JSONValue) -> JSONField {
        JSONField(value: v, file: file, path: "\(path)[\(index)]")
    }

    func member(_ key: String, _ v: JSONValue) -> JSONField {
        JSONField(value: v, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func child(_ key: String) -> JSONField? {
        guard case .object(let members) = value, let m = members.last(where: { $0.key == key }) else { return nil }
        return member(key, m.value)
    }

    /// The member `key`, treating JSON null like a missing key.
    func optional(_ key: String) -> JSONField? {
        guard let c = child(key), !c.isNull else { return nil }
        return c
    }

    func required(_ key: String) throws -> JSONField {
        guard isObject else { throw fail("expected an object, found \(typeName)") }
        guard let c = optional(key) else {
            throw FormatError(path: file, field: path.isEmpty ? key : "\(path).\(key)", problem: "required field is missing")
        }
        return c
    }

    // MARK: Typed values

    func asString() throws -> String {
        guard case .string(let s) = value else { throw fail("expected a string, found \(typeName)") }
        return s
    }

    func asBool() throws -> Bool {
        guard case .bool(let b) = value else { throw fail("expected a boolean, found \(typeName)") }
        return b
    }

    func asInt() throws -> Int {
        guard case .number(let d, let isInteger) = value else { throw fail("expected an integer, found \(typeName)") }
        guard isInteger || d.rounded() == d, abs(d) < 9e15 else { throw fail("expected an integer, found \(d)") }
        return Int(d)
    }

    func asDouble() throws -> Double {
        guard case .number(let d, _) = value else { throw fail("expected a number, found \(typeName)") }
        return d
    }

    func asArray() throws -> [JSONField] {
        guard case .array(let a) = value else { throw fail("expected an array, found \(typeName)") }
        return a.enumerated().map { JSONField(value: $0.element, file: file, path: "\(path)[\($0.offset)]") }
    }

    /// The members of an object, in file order.
    func asObject() throws -> [(key: String, value: JSONField)] {
        guard case .object(let members) = value else { throw fail("expected an object, found \(typeName)") }
        return members.map { (key: $0.key, value: member($0.key, $0.value)) }
    }

    // MARK: Optional members with defaults

    func string(_ key: String) throws -> String { try required(key).asString() }
    func string(_ key: String, default d: String?) throws -> String? { try optional(key)?.asString() ?? d }
    func bool(_ key: String, default d: Bool) throws -> Bool { try optional(key)?.asBool() ?? d }
    func optionalBool(_ key: String) throws -> Bool? { try optional(key)?.asBool() }
    func int(_ key: String) throws -> Int { try required(key).asInt() }
    func int(_ key: String, default d: Int?) throws -> Int? { try optional(key)?.asInt() ?? d }

    /// The `type` member of a component object.
    func typeTag() throws -> String {
        guard isObject else { throw fail("expected an object with a \"type\" field, found \(typeName)") }
        return try string("type")
    }
}
