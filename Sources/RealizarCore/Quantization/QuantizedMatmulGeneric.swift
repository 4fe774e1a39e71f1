/// Portable integer kernels: each 32-value weight block is decoded to integer levels
/// (k-quant sub-block scales folded in), dotted with the Int8 activations in `Int32`, and scaled
/// in f32: `ds·d_a·Σ level·q + offset·(d·Σq)_a`.
enum QuantizedMatmulGeneric {
    static func multiply(
        _ type: GGMLType, weights: UnsafeRawPointer, weightRowBytes: Int, rows: Int,
        activations: UnsafeRawPointer, activationRowBytes: Int, activationCount: Int,
        columns: Int, output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        let blocks = columns / 32
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 32) { buffer in
            let levels = buffer.baseAddress!
            for r in 0..<rows {
                let row = weights + r * weightRowBytes
                for c in 0..<activationCount { output[c * outputStride + r] = 0 }
                for b in 0..<blocks {
                    let (scale, offset) = decode(type, row: row, block: b, into: levels)
                    for c in 0..<activationCount {
                        let a = activations + c * activationRowBytes
                        var dot: Int32 = 0
                        for j in 0..<32 { dot &+= levels[j] &* Int32(a.load(fromByteOffset: 32 * b + j, as: Int8.self)) }
                        let da = a.loadUnaligned(fromByteOffset: columns + 4 * b, as: Float.self)
                        let sa = a.loadUnaligned(fromByteOffset: columns + 4 * blocks + 4 * b, as: Float.self)
                        output[c * outputStride + r] += scale * da * Float(dot) + offset * sa
                    }
                }
            }
        }
    }

    /// Integer levels of values `32b..<32b+32` of `row`, with the value of level `l` being
    /// `scale * l + offset`.
    static func decode(_ type: GGMLType, row: UnsafeRawPointer, block b: Int, into levels: UnsafeMutablePointer<Int32>) -> (scale: Float, offset: Float) {
        switch type {
        case .q4_0, .q4_1:
            let block = row + b * type.typeSize
            let start = type == .q4_0 ? 2 : 4
            for j in 0..<16 {
                let byte = block.quantByte(at: start + j)
                levels[j] = Int32(byte & 0x0F)
                levels[j + 16] = Int32(byte >> 4)
            }
            let d = block.quantHalf(at: 0)
            return (d, type == .q4_0 ? -8 * d : block.quantHalf(at: 2))
        case .q5_0, .q5_1:
            let block = row + b * type.typeSize
            let (bitsAt, start) = type == .q5_0 ? (2, 6) : (4, 8)
            let qh = block.quantUInt32(at: bitsAt)
            for j in 0..<16 {
                let byte = block.quantByte(at: start + j)
                levels[j] = Int32(byte & 0x0F) | Int32((qh >> UInt32(j)) & 1) << 4
                levels[j + 16] = Int32(byte >> 4) | Int32((qh >> UInt32(j + 16)) & 1) << 4
            }
            let d = block.quantHalf(at: 0)
            return (d, type == .q5_0 ? -16 * d : block.quantHalf(at: 2))
        case .q8_0:
            let block = row + b * 34
            for j in 0..<32 { levels[j] = Int32(block.quantInt8(at: 2 + j)) }
            return (block.quantHalf(at: 0), 0)
        case .q4_K, .q5_K:
            let block = row + (b / 8) * type.typeSize
            let sub = b % 8
            let (sc, m) = KQuantScales.scaleAndMin(sub, in: block + 4)
            let chunk = sub / 2
            let shift: UInt8 = sub % 2 == 0 ? 0 : 4
            let qsAt = type == .q4_K ? 16 : 48
            for l in 0..<32 {
                var q = Int32((block.quantByte(at: qsAt + 32 * chunk + l) >> shift) & 0x0F)
                if type == .q5_K { q |= Int32((block.quantByte(at: 16 + l) >> UInt8(sub)) & 1) << 4 }
                levels[l] = Int32(sc) * q
            }
            return (block.quantHalf(at: 0), -block.quantHalf(at: 2) * Float(m))
        case .q6_K:
            let block = row + (b / 8) * 210
            let local = b % 8
            let (h, k) = (local / 4, local % 4)
            let lowShift: UInt8 = k < 2 ? 0 : 4
            for l in 0..<32 {
                let low = (block.quantByte(at: 64 * h + 32 * (k % 2) + l) >> lowShift) & 0x0F
                let high = (block.quantByte(at: 128 + 32 * h + l) >> UInt8(2 * k)) & 3
                let scale = Int32(block.quantInt8(at: 192 + 2 * local + l / 16))
                levels[l] = scale * (Int32(low | high << 4) - 32)
            }
            return (block.quantHalf(at: 208), 0)
        default:
            preconditionFailure("no integer kernel for \(type.name)")
        }
    }
}
