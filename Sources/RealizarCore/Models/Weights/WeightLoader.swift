/// Finds an architecture's tensors in a `TensorSource` by name, checks their types and shapes
/// (errors name the tensor), and remembers which were taken: a tensor no architecture code asked
/// for is an error, never silently ignored.
public final class WeightLoader {
    public let source: any TensorSource
    let architecture: String
    private(set) var matrices: [MatrixSpec] = []
    private(set) var vectors: [VectorSpec] = []
    private var matrixIndex: [String: MatrixRef] = [:]
    private var vectorIndex: [String: VectorRef] = [:]

    init(source: any TensorSource, architecture: String) {
        self.source = source
        self.architecture = architecture
    }

    /// Whether the source holds a tensor of this name.
    public func has(_ name: String) -> Bool { source.tensorInfo(named: name) != nil }

    func info(_ name: String) throws -> SourceTensor {
        guard let tensor = source.tensorInfo(named: name) else {
            throw ModelError("\(source.sourceName): tensor \(name) is missing (the \(architecture) architecture needs it)")
        }
        return tensor
    }

    /// A matrix of `columns` inputs and `rows` outputs (any rows when nil; a 3-D tensor's upper
    /// dimensions count as rows).
    public func matrix(_ name: String, rows: Int? = nil, columns: Int) throws -> MatrixRef {
        if let known = matrixIndex[name] { return known }
        let tensor = try info(name)
        guard Dequantization.isSupported(tensor.type) else {
            throw ModelError("\(source.sourceName): tensor \(name) has type \(tensor.type.name), which this engine cannot compute with yet")
        }
        let actualRows = tensor.shape.count > 1 ? tensor.shape[1...].reduce(1, *) : 1
        guard tensor.shape.first == columns, rows == nil || actualRows == rows else {
            throw ModelError("\(source.sourceName): tensor \(name) has shape \(tensor.shape), expected [\(columns), \(rows.map(String.init) ?? "any")]")
        }
        let ref = MatrixRef(index: matrices.count)
        matrices.append(MatrixSpec(name: name, type: tensor.type, rows: actualRows, columns: columns))
        matrixIndex[name] = ref
        return ref
    }

    public func optionalMatrix(_ name: String, rows: Int, columns: Int) throws -> MatrixRef? {
        has(name) ? try matrix(name, rows: rows, columns: columns) : nil
    }

    /// A parameter vector of `count` values, used as f32.
    public func vector(_ name: String, count: Int) throws -> VectorRef {
        if let known = vectorIndex[name] { return known }
        let tensor = try info(name)
        guard tensor.elementCount == count, Dequantization.isSupported(tensor.type) else {
            throw ModelError("\(source.sourceName): tensor \(name) has shape \(tensor.shape) of \(tensor.type.name), expected \(count) values")
        }
        let ref = VectorRef(index: vectors.count)
        vectors.append(VectorSpec(name: name, count: count))
        vectorIndex[name] = ref
        return ref
    }

    public func optionalVector(_ name: String, count: Int) throws -> VectorRef? {
        has(name) ? try vector(name, count: count) : nil
    }

    /// The matrix's rows: what a tied output projection or a vocabulary check needs.
    public func rows(of matrix: MatrixRef) -> Int { matrices[matrix.index].rows }

    /// Refuses the model if the source holds a tensor the architecture never asked for: running
    /// without it would compute something else than the model's authors meant.
    func checkEverythingUsed() throws {
        let used = Set(matrixIndex.keys).union(vectorIndex.keys)
        if let unknown = source.tensorNames.first(where: { !used.contains($0) }) {
            throw ModelError("\(source.sourceName): tensor \(unknown) is not one this engine computes with for the \(architecture) architecture; refusing the model rather than ignoring it")
        }
    }
}
