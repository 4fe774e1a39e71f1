import RealizarKernelsAVX2
import RealizarKernelsAVX512

/// One weight matrix of a matrix product and where its outputs go.
struct MatrixProduct {
    var weight: WeightMatrix
    var output: UnsafeMutablePointer<Float>

    init(_ weight: WeightMatrix, into output: UnsafeMutablePointer<Float>) {
        self.weight = weight
        self.output = output
    }
}

/// `output[t][r] = Σ_k input[t][k] · weight[r][k]` for a batch of activation rows, for up to three
/// weight matrices that read the same input (q/k/v, gate/up) in one parallel loop.
///
/// Quantized weights take the integer path: the input is quantized to 8 bits once for all the
/// matrices, and `QuantizedMatmul` multiplies weight blocks as they lie in the mapped file. Other
/// weights (f32, f16, bf16, rarer block types) are dequantized a tile of rows at a time into a
/// per-thread buffer and reused for every row of the batch.
final class MatrixMultiplier: @unchecked Sendable {
    let pool: ThreadPool
    let family: KernelFamily
    /// Weight rows one integer-kernel call covers when the batch spans several activation tiles:
    /// a few KB of weights that stay in L1 while the batch's activation rows stream past.
    static let rowTile = 16
    /// Activation rows per integer-kernel call. Each call unpacks its eight-row groups of weights
    /// once into a layout made for many activation rows, so the more rows the better, up to where
    /// the quantized activations (about 1.25 bytes per value) no longer stay in the caches.
    static let activationTile = 256
    /// Rows dequantized at once on the float path: small enough that the tile stays in L2.
    static let floatTile = 16
    /// Activation rows the AVX-512 float path keeps in L2 while the weights pass over them.
    static let floatBatchChunk = 64

    private var activations: UnsafeMutableRawPointer?
    private var activationBytes = 0
    private var tiles: UnsafeMutablePointer<Float>?
    private var tileFloats = 0

    init(pool: ThreadPool, family: KernelFamily) {
        self.pool = pool
        self.family = family
    }

    deinit {
        activations?.deallocate()
        tiles?.deallocate()
    }

    /// Multiplies `input` (`batch` rows of the matrices' common column count) by each product's
    /// weight. `outputStride` defaults to each weight's row count.
    func multiply(_ first: MatrixProduct, _ second: MatrixProduct? = nil, _ third: MatrixProduct? = nil,
                  input: UnsafePointer<Float>, batch: Int) {
        let columns = first.weight.columns
        func integer(_ product: MatrixProduct?) -> Bool {
            product.map { QuantizedMatmul.supports($0.weight.type, columns: $0.weight.columns) } ?? true
        }
        if integer(first), integer(second), integer(third) {
            multiplyQuantized(first, second, third, input: input, batch: batch, columns: columns)
        } else {
            multiplyFloat(first, input: input, batch: batch)
            if let second { multiplyFloat(second, input: input, batch: batch) }
            if let third { multiplyFloat(third, input: input, batch: batch) }
        }
    }

    /// Rows of the products laid end to end, each matrix padded to whole row tiles so that a
    /// thread's share never splits a tile.
    private func paddedRows(_ product: MatrixProduct?) -> Int {
        guard let product else { return 0 }
        return (product.weight.rows + Self.rowTile - 1) / Self.rowTile * Self.rowTile
    }

    private func multiplyQuantized(_ first: MatrixProduct, _ second: MatrixProduct?, _ third: MatrixProduct?,
                                   input: UnsafePointer<Float>, batch: Int, columns: Int) {
        let rowBytes = QuantizedMatmul.activationRowBytes(for: first.weight.type, columns: columns)
        let quantized = activationBuffer(bytes: batch * rowBytes)
        let family = family
        if batch == 1 {
            QuantizedMatmul.quantizeActivations(input, columns: columns, for: first.weight.type, into: quantized, family: family)
        } else {
            pool.parallelFor(batch) { range in
                for t in range {
                    QuantizedMatmul.quantizeActivations(input + t * columns, columns: columns, for: first.weight.type,
                                                        into: quantized + t * rowBytes, family: family)
                }
            }
        }
        let firstRows = paddedRows(first)
        let secondRows = paddedRows(second)
        let total = firstRows + secondRows + paddedRows(third)
        // Batches are cut finer: their matrices are compute-bound, and a thread that loses its
        // core for a moment (the server's network threads, a client on the same machine) then
        // holds up the other by one small chunk, not by an eighth of the matrix.
        pool.parallelFor(total, granularity: Self.rowTile, chunksPerThread: batch == 1 ? 8 : 32) { range in
            func run(_ product: MatrixProduct?, offset: Int) {
                guard let product else { return }
                let w = product.weight
                let lower = max(range.lowerBound - offset, 0)
                let upper = min(range.upperBound - offset, w.rows)
                // While the activations fit one tile, one call covers the whole range: the kernel
                // streams its weight rows once either way, and decode batches make tens of
                // thousands of calls per step otherwise. Larger batches go through tiles of rows,
                // so that each weight tile serves every activation tile before the next is read.
                let tile = batch <= Self.activationTile ? max(upper - lower, 1) : Self.rowTile
                var row = lower
                while row < upper {
                    let rows = min(tile, upper - row)
                    var t = 0
                    while t < batch {
                        let count = min(Self.activationTile, batch - t)
                        QuantizedMatmul.multiply(
                            w.type, weights: w.data + row * w.rowBytes, weightRowBytes: w.rowBytes, rows: rows,
                            activations: quantized + t * rowBytes, activationRowBytes: rowBytes, activationCount: count,
                            columns: columns, output: product.output + t * w.rows + row, outputStride: w.rows, family: family)
                        t += count
                    }
                    row += rows
                }
            }
            run(first, offset: 0)
            run(second, offset: firstRows)
            run(third, offset: firstRows + secondRows)
        }
    }

    private func multiplyFloat(_ product: MatrixProduct, input: UnsafePointer<Float>, batch: Int) {
        let weight = product.weight
        let columns = weight.columns
        let stride = weight.rows
        let output = product.output
        let tileSize = Self.floatTile * columns
        let tiles = tileBuffer(floats: pool.threads * tileSize)
        let useAVX2 = family != .generic && columns % 8 == 0
        if family == .avx512 && columns % 16 == 0 {
            multiplyFloatAVX512(product, input: input, batch: batch)
            return
        }
        pool.parallelChunks(weight.rows, granularity: Self.floatTile) { thread, range in
            let tile = tiles + thread * tileSize
            var row = range.lowerBound
            while row < range.upperBound {
                let count = min(Self.floatTile, range.upperBound - row)
                weight.dequantize(rows: row, count: count, into: tile)
                for t in 0..<batch {
                    let x = input + t * columns
                    let out = output + t * stride + row
                    var r = 0
                    if useAVX2 {
                        while r + 4 <= count {
                            let w = tile + r * columns
                            let four = avx2DotFour(x, w, w + columns, w + 2 * columns, w + 3 * columns, count: columns)
                            out[r] = four[0]; out[r + 1] = four[1]; out[r + 2] = four[2]; out[r + 3] = four[3]
                            r += 4
                        }
                    }
                    while r < count {
                        out[r] = useAVX2 ? avx2Dot(x, tile + r * columns, count: columns) : VectorOps.dot(x, tile + r * columns, columns)
                        r += 1
                    }
                }
                row += count
            }
        }
    }

    /// The float path with AVX-512: blocks of four activation rows by four weight rows (f32
    /// weights read in place, others dequantized a tile at a time). Every output is the same
    /// sixteen-lane sum whichever kernel computes it (`FloatDotKernels.swift`).
    private func multiplyFloatAVX512(_ product: MatrixProduct, input: UnsafePointer<Float>, batch: Int) {
        let weight = product.weight
        let columns = weight.columns, stride = weight.rows, output = product.output
        let tileSize = Self.floatTile * columns
        let inPlace = weight.type == .f32
        let tiles = inPlace ? nil : tileBuffer(floats: pool.threads * tileSize)
        pool.parallelChunks(weight.rows, granularity: Self.floatTile, chunksPerThread: batch == 1 ? 8 : 4) { thread, range in
            // Activation rows in chunks that stay in L2 while every weight tile of the range
            // passes over them; each tile then serves the chunk from L1.
            var first = 0
            while first < batch {
                let end = min(first + Self.floatBatchChunk, batch)
                var row = range.lowerBound
                while row < range.upperBound {
                    let count = min(Self.floatTile, range.upperBound - row)
                    let tile: UnsafePointer<Float>
                    if let tiles {
                        weight.dequantize(rows: row, count: count, into: tiles + thread * tileSize)
                        tile = UnsafePointer(tiles + thread * tileSize)
                    } else {
                        tile = (weight.data + row * weight.rowBytes).assumingMemoryBound(to: Float.self)
                    }
                    var t = first
                    while t + 4 <= end {
                        var r = 0
                        while r + 4 <= count {
                            avx512DotBlock4x4(input + t * columns, xStride: columns, tile + r * columns, wStride: columns, count: columns,
                                              output + t * stride + row + r, outStride: stride)
                            r += 4
                        }
                        for tt in t..<(t + 4) {
                            for rr in r..<count { output[tt * stride + row + rr] = avx512Dot(input + tt * columns, tile + rr * columns, count: columns) }
                        }
                        t += 4
                    }
                    while t < end {
                        let x = input + t * columns
                        var r = 0
                        while r + 4 <= count {
                            avx512DotFour(x, tile + r * columns, wStride: columns, count: columns, output + t * stride + row + r)
                            r += 4
                        }
                        while r < count {
                            output[t * stride + row + r] = avx512Dot(x, tile + r * columns, count: columns)
                            r += 1
                        }
                        t += 1
                    }
                    row += count
                }
                first = end
            }
        }
    }

    private func activationBuffer(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes > activationBytes {
            activations?.deallocate()
            activations = .allocate(byteCount: bytes, alignment: 64)
            activationBytes = bytes
        }
        return activations!
    }

    private func tileBuffer(floats: Int) -> UnsafeMutablePointer<Float> {
        if floats > tileFloats {
            tiles?.deallocate()
            tiles = .allocate(capacity: floats)
            tileFloats = floats
        }
        return tiles!
    }
}
