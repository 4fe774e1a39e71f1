/// The sixteen non-uniform levels of `IQ4_NL` and `IQ4_XS` (llama.cpp's `kvalues_iq4nl`).
enum IQ4Levels {
    @inline(__always)
    static func level(_ index: UInt8) -> Float {
        // A switch compiles to a table lookup without an array's bounds check or retain.
        switch index & 0x0F {
        case 0: return -127
        case 1: return -104
        case 2: return -83
        case 3: return -65
        case 4: return -49
        case 5: return -35
        case 6: return -22
        case 7: return -10
        case 8: return 1
        case 9: return 13
        case 10: return 25
        case 11: return 38
        case 12: return 53
        case 13: return 69
        case 14: return 89
        default: return 113
        }
    }
}

/// `IQ4_NL`: 32 values in 18 bytes, 4-bit indices into a non-linear table of levels.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 2     | `d`: f16 scale |
/// | 2      | 16    | `qs`: index of value `j` (j < 16) in the low nibble of `qs[j]`, of value `j + 16` in its high nibble |
///
/// `value = d * kvalues[index]` with `kvalues = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]`.
public enum IQ4_NLBlock: DequantizableBlock {
    public static let valueCount = 32
    public static let byteCount = 18

    /// Dequantizes one block (as gguf-py and `dequantize_row_iq4_nl`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 0)
        for j in 0..<16 {
            let byte = block.quantByte(at: 2 + j)
            y[j] = d * IQ4Levels.level(byte & 0x0F)
            y[j + 16] = d * IQ4Levels.level(byte >> 4)
        }
    }
}

/// `IQ4_XS`: 256 values in 136 bytes; eight sub-blocks of 32 with 6-bit signed scales, 4-bit indices
/// into `IQ4_NL`'s table.
///
/// | offset | bytes | field |
/// |-------:|------:|-------|
/// | 0      | 2     | `d`: f16 scale of the scales |
/// | 2      | 2     | `scales_h`: little-endian u16, bits `2j...2j+1` are the high bits of sub-block `j`'s scale |
/// | 4      | 4     | `scales_l`: low four bits of sub-block `j`'s scale in nibble `j % 2` of byte `j / 2` |
/// | 8      | 128   | `qs`: sixteen bytes per sub-block; indices of values 0..<16 in the low nibbles, 16..<32 in the high nibbles |
///
/// Value `l` of sub-block `j`: `(d * (ls[j] - 32)) * kvalues[index]`.
public enum IQ4_XSBlock: DequantizableBlock {
    public static let valueCount = 256
    public static let byteCount = 136

    /// Dequantizes one block (as gguf-py and `dequantize_row_iq4_xs`).
    public static func dequantize(block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        let d = block.quantHalf(at: 0)
        let scalesHigh = block.quantUInt16(at: 2)
        for sub in 0..<8 {
            let low = (block.quantByte(at: 4 + sub / 2) >> UInt8(4 * (sub % 2))) & 0x0F
            let high = UInt8(truncatingIfNeeded: scalesHigh >> UInt16(2 * sub)) & 0x03
            let dl = d * Float(Int32(low | high << 4) - 32)
            let out = y + 32 * sub
            for j in 0..<16 {
                let byte = block.quantByte(at: 8 + 16 * sub + j)
                out[j] = dl * IQ4Levels.level(byte & 0x0F)
                out[j + 16] = dl * IQ4Levels.level(byte >> 4)
            }
        }
    }
}
