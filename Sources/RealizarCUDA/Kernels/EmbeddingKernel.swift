import RealizarCore

/// Looks up rows of an embedding table: `y[t] = dequantize(table[ids[t]])`. Quantized tables take
/// one thread per 32-value sub-block, through the same block decoding as the GEMV kernels; f32,
/// f16 and bf16 tables one thread per value.
///
/// Parameters: `table`, `ids` (u32 per token), `y` (tokens × columns f32), `count` (the threads:
/// `units(type, tokens:, columns:)`), `columns`.
public enum EmbeddingKernel {
    public static let threads = 128
    static let floatTypes: [GGMLType] = [.f32, .f16, .bf16]
    public static var supportedTypes: [GGMLType] { floatTypes + WeightBlockDecoder.supported }

    public static func name(_ type: GGMLType) -> String { "embedding_\(type.name.lowercased())" }

    /// Threads a lookup of `tokens` rows of `columns` values takes.
    public static func units(_ type: GGMLType, tokens: Int, columns: Int) -> Int {
        floatTypes.contains(type) ? tokens * columns : tokens * columns / 32
    }

    public static func make(_ type: GGMLType) -> Kernel {
        let k = KernelBuilder(name: name(type), maxThreads: threads)
        let table = k.pointerParameter("table")
        let ids = k.pointerParameter("ids")
        let y = k.pointerParameter("y")
        let total = k.u32Parameter("count")
        let columns = k.u32Parameter("columns")
        let index = k.blockIndex * threads + k.threadIndex
        k.returnIf(index.ge(total))
        if floatTypes.contains(type) {
            let id = k.load(.u32, from: ids + ((index / columns) << 2))
            let element = k.mulWide(id, columns) + (index % columns).to(.u64)
            let value: Value
            switch type {
            case .f32: value = k.load(.f32, from: table + (element << 2))
            case .f16: value = k.loadHalf(from: table + (element << 1))
            default: value = (k.load(.u16, from: table + (element << 1)).to(.u32) << 16).bits(as: .f32)
            }
            k.store(value, to: y + (index.to(.u64) << 2))
        } else {
            let perRow = columns >> 5
            let id = k.load(.u32, from: ids + ((index / perRow) << 2))
            let row = table + k.mulWide(id, WeightBlockDecoder.rowBytes(type, columns: columns))
            let values = WeightBlockDecoder.decode(type, k: k, row: row, sub: index % perRow, columns: columns).values(k)
            let out = y + k.mulWide(index, 128)
            for (j, value) in values.enumerated() { k.store(value, to: out, offset: 4 * j) }
        }
        return k.finish()
    }

    public static func grid(units: Int) -> Dim3 { Dim3((units + threads - 1) / threads) }
}
