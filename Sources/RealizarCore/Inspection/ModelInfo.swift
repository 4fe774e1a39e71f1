import Foundation

/// What `realizar info` reports about a model file or folder.
public struct ModelInfo: Codable, Sendable {
    /// A metadata value as it appears in the report.
    public enum Value: Codable, Sendable, Equatable, CustomStringConvertible {
        case int(Int), double(Double), string(String), bool(Bool)

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .int(let v): try container.encode(v)
            case .double(let v): try container.encode(v)
            case .string(let v): try container.encode(v)
            case .bool(let v): try container.encode(v)
            }
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let v = try? container.decode(Int.self) { self = .int(v) }
            else if let v = try? container.decode(Double.self) { self = .double(v) }
            else if let v = try? container.decode(Bool.self) { self = .bool(v) }
            else { self = .string(try container.decode(String.self)) }
        }

        public var description: String {
            switch self {
            case .int(let v): return String(v)
            case .double(let v): return String(v)
            case .string(let v): return v
            case .bool(let v): return v ? "true" : "false"
            }
        }
    }

    public struct HyperParameter: Codable, Sendable {
        public let key: String
        public let value: Value
    }

    public struct TypeCount: Codable, Sendable {
        public let type: String
        public let tensors: Int
        public let bytes: Int
    }

    public struct Tensor: Codable, Sendable {
        public let name: String
        public let type: String
        public let shape: [Int]
        public let offset: Int
        public let bytes: Int
    }

    public struct Tokenizer: Codable, Sendable {
        public let kind: String?
        public let preTokenizer: String?
        public let vocabularySize: Int?
    }

    public var path: String
    /// "gguf" or "safetensors".
    public var format: String
    public var formatVersion: Int?
    public var fileSize: Int
    public var name: String?
    public var architecture: String?
    public var parameterCount: Int
    public var contextLength: Int?
    public var embeddingLength: Int?
    public var blockCount: Int?
    public var feedForwardLength: Int?
    public var headCount: Int?
    public var headCountKV: Int?
    public var headDimension: Int?
    public var vocabularySize: Int?
    /// Every architecture hyper-parameter, in file order.
    public var hyperParameters: [HyperParameter]
    /// Facts that follow from the architecture and the tensors present rather than from a key:
    /// which layers use a sliding window, local RoPE base, norms, embedding scale, tied output.
    public var details: [HyperParameter]
    public var tokenizer: Tokenizer
    public var hasChatTemplate: Bool
    public var tensorCount: Int
    /// Tensor types with their counts and bytes, largest first.
    public var tensorTypes: [TypeCount]
    /// Every tensor; filled only when asked for.
    public var tensors: [Tensor]?
}
