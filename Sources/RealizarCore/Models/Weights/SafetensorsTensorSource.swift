import Foundation

/// A safetensors checkpoint seen through an architecture's `HuggingFaceNames`: every tensor under
/// its llama.cpp name, its shape in ggml's order (fastest-varying first), F32/F16/BF16 read in
/// place from the mapped shards. Tensors the converter would change (Gemma's `1 + w` norms),
/// tensors of other float types, and every matrix when `quantize` names a block type, are
/// converted once into memory the source owns.
///
/// A checkpoint tensor the architecture does not name is refused, as GGUF's unknown tensors are.
public final class SafetensorsTensorSource: TensorSource, @unchecked Sendable {
    public let sourceName: String
    public private(set) var tensorNames: [String] = []
    private var tensors: [String: (SourceTensor, UnsafeRawBufferPointer)] = [:]
    private var owned: [UnsafeMutableRawBufferPointer] = []
    /// Kept alive while `tensors` point into its mapped shards.
    private let checkpoint: SafetensorsCheckpoint

    /// `extra`: tensors the configuration implies but the checkpoint does not hold (Llama 3's
    /// RoPE frequency divisors), as f32 values.
    public init(checkpoint: SafetensorsCheckpoint, name: String, names: HuggingFaceNames, architecture: String,
                quantize: GGMLType? = nil, extra: [(String, [Float])] = []) throws {
        self.checkpoint = checkpoint
        sourceName = name
        for (shard, file) in checkpoint.shards.enumerated() {
            for info in file.tensors {
                guard let mapping = names.tensor(checkpointName: info.name) else {
                    throw ModelError("\(file.file.fileName): tensor \(info.name) is not one this engine computes with for the \(architecture) architecture; refusing the model rather than ignoring it")
                }
                guard let mapped = mapping.name else { continue }
                guard tensors[mapped] == nil else {
                    throw ModelError("\(file.file.fileName): tensor \(info.name) maps to \(mapped), which another tensor already is")
                }
                try add(mapped, info: info, data: file.data(of: info), shard: shard, transform: mapping.transform, quantize: quantize,
                        file: file.file.fileName)
            }
        }
        for (name, values) in extra { store(name, type: .f32, shape: [values.count], bytes: values.withUnsafeBytes { Array($0) }) }
    }

    deinit {
        for buffer in owned { buffer.deallocate() }
    }

    public func tensorInfo(named name: String) -> SourceTensor? { tensors[name]?.0 }

    public func bytes(of tensor: SourceTensor) -> UnsafeRawBufferPointer { tensors[tensor.name]!.1 }

    private func add(_ name: String, info: SafetensorsTensorInfo, data: UnsafeRawBufferPointer, shard: Int,
                     transform: HuggingFaceTensor.Transform, quantize: GGMLType?, file: String) throws {
        let shape = Array(info.shape.reversed())
        guard !shape.isEmpty else { throw ModelError("\(file): tensor \(info.name) is a scalar; a weight needs dimensions") }
        let native: GGMLType?
        switch info.dtype {
        case .f32: native = .f32
        case .f16: native = .f16
        case .bf16: native = .bf16
        case .f64: native = nil
        default:
            throw ModelError("\(file): tensor \(info.name) has type \(info.dtype.rawValue); weights must be F32, F16, BF16 or F64")
        }
        let isMatrix = shape.count == 2 && shape[1] > 1
        let quantizeTo = quantize.flatMap { isMatrix && shape[0] % $0.blockSize == 0 ? $0 : nil }
        if let native, transform == .none, quantizeTo == nil {
            tensors[name] = (SourceTensor(name: name, type: native, shape: shape, location: shard), data)
            tensorNames.append(name)
            return
        }
        var values = Self.floats(info.dtype, data)
        if transform == .addOne { for i in values.indices { values[i] += 1 } }
        if let quantizeTo {
            store(name, type: quantizeTo, shape: shape, bytes: try Quantization.quantize(quantizeTo, values))
        } else {
            store(name, type: .f32, shape: shape, bytes: values.withUnsafeBytes { Array($0) })
        }
    }

    private func store(_ name: String, type: GGMLType, shape: [Int], bytes: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        owned.append(buffer)
        tensors[name] = (SourceTensor(name: name, type: type, shape: shape, location: -1), UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]))
        tensorNames.append(name)
    }

    /// A float tensor's values as f32.
    static func floats(_ dtype: SafetensorsDType, _ data: UnsafeRawBufferPointer) -> [Float] {
        switch dtype {
        case .f64:
            return (0..<(data.count / 8)).map { Float(data.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self)) }
        case .f16:
            return (0..<(data.count / 2)).map { HalfPrecision.float(fromHalfBits: data.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
        case .bf16:
            return (0..<(data.count / 2)).map { HalfPrecision.float(fromBFloat16Bits: data.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
        default:
            return (0..<(data.count / 4)).map { data.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
        }
    }
}
