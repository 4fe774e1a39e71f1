// Little-endian field access inside quantized blocks. Blocks sit at any byte offset in a GGUF file
// (block sizes such as 18 or 210 bytes keep no alignment), so multi-byte fields are read and written
// unaligned. The `quant` prefix keeps these helpers clear of other extensions in the module.

extension UnsafeRawPointer {
    @inline(__always)
    func quantByte(at offset: Int) -> UInt8 {
        load(fromByteOffset: offset, as: UInt8.self)
    }

    @inline(__always)
    func quantInt8(at offset: Int) -> Int8 {
        load(fromByteOffset: offset, as: Int8.self)
    }

    @inline(__always)
    func quantUInt16(at offset: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func quantUInt32(at offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// An f16 field, widened to `Float`.
    @inline(__always)
    func quantHalf(at offset: Int) -> Float {
        HalfPrecision.float(fromHalfBits: quantUInt16(at: offset))
    }

    /// An f32 field.
    @inline(__always)
    func quantFloat(at offset: Int) -> Float {
        Float(bitPattern: quantUInt32(at: offset))
    }
}

extension UnsafeMutableRawPointer {
    @inline(__always)
    func quantStoreByte(_ value: UInt8, at offset: Int) {
        storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
    }

    @inline(__always)
    func quantStoreUInt16(_ value: UInt16, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt16.self)
    }

    @inline(__always)
    func quantStoreUInt32(_ value: UInt32, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    /// Stores `value` rounded to the nearest f16.
    @inline(__always)
    func quantStoreHalf(_ value: Float, at offset: Int) {
        quantStoreUInt16(HalfPrecision.halfBits(from: value), at: offset)
    }

    @inline(__always)
    func quantStoreFloat(_ value: Float, at offset: Int) {
        quantStoreUInt32(value.bitPattern, at: offset)
    }

    /// An f16 field already written, widened to `Float`.
    @inline(__always)
    func quantHalf(at offset: Int) -> Float {
        UnsafeRawPointer(self).quantHalf(at: offset)
    }

    @inline(__always)
    func quantLoadByte(at offset: Int) -> UInt8 {
        load(fromByteOffset: offset, as: UInt8.self)
    }

    @inline(__always)
    func quantZero(byteCount: Int) {
        initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
    }
}

/// A block format that can be widened to `Float`, one block at a time.
protocol DequantizableBlock {
    /// Values in one block.
    static var valueCount: Int { get }
    /// Bytes in one block.
    static var byteCount: Int { get }
    /// Writes the block's `valueCount` values to `destination`.
    static func dequantize(block: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>)
}

/// A block format that `Float`s can be quantized into, one block at a time.
protocol QuantizableBlock: DequantizableBlock {
    /// Quantizes `valueCount` values at `source` into the `byteCount` bytes at `block`.
    static func quantize(_ source: UnsafePointer<Float>, into block: UnsafeMutableRawPointer)
}

extension DequantizableBlock {
    @inline(__always)
    static func dequantize(blocks: Int, from source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>) {
        var input = source
        var output = destination
        for _ in 0..<blocks {
            dequantize(block: input, into: output)
            input += byteCount
            output += valueCount
        }
    }
}

extension QuantizableBlock {
    @inline(__always)
    static func quantize(blocks: Int, from source: UnsafePointer<Float>, into destination: UnsafeMutableRawPointer) {
        var input = source
        var output = destination
        for _ in 0..<blocks {
            quantize(input, into: output)
            input += valueCount
            output += byteCount
        }
    }
}
