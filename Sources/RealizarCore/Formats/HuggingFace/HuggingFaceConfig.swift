import Foundation

/// A Hugging Face `config.json` (or any of a model folder's small JSON files), read with typed
/// getters whose errors name the file and the field.
public struct HuggingFaceConfig: @unchecked Sendable {
    public let path: String
    public let values: [String: Any]

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(path: path, problem: "cannot be read")
        }
        try self.init(path: path, data: data)
    }

    public init(path: String, data: Data) throws {
        self.path = path
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw FormatError(path: path, problem: "is not valid JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error))")
        }
        guard let values = object as? [String: Any] else { throw FormatError(path: path, problem: "is not a JSON object") }
        self.values = values
    }

    init(path: String, values: [String: Any], prefix: String? = nil) {
        self.path = path
        self.values = values
        self.prefix = prefix
    }

    /// The enclosing field of a nested object, for error messages.
    private var prefix: String? = nil

    private func fieldName(_ key: String) -> String { prefix.map { "\($0).\(key)" } ?? key }

    private func fail(_ key: String, _ problem: String) -> FormatError {
        FormatError(path: path, field: fieldName(key), problem: problem)
    }

    public func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    public func optionalInt(_ key: String) throws -> Int? {
        guard has(key) else { return nil }
        switch JSONNumber(values[key]!) {
        case .integer(let value): return value
        case .float(let value) where Int(exactly: value) != nil: return Int(value)
        default: throw fail(key, "must be an integer, not \(values[key]!)")
        }
    }

    /// A positive integer below 2^24 (every size a config holds).
    public func size(_ key: String) throws -> Int {
        guard let value = try optionalSize(key) else { throw fail(key, "is missing") }
        return value
    }

    public func optionalSize(_ key: String) throws -> Int? {
        guard let value = try optionalInt(key) else { return nil }
        guard value > 0, value < 1 << 24 else { throw fail(key, "= \(value) is out of range (1..<\(1 << 24))") }
        return value
    }

    public func optionalFloat(_ key: String) throws -> Float? {
        guard has(key) else { return nil }
        switch JSONNumber(values[key]!) {
        case .integer(let value): return Float(value)
        case .float(let value) where value.isFinite: return Float(value)
        default: throw fail(key, "must be a number, not \(values[key]!)")
        }
    }

    /// A number in `range` (exclusive of its ends' infinities), or nil when absent.
    public func optionalFloat(_ key: String, in range: ClosedRange<Float>) throws -> Float? {
        guard let value = try optionalFloat(key) else { return nil }
        guard range.contains(value) else { throw fail(key, "= \(value) is out of range (\(range.lowerBound)...\(range.upperBound))") }
        return value
    }

    public func optionalBool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        guard case .boolean(let value) = JSONNumber(values[key]!) else {
            throw fail(key, "must be true or false, not \(values[key]!)")
        }
        return value
    }

    public func optionalString(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        guard let value = values[key] as? String else { throw fail(key, "must be a string, not \(values[key]!)") }
        return value
    }

    public func optionalStrings(_ key: String) throws -> [String]? {
        guard has(key) else { return nil }
        guard let value = values[key] as? [String] else { throw fail(key, "must be an array of strings") }
        return value
    }

    /// A nested object (`rope_scaling`), as a config of its own whose errors name `key.field`.
    public func optionalObject(_ key: String) throws -> HuggingFaceConfig? {
        guard has(key) else { return nil }
        guard let value = values[key] as? [String: Any] else { throw fail(key, "must be an object") }
        return HuggingFaceConfig(path: path, values: value, prefix: fieldName(key))
    }

    /// A field whose value is refused: the message names it and says why.
    public func refuse(_ key: String, _ problem: String) -> FormatError { fail(key, problem) }
}
