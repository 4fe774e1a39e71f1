import RealizarCore

/// Plain scalar references the kernels are checked against, built on RealizarCore's
/// quantization code (the CPU engine's oracles).
enum References {
    /// `Q8_1Block.quantize` over whole blocks.
    static func quantizeQ8_1(_ x: [Float]) -> [UInt8] {
        let blocks = x.count / 32
        var out = [UInt8](repeating: 0, count: 36 * blocks)
        x.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBytes { target in
                for b in 0..<blocks { Q8_1Block.quantize(source.baseAddress! + 32 * b, into: target.baseAddress! + 36 * b) }
            }
        }
        return out
    }

    struct Q8_1Row {
        var d: [Float] = []
        var s: [Float] = []
        var q: [Int8] = []
    }

    static func decodeQ8_1(_ bytes: [UInt8], offset: Int, blocks: Int) -> Q8_1Row {
        var row = Q8_1Row()
        for b in 0..<blocks {
            let at = offset + 36 * b
            row.d.append(HalfPrecision.float(fromHalfBits: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8))
            row.s.append(HalfPrecision.float(fromHalfBits: UInt16(bytes[at + 2]) | UInt16(bytes[at + 3]) << 8))
            for j in 0..<32 { row.q.append(Int8(bitPattern: bytes[at + 4 + j])) }
        }
        return row
    }

    /// The per-32-block constant `offset` of the kernels' `scale·Σlevel·q + offset·s` form: what the
    /// weight value is at level zero (k-quants: `-dmin·m`; Q4_0/Q5_0: `-8d`/`-16d`; Q4_1/Q5_1: `m`).
    static func blockOffset(_ type: GGMLType, row: [UInt8], block b: Int) -> Float {
        func half(_ at: Int) -> Float { HalfPrecision.float(fromHalfBits: UInt16(row[at]) | UInt16(row[at + 1]) << 8) }
        switch type {
        case .q4_0: return -8 * half(18 * b)
        case .q5_0: return -16 * half(22 * b)
        case .q4_1: return half(20 * b + 2)
        case .q5_1: return half(24 * b + 2)
        case .q4_K, .q5_K:
            let start = (b / 8) * type.typeSize
            let m = row.withUnsafeBytes { KQuantScales.scaleAndMin(b % 8, in: $0.baseAddress! + start + 4).min }
            return -(half(start + 2) * Float(m))
        default: return 0
        }
    }

    /// The quantized GEMV's expected outputs: tight (the same Q8_1 activations, the kernel's
    /// offset·s form) and loose (the original f32 activations), each with a bound per output.
    struct GEMVExpectation {
        var tight: [Double] = []
        var tightBound: [Double] = []
        var loose: [Double] = []
        var looseBound: [Double] = []
    }

    static func quantizedGEMV(_ type: GGMLType, weights: [UInt8], rows: Int, columns: Int, x: [Float], q8: [UInt8],
                              batch: Int) throws -> GEMVExpectation {
        let rowBytes = columns / type.blockSize * type.typeSize
        let blocks = columns / 32
        var result = GEMVExpectation()
        var dequantized: [[Float]] = []
        for r in 0..<rows {
            dequantized.append(try Dequantization.dequantize(type, bytes: Array(weights[(r * rowBytes)..<((r + 1) * rowBytes)])))
        }
        for c in 0..<batch {
            let a = decodeQ8_1(q8, offset: c * 36 * blocks, blocks: blocks)
            let xs = x[(c * columns)..<((c + 1) * columns)].map { Double($0) }
            for r in 0..<rows {
                let row = Array(weights[(r * rowBytes)..<((r + 1) * rowBytes)])
                let w = dequantized[r]
                var tight = 0.0, magnitude = 0.0, loose = 0.0, looseMagnitude = 0.0, quantizationError = 0.0, sError = 0.0
                for b in 0..<blocks {
                    let offset = Double(blockOffset(type, row: row, block: b))
                    let da = Double(a.d[b])
                    var amax = 0.0, weightMagnitude = 0.0
                    for j in (32 * b)..<(32 * b + 32) {
                        let term = (Double(w[j]) - offset) * da * Double(a.q[j])
                        tight += term
                        magnitude += Swift.abs(term)
                        loose += Double(w[j]) * xs[j]
                        looseMagnitude += Swift.abs(Double(w[j]) * xs[j])
                        amax = Swift.max(amax, Swift.abs(xs[j]))
                        weightMagnitude += Swift.abs(Double(w[j]))
                    }
                    tight += offset * Double(a.s[b])
                    magnitude += Swift.abs(offset * Double(a.s[b]))
                    // Rounding each activation moves it by at most half a step, d = amax / 127.
                    quantizationError += 0.5 * amax / 127 * weightMagnitude
                    sError += Swift.abs(offset * Double(a.s[b])) * 0x1p-10
                }
                result.tight.append(tight)
                result.tightBound.append(2e-5 * magnitude + 1e-6)
                result.loose.append(loose)
                // Plus the f16 rounding of each block's scale (2^-11 relative) and f32 summation.
                result.looseBound.append(quantizationError * 1.01 + sError + 1e-3 * looseMagnitude + 1e-5)
            }
        }
        return result
    }
}
