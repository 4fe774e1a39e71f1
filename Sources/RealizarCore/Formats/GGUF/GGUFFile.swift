/// A GGUF model file (versions 2 and 3), memory-mapped and validated before use.
///
/// Everything the header claims is checked against the file: counts and lengths against the bytes
/// left, tensor shapes and types against their byte sizes (with overflow checks), tensor extents
/// against the data section and against each other. After `init` succeeds, every tensor's bytes
/// can be read without further checks.
public final class GGUFFile: Sendable {
    public static let magic: UInt32 = 0x4655_4747  // "GGUF" read as a little-endian u32
    public static let defaultAlignment = 32
    /// ggml's limit on tensor rank.
    public static let maximumDimensions = 4
    /// Nested arrays deeper than this are refused (no real model uses more than one level).
    static let maximumArrayDepth = 8

    public let file: MappedFile
    public let version: Int
    public let metadata: [GGUFMetadataEntry]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Offset of the tensor data section from the start of the file.
    public let dataOffset: Int
    private let metadataIndex: [String: Int]
    private let tensorIndex: [String: Int]

    /// Maps and validates the GGUF file at `path`.
    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    public init(file: MappedFile) throws(FormatError) {
        self.file = file
        var reader = ByteReader(bytes: file.bytes, path: file.path)

        let magic = try reader.read(UInt32.self, "magic")
        guard magic == Self.magic else {
            throw reader.error("magic", "not a GGUF file (starts with \(Self.hex(magic)), expected \"GGUF\")", at: 0)
        }
        let rawVersion = try reader.read(UInt32.self, "version")
        guard rawVersion == 2 || rawVersion == 3 else {
            if rawVersion.byteSwapped == 2 || rawVersion.byteSwapped == 3 {
                throw reader.error("version", "big-endian GGUF files are not supported", at: 4)
            }
            let hint = rawVersion == 1 ? " (version 1 files predate 64-bit counts; convert the model again)" : ""
            throw reader.error("version", "unsupported GGUF version \(rawVersion); versions 2 and 3 are supported\(hint)", at: 4)
        }
        version = Int(rawVersion)
        // A tensor info takes at least 8 (name) + 4 (rank) + 4 (type) + 8 (offset) bytes, a
        // metadata entry at least 8 (key) + 4 (type) + 1.
        let tensorCount = try reader.readCount("tensor count", minimumElementSize: 24)
        let metadataCount = try reader.readCount("metadata count", minimumElementSize: 13)

        var entries: [GGUFMetadataEntry] = []
        var metadataIndex: [String: Int] = [:]
        entries.reserveCapacity(metadataCount)
        for index in 0..<metadataCount {
            let keyOffset = reader.offset
            let key = try Self.readString(&reader, "metadata key #\(index)")
            guard !key.isEmpty else {
                throw reader.error("metadata key #\(index)", "empty key", at: keyOffset)
            }
            guard metadataIndex[key] == nil else {
                throw reader.error("metadata key \"\(key)\"", "duplicate key", at: keyOffset)
            }
            let value = try Self.readValue(&reader, field: key)
            metadataIndex[key] = entries.count
            entries.append(GGUFMetadataEntry(key: key, value: value))
        }
        metadata = entries
        self.metadataIndex = metadataIndex

        if let entry = metadataIndex["general.alignment"].map({ entries[$0] }) {
            guard case .uint32(let value) = entry.value else {
                throw FormatError(path: file.path, field: "general.alignment", problem: "must be a u32, found \(entry.value.type.name)")
            }
            guard value > 0, value & (value - 1) == 0 else {
                throw FormatError(path: file.path, field: "general.alignment", problem: "must be a power of two, found \(value)")
            }
            alignment = Int(value)
        } else {
            alignment = Self.defaultAlignment
        }

        var infos: [(name: String, type: GGMLType, shape: [Int], offset: UInt64, byteCount: Int, at: Int)] = []
        infos.reserveCapacity(tensorCount)
        var tensorIndex: [String: Int] = [:]
        for index in 0..<tensorCount {
            let start = reader.offset
            let name = try Self.readString(&reader, "tensor #\(index) name")
            guard !name.isEmpty else { throw reader.error("tensor #\(index)", "empty tensor name", at: start) }
            guard tensorIndex[name] == nil else {
                throw reader.error("tensor \"\(name)\"", "duplicate tensor name", at: start)
            }
            let field = "tensor \"\(name)\""
            let rank = try reader.read(UInt32.self, "\(field) rank")
            guard rank <= Self.maximumDimensions else {
                throw reader.error(field, "has \(rank) dimensions; at most \(Self.maximumDimensions) are allowed")
            }
            var shape: [Int] = []
            var elements = 1
            for axis in 0..<Int(rank) {
                let dimension = try reader.read(UInt64.self, "\(field) dimension \(axis)")
                guard dimension <= UInt64(Int64.max), case let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dimension)), !overflow else {
                    throw reader.error(field, "dimension \(axis) = \(dimension) makes the element count overflow")
                }
                shape.append(Int(dimension))
                elements = product
            }
            let typeOffset = reader.offset
            let rawType = try reader.read(UInt32.self, "\(field) type")
            guard let type = GGMLType(rawValue: rawType) else {
                throw reader.error(field, "unknown tensor type \(rawType)", at: typeOffset)
            }
            let rowLength = shape.first ?? 1
            guard rowLength % type.blockSize == 0 else {
                throw reader.error(field, "first dimension \(rowLength) is not a multiple of the \(type.name) block size \(type.blockSize)")
            }
            guard let byteCount = type.byteCount(forElements: elements) else {
                throw reader.error(field, "byte size of \(elements) \(type.name) values overflows")
            }
            let relativeOffset = try reader.read(UInt64.self, "\(field) offset")
            tensorIndex[name] = infos.count
            infos.append((name, type, shape, relativeOffset, byteCount, start))
        }

        let (alignedEnd, overflow) = reader.offset.addingReportingOverflow(alignment - 1)
        guard !overflow else { throw reader.error("data section", "offset overflows") }
        dataOffset = alignedEnd / alignment * alignment
        let dataSize = max(file.size - dataOffset, 0)
        if !infos.isEmpty && dataOffset > file.size {
            throw FormatError(path: file.path, offset: dataOffset, field: "data section", problem: "starts past the end of the file (\(file.size) bytes; truncated file?)")
        }

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(infos.count)
        for info in infos {
            let field = "tensor \"\(info.name)\""
            guard info.offset % UInt64(alignment) == 0 else {
                throw FormatError(path: file.path, offset: info.at, field: field, problem: "data offset \(info.offset) is not a multiple of the alignment \(alignment)")
            }
            guard info.offset <= UInt64(dataSize), UInt64(info.byteCount) <= UInt64(dataSize) - info.offset else {
                throw FormatError(
                    path: file.path, offset: info.at, field: field,
                    problem: "data at offset \(info.offset) (\(info.byteCount) bytes) lies outside the \(dataSize)-byte data section (truncated file?)")
            }
            tensors.append(GGUFTensorInfo(name: info.name, type: info.type, shape: info.shape,
                                          fileOffset: dataOffset + Int(info.offset), byteCount: info.byteCount))
        }
        let byStart = tensors.filter { $0.byteCount > 0 }.sorted { $0.fileOffset < $1.fileOffset }
        for (previous, next) in zip(byStart, byStart.dropFirst()) where next.fileOffset < previous.fileOffset + previous.byteCount {
            throw FormatError(path: file.path, offset: next.fileOffset, field: "tensor \"\(next.name)\"",
                              problem: "overlaps tensor \"\(previous.name)\"")
        }
        self.tensors = tensors
        self.tensorIndex = tensorIndex
    }

    // MARK: Lookup

    public subscript(key: String) -> GGUFValue? {
        metadataIndex[key].map { metadata[$0].value }
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The bytes of `tensor`, which must come from this file.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)])
    }

    /// `general.architecture`, the key prefix of the model's hyper-parameters.
    public var architecture: String? { self["general.architecture"]?.stringValue }

    // MARK: Parsing

    private static func hex(_ value: UInt32) -> String {
        let bytes = withUnsafeBytes(of: value.littleEndian) { Array($0) }
        return bytes.map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: " ")
    }

    /// The label is built only when reading fails: token lists hold hundreds of thousands of strings.
    private static func readString(_ reader: inout ByteReader, _ field: @autoclosure () -> String) throws(FormatError) -> String {
        if reader.remaining >= 8 {
            let length = UInt64(littleEndian: reader.bytes.loadUnaligned(fromByteOffset: reader.offset, as: UInt64.self))
            if length <= UInt64(reader.remaining - 8) {
                _ = try reader.read(UInt64.self, "")
                return String(decoding: try reader.readBytes(Int(length), ""), as: UTF8.self)
            }
        }
        let label = field()
        let length = try reader.readCount("\(label) length", minimumElementSize: 1)
        return String(decoding: try reader.readBytes(length, label), as: UTF8.self)
    }

    private static func readValue(_ reader: inout ByteReader, field: String) throws(FormatError) -> GGUFValue {
        let typeOffset = reader.offset
        let rawType = try reader.read(UInt32.self, "\(field) type")
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw reader.error(field, "unknown value type \(rawType)", at: typeOffset)
        }
        if type == .array {
            return .array(try readArray(&reader, field: field, depth: 1))
        }
        return try readScalar(&reader, type, field: field)
    }

    private static func readScalar(_ reader: inout ByteReader, _ type: GGUFValueType, field: String) throws(FormatError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, field))
        case .int8: return .int8(try reader.read(Int8.self, field))
        case .uint16: return .uint16(try reader.read(UInt16.self, field))
        case .int16: return .int16(try reader.read(Int16.self, field))
        case .uint32: return .uint32(try reader.read(UInt32.self, field))
        case .int32: return .int32(try reader.read(Int32.self, field))
        case .uint64: return .uint64(try reader.read(UInt64.self, field))
        case .int64: return .int64(try reader.read(Int64.self, field))
        case .float32: return .float32(try reader.readFloat(field))
        case .float64: return .float64(try reader.readDouble(field))
        case .bool: return .bool(try readBool(&reader, field))
        case .string: return .string(try readString(&reader, field))
        case .array: return .array(try readArray(&reader, field: field, depth: 1))
        }
    }

    private static func readBool(_ reader: inout ByteReader, _ field: String) throws(FormatError) -> Bool {
        let at = reader.offset
        let byte = try reader.read(UInt8.self, field)
        guard byte <= 1 else { throw reader.error(field, "bool value \(byte) is neither 0 nor 1", at: at) }
        return byte == 1
    }

    private static func readArray(_ reader: inout ByteReader, field: String, depth: Int) throws(FormatError) -> GGUFArray {
        let typeOffset = reader.offset
        let rawType = try reader.read(UInt32.self, "\(field) element type")
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw reader.error(field, "unknown array element type \(rawType)", at: typeOffset)
        }
        let count = try reader.readCount("\(field) array length", minimumElementSize: type.minimumSize)
        func fixed<T: FixedWidthInteger>(_: T.Type) throws(FormatError) -> [T] {
            let raw = try reader.readBytes(count * MemoryLayout<T>.size, field)
            return (0..<count).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
        }
        switch type {
        case .uint8: return .uint8(try fixed(UInt8.self))
        case .int8: return .int8(try fixed(Int8.self))
        case .uint16: return .uint16(try fixed(UInt16.self))
        case .int16: return .int16(try fixed(Int16.self))
        case .uint32: return .uint32(try fixed(UInt32.self))
        case .int32: return .int32(try fixed(Int32.self))
        case .uint64: return .uint64(try fixed(UInt64.self))
        case .int64: return .int64(try fixed(Int64.self))
        case .float32: return .float32(try fixed(UInt32.self).map(Float.init(bitPattern:)))
        case .float64: return .float64(try fixed(UInt64.self).map(Double.init(bitPattern:)))
        case .bool:
            var values: [Bool] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try readBool(&reader, field)) }
            return .bool(values)
        case .string:
            var values: [String] = []
            values.reserveCapacity(count)
            for index in 0..<count { values.append(try readString(&reader, "\(field)[\(index)]")) }
            return .string(values)
        case .array:
            guard depth < maximumArrayDepth else {
                throw reader.error(field, "arrays nested more than \(maximumArrayDepth) deep", at: typeOffset)
            }
            var values: [GGUFArray] = []
            values.reserveCapacity(count)
            for index in 0..<count { values.append(try readArray(&reader, field: "\(field)[\(index)]", depth: depth + 1)) }
            return .array(values)
        }
    }
}
