/// Where one tensor lives in a GGUF file and what it holds.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let type: GGMLType
    /// Dimensions, fastest-varying first (ggml's `ne`): a matrix of `rows` × `columns` is
    /// `[columns, rows]`.
    public let shape: [Int]
    /// Offset of the first byte, from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A metadata key and its value, in file order.
public struct GGUFMetadataEntry: Sendable, Equatable {
    public let key: String
    public let value: GGUFValue
}
