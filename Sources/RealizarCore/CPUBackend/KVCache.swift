import RealizarKernelsAVX2

/// Keys and values of every layer in host memory, in blocks of `blockSize` positions: a pool
/// shared by many sequences, or one block of a whole context for a cache of its own.
///
/// Layout: block, then layer, then keys before values, then position, then KV head and head
/// dimension; so inside a block one position's keys for a head are contiguous and successive
/// positions are `rowBytes` apart.
final class CPUKVBlocks: @unchecked Sendable {
    let layers: Int
    let rowWidth: Int
    let blockSize: Int
    let blockCount: Int
    let type: KVElementType
    let rowBytes: Int
    /// Bytes of one layer's keys (or values) in a block.
    let layerBytes: Int
    let bytesPerBlock: Int
    private let base: UnsafeMutableRawPointer

    init(layers: Int, rowWidth: Int, blockSize: Int, blockCount: Int, type: KVElementType) throws {
        if type == .q8_0, rowWidth % 32 != 0 {
            throw ModelError("a q8_0 KV cache needs rows of a multiple of 32 elements; this model's are \(rowWidth) (use --kv-type f16 or f32)")
        }
        self.layers = layers
        self.rowWidth = rowWidth
        self.blockSize = blockSize
        self.blockCount = blockCount
        self.type = type
        rowBytes = type.rowBytes(width: rowWidth)
        layerBytes = blockSize * rowBytes
        bytesPerBlock = 2 * layers * layerBytes
        let (total, overflow) = bytesPerBlock.multipliedReportingOverflow(by: blockCount)
        guard !overflow, total < 1 << 46 else { throw ModelError("a KV pool of \(blockCount) blocks of \(bytesPerBlock) bytes is too large") }
        // Untouched pages of a large allocation are not resident: memory follows the blocks used.
        base = .allocate(byteCount: max(total, 64), alignment: 64)
    }

    deinit {
        base.deallocate()
    }

    var byteCount: Int { blockCount * bytesPerBlock }

    /// The keys of `layer` at `offset` positions into `block`; the values are `layerBytes` further.
    @inline(__always)
    func keys(block: Int, layer: Int, offset: Int = 0) -> UnsafeMutableRawPointer {
        base + block * bytesPerBlock + 2 * layer * layerBytes + offset * rowBytes
    }

    @inline(__always)
    func values(block: Int, layer: Int, offset: Int = 0) -> UnsafeMutableRawPointer {
        keys(block: block, layer: layer, offset: offset) + layerBytes
    }

    /// Writes one position's keys and values of `layer`, converted to the pool's element type.
    func store(layer: Int, block: Int, offset: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        KVRows.store(key, width: rowWidth, type: type, into: keys(block: block, layer: layer, offset: offset))
        KVRows.store(value, width: rowWidth, type: type, into: values(block: block, layer: layer, offset: offset))
    }
}

/// Conversions between f32 rows and the stored KV element types.
enum KVRows {
    static func store(_ row: UnsafePointer<Float>, width: Int, type: KVElementType, into target: UnsafeMutableRawPointer) {
        switch type {
        case .f32:
            target.assumingMemoryBound(to: Float.self).update(from: row, count: width)
        case .f16:
            let halves = target.assumingMemoryBound(to: UInt16.self)
            for i in 0..<width { halves[i] = HalfPrecision.halfBits(from: row[i]) }
        case .q8_0:
            for block in 0..<(width / 32) {
                let values = row + 32 * block
                let out = target + 34 * block
                var largest: Float = 0
                for i in 0..<32 { largest = max(largest, abs(values[i])) }
                let scale = largest / 127
                let inverse: Float = scale > 0 ? 1 / scale : 0
                out.storeBytes(of: HalfPrecision.halfBits(from: scale), as: UInt16.self)
                for i in 0..<32 {
                    let level = (values[i] * inverse).rounded(.toNearestOrEven)
                    out.storeBytes(of: Int8(max(-127, min(127, level))), toByteOffset: 2 + i, as: Int8.self)
                }
            }
        }
    }

    /// Widens `count` elements of one stored row, starting `first` elements in, to f32.
    /// For q8_0 `first` and `count` are multiples of 32.
    @inline(__always)
    static func load(_ source: UnsafeRawPointer, type: KVElementType, first: Int, count: Int,
                     into target: UnsafeMutablePointer<Float>, family: KernelFamily) {
        switch type {
        case .f32:
            target.update(from: source.assumingMemoryBound(to: Float.self) + first, count: count)
        case .f16:
            HalfPrecision.convertToFloat(source.assumingMemoryBound(to: UInt16.self) + first, target, count: count, using: family)
        case .q8_0:
            let blocks = source + first / 32 * 34
            if family == .generic {
                for block in 0..<(count / 32) {
                    let p = blocks + 34 * block
                    let scale = HalfPrecision.float(fromHalfBits: p.loadUnaligned(as: UInt16.self))
                    for i in 0..<32 { target[32 * block + i] = scale * Float(p.load(fromByteOffset: 2 + i, as: Int8.self)) }
                }
            } else {
                avx2DequantizeQ8_0(blocks, target, blocks: count / 32)
            }
        }
    }
}
