import RealizarCore
import Testing

/// Bit-exact agreement with gguf-py (and the numpy transcriptions of llama.cpp's reference C in
/// `scripts/quant_reference.py` where gguf-py lacks a format).
@Suite struct QuantReferenceTests {
    static let dequantizedTypes: [GGMLType] = [
        .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1,
        .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K, .iq4_NL, .iq4_XS,
    ]
    static let quantizedTypes: [GGMLType] = [
        .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .q4_K, .q5_K, .q6_K, .q8_K,
    ]

    @Test func supportedTypesAreTheTestedOnes() {
        #expect(Set(GGMLType.allCases.filter(Dequantization.isSupported)) == Set(Self.dequantizedTypes))
        #expect(Set(GGMLType.allCases.filter(Quantization.isSupported)) == Set(Self.quantizedTypes))
    }

    @Test(arguments: dequantizedTypes)
    func dequantizationMatchesReference(_ type: GGMLType) throws {
        let blocks = try QuantReferenceData.bytes("\(type.name).blocks")
        let expected = try QuantReferenceData.floats("\(type.name).dequant.f32")
        try #require(blocks.count % type.typeSize == 0)
        try #require(expected.count == blocks.count / type.typeSize * type.blockSize)
        #expect(blocks.count / type.typeSize >= 192, "a few hundred blocks")

        let actual = try Dequantization.dequantize(type, bytes: blocks)
        expectBitIdentical(actual, expected, type: type)

        // The pointer API, reading blocks at an odd address.
        var shifted = [UInt8](repeating: 0, count: blocks.count + 1)
        shifted.replaceSubrange(1..., with: blocks)
        var viaPointer = [Float](repeating: .nan, count: expected.count)
        try shifted.withUnsafeBytes { raw in
            try viaPointer.withUnsafeMutableBufferPointer { output in
                try Dequantization.dequantize(type, from: raw.baseAddress! + 1, count: expected.count, into: output.baseAddress!)
            }
        }
        expectBitIdentical(viaPointer, expected, type: type)
    }

    @Test(arguments: quantizedTypes)
    func quantizationMatchesReference(_ type: GGMLType) throws {
        let source = try QuantReferenceData.floats("\(type.name).source.f32")
        let expected = try QuantReferenceData.bytes("\(type.name).quant")
        try #require(source.count % type.blockSize == 0)
        try #require(expected.count == type.byteCount(forElements: source.count))

        let actual = try Quantization.quantize(type, source)
        expectSameBlocks(actual, expected, type: type)

        // The pointer API, writing blocks at an odd address.
        var shifted = [UInt8](repeating: 0xAA, count: expected.count + 1)
        try source.withUnsafeBufferPointer { input in
            try shifted.withUnsafeMutableBytes { raw in
                try Quantization.quantize(type, from: input.baseAddress!, count: source.count, into: raw.baseAddress! + 1)
            }
        }
        expectSameBlocks(Array(shifted[1...]), expected, type: type)
    }

    private func expectBitIdentical(_ actual: [Float], _ expected: [Float], type: GGMLType, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        var mismatches = 0
        var first: Int?
        for i in 0..<min(actual.count, expected.count) where actual[i].bitPattern != expected[i].bitPattern {
            mismatches += 1
            if first == nil { first = i }
        }
        if let i = first {
            Issue.record("""
                \(type.name) dequantization differs from the reference at \(mismatches) of \(expected.count) values; \
                first at index \(i) (block \(i / type.blockSize), value \(i % type.blockSize)): \
                expected \(expected[i]) (0x\(String(expected[i].bitPattern, radix: 16))), \
                got \(actual[i]) (0x\(String(actual[i].bitPattern, radix: 16)))
                """, sourceLocation: sourceLocation)
        }
    }

    private func expectSameBlocks(_ actual: [UInt8], _ expected: [UInt8], type: GGMLType, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        guard let i = (0..<min(actual.count, expected.count)).first(where: { actual[$0] != expected[$0] }) else { return }
        let mismatchedBlocks = Set((0..<min(actual.count, expected.count)).filter { actual[$0] != expected[$0] }.map { $0 / type.typeSize })
        let block = i / type.typeSize
        let range = (block * type.typeSize)..<((block + 1) * type.typeSize)
        func hex(_ bytes: ArraySlice<UInt8>) -> String {
            bytes.map { String($0, radix: 16).count == 1 ? "0\(String($0, radix: 16))" : String($0, radix: 16) }.joined()
        }
        Issue.record("""
            \(type.name) quantization differs from the reference in \(mismatchedBlocks.count) of \
            \(expected.count / type.typeSize) blocks; first at byte \(i) (block \(block), byte \(i % type.typeSize)): \
            expected 0x\(String(expected[i], radix: 16)), got 0x\(String(actual[i], radix: 16))
            expected block \(hex(expected[range]))
            actual block   \(hex(actual[range]))
            """, sourceLocation: sourceLocation)
    }
}
