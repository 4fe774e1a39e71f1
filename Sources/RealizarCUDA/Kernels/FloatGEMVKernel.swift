import RealizarCore

/// `y[c][r] = Σ_j W[r][j] · x[c][j]` for f32, f16 or bf16 weights and `batch` f32 activation
/// rows. One warp per weight row; each lane reads four consecutive weights per step with one
/// vector load (columns a multiple of 4; rows 16-byte aligned for f32, 8-byte for f16/bf16).
///
/// Parameters: `weights`, `activations` (`batch` × `columns` f32), `output` (`batch` × `rows`),
/// `rows`, `columns`.
public enum FloatGEMVKernel {
    public static let threads = 128
    static let warps = threads / 32
    public static let supportedTypes: [GGMLType] = [.f32, .f16, .bf16]

    public static func name(_ type: GGMLType, batch: Int) -> String { "gemv_\(type.name.lowercased())_f32_b\(batch)" }

    public static func make(_ type: GGMLType, batch: Int = 1) -> Kernel {
        precondition(supportedTypes.contains(type) && batch >= 1 && batch <= 8)
        let k = KernelBuilder(name: name(type, batch: batch), maxThreads: threads)
        let weights = k.pointerParameter("weights")
        let activations = k.pointerParameter("activations")
        let output = k.pointerParameter("output")
        let rows = k.u32Parameter("rows")
        let columns = k.u32Parameter("columns")
        let tid = k.threadIndex
        let row = k.blockIndex * warps + (tid >> 5)
        k.returnIf(row.ge(rows))
        let lane = tid & 31
        let elementBytes = UInt32(type.typeSize)
        let rowStart = weights + k.mulWide(row, columns * elementBytes)
        let sums = (0..<batch).map { _ in k.variable(.f32, Float(0)) }
        k.forLoop(from: lane << 2, to: columns, step: 128) { j in
            let w: [Value]
            if type == .f32 {
                w = k.loadVector(.f32, count: 4, from: rowStart + (j << 2))
            } else {
                let pairs = k.loadVector(.u32, count: 2, from: rowStart + (j << 1))
                w = pairs.flatMap { pair in
                    let low = (pair & 0xFFFF).to(.u16).bits(as: type == .f16 ? .f16 : .bf16)
                    let high = (pair >> 16).to(.u16).bits(as: type == .f16 ? .f16 : .bf16)
                    return [low.to(.f32), high.to(.f32)]
                }
            }
            for c in 0..<batch {
                let x = k.loadVector(.f32, count: 4, from: activations + ((columns * UInt32(c) + j) << 2))
                var sum = sums[c]
                for i in 0..<4 { sum = k.fma(w[i], x[i], sum) }
                k.assign(sums[c], sum)
            }
        }
        for c in 0..<batch {
            let total = k.warpSum(sums[c])
            k.ifThen(lane.eq(0)) { k.store(total, to: output + ((rows * UInt32(c) + row) << 2)) }
        }
        return k.finish()
    }

    public static func grid(rows: Int) -> Dim3 { Dim3((rows + warps - 1) / warps) }
}
