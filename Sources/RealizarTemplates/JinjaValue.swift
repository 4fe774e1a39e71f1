import Foundation

/// A JSON-like value handed to a template: the messages, tools and any extra variables.
///
/// Objects keep their keys in insertion order, because chat templates print them (`tojson`,
/// `items()`) and the order must match what the model was trained on.
public enum JinjaValue: Sendable, Hashable {
    /// JSON `null`; Python's `None` in the template.
    case null
    case bool(Bool)
    /// A whole number: prints as `1`.
    case int(Int)
    /// A floating-point number: prints as Python does, `1.0` for a whole value.
    case double(Double)
    case string(String)
    case array([JinjaValue])
    /// An object (Python dict) that keeps its key order.
    case object(JinjaObject)

    /// The value under `key` when this is an object, else nil.
    public subscript(key: String) -> JinjaValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// Parses JSON text, keeping the key order of every object.
    public init(json: String) throws {
        self = try OrderedJSONParser.parse(json)
    }

    /// Parses JSON data (UTF-8), keeping the key order of every object.
    public init(jsonData: Data) throws {
        self = try OrderedJSONParser.parse(String(decoding: jsonData, as: UTF8.self))
    }

    /// Converts what `JSONSerialization` returns (or any nest of Swift arrays, dictionaries, strings,
    /// numbers, booleans and `NSNull`). `[String: Any]` has no order, so keys are sorted; prefer
    /// `init(json:)` when the order matters. Returns nil for values that have no JSON counterpart.
    public init?(any value: Any) {
        switch value {
        case is NSNull: self = .null
        case let v as JinjaValue: self = v
        case let v as String: self = .string(v)
        case let n as NSNumber:
            // JSONSerialization gives booleans as NSNumber: tell them apart by their ObjC type code.
            let code = String(cString: n.objCType)
            if code == "c" || code == "B" {
                self = .bool(n.boolValue)
            } else if code == "d" || code == "f" {
                self = .double(n.doubleValue)
            } else {
                self = .int(n.intValue)
            }
        case let v as Bool: self = .bool(v)
        case let v as Int: self = .int(v)
        case let v as Double: self = .double(v)
        case let v as [Any]:
            var items: [JinjaValue] = []
            for item in v {
                guard let converted = JinjaValue(any: item) else { return nil }
                items.append(converted)
            }
            self = .array(items)
        case let v as [String: Any]:
            var object = JinjaObject()
            for key in v.keys.sorted() {
                guard let converted = JinjaValue(any: v[key]!) else { return nil }
                object[key] = converted
            }
            self = .object(object)
        default:
            return nil
        }
    }

    /// Compact JSON text for this value, in Python `json.dumps` style (`", "` and `": "`).
    public var jsonString: String {
        (try? PythonJSON.encode(RealizarTemplates.Value(self), options: PythonJSON.Options())) ?? ""
    }
}

/// A JSON object whose keys keep their insertion order.
public struct JinjaObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    public init() {}

    public init(_ pairs: [(String, JinjaValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    public init(dictionaryLiteral elements: (String, JinjaValue)...) {
        self.init(elements)
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// Setting a new key appends it; setting an existing key keeps its place; nil removes it.
    public subscript(key: String) -> JinjaValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public func makeIterator() -> AnyIterator<(key: String, value: JinjaValue)> {
        var index = 0
        return AnyIterator {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            let key = keys[index]
            return (key, storage[key]!)
        }
    }

    public static func == (lhs: JinjaObject, rhs: JinjaObject) -> Bool {
        lhs.keys == rhs.keys && lhs.storage == rhs.storage
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys)
        hasher.combine(storage)
    }
}

extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self = .object(JinjaObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}
