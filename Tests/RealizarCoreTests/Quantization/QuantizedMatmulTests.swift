import Testing
@testable import RealizarCore

/// The integer kernels against a Double reference on the dequantized weights and activations.
@Suite struct QuantizedMatmulTests {
    static let types: [GGMLType] = [.q8_0, .q5_0, .q4_1, .q4_K, .q6_K, .q4_0, .q5_1, .q5_K]
    static let families = KernelFamily.allCases.filter(\.isSupportedByHardware)
    static let shapes: [(rows: Int, count: Int)] = [(1, 1), (3, 2), (16, 4), (37, 5), (16, 9), (37, 1), (1, 9), (3, 4)]

    static func columns(for type: GGMLType) -> [Int] {
        type.blockSize == 256 ? [256, 2048] : [64, 640, 576]
    }

    /// Quantized weights at an odd address with an odd row stride, plus their dequantized values.
    struct Weights {
        var bytes: [UInt8]
        var rowBytes: Int
        var values: [Float]
    }

    static func weights(_ type: GGMLType, rows: Int, columns: Int, random: inout QuantTestRandom) throws -> Weights {
        let packed = type.typeSize * columns / type.blockSize
        let rowBytes = packed + 3
        var bytes = [UInt8](repeating: 0xA5, count: 1 + rows * rowBytes)
        var values = [Float]()
        for r in 0..<rows {
            let magnitude = 0.02 * Float(1 + r % 5)
            let row = (0..<columns).map { _ in random.normal() * magnitude + (r % 3 == 0 ? 0.01 : 0) }
            let q = try Quantization.quantize(type, row)
            bytes.replaceSubrange((1 + r * rowBytes)..<(1 + r * rowBytes + packed), with: q)
            values += try Dequantization.dequantize(type, bytes: q)
        }
        return Weights(bytes: bytes, rowBytes: rowBytes, values: values)
    }

    /// Activation rows: normal values with outliers, and an all-zero block in the second row.
    static func activations(count: Int, columns: Int, random: inout QuantTestRandom) -> [Float] {
        var x = [Float]()
        for c in 0..<count {
            for k in 0..<columns {
                var v = random.normal() * Float(1 + c)
                if k % 97 == 13 { v *= 40 }
                if c == 1 && k < 32 { v = 0 }
                x.append(v)
            }
        }
        return x
    }

    struct Product {
        var output: [Float]
        var quantized: [UInt8]
        var rowBytes: Int
    }

    static func multiply(_ type: GGMLType, _ w: Weights, rows: Int, x: [Float], count: Int, columns: Int, family: KernelFamily) -> Product {
        let rowBytes = QuantizedMatmul.activationRowBytes(for: type, columns: columns) + 4
        var quantized = [UInt8](repeating: 0x5A, count: count * rowBytes)
        let stride = rows + 2
        var output = [Float](repeating: .nan, count: count * stride)
        quantized.withUnsafeMutableBytes { q in
            x.withUnsafeBufferPointer { xs in
                for c in 0..<count {
                    QuantizedMatmul.quantizeActivations(xs.baseAddress! + c * columns, columns: columns, for: type,
                                                        into: q.baseAddress! + c * rowBytes, family: family)
                }
            }
            w.bytes.withUnsafeBytes { wb in
                output.withUnsafeMutableBufferPointer { out in
                    QuantizedMatmul.multiply(type, weights: wb.baseAddress! + 1, weightRowBytes: w.rowBytes, rows: rows,
                                             activations: q.baseAddress!, activationRowBytes: rowBytes, activationCount: count,
                                             columns: columns, output: out.baseAddress!, outputStride: stride, family: family)
                }
            }
        }
        return Product(output: output, quantized: quantized, rowBytes: rowBytes)
    }

    /// Σ w·a and Σ|w·a| in Double.
    static func dot(_ w: ArraySlice<Float>, _ a: ArraySlice<Float>) -> (sum: Double, magnitude: Double) {
        var sum = 0.0, magnitude = 0.0
        for (wv, av) in zip(w, a) {
            let term = Double(wv) * Double(av)
            sum += term
            magnitude += abs(term)
        }
        return (sum, magnitude)
    }

    @Test(arguments: types, families)
    func matchesReference(_ type: GGMLType, _ family: KernelFamily) throws {
        var random = QuantTestRandom(seed: 0x51AB + UInt64(type.rawValue))
        for columns in Self.columns(for: type) {
            #expect(QuantizedMatmul.supports(type, columns: columns))
            for (rows, count) in Self.shapes {
                let w = try Self.weights(type, rows: rows, columns: columns, random: &random)
                let x = Self.activations(count: count, columns: columns, random: &random)
                let product = Self.multiply(type, w, rows: rows, x: x, count: count, columns: columns, family: family)
                var dequantized = [Float](repeating: 0, count: columns)
                for c in 0..<count {
                    product.quantized.withUnsafeBytes { q in
                        QuantizedActivations.dequantize(q.baseAddress! + c * product.rowBytes, columns: columns, into: &dequantized)
                    }
                    for r in 0..<rows {
                        let weightRow = w.values[(r * columns)..<((r + 1) * columns)]
                        let exact = Self.dot(weightRow, dequantized[...])
                        let unquantized = Self.dot(weightRow, x[(c * columns)..<((c + 1) * columns)])
                        let got = Double(product.output[c * (rows + 2) + r])
                        // Only the f32 summation order may differ from the reference.
                        #expect(abs(got - exact.sum) <= 1e-5 * exact.magnitude + 1e-30,
                                "\(type.name) \(family) \(rows)x\(count)x\(columns) r\(r) c\(c): \(got) vs \(exact.sum)")
                        // What 8-bit activations cost against the f32 activations: at most half a
                        // step of each block's scale per value (round to nearest), weighted by |w|.
                        var bound = 1e-5 * exact.magnitude
                        product.quantized.withUnsafeBytes { q in
                            for b in 0..<(columns / 32) {
                                let d = Double(q.loadUnaligned(fromByteOffset: c * product.rowBytes + columns + 4 * b, as: Float.self))
                                let absW = weightRow.dropFirst(32 * b).prefix(32).reduce(0.0) { $0 + Double(abs($1)) }
                                bound += 0.5 * d * (1 + 1e-6) * absW
                            }
                        }
                        #expect(abs(got - unquantized.sum) <= bound,
                                "\(type.name) \(family) \(rows)x\(count)x\(columns) r\(r) c\(c): \(got) vs f32 \(unquantized.sum)")
                        // Typical rows lose far less than the worst case: 2% of Σ|w·x| on these data.
                        #expect(abs(got - unquantized.sum) <= 0.02 * unquantized.magnitude + bound * 0.25,
                                "\(type.name) \(family) \(rows)x\(count)x\(columns) r\(r) c\(c): typical error")
                    }
                    // The padding between output columns stays untouched.
                    #expect(product.output[c * (rows + 2) + rows].isNaN)
                }
            }
        }
    }

    @Test(arguments: types)
    func familiesAgree(_ type: GGMLType) throws {
        guard Self.families.count > 1 else { return }
        var random = QuantTestRandom(seed: 0xFA + UInt64(type.rawValue))
        let columns = Self.columns(for: type).last!
        let (rows, count) = (19, 7)
        let w = try Self.weights(type, rows: rows, columns: columns, random: &random)
        let x = Self.activations(count: count, columns: columns, random: &random)
        let generic = Self.multiply(type, w, rows: rows, x: x, count: count, columns: columns, family: .generic)
        for family in Self.families where family != .generic {
            let fast = Self.multiply(type, w, rows: rows, x: x, count: count, columns: columns, family: family)
            #expect(fast.quantized == generic.quantized, "\(family) activation quantization differs")
            for c in 0..<count {
                for r in 0..<rows {
                    let weightRow = w.values[(r * columns)..<((r + 1) * columns)]
                    let scale = Self.dot(weightRow, x[(c * columns)..<((c + 1) * columns)]).magnitude
                    let a = fast.output[c * (rows + 2) + r], b = generic.output[c * (rows + 2) + r]
                    #expect(abs(Double(a) - Double(b)) <= 1e-5 * scale, "\(type.name) \(family) r\(r) c\(c): \(a) vs \(b)")
                }
            }
        }
    }

    @Test func supportedShapes() {
        #expect(!QuantizedMatmul.supports(.q4_K, columns: 640))
        #expect(QuantizedMatmul.supports(.q5_0, columns: 640))
        #expect(!QuantizedMatmul.supports(.q8_0, columns: 48))
        #expect(!QuantizedMatmul.supports(.f32, columns: 256))
        #expect(!QuantizedMatmul.supports(.q3_K, columns: 256))
        #expect(QuantizedMatmul.activationRowBytes(for: .q8_0, columns: 640) == 640 + 12 * 20)
    }
}
