import Foundation

/// Writes GGUF version 3 files: the test suite's small and hostile models, and random-weight
/// models of large shapes for benchmarks.
public struct GGUFWriter {
    public struct Tensor {
        public var name: String
        public var type: GGMLType
        public var shape: [Int]
        /// The tensor's bytes; their count must equal `type.byteCount(forElements:)` of the shape.
        /// Empty for a tensor whose bytes `write(to:streaming:)` asks for.
        public var data: Data
        /// Bytes the tensor takes in the file.
        public var byteCount: Int

        public init(name: String, type: GGMLType, shape: [Int], data: Data) {
            self.name = name
            self.type = type
            self.shape = shape
            self.data = data
            byteCount = data.count
        }

        /// A tensor whose bytes are made when the file is written.
        public init(name: String, type: GGMLType, shape: [Int]) {
            self.name = name
            self.type = type
            self.shape = shape
            data = Data()
            byteCount = type.byteCount(forElements: shape.reduce(1, *)) ?? 0
        }
    }

    public var metadata: [(key: String, value: GGUFValue)] = []
    public var tensors: [Tensor] = []
    public var alignment = GGUFFile.defaultAlignment

    public init() {}

    public mutating func set(_ key: String, _ value: GGUFValue) {
        metadata.removeAll { $0.key == key }
        metadata.append((key, value))
    }

    public mutating func add(_ tensor: Tensor) {
        tensors.append(tensor)
    }

    /// The header: magic, version, counts, metadata and tensor infos, padded to the alignment.
    public func header() -> Data {
        var out = Data()
        out.appendLittleEndian(GGUFFile.magic)
        out.appendLittleEndian(UInt32(3))
        out.appendLittleEndian(UInt64(tensors.count))
        out.appendLittleEndian(UInt64(metadata.count))
        for entry in metadata {
            out.appendGGUFString(entry.key)
            out.appendLittleEndian(entry.value.type.rawValue)
            out.appendGGUFValue(entry.value)
        }
        var offset = 0
        for tensor in tensors {
            out.appendGGUFString(tensor.name)
            out.appendLittleEndian(UInt32(tensor.shape.count))
            for dimension in tensor.shape { out.appendLittleEndian(UInt64(dimension)) }
            out.appendLittleEndian(tensor.type.rawValue)
            out.appendLittleEndian(UInt64(offset))
            offset = Self.aligned(offset + tensor.byteCount, alignment)
        }
        out.append(Data(count: Self.aligned(out.count, alignment) - out.count))
        return out
    }

    /// The whole file in memory.
    public func serialized() -> Data {
        var out = header()
        for tensor in tensors {
            out.append(tensor.data)
            out.append(Data(count: Self.aligned(tensor.data.count, alignment) - tensor.data.count))
        }
        return out
    }

    public func write(to url: URL) throws {
        try serialized().write(to: url)
    }

    /// Writes the header, then tensor `i`'s bytes as `bytes(i)` makes them, one tensor in memory
    /// at a time (an 8B model need never be whole in memory).
    public func write(to url: URL, streaming bytes: (Int) throws -> Data) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: header()) else {
            throw ModelError("cannot create \(url.path)")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        for (index, tensor) in tensors.enumerated() {
            let data = try bytes(index)
            precondition(data.count == tensor.byteCount, "\(tensor.name): \(data.count) bytes for \(tensor.byteCount)")
            try handle.write(contentsOf: data)
            try handle.write(contentsOf: Data(count: Self.aligned(data.count, alignment) - data.count))
        }
    }

    static func aligned(_ value: Int, _ alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }
}

extension Data {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func appendGGUFString(_ string: String) {
        let bytes = Array(string.utf8)
        appendLittleEndian(UInt64(bytes.count))
        append(contentsOf: bytes)
    }

    mutating func appendGGUFValue(_ value: GGUFValue) {
        switch value {
        case .uint8(let v): appendLittleEndian(v)
        case .int8(let v): appendLittleEndian(v)
        case .uint16(let v): appendLittleEndian(v)
        case .int16(let v): appendLittleEndian(v)
        case .uint32(let v): appendLittleEndian(v)
        case .int32(let v): appendLittleEndian(v)
        case .uint64(let v): appendLittleEndian(v)
        case .int64(let v): appendLittleEndian(v)
        case .float32(let v): appendLittleEndian(v.bitPattern)
        case .float64(let v): appendLittleEndian(v.bitPattern)
        case .bool(let v): append(v ? 1 : 0)
        case .string(let v): appendGGUFString(v)
        case .array(let a): appendGGUFArray(a)
        }
    }

    mutating func appendGGUFArray(_ array: GGUFArray) {
        appendLittleEndian(array.elementType.rawValue)
        appendLittleEndian(UInt64(array.count))
        switch array {
        case .uint8(let a): a.forEach { appendLittleEndian($0) }
        case .int8(let a): a.forEach { appendLittleEndian($0) }
        case .uint16(let a): a.forEach { appendLittleEndian($0) }
        case .int16(let a): a.forEach { appendLittleEndian($0) }
        case .uint32(let a): a.forEach { appendLittleEndian($0) }
        case .int32(let a): a.forEach { appendLittleEndian($0) }
        case .uint64(let a): a.forEach { appendLittleEndian($0) }
        case .int64(let a): a.forEach { appendLittleEndian($0) }
        case .float32(let a): a.forEach { appendLittleEndian($0.bitPattern) }
        case .float64(let a): a.forEach { appendLittleEndian($0.bitPattern) }
        case .bool(let a): a.forEach { append($0 ? 1 : 0) }
        case .string(let a): a.forEach { appendGGUFString($0) }
        case .array(let a): a.forEach { appendGGUFArray($0) }
        }
    }
}
