import RealizarKernelsAVX2

/// `output[t][r] = Σ_k input[t][k] · weight[r][k]` for a batch of activation rows.
///
/// Weights stay in their block format in the mapped file; a tile of rows is dequantized into a
/// small per-thread buffer and reused for every activation row in the batch, so a prompt pays the
/// dequantization once per weight, not once per token.
enum MatrixMultiply {
    /// Rows dequantized at once: small enough that the tile stays in L2.
    static let tileRows = 16

    static func multiply(_ weight: WeightMatrix, input: UnsafePointer<Float>, batch: Int,
                         output: UnsafeMutablePointer<Float>, outputStride: Int? = nil, pool: ThreadPool) {
        let columns = weight.columns
        let stride = outputStride ?? weight.rows
        let useAVX2 = KernelFamily.selected != .generic && columns % 8 == 0
        pool.parallelFor(weight.rows, granularity: tileRows) { range in
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * columns)
            defer { tile.deallocate() }
            var row = range.lowerBound
            while row < range.upperBound {
                let count = min(tileRows, range.upperBound - row)
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
                        out[r] = useAVX2 ? avx2Dot(x, tile + r * columns, count: columns) : dot(x, tile + r * columns, columns)
                        r += 1
                    }
                }
                row += count
            }
        }
    }

    /// The portable dot product.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var sum = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            sum += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = sum.sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }
}
