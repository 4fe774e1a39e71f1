import RealizarCore

/// `y[c][r] = Σ_j W[r][j] · x[c][j]` for GGUF-quantized weights `W` (rows × columns, each row a
/// run of blocks) and `batch` activation rows already quantized to Q8_1, with integer `dp4a`
/// products. One warp per weight row; each lane takes 32-value sub-blocks `lane, lane + 32, ...`,
/// decodes its weights once and dots them with every activation row.
///
/// One launch may multiply several matrices that read the same activations (a layer's query, key
/// and value projections; a feed-forward's gate and up): the grid's blocks are dealt to the
/// matrices in turn, and each matrix's rows come out exactly as a launch of its own would give
/// them.
///
/// Parameters: `activations` (`batch` rows of `columns / 32` Q8_1 blocks, `Q8_1Rows`), `columns` (a multiple
/// of every type's block size), then per matrix `weights`, `output` (`batch` rows of `rows` f32),
/// `rows`, `firstBlock` (the first grid block of the matrix: 0 for the first).
public enum QuantizedGEMVKernel {
    public static let threads = 128
    static let warps = threads / 32
    public static var supportedTypes: [GGMLType] { WeightBlockDecoder.supported }
    /// Matrices one launch multiplies at most.
    public static let maxMatrices = 3
    /// Activation rows one launch multiplies at most.
    public static let maxBatch = 16

    public static func name(_ types: [GGMLType], batch: Int) -> String {
        "gemv_\(types.map { $0.name.lowercased() }.joined(separator: "_"))_q8_1_b\(batch)"
    }

    public static func name(_ type: GGMLType, batch: Int) -> String { name([type], batch: batch) }

    public static func make(_ type: GGMLType, batch: Int = 1) -> Kernel { make([type], batch: batch) }

    public static func make(_ types: [GGMLType], batch: Int = 1) -> Kernel {
        precondition(batch >= 1 && batch <= maxBatch, "1...\(maxBatch) activation rows per launch")
        precondition(!types.isEmpty && types.count <= maxMatrices)
        let k = KernelBuilder(name: name(types, batch: batch), maxThreads: threads)
        let activations = k.pointerParameter("activations")
        let columns = k.u32Parameter("columns")
        let matrices = types.indices.map { i in
            (weights: k.pointerParameter("weights\(i)"), output: k.pointerParameter("output\(i)"),
             rows: k.u32Parameter("rows\(i)"), firstBlock: k.u32Parameter("firstBlock\(i)"))
        }
        let block = k.blockIndex
        for (i, matrix) in matrices.enumerated() {
            var mine = block.ge(matrix.firstBlock)
            if i + 1 < matrices.count { mine = k.binary(.and, mine, block.lt(matrices[i + 1].firstBlock)) }
            k.ifThen(mine) {
                multiply(k, types[i], batch: batch, weights: matrix.weights, activations: activations, output: matrix.output,
                         rows: matrix.rows, columns: columns, block: block - matrix.firstBlock)
            }
        }
        return k.finish()
    }

    /// One block's rows of one matrix.
    private static func multiply(_ k: KernelBuilder, _ type: GGMLType, batch: Int, weights: Value, activations: Value, output: Value,
                                 rows: Value, columns: Value, block: Value) {
        let tid = k.threadIndex
        let row = block * warps + (tid >> 5)
        k.ifThen(row.lt(rows)) {
            let lane = tid & 31
            let subBlocks = columns >> 5
            let rowStart = weights + k.mulWide(row, WeightBlockDecoder.rowBytes(type, columns: columns))
            let sums = (0..<batch).map { _ in k.variable(.f32, Float(0)) }
            // Sub-blocks `sub, sub + 32` decoded together: their loads are in flight at once.
            func accumulate(_ subs: [Value]) {
                let decoded = subs.map { WeightBlockDecoder.decode(type, k: k, row: rowStart, sub: $0, columns: columns) }
                for c in 0..<batch {
                    let activationRow = Q8_1Rows.row(k, activations, row: k.constant(c), blocks: subBlocks)
                    var total = sums[c]
                    for (w, sub) in zip(decoded, subs) {
                        total = total + contribution(k, w, activations: activationRow, block: sub, blocks: subBlocks)
                    }
                    k.assign(sums[c], total)
                }
            }
            let paired = (subBlocks >> 6) << 6
            k.forLoop(from: lane, to: paired, step: 64) { sub in accumulate([sub, sub + 32]) }
            k.forLoop(from: paired + lane, to: subBlocks, step: 32) { sub in accumulate([sub]) }
            for c in 0..<batch {
                let total = k.warpSum(sums[c])
                k.ifThen(lane.eq(0)) { k.store(total, to: output + ((rows * UInt32(c) + row) << 2)) }
            }
        }
    }

    /// One decoded weight sub-block dotted with Q8_1 block `block` of an activation row, in f32.
    private static func contribution(_ k: KernelBuilder, _ w: DecodedSubBlock, activations row: Value, block: Value, blocks: Value) -> Value {
        let quants = Q8_1Rows.quants(k, row: row, block: block)
        let a = k.loadVector(.u32, count: 4, from: quants) + k.loadVector(.u32, count: 4, from: quants, offset: 16)
        let scales = Q8_1Rows.scales(k, row: row, block: block, blocks: blocks)
        let da = k.loadHalf(from: scales)
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
            return w.scale * da * combined.to(.f32)
        }
        var dot = k.dp4a(w.words[0], a[0], 0, aSigned: w.signedLevels)
        for i in 1..<8 { dot = k.dp4a(w.words[i], a[i], dot, aSigned: w.signedLevels) }
        let contribution = w.scale * da * dot.to(.f32)
        if let offset = w.offset { return k.fma(offset, k.loadHalf(from: scales, offset: 2), contribution) }
        return contribution
    }

    /// Blocks for a matrix of `rows` rows.
    public static func blocks(rows: Int) -> Int { (rows + warps - 1) / warps }

    public static func grid(rows: Int) -> Dim3 { Dim3(blocks(rows: rows)) }
}
