/// Narrowing `Float`s to GGUF block formats: the scalar reference quantizers, byte-identical with
/// the `gguf` Python package's `gguf.quants.quantize` where it has the format (F16, BF16, Q4_0, Q4_1,
/// Q5_0, Q5_1, Q8_0) and with llama.cpp's `quantize_row_*_ref` (no importance matrix) elsewhere
/// (Q8_1, Q8_K, Q4_K, Q5_K, Q6_K). Fast kernels are tested against this.
public enum Quantization {
    /// Whether `quantize` handles `type`.
    public static func isSupported(_ type: GGMLType) -> Bool {
        switch type {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .q4_K, .q5_K, .q6_K, .q8_K:
            return true
        default:
            return false
        }
    }

    /// Quantizes `count` floats at `source` into `type` blocks at `destination`
    /// (`type.byteCount(forElements: count)` bytes, any alignment).
    ///
    /// Throws `.partialBlock` when `count` is not a whole number of blocks, `.invalidCount` for a
    /// negative count, and `.unsupported` for types `isSupported` rejects.
    public static func quantize(
        _ type: GGMLType, from source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer
    ) throws(QuantizationError) {
        guard isSupported(type) else { throw .unsupported(type, "quantization") }
        let blocks = try QuantizationError.blockCount(type, count)
        quantize(type, blocks: blocks, from: source, into: destination)
    }

    /// Quantizes `values`, a whole number of `type` blocks, into a new byte array.
    public static func quantize(_ type: GGMLType, _ values: UnsafeBufferPointer<Float>) throws(QuantizationError) -> [UInt8] {
        let blocks = try wholeBlocks(type, count: values.count)
        return quantizedArray(type, blocks: blocks, from: values)
    }

    /// Quantizes `values`, a whole number of `type` blocks, into a new byte array.
    public static func quantize(_ type: GGMLType, _ values: [Float]) throws(QuantizationError) -> [UInt8] {
        let blocks = try wholeBlocks(type, count: values.count)
        return values.withUnsafeBufferPointer { quantizedArray(type, blocks: blocks, from: $0) }
    }

    private static func wholeBlocks(_ type: GGMLType, count: Int) throws(QuantizationError) -> Int {
        guard isSupported(type) else { throw .unsupported(type, "quantization") }
        return try QuantizationError.blockCount(type, count)
    }

    private static func quantizedArray(_ type: GGMLType, blocks: Int, from values: UnsafeBufferPointer<Float>) -> [UInt8] {
        let byteCount = blocks * type.typeSize
        guard byteCount > 0, let base = values.baseAddress else { return [] }
        return [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            quantize(type, blocks: blocks, from: base, into: UnsafeMutableRawPointer(buffer.baseAddress!))
            initialized = byteCount
        }
    }

    /// The dispatch, for a supported type and a validated block count.
    static func quantize(_ type: GGMLType, blocks: Int, from source: UnsafePointer<Float>, into destination: UnsafeMutableRawPointer) {
        switch type {
        case .f32:
            for i in 0..<blocks { destination.quantStoreFloat(source[i], at: 4 * i) }
        case .f16:
            for i in 0..<blocks { destination.quantStoreHalf(source[i], at: 2 * i) }
        case .bf16:
            for i in 0..<blocks { destination.quantStoreUInt16(HalfPrecision.bfloat16Bits(from: source[i]), at: 2 * i) }
        case .q4_0: Q4_0Block.quantize(blocks: blocks, from: source, into: destination)
        case .q4_1: Q4_1Block.quantize(blocks: blocks, from: source, into: destination)
        case .q5_0: Q5_0Block.quantize(blocks: blocks, from: source, into: destination)
        case .q5_1: Q5_1Block.quantize(blocks: blocks, from: source, into: destination)
        case .q8_0: Q8_0Block.quantize(blocks: blocks, from: source, into: destination)
        case .q8_1: Q8_1Block.quantize(blocks: blocks, from: source, into: destination)
        case .q4_K: Q4_KBlock.quantize(blocks: blocks, from: source, into: destination)
        case .q5_K: Q5_KBlock.quantize(blocks: blocks, from: source, into: destination)
        case .q6_K: Q6_KBlock.quantize(blocks: blocks, from: source, into: destination)
        case .q8_K: Q8_KBlock.quantize(blocks: blocks, from: source, into: destination)
        default:
            preconditionFailure("\(type.name) quantization is not supported")
        }
    }
}
