import Foundation

/// One tensor of a safetensors file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    /// Dimensions, slowest-varying first (row-major, as PyTorch writes them).
    public let shape: [Int]
    /// Offset of the first byte, from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file, memory-mapped and validated before use.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON, then the data. The header is
/// checked as the reference implementation does: known dtypes, byte ranges that match shape ×
/// dtype exactly (with overflow checks), lie inside the data, and cover it without gaps or overlaps.
public final class SafetensorsFile: Sendable {
    /// Headers larger than this are refused (the reference implementation's limit).
    public static let maximumHeaderSize = 100_000_000
    public static let maximumDimensions = 16

    public let file: MappedFile
    public let tensors: [SafetensorsTensorInfo]
    /// The optional `__metadata__` string map.
    public let metadata: [String: String]
    private let index: [String: Int]

    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    public init(file: MappedFile) throws(FormatError) {
        self.file = file
        var reader = ByteReader(bytes: file.bytes, path: file.path)
        let headerSize = try reader.read(UInt64.self, "header length")
        guard headerSize <= UInt64(Self.maximumHeaderSize) else {
            throw reader.error("header length", "\(headerSize) bytes is more than the \(Self.maximumHeaderSize)-byte limit", at: 0)
        }
        guard headerSize <= UInt64(reader.remaining) else {
            throw reader.error("header length", "\(headerSize) bytes but only \(reader.remaining) follow (truncated file?)", at: 0)
        }
        let headerBytes = try reader.readBytes(Int(headerSize), "header")
        let dataStart = reader.offset
        let dataSize = file.size - dataStart

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerBytes), options: [])
        } catch {
            throw FormatError(path: file.path, offset: 8, field: "header", problem: "is not valid JSON (\(Self.describe(error)))")
        }
        guard let header = json as? [String: Any] else {
            throw FormatError(path: file.path, offset: 8, field: "header", problem: "must be a JSON object")
        }

        var metadata: [String: String] = [:]
        var tensors: [SafetensorsTensorInfo] = []
        for (name, entry) in header {
            if name == "__metadata__" {
                guard let map = entry as? [String: Any] else {
                    throw FormatError(path: file.path, field: "__metadata__", problem: "must be an object of strings")
                }
                for (key, value) in map {
                    guard let string = value as? String else {
                        throw FormatError(path: file.path, field: "__metadata__.\(key)", problem: "must be a string")
                    }
                    metadata[key] = string
                }
                continue
            }
            tensors.append(try Self.parseTensor(name: name, entry: entry, path: file.path, dataStart: dataStart, dataSize: dataSize))
        }

        // Sorted by offset, tensors must tile the data exactly: no gap, no overlap, no trailing bytes.
        tensors.sort { ($0.fileOffset, $0.name) < ($1.fileOffset, $1.name) }
        var expected = dataStart
        for tensor in tensors {
            guard tensor.fileOffset == expected else {
                let problem = tensor.fileOffset < expected
                    ? "overlaps the tensor before it (starts at data offset \(tensor.fileOffset - dataStart), previous ends at \(expected - dataStart))"
                    : "leaves a gap of \(tensor.fileOffset - expected) bytes before it"
                throw FormatError(path: file.path, field: "tensor \"\(tensor.name)\"", problem: problem)
            }
            expected += tensor.byteCount
        }
        guard expected == file.size else {
            throw FormatError(path: file.path, offset: expected, field: "data",
                              problem: "\(file.size - expected) bytes after the last tensor belong to none")
        }
        self.tensors = tensors
        self.metadata = metadata
        var index: [String: Int] = [:]
        for (position, tensor) in tensors.enumerated() { index[tensor.name] = position }
        self.index = index
    }

    private static func parseTensor(name: String, entry: Any, path: String, dataStart: Int, dataSize: Int) throws(FormatError) -> SafetensorsTensorInfo {
        let field = "tensor \"\(name)\""
        func fail(_ problem: String) -> FormatError { FormatError(path: path, field: field, problem: problem) }
        guard let object = entry as? [String: Any] else { throw fail("must be an object with dtype, shape and data_offsets") }
        guard let dtypeName = object["dtype"] as? String else { throw fail("dtype is missing or not a string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw fail("unknown dtype \"\(dtypeName)\" (known: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let shapeValues = object["shape"] as? [Any], shapeValues.count <= maximumDimensions else {
            throw fail("shape is missing, not an array, or has more than \(maximumDimensions) dimensions")
        }
        var shape: [Int] = []
        var elements = 1
        for value in shapeValues {
            guard let dimension = exactInteger(value), dimension >= 0 else { throw fail("shape holds \(value), not a non-negative integer") }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw fail("shape \(shapeValues) overflows the element count") }
            shape.append(dimension)
            elements = product
        }
        guard let offsets = object["data_offsets"] as? [Any], offsets.count == 2,
              let begin = exactInteger(offsets[0]), let end = exactInteger(offsets[1]) else {
            throw fail("data_offsets must be two integers [begin, end]")
        }
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw fail("data_offsets [\(begin), \(end)] lie outside the \(dataSize)-byte data section (truncated file?)")
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes == end - begin else {
            throw fail("data_offsets span \(end - begin) bytes but shape \(shape) of \(dtype.rawValue) needs \(overflow ? "more than Int.max" : String(bytes))")
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, fileOffset: dataStart + begin, byteCount: end - begin)
    }

    /// Only integers written as integers (not 2.0, not true), as the reference implementation accepts.
    private static func exactInteger(_ value: Any) -> Int? {
        JSONNumber(value)?.integer
    }

    private static func describe(_ error: Error) -> String {
        let text = "\(error)"
        return text.count > 160 ? String(text.prefix(157)) + "..." : text
    }

    public func tensor(named name: String) -> SafetensorsTensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// The bytes of `tensor`, which must come from this file.
    public func data(of tensor: SafetensorsTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)])
    }
}
