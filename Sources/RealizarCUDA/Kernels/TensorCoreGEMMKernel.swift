import RealizarCore

/// `y[t][r] = Σ_j W[r][j] · x[t][j]` for a prompt's rows on the tensor cores: GGUF-quantized
/// weights and f32 activations, both rounded to f16 in shared memory (finer than the GEMV's 8-bit
/// activations), multiplied with `mma.sync.m16n8k16` into f32 accumulators. Float weights stay on
/// the f32 GEMV: f16 would round f32 weights, and bf16's range does not fit f16.
///
/// A block of 4 warps computes 128 weight rows × `tokenWidth` (32 or 64) tokens. Per 32 columns
/// (one sub-block of every block format): each thread decodes one weight row's sub-block (the
/// GEMV's decoding) into the weight tile, the block converts the tokens' activations into the token
/// tile, and each warp multiplies its 32 rows by all the tokens (2 × `tokenWidth` / 8 tiles of
/// 16 × 8, two k-steps of 16). The wide tile decodes each weight once per 64 tokens, half as often,
/// but makes half as many blocks: a small matrix then leaves SMs idle, so `tokenWidth(rows:tokens:)`
/// takes it only where the grid still fills the GPU twice over.
/// Every output depends only on its own row and token, in a fixed order, so a token's result does
/// not depend on which other tokens share its tile.
///
/// Parameters: `weights`, `x` (tokens × columns f32), `y` (tokens × rows f32), `rows`,
/// `columns` (a multiple of the type's block size and of 32), `tokens`. Grid (`rows` / 128,
/// `tokens` / 64), rounded up; block 128.
public enum TensorCoreGEMMKernel {
    public static let threads = 128
    public static let rowsPerBlock = 128
    public static let tokenWidths = [32, 64]
    /// Blocks of the wide grid from which the wide tile is taken: two waves of an H200's 132 SMs.
    public static let wideGridBlocks = 256
    /// Halves per tile row: 32 values and 8 of padding, so that the fragment loads of a warp's
    /// 8 rows fall in different banks.
    static let stride = 40

    public static var supportedTypes: [GGMLType] { QuantizedGEMVKernel.supportedTypes }

    public static func name(_ type: GGMLType, tokenWidth: Int) -> String {
        "gemm_mma_\(type.name.lowercased())_f16" + (tokenWidth == 32 ? "" : "_t\(tokenWidth)")
    }

    /// The token tile for a product: 64 where that grid has at least `wideFrom` blocks, else 32.
    public static func tokenWidth(rows: Int, tokens: Int, wideFrom: Int = wideGridBlocks) -> Int {
        grid(rows: rows, tokens: tokens, tokenWidth: 64).count >= wideFrom ? 64 : 32
    }

    public static func grid(rows: Int, tokens: Int, tokenWidth: Int) -> Dim3 {
        Dim3((rows + rowsPerBlock - 1) / rowsPerBlock, (tokens + tokenWidth - 1) / tokenWidth)
    }

    public static func make(_ type: GGMLType, tokenWidth: Int) -> Kernel {
        precondition(tokenWidths.contains(tokenWidth), "token tiles of 32 or 64")
        let tokensPerBlock = tokenWidth
        // 16 × 8 accumulator tiles along the tokens, per warp, and the threads converting one token.
        let tokenTiles = tokenWidth / 8
        let threadsPerToken = UInt32(threads / tokenWidth)
        let k = KernelBuilder(name: name(type, tokenWidth: tokenWidth), maxThreads: threads)
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
        // This thread's weight row, and the token and part of a sub-block it converts.
        let row = firstRow + tid
        let rowValid = row.lt(rows)
        let rowStart = weights + k.mulWide(k.min(row, rows - 1), WeightBlockDecoder.rowBytes(type, columns: columns))
        let token = firstToken + tid / threadsPerToken
        let part = tid % threadsPerToken
        let valuesPerThread = 32 / Int(threadsPerToken)
        let tokenValid = token.lt(tokens)
        let tokenStart = x + k.mulWide(k.min(token, tokens - 1), columns << 2) + part * UInt32(4 * valuesPerThread)
        let accumulators = (0..<(2 * tokenTiles)).map { _ in (0..<4).map { _ in k.variable(.f32, Float(0)) } }
        k.forLoop(from: 0, to: columns >> 5) { sub in
            // The weight tile: row tid's 32 values (zeros past the last row).
            let values = WeightBlockDecoder.decode(type, k: k, row: rowStart, sub: sub, columns: columns).values(k)
            let weightAt = weightTile + tid * UInt32(2 * stride)
            for (j, value) in values.enumerated() {
                k.store(k.select(rowValid, value, Float(0)).to(.f16), to: weightAt, offset: 2 * j, as: .f16)
            }
            // The token tile: this thread's values of its token (zeros past the last token).
            let tokenAt = tokenTile + ((tid / threadsPerToken) * UInt32(2 * stride) + part * UInt32(2 * valuesPerThread))
            let source = tokenStart + (sub << 7)
            for j in 0..<valuesPerThread {
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
