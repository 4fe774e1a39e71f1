/// Typed metadata lookups that fail with an error naming the key, for loaders that need a value
/// of a particular kind.
extension GGUFFile {
    private func mismatch(_ key: String, expected: String, found: GGUFValue) -> FormatError {
        FormatError(path: file.path, field: key, problem: "expected \(expected), found \(found.type.name) \(found.summary)")
    }

    private func missing(_ key: String) -> FormatError {
        FormatError(path: file.path, field: key, problem: "required metadata key is missing")
    }

    /// An integer value of any integer type, or nil when the key is absent.
    public func optionalInt(_ key: String) throws(FormatError) -> Int? {
        guard let value = self[key] else { return nil }
        guard let int = value.intValue else { throw mismatch(key, expected: "an integer", found: value) }
        return int
    }

    public func int(_ key: String) throws(FormatError) -> Int {
        guard let value = try optionalInt(key) else { throw missing(key) }
        return value
    }

    /// A float value (f32, f64 or an integer), or nil when the key is absent.
    public func optionalFloat(_ key: String) throws(FormatError) -> Float? {
        guard let value = self[key] else { return nil }
        guard let double = value.doubleValue else { throw mismatch(key, expected: "a number", found: value) }
        return Float(double)
    }

    public func optionalString(_ key: String) throws(FormatError) -> String? {
        guard let value = self[key] else { return nil }
        guard let string = value.stringValue else { throw mismatch(key, expected: "a string", found: value) }
        return string
    }

    public func string(_ key: String) throws(FormatError) -> String {
        guard let value = try optionalString(key) else { throw missing(key) }
        return value
    }

    public func optionalBool(_ key: String) throws(FormatError) -> Bool? {
        guard let value = self[key] else { return nil }
        guard let bool = value.boolValue else { throw mismatch(key, expected: "a bool", found: value) }
        return bool
    }

    public func optionalArray(_ key: String) throws(FormatError) -> GGUFArray? {
        guard let value = self[key] else { return nil }
        guard let array = value.arrayValue else { throw mismatch(key, expected: "an array", found: value) }
        return array
    }

    public func optionalStringArray(_ key: String) throws(FormatError) -> [String]? {
        guard let array = try optionalArray(key) else { return nil }
        guard let strings = array.stringValues else {
            throw FormatError(path: file.path, field: key, problem: "expected an array of strings, found an array of \(array.elementType.name)")
        }
        return strings
    }

    public func optionalFloatArray(_ key: String) throws(FormatError) -> [Float]? {
        guard let array = try optionalArray(key) else { return nil }
        guard let floats = array.floatValues else {
            throw FormatError(path: file.path, field: key, problem: "expected an array of floats, found an array of \(array.elementType.name)")
        }
        return floats
    }

    public func optionalIntArray(_ key: String) throws(FormatError) -> [Int]? {
        guard let array = try optionalArray(key) else { return nil }
        guard let ints = array.intValues else {
            throw FormatError(path: file.path, field: key, problem: "expected an array of integers, found an array of \(array.elementType.name)")
        }
        return ints
    }

    /// An architecture hyper-parameter: `"<architecture>.<name>"`, e.g. `gemma3.block_count`.
    public func architectureKey(_ name: String) -> String {
        "\(architecture ?? "general").\(name)"
    }
}
