/// Tensors held in memory: the op conformance suite's weights, and random-weight models built
/// without a file.
public final class MemoryTensorSource: TensorSource, @unchecked Sendable {
    public let sourceName: String
    public private(set) var tensorNames: [String] = []
    private var tensors: [String: (SourceTensor, UnsafeMutableRawBufferPointer)] = [:]

    public init(name: String) {
        sourceName = name
    }

    deinit {
        for (_, bytes) in tensors.values { bytes.deallocate() }
    }

    /// Adds a tensor of `type` with `shape` (fastest-varying first) holding `bytes`.
    public func add(_ name: String, type: GGMLType, shape: [Int], bytes: [UInt8]) {
        precondition(tensors[name] == nil, "tensor \(name) added twice")
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        storage.copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: bytes.count))
        tensors[name] = (SourceTensor(name: name, type: type, shape: shape, location: tensorNames.count), storage)
        tensorNames.append(name)
    }

    /// Adds f32 `values`, quantized to `type`.
    public func add(_ name: String, type: GGMLType = .f32, shape: [Int], values: [Float]) throws {
        add(name, type: type, shape: shape, bytes: try Quantization.quantize(type, values))
    }

    public func tensorInfo(named name: String) -> SourceTensor? { tensors[name]?.0 }

    public func bytes(of tensor: SourceTensor) -> UnsafeRawBufferPointer {
        let storage = tensors[tensor.name]!.1
        return UnsafeRawBufferPointer(rebasing: storage[0..<tensor.type.byteCount(forElements: tensor.elementCount)!])
    }
}
