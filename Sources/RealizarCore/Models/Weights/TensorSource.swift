/// Where a model's weights come from: a GGUF file today, a safetensors folder next. Tensors are
/// found by llama.cpp's names (a source in another naming maps them) and read in place, mapped.
public protocol TensorSource: Sendable {
    /// Names the source in error messages (a file name).
    var sourceName: String { get }
    /// Every tensor the source holds, in its own order.
    var tensorNames: [String] { get }
    /// The tensor's type and shape, or nil when the source lacks it.
    func tensorInfo(named name: String) -> SourceTensor?
    /// The tensor's bytes as they lie in the source, in its block format.
    func bytes(of tensor: SourceTensor) -> UnsafeRawBufferPointer
}

/// One tensor of a `TensorSource`.
public struct SourceTensor: Sendable, Equatable {
    public let name: String
    public let type: GGMLType
    /// Dimensions, fastest-varying first (ggml's order): a matrix of `rows` × `columns` is
    /// `[columns, rows]`.
    public let shape: [Int]
    /// Where the source keeps it (its byte offset in a file), for the source's own use.
    public let location: Int

    public init(name: String, type: GGMLType, shape: [Int], location: Int) {
        self.name = name
        self.type = type
        self.shape = shape
        self.location = location
    }

    public var elementCount: Int { shape.reduce(1, *) }
}

extension GGUFFile: TensorSource {
    public var sourceName: String { file.fileName }

    public var tensorNames: [String] { tensors.map(\.name) }

    public func tensorInfo(named name: String) -> SourceTensor? {
        tensor(named: name).map { SourceTensor(name: $0.name, type: $0.type, shape: $0.shape, location: $0.fileOffset) }
    }

    public func bytes(of tensor: SourceTensor) -> UnsafeRawBufferPointer {
        data(of: self.tensor(named: tensor.name)!)
    }
}
