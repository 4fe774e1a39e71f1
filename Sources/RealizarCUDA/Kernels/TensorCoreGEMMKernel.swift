import RealizarCore

/// `y[t][r] = Σ_j W[r][j] · x[t][j]` for a prompt's rows on the tensor cores: GGUF-quantized
/// weights and f32 activations, both rounded to f16 in shared memory (finer than the GEMV's 8-bit
/// activations), multiplied with `mma.sync.m16n8k16` into f32 accumulators. Float weights stay on
/// the f32 GEMV: f16 would round f32 weights, and bf16's range does not fit f16.
///
/// A block of 4 warps computes 128 weight rows × 64 tokens. Per 32 columns (one sub-block of
/// every block format): each thread decodes one weight row's sub-block (the GEMV's decoding) into
/// the weight tile, the block converts the 64 tokens' activations into the token tile, and each
/// warp multiplies its 32 rows by all 64 tokens (2 × 8 tiles of 16 × 8, two k-steps of 16).
/// Decoding a K-quant sub-block costs more than the multiply, so the token tile is as wide as the
/// registers allow: each decoded weight serves 64 tokens (32 left the kernel decode-bound).
/// Every output depends only on its own row and token, in a fixed order, so a token's result does
/// not depend on which other tokens share its tile.
///
/// Parameters: `weights`, `x` (tokens × columns f32), `y` (tokens × rows f32), `rows`,
/// `columns` (a multiple of the type's block size and of 32), `tokens`. Grid (`rows` / 128,
/// `tokens` / 64), rounded up; block 128.
public enum TensorCoreGEMMKernel {
    public static let threads = 128
    public static let rowsPerBlock = 128
    public static let tokensPerBlock = 64
    /// 16 × 8 accumulator tiles along the tokens, per warp.
    static let tokenTiles = tokensPerBlock / 8
    /// Halves per tile row: 32 values and 8 of padding, so that the fragment loads of a warp's
    /// 8 rows fall in different banks.
    static let stride = 40

    public static var supportedTypes: [GGMLType] { QuantizedGEMVKernel.supportedTypes }

    public static func name(_ type: GGMLType) -> String { "gemm_mma_\(type.name.lowercased())_f16" }

    public static func grid(rows: Int, tokens: Int) -> Dim3 {
        Dim3((rows + rowsPerBlock - 1) / rowsPerBlock, (tokens + tokensPerBlock - 1) / tokensPerBlock)
    }

    public static func make(_ type: GGMLType) -> Kernel {
        let k = KernelBuilder(name: name(type), maxThreads: threads)
        let weights = k.pointerParameter("weights")
        let x = k.pointerParameter("x")
        let y = k.pointerParameter("y")
        let rows = k.u32Parameter("rows")
        let columns = k.u32Parameter("columns")
        let tokens = k.u32Parameter("tokens")
        let weightTile = k.sharedArray("weights", bytes: 2 * rowsPerBlock * stride)
        let tokenTile = k.sharedArray("tokens", bytes: 2 * tokensPerBlock * stride)
        let tid = k.threadIndex
        let lane = tid & 31
        let warp = tid >> 5
        let group = lane >> 2
        let inGroup = lane & 3
        let firstRow = k.special(.ctaidX) * UInt32(rowsPerBlock)
        let firstToken = k.special(.ctaidY) * UInt32(tokensPerBlock)
        // This thread's weight row, and the token and half of a sub-block it converts.
        let row = firstRow + tid
        let rowValid = row.lt(rows)
        let rowStart = weights + k.mulWide(k.min(row, rows - 1), WeightBlockDecoder.rowBytes(type, columns: columns))
        let token = firstToken + (tid >> 1)
        let tokenValid = token.lt(tokens)
        let tokenStart = x + k.mulWide(k.min(token, tokens - 1), columns << 2) + ((tid & 1) << 6)
        let accumulators = (0..<(2 * tokenTiles)).map { _ in (0..<4).map { _ in k.variable(.f32, Float(0)) } }
        k.forLoop(from: 0, to: columns >> 5) { sub in
            // The weight tile: row tid's 32 values (zeros past the last row).
            let values = WeightBlockDecoder.decode(type, k: k, row: rowStart, sub: sub, columns: columns).values(k)
            let weightAt = weightTile + tid * UInt32(2 * stride)
            for (j, value) in values.enumerated() {
                k.store(k.select(rowValid, value, Float(0)).to(.f16), to: weightAt, offset: 2 * j, as: .f16)
            }
            // The token tile: 16 values of token tid / 2 (zeros past the last token).
            let tokenAt = tokenTile + ((tid >> 1) * UInt32(2 * stride) + ((tid & 1) << 5))
            let source = tokenStart + (sub << 7)
            for j in 0..<16 {
                let value = k.load(.f32, from: source, offset: 4 * j)
                k.store(k.select(tokenValid, value, Float(0)).to(.f16), to: tokenAt, offset: 2 * j, as: .f16)
            }
            k.barrier()
            for half in 0..<2 {
                let column = (inGroup << 1) + UInt32(16 * half)
                let a = (0..<2).map { m in
                    (0..<4).map { register in
                        let tileRow = warp * 32 + UInt32(16 * m + (register & 1) * 8) + group
                        return k.load(.u32, from: weightTile + ((tileRow * UInt32(stride) + column) << 1), offset: register >= 2 ? 16 : 0)
                    }
                }
                for n in 0..<tokenTiles {
                    let tileToken = group + UInt32(8 * n)
                    let b = (0..<2).map { register in
                        k.load(.u32, from: tokenTile + ((tileToken * UInt32(stride) + column) << 1), offset: 16 * register)
                    }
                    for m in 0..<2 {
                        let result = k.mma(.m16n8k16F16F32, a: a[m], b: b, c: accumulators[tokenTiles * m + n])
                        for (variable, value) in zip(accumulators[tokenTiles * m + n], result) { k.assign(variable, value) }
                    }
                }
            }
            k.barrier()
        }
        for m in 0..<2 {
            for n in 0..<tokenTiles {
                for register in 0..<4 {
                    let outRow = firstRow + warp * 32 + UInt32(16 * m + (register >> 1) * 8) + group
                    let outToken = firstToken + UInt32(8 * n) + (inGroup << 1) + UInt32(register & 1)
                    k.ifThen(k.binary(.and, outRow.lt(rows), outToken.lt(tokens))) {
                        k.store(accumulators[tokenTiles * m + n][register], to: y + ((k.mulWide(outToken, rows) + outRow.to(.u64)) << 2))
                    }
                }
            }
        }
        return k.finish()
    }
}
