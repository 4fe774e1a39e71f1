import Foundation

/// Writes a safetensors file tensor by tensor, so that a model is never held in memory whole.
///
/// The layout `SafetensorsFile` reads: an 8-byte little-endian header length, a JSON header
/// (`__metadata__`, then every tensor's dtype, shape and `data_offsets` in the order given) padded
/// with spaces to a multiple of 8 bytes, so the data starts 8-byte aligned; then the tensors'
/// bytes back to back in the same order. The header is written when the writer is made; `append`
/// streams the data, which must be exactly what the header announced (checked at `finish`).
public final class SafetensorsWriter {
    /// A tensor the file will hold: PyTorch's row-major shape, slowest-varying dimension first.
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var dtype: SafetensorsDType
        public var shape: [Int]

        public init(name: String, dtype: SafetensorsDType, shape: [Int]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
        }

        public var byteCount: Int { shape.reduce(dtype.byteSize, *) }
    }

    /// The element types `append(_: [Float])` converts to.
    public static let floatTypes: Set<SafetensorsDType> = [.f32, .f16, .bf16]

    public let path: String
    public let tensors: [Tensor]
    private let handle: FileHandle
    /// The tensor being written and how many of its bytes are written.
    private var current = 0
    private var written = 0
    private var finished = false

    /// Creates (or truncates) the file at `path` and writes its header.
    public init(path: String, tensors: [Tensor], metadata: [String: String] = ["format": "pt"]) throws {
        var names = Set<String>()
        for tensor in tensors {
            guard !tensor.name.isEmpty, tensor.name != "__metadata__", names.insert(tensor.name).inserted else {
                throw FormatError(path: path, field: "tensor \"\(tensor.name)\"", problem: "is empty, reserved or named twice")
            }
            guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.shape.count <= SafetensorsFile.maximumDimensions else {
                throw FormatError(path: path, field: "tensor \"\(tensor.name)\"", problem: "has shape \(tensor.shape)")
            }
        }
        self.path = path
        self.tensors = tensors
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw FormatError(path: path, problem: "cannot be created")
        }
        self.handle = handle
        var header = Array(Self.header(tensors, metadata: metadata).utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        bytes += header
        try write(bytes)
        skipEmptyTensors()
    }

    deinit {
        if !finished { try? handle.close() }
    }

    /// The JSON header: metadata first, then the tensors with consecutive data offsets.
    static func header(_ tensors: [Tensor], metadata: [String: String]) -> String {
        var entries: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.sorted { $0.key < $1.key }.map { "\(JSONString.literal($0.key)):\(JSONString.literal($0.value))" }
            entries.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.byteCount
            entries.append("\(JSONString.literal(tensor.name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        return "{" + entries.joined(separator: ",") + "}"
    }

    /// The tensor the next bytes belong to, or nil when every tensor is written.
    public var next: Tensor? { current < tensors.count ? tensors[current] : nil }

    /// Appends raw bytes of the current tensor (already in its dtype, little-endian); they must not
    /// run past its end.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let tensor = next, written + bytes.count <= tensor.byteCount else {
            throw FormatError(path: path, field: next.map { "tensor \"\($0.name)\"" } ?? "data",
                              problem: "\(bytes.count) more bytes than the header announced")
        }
        try handle.write(contentsOf: Data(bytes))
        written += bytes.count
        if written == tensor.byteCount { advance() }
    }

    /// Appends values of the current tensor, converted to its dtype (F32, F16 or BF16; F16 and
    /// BF16 round to nearest, ties to even).
    public func append(_ values: UnsafeBufferPointer<Float>) throws {
        guard let tensor = next else { throw FormatError(path: path, field: "data", problem: "more values than the header announced") }
        switch tensor.dtype {
        case .f32:
            try append(UnsafeRawBufferPointer(values))
        case .f16, .bf16:
            let half = tensor.dtype == .f16
            let converted = [UInt16](unsafeUninitializedCapacity: values.count) { bits, count in
                if half {
                    for i in values.indices { bits[i] = HalfPrecision.halfBits(from: values[i]).littleEndian }
                } else {
                    for i in values.indices { bits[i] = HalfPrecision.bfloat16Bits(from: values[i]).littleEndian }
                }
                count = values.count
            }
            try converted.withUnsafeBytes { try append($0) }
        default:
            throw FormatError(path: path, field: "tensor \"\(tensor.name)\"", problem: "has dtype \(tensor.dtype.rawValue); only F32, F16 and BF16 are written from floats")
        }
    }

    public func append(_ values: [Float]) throws {
        try values.withUnsafeBufferPointer { try append($0) }
    }

    /// Checks that every tensor was written whole and closes the file.
    public func finish() throws {
        guard !finished else { return }
        if let tensor = next {
            throw FormatError(path: path, field: "tensor \"\(tensor.name)\"", problem: "has \(written) of its \(tensor.byteCount) bytes written")
        }
        finished = true
        try handle.synchronize()
        try handle.close()
    }

    private func write(_ bytes: [UInt8]) throws {
        try handle.write(contentsOf: Data(bytes))
    }

    private func advance() {
        current += 1
        written = 0
        skipEmptyTensors()
    }

    /// Tensors of no elements have no bytes to wait for.
    private func skipEmptyTensors() {
        while current < tensors.count && tensors[current].byteCount == 0 { current += 1 }
    }
}
