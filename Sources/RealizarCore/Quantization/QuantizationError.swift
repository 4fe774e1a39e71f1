/// Why a block format could not be converted.
public enum QuantizationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The type has no scalar implementation for the named operation (`"dequantization"` or
    /// `"quantization"`).
    case unsupported(GGMLType, String)
    /// `count` values are not a whole number of `type` blocks.
    case partialBlock(type: GGMLType, count: Int)
    /// A buffer holds `actualBytes` bytes where `expectedBytes` were needed (or, for `expectedBytes`
    /// of nil, a number of bytes that is not a whole number of blocks).
    case sizeMismatch(type: GGMLType, expectedBytes: Int?, actualBytes: Int)
    /// A negative count, or one whose byte size does not fit in `Int`.
    case invalidCount(type: GGMLType, count: Int)

    public var description: String {
        switch self {
        case let .unsupported(type, operation):
            return "\(type.name): \(operation) is not supported"
        case let .partialBlock(type, count):
            return "\(type.name): \(count) values are not a whole number of \(type.blockSize)-value blocks"
        case let .sizeMismatch(type, expected?, actual):
            return "\(type.name): buffer holds \(actual) bytes, expected \(expected)"
        case let .sizeMismatch(type, nil, actual):
            return "\(type.name): \(actual) bytes are not a whole number of \(type.typeSize)-byte blocks"
        case let .invalidCount(type, count):
            return "\(type.name): invalid value count \(count)"
        }
    }

    /// The number of blocks `count` values of `type` fill, or the error describing why they don't.
    static func blockCount(_ type: GGMLType, _ count: Int) throws(QuantizationError) -> Int {
        guard count >= 0 else { throw .invalidCount(type: type, count: count) }
        guard count % type.blockSize == 0 else { throw .partialBlock(type: type, count: count) }
        guard type.byteCount(forElements: count) != nil else { throw .invalidCount(type: type, count: count) }
        return count / type.blockSize
    }
}
