import Foundation
import RealizarCore

/// A value read from a Hugging Face JSON file together with where it came from, so that every
/// error can name the file and the field path (`model.vocab`, `normalizer.normalizers[2].type`).
struct JSONField: @unchecked Sendable {
    /// A JSONSerialization value (dictionary, array, string, NSNumber or NSNull); read only.
    let value: Any
    /// The file, for error messages.
    let file: String
    /// The path of this value inside the file; empty for the root.
    let path: String

    /// Parses a whole file; bad JSON becomes a `FormatError` naming the file.
    static func parse(_ data: Data, file: String) throws -> JSONField {
        do {
            let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return JSONField(value: value, file: file, path: "")
        } catch {
            throw FormatError(path: file, problem: "is not valid JSON (\(error.localizedDescription))")
        }
    }

    func fail(_ problem: String) -> FormatError {
        FormatError(path: file, field: path.isEmpty ? nil : path, problem: problem)
    }

    var isNull: Bool { value is NSNull }

    /// The JSON type of the value, for "expected X, found Y" messages.
    var typeName: String {
        switch value {
        case is NSNull: return "null"
        case is String: return "a string"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case let n as NSNumber: return Self.isBoolean(n) ? "a boolean" : "a number"
        default: return "an unknown value"
        }
    }

    static func isBoolean(_ n: NSNumber) -> Bool {
        type(of: n) == type(of: NSNumber(value: true))
    }

    func child(_ key: String) -> JSONField? {
        guard let object = value as? [String: Any], let v = object[key] else { return nil }
        return JSONField(value: v, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// The member `key`, treating JSON null like a missing key.
    func optional(_ key: String) -> JSONField? {
        guard let c = child(key), !c.isNull else { return nil }
        return c
    }

    func required(_ key: String) throws -> JSONField {
        guard value is [String: Any] else { throw fail("expected an object, found \(typeName)") }
        guard let c = optional(key) else {
            throw FormatError(path: file, field: path.isEmpty ? key : "\(path).\(key)", problem: "required field is missing")
        }
        return c
    }

    // MARK: Typed values

    func asString() throws -> String {
        guard let s = value as? String else { throw fail("expected a string, found \(typeName)") }
        return s
    }

    func asBool() throws -> Bool {
        guard let n = value as? NSNumber, Self.isBoolean(n) || n == 0 || n == 1 else {
            throw fail("expected a boolean, found \(typeName)")
        }
        return n.boolValue
    }

    func asInt() throws -> Int {
        guard let n = value as? NSNumber, !Self.isBoolean(n) else { throw fail("expected an integer, found \(typeName)") }
        let d = n.doubleValue
        guard d.rounded() == d, abs(d) < 9e15 else { throw fail("expected an integer, found \(n)") }
        return n.intValue
    }

    func asDouble() throws -> Double {
        guard let n = value as? NSNumber, !Self.isBoolean(n) else { throw fail("expected a number, found \(typeName)") }
        // `doubleValue` can be one unit in the last place off the literal (Foundation keeps some
        // numbers as decimals); re-reading the decimal text rounds correctly, which Unigram
        // needs: its near-tied segmentations are decided by the last bits of summed scores.
        return Double(n.stringValue) ?? n.doubleValue
    }

    func asArray() throws -> [JSONField] {
        guard let a = value as? [Any] else { throw fail("expected an array, found \(typeName)") }
        return a.enumerated().map { JSONField(value: $0.element, file: file, path: "\(path)[\($0.offset)]") }
    }

    /// The members of an object, in no particular order.
    func asObject() throws -> [(key: String, value: JSONField)] {
        guard let o = value as? [String: Any] else { throw fail("expected an object, found \(typeName)") }
        return o.map { (key: $0.key, value: JSONField(value: $0.value, file: file, path: path.isEmpty ? $0.key : "\(path).\($0.key)")) }
    }

    var isObject: Bool { value is [String: Any] }
    var isString: Bool { value is String }

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
