import RealizarCore

/// How one 32-value sub-block of GGUF weights enters an integer dot product with Q8_1 activations:
/// eight u32 words of four 8-bit levels each (value `4i..4i+3` in word `i`, like the activation's
/// `qs`), and the affine map from `Σ level·q` to the f32 contribution:
/// `scale · d_a · Σ level·q + offset · s_a` (`s_a = d_a·Σq`, the Q8_1 block's second half).
struct DecodedSubBlock {
    var words: [Value]
    /// dp4a's signedness for the weight bytes.
    var signedLevels: Bool
    var scale: Value
    var offset: Value?
    /// Q6_K: signed 8-bit scales of each half (16 values) of the sub-block; levels are unsigned
    /// 0..63 with the −32 taken out through the activations' sums.
    var halfScales: (Value, Value)?

    /// The sub-block's 32 weights as f32 (what the GEMV's integer dot product stands for).
    func values(_ k: KernelBuilder) -> [Value] {
        (0..<32).map { j in
            let byte = (words[j / 4] >> (8 * (j % 4))) & 0xFF
            if let (s0, s1) = halfScales {
                let level = (byte - 32).bits(as: .s32) * (j < 16 ? s0 : s1)
                return scale * level.to(.f32)
            }
            let level = signedLevels ? ((byte << 24).bits(as: .s32) >> 24) : byte
            let value = scale * level.to(.f32)
            return offset.map { value + $0 } ?? value
        }
    }
}

/// Generates the per-type decoding of weight sub-blocks (GGUF/ggml block layouts, see
/// RealizarCore's `Q4_0Block` ... `Q6_KBlock`).
enum WeightBlockDecoder {
    static let supported: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    /// Bytes of one device row of `columns` values (`DeviceWeightLayout`).
    static func rowBytes(_ type: GGMLType, columns: Value) -> Value { DeviceWeightLayout.rowBytes(type, columns: columns) }

    /// Sub-block `sub` (a u32 index of 32 values) of the device row at `row` (`DeviceWeightLayout`)
    /// of `columns` values.
    static func decode(_ type: GGMLType, k: KernelBuilder, row: Value, sub: Value, columns: Value) -> DecodedSubBlock {
        switch type {
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0:
            // One GGUF block per sub-block.
            let blocks = columns >> 5
            func field(_ index: Int) -> Value { DeviceWeightLayout.field(type, index, k: k, row: row, blocks: blocks, block: sub) }
            switch type {
            case .q8_0:
                let words = k.loadVector(.u32, count: 4, from: field(0)) + k.loadVector(.u32, count: 4, from: field(0), offset: 16)
                return DecodedSubBlock(words: words, signedLevels: true, scale: k.loadHalf(from: field(1)), offset: nil)
            case .q4_0, .q4_1:
                let packed = k.loadVector(.u32, count: 4, from: field(0))
                let words = packed.map { $0 & 0x0F0F_0F0F } + packed.map { ($0 >> 4) & 0x0F0F_0F0F }
                let d = k.loadHalf(from: field(1))
                let offset = type == .q4_0 ? d * Float(-8) : k.loadHalf(from: field(1), offset: 2)
                return DecodedSubBlock(words: words, signedLevels: false, scale: d, offset: offset)
            default:
                // Q5_0/Q5_1: Q4's nibbles plus a fifth bit of value j in bit j of the u32 `qh`.
                let packed = k.loadVector(.u32, count: 4, from: field(0))
                let qh = k.load(.u32, from: field(1))
                var words: [Value] = []
                for (half, shift) in [(0, 0), (16, 4)] {
                    for i in 0..<4 {
                        words.append(((packed[i] >> shift) & 0x0F0F_0F0F) | spreadBits(k, qh >> (half + 4 * i)))
                    }
                }
                let d = k.loadHalf(from: field(2))
                let offset = type == .q5_0 ? d * Float(-16) : k.loadHalf(from: field(2), offset: 2)
                return DecodedSubBlock(words: words, signedLevels: false, scale: d, offset: offset)
            }
        case .q4_K, .q5_K: return decodeKWithMin(type, k: k, row: row, sub: sub)
        case .q6_K: return decodeQ6K(k: k, row: row, sub: sub, blocks: columns >> 8)
        default: preconditionFailure("no integer GEMV for \(type.name)")
        }
    }

    /// Bits 0..3 of `bits` moved to bit 4 of bytes 0..3.
    private static func spreadBits(_ k: KernelBuilder, _ bits: Value) -> Value {
        ((bits & 1) << 4) | ((bits & 2) << 11) | ((bits & 4) << 18) | ((bits & 8) << 25)
    }

    /// Q4_K/Q5_K: sub-block j of a 256-value super-block, with 6-bit scale and minimum
    /// (`KQuantScales`), levels in nibbles of chunk j / 2 (and Q5_K's fifth bit j of qh[l]).
    private static func decodeKWithMin(_ type: GGMLType, k: KernelBuilder, row: Value, sub: Value) -> DecodedSubBlock {
        let block = row + k.mulWide(sub >> 3, UInt32(type.typeSize))
        let j = sub & 7
        let low = j & 3
        let scales = block + 4
        let b0 = k.load(.u8, from: scales + low)
        let b4 = k.load(.u8, from: scales + (low + 4))
        let b8 = k.load(.u8, from: scales + (low + 8))
        let first = j.lt(4)
        let sc = k.select(first, b0 & 63, (b8 & 0x0F) | ((b0 >> 6) << 4))
        let m = k.select(first, b4 & 63, (b8 >> 4) | ((b4 >> 6) << 4))
        let shift = (j & 1) << 2
        let qsAt = type == .q4_K ? 16 : 48
        // Chunks are 16-byte aligned (144 and 176 are multiples of 16): two v4 loads.
        let chunk = block + ((j >> 1) << 5)
        let packed = k.loadVector(.u32, count: 4, from: chunk, offset: qsAt) + k.loadVector(.u32, count: 4, from: chunk, offset: qsAt + 16)
        var words = packed.map { ($0 >> shift) & 0x0F0F_0F0F }
        if type == .q5_K {
            let high = k.loadVector(.u32, count: 4, from: block, offset: 16) + k.loadVector(.u32, count: 4, from: block, offset: 32)
            words = zip(words, high).map { word, qh in word | (((qh >> j) & 0x0101_0101) << 4) }
        }
        let d = k.loadHalf(from: block)
        let dmin = k.loadHalf(from: block, offset: 2)
        return DecodedSubBlock(words: words, signedLevels: false, scale: d * sc.to(.f32), offset: -(dmin * m.to(.f32)))
    }

    /// Q6_K: sub-block j (32 values) = h = j / 4, k = j % 4 of the ql/qh layout; two Int8 scales.
    /// The device row holds all its blocks' ql, then qh, scales and d (`DeviceWeightLayout`).
    private static func decodeQ6K(k: KernelBuilder, row: Value, sub: Value, blocks: Value) -> DecodedSubBlock {
        let block = sub >> 3
        func field(_ index: Int) -> Value { DeviceWeightLayout.field(.q6_K, index, k: k, row: row, blocks: blocks, block: block) }
        let j = sub & 7
        let h = j >> 2
        let quarter = j & 3
        let ql = field(0) + ((h << 6) + ((quarter & 1) << 5))
        let qh = field(1) + (h << 5)
        let lowShift = (quarter >> 1) << 2
        let highShift = quarter << 1
        let lows = k.loadVector(.u32, count: 4, from: ql) + k.loadVector(.u32, count: 4, from: ql, offset: 16)
        let highs = k.loadVector(.u32, count: 4, from: qh) + k.loadVector(.u32, count: 4, from: qh, offset: 16)
        let words = zip(lows, highs).map { low, high in
            ((low >> lowShift) & 0x0F0F_0F0F) | (((high >> highShift) & 0x0303_0303) << 4)
        }
        let scales = field(2) + (j << 1)
        let s0 = k.load(.s8, from: scales)
        let s1 = k.load(.s8, from: scales, offset: 1)
        return DecodedSubBlock(words: words, signedLevels: false, scale: k.loadHalf(from: field(3)), offset: nil, halfScales: (s0, s1))
    }
}
