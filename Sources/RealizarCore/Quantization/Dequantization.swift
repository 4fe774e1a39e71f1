/// Widening GGUF tensor data to `Float`: the scalar reference implementation of every supported
/// block format, bit-exact with the `gguf` Python package's `gguf.quants.dequantize` (and with
/// llama.cpp's `dequantize_row_*` where gguf-py has none). Fast kernels are tested against this.
public enum Dequantization {
    /// Whether `dequantize` handles `type`.
    public static func isSupported(_ type: GGMLType) -> Bool {
        switch type {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1,
             .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K, .iq4_NL, .iq4_XS:
            return true
        default:
            return false
        }
    }

    /// Dequantizes `count` values of `type` stored at `source` (`type.byteCount(forElements: count)`
    /// bytes, any alignment) into `destination`.
    ///
    /// Throws `.partialBlock` when `count` is not a whole number of blocks, `.invalidCount` for a
    /// negative count, and `.unsupported` for types `isSupported` rejects.
    public static func dequantize(
        _ type: GGMLType, from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>
    ) throws(QuantizationError) {
        guard isSupported(type) else { throw .unsupported(type, "dequantization") }
        let blocks = try QuantizationError.blockCount(type, count)
        dequantize(type, blocks: blocks, from: source, into: destination)
    }

    /// Dequantizes all of `bytes`, a whole number of `type` blocks.
    public static func dequantize(_ type: GGMLType, bytes: UnsafeRawBufferPointer) throws(QuantizationError) -> [Float] {
        let blocks = try wholeBlocks(type, byteCount: bytes.count)
        return dequantizedArray(type, blocks: blocks, from: bytes)
    }

    /// Dequantizes all of `bytes`, a whole number of `type` blocks.
    public static func dequantize(_ type: GGMLType, bytes: [UInt8]) throws(QuantizationError) -> [Float] {
        let blocks = try wholeBlocks(type, byteCount: bytes.count)
        return bytes.withUnsafeBytes { dequantizedArray(type, blocks: blocks, from: $0) }
    }

    private static func wholeBlocks(_ type: GGMLType, byteCount: Int) throws(QuantizationError) -> Int {
        guard isSupported(type) else { throw .unsupported(type, "dequantization") }
        guard byteCount % type.typeSize == 0 else {
            throw .sizeMismatch(type: type, expectedBytes: nil, actualBytes: byteCount)
        }
        return byteCount / type.typeSize
    }

    private static func dequantizedArray(_ type: GGMLType, blocks: Int, from bytes: UnsafeRawBufferPointer) -> [Float] {
        let count = blocks * type.blockSize
        guard count > 0, let base = bytes.baseAddress else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            dequantize(type, blocks: blocks, from: base, into: buffer.baseAddress!)
            initialized = count
        }
    }

    /// The dispatch, for a supported type and a validated block count.
    static func dequantize(_ type: GGMLType, blocks: Int, from source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32:
            // Copied through the bit pattern so that NaN payloads survive untouched.
            let output = UnsafeMutableRawPointer(destination)
            for i in 0..<blocks {
                output.storeBytes(of: source.quantUInt32(at: 4 * i), toByteOffset: 4 * i, as: UInt32.self)
            }
        case .f16:
            if Int(bitPattern: source) % 2 == 0 {
                HalfPrecision.convertToFloat(source.assumingMemoryBound(to: UInt16.self), destination, count: blocks)
            } else {
                for i in 0..<blocks { destination[i] = source.quantHalf(at: 2 * i) }
            }
        case .bf16:
            for i in 0..<blocks { destination[i] = HalfPrecision.float(fromBFloat16Bits: source.quantUInt16(at: 2 * i)) }
        case .q4_0: Q4_0Block.dequantize(blocks: blocks, from: source, into: destination)
        case .q4_1: Q4_1Block.dequantize(blocks: blocks, from: source, into: destination)
        case .q5_0: Q5_0Block.dequantize(blocks: blocks, from: source, into: destination)
        case .q5_1: Q5_1Block.dequantize(blocks: blocks, from: source, into: destination)
        case .q8_0: Q8_0Block.dequantize(blocks: blocks, from: source, into: destination)
        case .q8_1: Q8_1Block.dequantize(blocks: blocks, from: source, into: destination)
        case .q2_K: Q2_KBlock.dequantize(blocks: blocks, from: source, into: destination)
        case .q3_K: Q3_KBlock.dequantize(blocks: blocks, from: source, into: destination)
        case .q4_K: Q4_KBlock.dequantize(blocks: blocks, from: source, into: destination)
        case .q5_K: Q5_KBlock.dequantize(blocks: blocks, from: source, into: destination)
        case .q6_K: Q6_KBlock.dequantize(blocks: blocks, from: source, into: destination)
        case .q8_K: Q8_KBlock.dequantize(blocks: blocks, from: source, into: destination)
        case .iq4_NL: IQ4_NLBlock.dequantize(blocks: blocks, from: source, into: destination)
        case .iq4_XS: IQ4_XSBlock.dequantize(blocks: blocks, from: source, into: destination)
        default:
            preconditionFailure("\(type.name) dequantization is not supported")
        }
    }
}

extension Dequantization {
    /// Dequantizes without checks, for the engine's hot paths where the loader already validated
    /// the type and the tensor's shape (`count` a whole number of blocks).
    @inline(__always)
    static func dequantizeValidated(_ type: GGMLType, from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        dequantize(type, blocks: count / type.blockSize, from: source, into: destination)
    }
}
