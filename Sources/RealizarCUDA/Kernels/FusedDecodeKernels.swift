import RealizarCore

/// The bodies that separate and fused kernels share, so that a fused launch computes bit for bit
/// what the separate launches compute.
enum RowBodies {
    /// `NormKernel`'s computation of one row (or group) of `columns` at `input`: thread `t` of the
    /// block's `threads` takes columns `t, t + threads, ...`; `emit(column, value)` receives each
    /// normalised value in the last loop, where every warp holds 32 consecutive columns (when
    /// `columns` is a multiple of 32).
    static func normalize(_ k: KernelBuilder, _ kind: NormKernel.Kind, input: Value, weight: Value, bias: Value?,
                          columns: Value, eps: some KernelOperand, scratch: Value, threads: Int, emit: (Value, Value) -> Void) {
        var mean: Value?
        if kind == .layer {
            let sum = k.variable(.f32, Float(0))
            columnsLoop(k, columns: columns, threads: threads) { columns, valid in
                let values = columns.map { k.load(.f32, from: input + ($0 << 2)) }
                var total = sum + values[0]
                for u in 1..<values.count { total = total + k.select(valid[u], values[u], Float(0)) }
                k.assign(sum, total)
            }
            mean = k.blockSum(sum, scratch: scratch, threads: threads) / columns.to(.f32)
        }
        let squares = k.variable(.f32, Float(0))
        columnsLoop(k, columns: columns, threads: threads) { columns, valid in
            let values = columns.map { column in
                let v = k.load(.f32, from: input + (column << 2))
                return mean.map { v - $0 } ?? v
            }
            var total = k.fma(values[0], values[0], squares)
            for u in 1..<values.count { total = k.select(valid[u], k.fma(values[u], values[u], total), total) }
            k.assign(squares, total)
        }
        let variance = k.blockSum(squares, scratch: scratch, threads: threads) / columns.to(.f32)
        // IEEE sqrt and division (not rsqrt.approx) so the GPU agrees with the scalar reference to ~1 ulp.
        let inverse = k.reciprocal(k.sqrt(variance + eps))
        columnsLoop(k, columns: columns, threads: threads) { columns, valid in
            let outputs = columns.map { column in
                var v = k.load(.f32, from: input + (column << 2))
                if let mean { v = v - mean }
                var out = v * inverse * k.load(.f32, from: weight + (column << 2))
                if let bias { out = out + k.load(.f32, from: bias + (column << 2)) }
                return out
            }
            emit(columns[0], outputs[0])
            for u in 1..<outputs.count { k.ifThen(valid[u]) { emit(columns[u], outputs[u]) } }
        }
    }

    /// Thread `t`'s columns `t, t + threads, ...` of a row of `columns`, `unroll` per step so that
    /// their loads are in flight together: `body` gets the step's columns (clamped into the row)
    /// and whether each is in it (the first always is). The columns come in the order of a plain
    /// loop, so sums over them round the same.
    static func columnsLoop(_ k: KernelBuilder, columns: Value, threads: Int, unroll: Int = 4, _ body: ([Value], [Value]) -> Void) {
        let tid = k.threadIndex
        k.forLoop(from: tid, to: columns, step: threads * unroll) { first in
            let last = columns - 1
            let all = (0..<unroll).map { u in u == 0 ? first : first + UInt32(u * threads) }
            let valid = all.map { $0.lt(columns) }
            body(all.enumerated().map { u, column in u == 0 ? column : k.min(column, last) }, valid)
        }
    }

    /// `QuantizeQ8_1Kernel`'s computation of one block of 32 values, one per lane of a warp (all
    /// 32 lanes present): writes block `block` of the Q8_1 row at `row` (`Q8_1Rows`, `blocks` per row).
    static func quantizeQ8_1(_ k: KernelBuilder, _ value: Value, lane: Value, row: Value, block: Value, blocks: Value) {
        let amax = k.warpMax(k.abs(value))
        let d = amax / Float(127)
        let inverse = k.select(d.ne(Float(0)), k.reciprocal(d), Float(0))
        let scaled = value * inverse
        let clamped = k.min(k.max(scaled, Float(-128)), Float(127))
        // roundf as QuantRounding.roundedAwayInt8 does it: add the largest float below one half
        // with the value's sign, then truncate.
        let justBelowHalf = Float(0.5).nextDown
        let biased = clamped + k.select(clamped.lt(Float(0)), k.constant(-justBelowHalf), justBelowHalf)
        let q = biased.to(.s32, rounding: .rzi)
        let sum = k.warpSum(q)
        k.store(q, to: Q8_1Rows.quants(k, row: row, block: block) + lane, as: .s8)
        k.ifThen(lane.eq(0)) {
            let scales = Q8_1Rows.scales(k, row: row, block: block, blocks: blocks)
            k.store(d.to(.f16), to: scales)
            k.store((sum.to(.f32) * d).to(.f16), to: scales, offset: 2)
        }
    }
}

/// Q8_1 activations as the GEMV kernels read them (ggml's `block_q8_1` values, regrouped): per
/// row of `blocks` blocks, each block's 32 Int8 quants one after another, then each block's f16
/// pair (d, d·Σq), the row padded to 16 bytes, so that a lane loads a block's quants with two
/// 16-byte loads.
public enum Q8_1Rows {
    public static func rowBytes(blocks: Int) -> Int { (36 * blocks + 15) / 16 * 16 }

    static func rowBytes(_ k: KernelBuilder, blocks: Value) -> Value { (blocks * 36 + 15) & ~UInt32(15) }

    /// Row `row` of rows of `blocks` blocks at `base`.
    static func row(_ k: KernelBuilder, _ base: Value, row: Value, blocks: Value) -> Value {
        base + k.mulWide(row, rowBytes(k, blocks: blocks))
    }

    static func quants(_ k: KernelBuilder, row: Value, block: Value) -> Value { row + (block << 5) }

    static func scales(_ k: KernelBuilder, row: Value, block: Value, blocks: Value) -> Value { row + ((blocks << 5) + (block << 2)) }

    /// `rows` rows of ggml `block_q8_1` (36 bytes each, `blocks` per row) in this layout.
    public static func pack(_ ggml: [UInt8], rows: Int, blocks: Int) -> [UInt8] {
        let stride = rowBytes(blocks: blocks)
        var packed = [UInt8](repeating: 0, count: rows * stride)
        for row in 0..<rows {
            for block in 0..<blocks {
                let source = (row * blocks + block) * 36
                let quants = row * stride + 32 * block, scales = row * stride + 32 * blocks + 4 * block
                packed[quants..<(quants + 32)] = ggml[(source + 4)..<(source + 36)]
                packed[scales..<(scales + 4)] = ggml[source..<(source + 4)]
            }
        }
        return packed
    }
}

/// A decode step's residual connection and the next sub-layer's norm in one launch, one block per
/// row: `x += addend` (the addend first RMS-normalised by its own weight where the architecture
/// norms a sub-layer's output, as Gemma does), then `y = norm(x)`, and `y` quantized to Q8_1 for
/// the GEMV that reads it. Each stage is optional. Bit for bit the separate `NormKernel`,
/// `ElementwiseKernel` (add) and `QuantizeQ8_1Kernel` launches it replaces: the same threads
/// reduce in the same order.
///
/// Parameters: `x`, `addend`, `addendWeight`, `y`, `weight`, `bias`, `quantized`, `columns`,
/// `eps`, `addendEps` (unused ones may be any pointer); grid: one block per row.
public enum ResidualNormKernel {

    public enum Addend: String, Sendable, CaseIterable {
        case none, plain, normalized
    }

    public struct Variant: Hashable, Sendable {
        public var addend: Addend
        public var norm: NormKernel.Kind?
        public var quantize: Bool
        /// The block size: `NormKernel.threads(columns:)` of the rows, as the separate norm uses.
        public var threads: Int

        public init(addend: Addend, norm: NormKernel.Kind?, quantize: Bool, threads: Int = NormKernel.threads) {
            precondition(!quantize || norm != nil, "only a norm's output is quantized")
            self.addend = addend
            self.norm = norm
            self.quantize = quantize
            self.threads = threads
        }

        /// Every variant that does more than one stage's work.
        public static var all: [Variant] {
            var variants: [Variant] = []
            for addend in Addend.allCases {
                for norm in [nil] + NormKernel.Kind.allCases.map(Optional.some) {
                    for quantize in [false, true] where !quantize || norm != nil {
                        let stages = (addend == .none ? 0 : 1) + (norm == nil ? 0 : 1) + (quantize ? 1 : 0)
                        guard stages >= 2 || addend == .normalized else { continue }
                        for threads in [NormKernel.threads, NormKernel.wideThreads] {
                            variants.append(Variant(addend: addend, norm: norm, quantize: quantize, threads: threads))
                        }
                    }
                }
            }
            return variants
        }
    }

    public static func name(_ variant: Variant) -> String {
        "residual_\(variant.addend.rawValue)_\(variant.norm?.rawValue ?? "none")\(variant.quantize ? "_q8_1" : "")"
            + (variant.threads == NormKernel.threads ? "" : "_t\(variant.threads)")
    }

    public static func make(_ variant: Variant) -> Kernel {
        let threads = variant.threads
        let k = KernelBuilder(name: name(variant), maxThreads: threads)
        let x = k.pointerParameter("x")
        let addend = k.pointerParameter("addend")
        let addendWeight = k.pointerParameter("addendWeight")
        let y = k.pointerParameter("y")
        let weight = k.pointerParameter("weight")
        let bias = k.pointerParameter("bias")
        let quantized = k.pointerParameter("quantized")
        let columns = k.u32Parameter("columns")
        let eps = k.f32Parameter("eps")
        let addendEps = k.f32Parameter("addendEps")
        let scratch = k.sharedArray("partials", bytes: 4 * 32)
        let tid = k.threadIndex
        let row = k.blockIndex
        let rowOffset = k.mulWide(row, columns << 2)
        let blocks = columns >> 5
        let residual = x + rowOffset
        switch variant.addend {
        case .none: break
        case .plain:
            RowBodies.columnsLoop(k, columns: columns, threads: threads) { columns, valid in
                let sums = columns.map { i in k.load(.f32, from: residual + (i << 2)) + k.load(.f32, from: addend + rowOffset + (i << 2)) }
                k.store(sums[0], to: residual + (columns[0] << 2))
                for u in 1..<sums.count { k.ifThen(valid[u]) { k.store(sums[u], to: residual + (columns[u] << 2)) } }
            }
        case .normalized:
            RowBodies.normalize(k, .rms, input: addend + rowOffset, weight: addendWeight, bias: nil, columns: columns, eps: addendEps,
                                scratch: scratch, threads: threads) { i, value in
                let at = residual + (i << 2)
                k.store(k.load(.f32, from: at) + value, to: at)
            }
        }
        if let norm = variant.norm {
            // Each thread reads back only the columns it wrote above: no barrier is needed.
            RowBodies.normalize(k, norm, input: residual, weight: weight, bias: norm == .layer ? bias : nil, columns: columns, eps: eps,
                                scratch: scratch, threads: threads) { i, value in
                k.store(value, to: y + rowOffset + (i << 2))
                if variant.quantize {
                    RowBodies.quantizeQ8_1(k, value, lane: tid & 31, row: Q8_1Rows.row(k, quantized, row: row, blocks: blocks),
                                           block: i >> 5, blocks: blocks)
                }
            }
        }
        return k.finish()
    }
}

/// A gated activation and the Q8_1 quantization of its result in one launch (the down
/// projection's input): `values = act(gate) · values`, one thread per element, each warp's 32
/// elements one Q8_1 block. Bit for bit `ElementwiseKernel` then `QuantizeQ8_1Kernel`.
///
/// Parameters: `gate`, `values`, `quantized`, `count`, `width` (values per row, a multiple of 32).
public enum GatedQuantizeKernel {
    public static let threads = ElementwiseKernel.threads

    public static func name(_ activation: ElementwiseKernel.Op) -> String { "\(activation.rawValue)_q8_1" }

    public static func make(_ activation: ElementwiseKernel.Op) -> Kernel {
        precondition(activation == .siluGate || activation == .geluGate, "a gated activation")
        let k = KernelBuilder(name: name(activation), maxThreads: threads)
        let gate = k.pointerParameter("gate")
        let values = k.pointerParameter("values")
        let quantized = k.pointerParameter("quantized")
        let count = k.u32Parameter("count")
        let width = k.u32Parameter("width")
        let i = k.blockIndex * threads + k.threadIndex
        k.returnIf(i.ge(count))
        let offset = i << 2
        let x = k.load(.f32, from: gate + offset)
        let activated = activation == .siluGate ? ElementwiseKernel.silu(k, x) : ElementwiseKernel.gelu(k, x)
        let result = activated * k.load(.f32, from: values + offset)
        k.store(result, to: values + offset)
        let blocks = width >> 5
        RowBodies.quantizeQ8_1(k, result, lane: k.threadIndex & 31, row: Q8_1Rows.row(k, quantized, row: i / width, blocks: blocks),
                               block: (i % width) >> 5, blocks: blocks)
        return k.finish()
    }

    public static func grid(count: Int) -> Dim3 { Dim3((count + threads - 1) / threads) }
}

/// What an attention layer does to its fresh queries, keys and values before attending, in one
/// launch: per-head RMS norms of queries and keys (Qwen 3, Gemma 3), RoPE, and the keys' and
/// values' store into each row's KV cache. One block per (head slot, row): slots
/// `0 ..< heads` are query heads, then `kvHeads` key heads, then `kvHeads` value heads. Bit for bit
/// the separate `NormKernel`, `RoPEKernel` and `RowKernels.storeKV` launches.
///
/// Parameters: `q`, `k`, `v` (rows × heads × headDimension f32), `queryNorm`, `keyNorm`, `angles`
/// (as `RoPEKernel`'s), `positions`, `caches` (`KVTable`), `layer`, `heads`, `kvHeads`,
/// `headDimension` (≤ 256), `rotaryDimensions`, `eps`; grid (heads + 2·kvHeads, rows).
public enum HeadPrepKernel {
    public static let threads = NormKernel.threads

    public struct Variant: Hashable, Sendable {
        public var norms: Bool
        public var rope: RoPEKernel.Style?

        public init(norms: Bool, rope: RoPEKernel.Style?) {
            self.norms = norms
            self.rope = rope
        }

        public static var all: [Variant] {
            [false, true].flatMap { norms in ([nil] + RoPEKernel.Style.allCases.map(Optional.some)).map { Variant(norms: norms, rope: $0) } }
        }
    }

    public static func name(_ variant: Variant) -> String {
        "head_prep\(variant.norms ? "_norm" : "")\(variant.rope.map { "_rope_\($0.rawValue)" } ?? "")_store"
    }

    public static func make(_ variant: Variant) -> Kernel {
        let k = KernelBuilder(name: name(variant), maxThreads: threads)
        let q = k.pointerParameter("q")
        let keys = k.pointerParameter("k")
        let values = k.pointerParameter("v")
        let queryNorm = k.pointerParameter("queryNorm")
        let keyNorm = k.pointerParameter("keyNorm")
        let angles = k.pointerParameter("angles")
        let positions = k.pointerParameter("positions")
        let caches = k.pointerParameter("caches")
        let layer = k.u32Parameter("layer")
        let heads = k.u32Parameter("heads")
        let kvHeads = k.u32Parameter("kvHeads")
        let headDimension = k.u32Parameter("headDimension")
        let rotaryDimensions = k.u32Parameter("rotaryDimensions")
        let eps = k.f32Parameter("eps")
        let scratch = k.sharedArray("partials", bytes: 4 * 32)
        let slot = k.special(.ctaidX)
        let row = k.special(.ctaidY)
        let tid = k.threadIndex
        let headBytes = headDimension << 2

        /// Norm and RoPE of one query or key head in place, as the separate kernels do them.
        func prepare(_ base: Value, norm: Value) {
            if variant.norms {
                RowBodies.normalize(k, .rms, input: base, weight: norm, bias: nil, columns: headDimension, eps: eps, scratch: scratch,
                                    threads: threads) { i, value in k.store(value, to: base + (i << 2)) }
            }
            if let style = variant.rope {
                k.barrier()
                let half = rotaryDimensions >> 1
                k.ifThen(tid.lt(half)) {
                    RoPEKernel.rotate(k, style, pair: tid, half: half, head: base,
                                      table: angles + k.mulWide(row, rotaryDimensions << 2))
                }
            }
            k.barrier()
        }

        /// Writes the head at `base` to position `positions[row]` of kv head `head` of `cache`.
        func store(_ base: Value, head: Value, cache: KVTable.Side) {
            let position = k.load(.u32, from: positions + (row << 2))
            let target = KVTable.address(k, caches, row: row, side: cache, layer: layer, head: head, position: position,
                                         headDimension: headDimension)
            k.forLoop(from: tid, to: headDimension, step: threads) { i in
                k.store(k.load(.f32, from: base + (i << 2)), to: target + (i << 2))
            }
        }

        k.ifThenElse(slot.lt(heads)) {
            prepare(q + k.mulWide(row * heads + slot, headBytes), norm: queryNorm)
        } else: {
            let kvSlot = slot - heads
            k.ifThenElse(kvSlot.lt(kvHeads)) {
                let base = keys + k.mulWide(row * kvHeads + kvSlot, headBytes)
                prepare(base, norm: keyNorm)
                store(base, head: kvSlot, cache: .keys)
            } else: {
                let head = kvSlot - kvHeads
                store(values + k.mulWide(row * kvHeads + head, headBytes), head: head, cache: .values)
            }
        }
        return k.finish()
    }

    public static func grid(heads: Int, kvHeads: Int, rows: Int) -> Dim3 { Dim3(heads + 2 * kvHeads, rows) }
}

/// Where each row of a pass finds its sequence's KV cache: one 32-byte entry per row (the key
/// cache's address, the value cache's, the bytes of one layer of either, the capacity in
/// positions, and the row's attention splits), so one launch serves rows of many sequences. A
/// cache holds per layer kvHeads × capacity × headDimension f32.
public enum KVTable {
    public static let entryBytes = 32

    public enum Side: Int { case keys = 0, values = 8 }

    /// One row's entry, as the host writes it.
    public struct Entry: Sendable {
        public var keys: UInt64
        public var values: UInt64
        public var layerBytes: UInt64
        public var capacity: UInt32
        public var splits: UInt32

        public init(keys: UInt64, values: UInt64, layerBytes: UInt64, capacity: UInt32, splits: UInt32) {
            self.keys = keys
            self.values = values
            self.layerBytes = layerBytes
            self.capacity = capacity
            self.splits = splits
        }

        /// The entry as the device reads it (little-endian u64, u64, u64, u32, u32).
        public var words: [UInt32] {
            [UInt32(truncatingIfNeeded: keys), UInt32(truncatingIfNeeded: keys >> 32),
             UInt32(truncatingIfNeeded: values), UInt32(truncatingIfNeeded: values >> 32),
             UInt32(truncatingIfNeeded: layerBytes), UInt32(truncatingIfNeeded: layerBytes >> 32), capacity, splits]
        }
    }

    static func entry(_ k: KernelBuilder, _ table: Value, row: Value) -> Value { table + k.mulWide(row, UInt32(entryBytes)) }

    static func capacity(_ k: KernelBuilder, _ table: Value, row: Value) -> Value { k.load(.u32, from: entry(k, table, row: row), offset: 24) }

    static func splits(_ k: KernelBuilder, _ table: Value, row: Value) -> Value { k.load(.u32, from: entry(k, table, row: row), offset: 28) }

    /// The start of one layer's `side` for the row.
    static func layerBase(_ k: KernelBuilder, _ table: Value, row: Value, side: Side, layer: Value) -> Value {
        let at = entry(k, table, row: row)
        let base = k.load(.u64, from: at, offset: side.rawValue)
        return base + k.load(.u64, from: at, offset: 16) * layer.to(.u64)
    }

    /// The f32 row of kv head `head` at `position`.
    static func address(_ k: KernelBuilder, _ table: Value, row: Value, side: Side, layer: Value, head: Value, position: Value,
                        headDimension: Value) -> Value {
        let capacity = Self.capacity(k, table, row: row)
        return layerBase(k, table, row: row, side: side, layer: layer) + (k.mulWide(head * capacity + position, headDimension) << 2)
    }
}
