import RealizarCore

/// `y[c][r] = Σ_j W[r][j] · x[c][j]` for GGUF-quantized weights `W` (rows × columns, each row a
/// run of blocks) and `batch` activation rows already quantized to Q8_1, with integer `dp4a`
/// products. One warp per weight row; each lane takes 32-value sub-blocks `lane, lane + 32, ...`,
/// decodes its weights once and dots them with every activation row.
///
/// Parameters: `weights`, `activations` (`batch` rows of `columns / 32` Q8_1 blocks), `output`
/// (`batch` rows of `rows` f32), `rows`, `columns` (a multiple of the type's block size).
public enum QuantizedGEMVKernel {
    public static let threads = 128
    static let warps = threads / 32
    public static var supportedTypes: [GGMLType] { WeightBlockDecoder.supported }

    public static func name(_ type: GGMLType, batch: Int) -> String { "gemv_\(type.name.lowercased())_q8_1_b\(batch)" }

    public static func make(_ type: GGMLType, batch: Int = 1) -> Kernel {
        precondition(batch >= 1 && batch <= 8, "1...8 activation rows per launch")
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
        let subBlocks = columns >> 5
        let rowStart = weights + k.mulWide(row, WeightBlockDecoder.rowBytes(type, columns: columns))
        let sums = (0..<batch).map { _ in k.variable(.f32, Float(0)) }
        k.forLoop(from: lane, to: subBlocks, step: 32) { sub in
            let w = WeightBlockDecoder.decode(type, k: k, row: rowStart, sub: sub)
            for c in 0..<batch {
                let block = activations + k.mulWide(subBlocks * UInt32(c) + sub, 36)
                let a = (0..<8).map { k.load(.u32, from: block, offset: 4 + 4 * $0) }
                let da = k.loadHalf(from: block)
                var contribution: Value
                if let (s0, s1) = w.halfScales {
                    let ones = k.constant(0x0101_0101)
                    var halves: [Value] = []
                    for half in 0..<2 {
                        var dot = k.dp4a(w.words[4 * half], a[4 * half], 0, aSigned: false)
                        var sumA = k.dp4a(ones, a[4 * half], 0)
                        for i in 1..<4 {
                            dot = k.dp4a(w.words[4 * half + i], a[4 * half + i], dot, aSigned: false)
                            sumA = k.dp4a(ones, a[4 * half + i], sumA)
                        }
                        halves.append(dot - (sumA << 5))
                    }
                    let combined = halves[0] * s0 + halves[1] * s1
                    contribution = w.scale * da * combined.to(.f32)
                } else {
                    var dot = k.dp4a(w.words[0], a[0], 0, aSigned: w.signedLevels)
                    for i in 1..<8 { dot = k.dp4a(w.words[i], a[i], dot, aSigned: w.signedLevels) }
                    contribution = w.scale * da * dot.to(.f32)
                    if let offset = w.offset {
                        contribution = k.fma(offset, k.loadHalf(from: block, offset: 2), contribution)
                    }
                }
                k.assign(sums[c], sums[c] + contribution)
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
