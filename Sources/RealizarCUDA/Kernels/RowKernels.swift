/// Kernels that move or broadcast whole rows: a bias added to every row, columns copied out of
/// rows (a slice, or rows gathered by index), and keys and values written into a KV cache. One
/// thread per element.
public enum RowKernels {
    public static let threads = 256

    public static func grid(count: Int) -> Dim3 { Dim3((count + threads - 1) / threads) }

    public static let addBiasName = "add_bias_f32"

    /// `x[i] += bias[i % width]`. Parameters: `x`, `bias`, `count`, `width`.
    public static func makeAddBias() -> Kernel {
        let k = KernelBuilder(name: addBiasName, maxThreads: threads)
        let x = k.pointerParameter("x")
        let bias = k.pointerParameter("bias")
        let count = k.u32Parameter("count")
        let width = k.u32Parameter("width")
        let i = k.blockIndex * threads + k.threadIndex
        k.returnIf(i.ge(count))
        let at = x + k.mulWide(i, 4)
        k.store(k.load(.f32, from: at) + k.load(.f32, from: bias + ((i % width) << 2)), to: at)
        return k.finish()
    }

    public static let copyRowsName = "copy_rows_f32"

    /// `y[r][j] = x[s][offset + j]` for `j < width`, where `s` is `rowIndex[r]` when `gather` is
    /// nonzero and `r` otherwise. Parameters: `x`, `y`, `rowIndex` (u32 per output row), `gather`,
    /// `count` (output rows · width), `width`, `sourceWidth`, `offset`.
    public static func makeCopyRows() -> Kernel {
        let k = KernelBuilder(name: copyRowsName, maxThreads: threads)
        let x = k.pointerParameter("x")
        let y = k.pointerParameter("y")
        let rowIndex = k.pointerParameter("rowIndex")
        let gather = k.u32Parameter("gather")
        let count = k.u32Parameter("count")
        let width = k.u32Parameter("width")
        let sourceWidth = k.u32Parameter("sourceWidth")
        let offset = k.u32Parameter("offset")
        let i = k.blockIndex * threads + k.threadIndex
        k.returnIf(i.ge(count))
        let row = i / width
        let column = i % width
        let source = k.variable(.u32, row)
        k.ifThen(gather.ne(0)) { k.assign(source, k.load(.u32, from: rowIndex + (row << 2))) }
        let from = k.mulWide(source, sourceWidth) + (offset + column).to(.u64)
        k.store(k.load(.f32, from: x + (from << 2)), to: y + k.mulWide(i, 4))
        return k.finish()
    }

    public static let storeKVName = "store_kv_f32"

    /// Writes row `r` of `keys` and `values` (kvHeads × headDimension each) at position
    /// `positions[r]` of layer `layer` of row `r`'s caches (`KVTable`). Parameters: `keys`,
    /// `values`, `caches`, `positions`, `layer`, `count` (rows · kvHeads · headDimension),
    /// `headDimension`, `kvHeads`.
    public static func makeStoreKV() -> Kernel {
        let k = KernelBuilder(name: storeKVName, maxThreads: threads)
        let keys = k.pointerParameter("keys")
        let values = k.pointerParameter("values")
        let caches = k.pointerParameter("caches")
        let positions = k.pointerParameter("positions")
        let layer = k.u32Parameter("layer")
        let count = k.u32Parameter("count")
        let headDimension = k.u32Parameter("headDimension")
        let kvHeads = k.u32Parameter("kvHeads")
        let i = k.blockIndex * threads + k.threadIndex
        k.returnIf(i.ge(count))
        let width = kvHeads * headDimension
        let row = i / width
        let column = i % width
        let head = column / headDimension
        let dimension = (column % headDimension) << 2
        let position = k.load(.u32, from: positions + (row << 2))
        let from = k.mulWide(i, 4)
        for (side, source) in [(KVTable.Side.keys, keys), (.values, values)] {
            let target = KVTable.address(k, caches, row: row, side: side, layer: layer, head: head, position: position,
                                         headDimension: headDimension)
            k.store(k.load(.f32, from: source + from), to: target + dimension)
        }
        return k.finish()
    }
}
