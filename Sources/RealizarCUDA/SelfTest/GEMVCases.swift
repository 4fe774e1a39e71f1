import RealizarCore

/// Self-test cases for activation quantization and the GEMV kernels.
enum GEMVCases {
    static func all(rows: Int, columns: Int, batches: [Int]) -> [SelfTestCase] {
        var cases = [quantize(count: columns * 2)]
        for type in QuantizedGEMVKernel.supportedTypes {
            for batch in batches { cases.append(quantizedGEMV(type, rows: rows, columns: columns, batch: batch)) }
        }
        for type in FloatGEMVKernel.supportedTypes {
            for batch in batches where batch <= 8 { cases.append(floatGEMV(type, rows: rows, columns: columns, batch: batch)) }
        }
        return cases
    }

    /// f32 → Q8_1 on the device: the bytes must equal `Q8_1Block.quantize`'s.
    static func quantize(count: Int) -> SelfTestCase {
        SelfTestCase(op: "quantize_q8_1", type: "f32") { executor in
            var data = TestData(seed: 11)
            var x = data.floats(count, scale: 4)
            for j in 0..<32 { x[j] = 0 }
            let blocks = count / 32
            let input = try executor.buffer(x.bytes)
            let output = try executor.zeros(Q8_1Rows.rowBytes(blocks: blocks))
            try executor.launch(QuantizeQ8_1Kernel.make(), grid: QuantizeQ8_1Kernel.grid(blocks: blocks), block: Dim3(QuantizeQ8_1Kernel.threads),
                                arguments: [.buffer(input), .buffer(output), .u32(UInt32(blocks)), .u32(UInt32(blocks))])
            let actual = try executor.read(output)
            let expected = Q8_1Rows.pack(References.quantizeQ8_1(x), rows: 1, blocks: blocks)
            let mismatches = zip(actual, expected).filter { $0 != $1 }.count
            return [CaseResult(op: "quantize_q8_1", type: "f32", maxError: Double(mismatches), tolerance: "0 bytes differ",
                               passed: mismatches == 0 && actual.count == expected.count,
                               detail: mismatches == 0 ? "" : "\(mismatches) bytes differ")]
        }
    }

    static func quantizedGEMV(_ type: GGMLType, rows: Int, columns: Int, batch: Int) -> SelfTestCase {
        let op = "gemv_q8_1 b\(batch)"
        return SelfTestCase(op: op, type: type.name) { executor in
            var data = TestData(seed: UInt64(100 + type.rawValue))
            let weights = try Quantization.quantize(type, data.floats(rows * columns))
            let x = data.floats(batch * columns, scale: 2)
            let q8 = References.quantizeQ8_1(x)
            let w = try executor.buffer(DeviceWeightLayout.pack(type, weights, rows: rows, columns: columns))
            let a = try executor.buffer(x.bytes)
            let q = try executor.zeros(batch * Q8_1Rows.rowBytes(blocks: columns / 32))
            let y = try executor.zeros(4 * rows * batch)
            let blocks = batch * columns / 32
            // The activations go through the device quantizer, as they will in the engine.
            try executor.launch(QuantizeQ8_1Kernel.make(), grid: QuantizeQ8_1Kernel.grid(blocks: blocks),
                                block: Dim3(QuantizeQ8_1Kernel.threads),
                                arguments: [.buffer(a), .buffer(q), .u32(UInt32(blocks)), .u32(UInt32(columns / 32))])
            try executor.launch(QuantizedGEMVKernel.make(type, batch: batch), grid: QuantizedGEMVKernel.grid(rows: rows),
                                block: Dim3(QuantizedGEMVKernel.threads),
                                arguments: [.buffer(q), .u32(UInt32(columns)), .buffer(w), .buffer(y), .u32(UInt32(rows)), .u32(0)])
            let actual = try executor.readFloats(y)
            let expected = try References.quantizedGEMV(type, weights: weights, rows: rows, columns: columns, x: x, q8: q8, batch: batch)
            return [
                CaseResult.compare(op: op, type: type.name, actual: actual, expected: expected.tight, bound: expected.tightBound,
                                   tolerance: "2e-5·Σ|terms| (same Q8_1)"),
                CaseResult.compare(op: op + " vs f32", type: type.name, actual: actual, expected: expected.loose,
                                   bound: expected.looseBound, tolerance: "Q8 rounding bound+1e-3"),
            ]
        }
    }

    static func floatGEMV(_ type: GGMLType, rows: Int, columns: Int, batch: Int) -> SelfTestCase {
        let op = "gemv_f32 b\(batch)"
        return SelfTestCase(op: op, type: type.name) { executor in
            var data = TestData(seed: UInt64(200 + type.rawValue))
            let weights = try Quantization.quantize(type, data.floats(rows * columns))
            let dequantized = try Dequantization.dequantize(type, bytes: weights)
            let x = data.floats(batch * columns)
            let w = try executor.buffer(weights)
            let a = try executor.buffer(x.bytes)
            let y = try executor.zeros(4 * rows * batch)
            try executor.launch(FloatGEMVKernel.make(type, batch: batch), grid: FloatGEMVKernel.grid(rows: rows),
                                block: Dim3(FloatGEMVKernel.threads),
                                arguments: [.buffer(w), .buffer(a), .buffer(y), .u32(UInt32(rows)), .u32(UInt32(columns))])
            let actual = try executor.readFloats(y)
            var expected: [Double] = [], bound: [Double] = []
            for c in 0..<batch {
                for r in 0..<rows {
                    var sum = 0.0, magnitude = 0.0
                    for j in 0..<columns {
                        let term = Double(dequantized[r * columns + j]) * Double(x[c * columns + j])
                        sum += term
                        magnitude += Swift.abs(term)
                    }
                    expected.append(sum)
                    bound.append(1e-5 * magnitude + 1e-6)
                }
            }
            return [CaseResult.compare(op: op, type: type.name, actual: actual, expected: expected, bound: bound, tolerance: "1e-5·Σ|terms|")]
        }
    }
}
