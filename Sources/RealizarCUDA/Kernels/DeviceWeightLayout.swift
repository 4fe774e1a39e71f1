import RealizarCore

/// How the CUDA backend holds a matrix of GGUF blocks in device memory: Q4_K and Q5_K rows as
/// the file has them (their 144- and 176-byte blocks keep 16-byte alignment), and the types whose
/// blocks are 18, 20, 22, 24, 34 or 210 bytes regrouped per row, each field of all the row's blocks
/// together (the quants first), the row padded to 16 bytes. A lane then reads a block's quants with
/// 16-byte loads, where the file's layout allows only 2-byte ones (a Q8_0 block: 2 loads instead
/// of 17). The host packs a matrix once, at upload (`pack`); the decoders read this layout.
public enum DeviceWeightLayout {
    /// The fields of a regrouped type's block, in their device order: (offset in the GGUF
    /// block, bytes). Nil for types kept as the file has them.
    static func fields(_ type: GGMLType) -> [(offset: Int, bytes: Int)]? {
        switch type {
        case .q4_0: [(2, 16), (0, 2)]
        case .q4_1: [(4, 16), (0, 4)]
        case .q5_0: [(6, 16), (2, 4), (0, 2)]
        case .q5_1: [(8, 16), (4, 4), (0, 4)]
        case .q8_0: [(2, 32), (0, 2)]
        case .q6_K: [(0, 128), (128, 64), (192, 16), (208, 2)]
        default: nil
        }
    }

    /// Bytes of one device row of `columns` values.
    public static func rowBytes(_ type: GGMLType, columns: Int) -> Int {
        let bytes = columns / type.blockSize * type.typeSize
        return fields(type) == nil ? bytes : (bytes + 15) / 16 * 16
    }

    /// The same, computed in a kernel.
    static func rowBytes(_ type: GGMLType, columns: Value) -> Value {
        let bytes = (columns / UInt32(type.blockSize)) * UInt32(type.typeSize)
        return fields(type) == nil ? bytes : (bytes + 15) & ~UInt32(15)
    }

    /// Where field `field` of block `block` lies in a device row of `blocks` blocks.
    static func field(_ type: GGMLType, _ field: Int, k: KernelBuilder, row: Value, blocks: Value, block: Value) -> Value {
        let fields = fields(type)!
        let before = fields[..<field].reduce(0) { $0 + $1.bytes }
        let start = before == 0 ? row : row + k.mulWide(blocks, UInt32(before))
        return start + k.mulWide(block, UInt32(fields[field].bytes))
    }

    /// `rows` rows of GGUF blocks in the device layout.
    public static func pack(_ type: GGMLType, _ bytes: UnsafeRawBufferPointer, rows: Int, columns: Int) -> [UInt8] {
        guard let fields = fields(type) else { return Array(bytes) }
        let blocks = columns / type.blockSize, size = type.typeSize
        let stride = rowBytes(type, columns: columns)
        var packed = [UInt8](repeating: 0, count: rows * stride)
        packed.withUnsafeMutableBytes { target in
            for row in 0..<rows {
                let source = bytes.baseAddress! + row * blocks * size
                var at = row * stride
                for field in fields {
                    for block in 0..<blocks {
                        (target.baseAddress! + at).copyMemory(from: source + block * size + field.offset, byteCount: field.bytes)
                        at += field.bytes
                    }
                }
            }
        }
        return packed
    }

    public static func pack(_ type: GGMLType, _ bytes: [UInt8], rows: Int, columns: Int) -> [UInt8] {
        bytes.withUnsafeBytes { pack(type, $0, rows: rows, columns: columns) }
    }
}
