import RealizarCore

/// Looks up rows of a quantized embedding table: `y[t] = dequantize(table[ids[t]])`, one thread
/// per 32-value sub-block, through the same block decoding as the GEMV kernels.
///
/// Parameters: `table`, `ids` (u32 per token), `y` (tokens × columns f32), `subBlocks`
/// (tokens · columns / 32), `columns`.
public enum EmbeddingKernel {
    public static let threads = 128
    public static var supportedTypes: [GGMLType] { WeightBlockDecoder.supported }

    public static func name(_ type: GGMLType) -> String { "embedding_\(type.name.lowercased())" }

    public static func make(_ type: GGMLType) -> Kernel {
        let k = KernelBuilder(name: name(type), maxThreads: threads)
        let table = k.pointerParameter("table")
        let ids = k.pointerParameter("ids")
        let y = k.pointerParameter("y")
        let total = k.u32Parameter("subBlocks")
        let columns = k.u32Parameter("columns")
        let index = k.blockIndex * threads + k.threadIndex
        k.returnIf(index.ge(total))
        let perRow = columns >> 5
        let token = index / perRow
        let sub = index % perRow
        let id = k.load(.u32, from: ids + (token << 2))
        let row = table + k.mulWide(id, WeightBlockDecoder.rowBytes(type, columns: columns))
        let w = WeightBlockDecoder.decode(type, k: k, row: row, sub: sub)
        let out = y + k.mulWide(index, 128)
        for j in 0..<32 {
            let byte = (w.words[j / 4] >> (8 * (j % 4))) & 0xFF
            var value: Value
            if let (s0, s1) = w.halfScales {
                let level = (byte - 32).bits(as: .s32) * (j < 16 ? s0 : s1)
                value = w.scale * level.to(.f32)
            } else {
                let level = w.signedLevels ? ((byte << 24).bits(as: .s32) >> 24) : byte
                value = w.scale * level.to(.f32)
                if let offset = w.offset { value = value + offset }
            }
            k.store(value, to: out, offset: 4 * j)
        }
        return k.finish()
    }

    public static func grid(subBlocks: Int) -> Dim3 { Dim3((subBlocks + threads - 1) / threads) }
}
