/// A weight matrix in a model file, used in place: `rows` output features of `columns` inputs,
/// each row `rowBytes` bytes of `type` blocks.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    let data: UnsafeRawPointer
    let rowBytes: Int

    init(name: String, type: GGMLType, rows: Int, columns: Int, data: UnsafeRawPointer) {
        self.name = name
        self.type = type
        self.rows = rows
        self.columns = columns
        self.data = data
        self.rowBytes = type.byteCount(forElements: columns)!
    }

    /// Rows `range` of the matrix (one expert of a stacked expert tensor).
    func rows(_ range: Range<Int>) -> WeightMatrix {
        WeightMatrix(name: name, type: type, rows: range.count, columns: columns, data: data + range.lowerBound * rowBytes)
    }

    /// Bytes of the matrix in the file.
    public var byteCount: Int { rows * rowBytes }

    /// Dequantizes `count` rows starting at `row` into `destination` (`count * columns` floats).
    @inline(__always)
    func dequantize(rows row: Int, count: Int, into destination: UnsafeMutablePointer<Float>) {
        Dequantization.dequantizeValidated(type, from: data + row * rowBytes, count: count * columns, into: destination)
    }
}

/// A vector parameter (norm weights, biases) as f32.
public struct WeightVector: Sendable {
    public let values: [Float]
}
