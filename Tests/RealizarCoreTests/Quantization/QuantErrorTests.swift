import RealizarCore
import Testing

/// Bad counts and sizes give errors, never crashes.
@Suite struct QuantErrorTests {
    @Test func partialBlockDequantizationThrows() {
        let bytes = [UInt8](repeating: 0, count: 1024)
        var output = [Float](repeating: 0, count: 1024)
        bytes.withUnsafeBytes { raw in
            output.withUnsafeMutableBufferPointer { out in
                #expect(throws: QuantizationError.partialBlock(type: .q4_K, count: 100)) {
                    try Dequantization.dequantize(.q4_K, from: raw.baseAddress!, count: 100, into: out.baseAddress!)
                }
                #expect(throws: QuantizationError.partialBlock(type: .q8_0, count: 33)) {
                    try Dequantization.dequantize(.q8_0, from: raw.baseAddress!, count: 33, into: out.baseAddress!)
                }
                #expect(throws: QuantizationError.invalidCount(type: .q8_0, count: -32)) {
                    try Dequantization.dequantize(.q8_0, from: raw.baseAddress!, count: -32, into: out.baseAddress!)
                }
                #expect(throws: Never.self) {
                    try Dequantization.dequantize(.q8_0, from: raw.baseAddress!, count: 0, into: out.baseAddress!)
                }
            }
        }
        #expect(output.allSatisfy { $0 == 0 })
    }

    @Test func partialBlockQuantizationThrows() throws {
        #expect(throws: QuantizationError.partialBlock(type: .q8_0, count: 33)) {
            try Quantization.quantize(.q8_0, [Float](repeating: 1, count: 33))
        }
        #expect(throws: QuantizationError.partialBlock(type: .q6_K, count: 255)) {
            try Quantization.quantize(.q6_K, [Float](repeating: 1, count: 255))
        }
        var output = [UInt8](repeating: 0, count: 64)
        let input = [Float](repeating: 1, count: 64)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBytes { raw in
                #expect(throws: QuantizationError.partialBlock(type: .q4_0, count: 31)) {
                    try Quantization.quantize(.q4_0, from: source.baseAddress!, count: 31, into: raw.baseAddress!)
                }
                #expect(throws: QuantizationError.invalidCount(type: .q4_0, count: -1)) {
                    try Quantization.quantize(.q4_0, from: source.baseAddress!, count: -1, into: raw.baseAddress!)
                }
            }
        }
        #expect(output.allSatisfy { $0 == 0 })
        #expect(try Quantization.quantize(.q4_K, []) == [])
    }

    @Test func byteCountsThatAreNotWholeBlocksThrow() throws {
        #expect(throws: QuantizationError.sizeMismatch(type: .q4_0, expectedBytes: nil, actualBytes: 19)) {
            try Dequantization.dequantize(.q4_0, bytes: [UInt8](repeating: 0, count: 19))
        }
        #expect(throws: QuantizationError.sizeMismatch(type: .f32, expectedBytes: nil, actualBytes: 6)) {
            try Dequantization.dequantize(.f32, bytes: [UInt8](repeating: 0, count: 6))
        }
        #expect(try Dequantization.dequantize(.q6_K, bytes: []) == [])
    }

    @Test func unsupportedTypesThrow() {
        #expect(throws: QuantizationError.unsupported(.iq2_XXS, "dequantization")) {
            try Dequantization.dequantize(.iq2_XXS, bytes: [UInt8](repeating: 0, count: 66))
        }
        #expect(throws: QuantizationError.unsupported(.q2_K, "quantization")) {
            try Quantization.quantize(.q2_K, [Float](repeating: 0, count: 256))
        }
        #expect(!Dequantization.isSupported(.i32))
        #expect(!Quantization.isSupported(.iq4_NL))
    }

    @Test func errorsDescribeThemselves() {
        let errors: [QuantizationError] = [
            .unsupported(.iq1_S, "dequantization"),
            .partialBlock(type: .q4_K, count: 100),
            .sizeMismatch(type: .q8_0, expectedBytes: 34, actualBytes: 33),
            .sizeMismatch(type: .q8_0, expectedBytes: nil, actualBytes: 33),
            .invalidCount(type: .f16, count: -3),
        ]
        for error in errors {
            #expect(error.description.contains(error == errors[0] ? "IQ1_S" : error == errors[1] ? "Q4_K" : error == errors[4] ? "F16" : "Q8_0"))
        }
        #expect(QuantizationError.partialBlock(type: .q4_K, count: 100).description.contains("100"))
    }
}
