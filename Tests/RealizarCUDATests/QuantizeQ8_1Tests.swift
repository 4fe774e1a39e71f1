import RealizarCore
import Testing
@testable import RealizarCUDA

/// The device Q8_1 quantizer against `Q8_1Block.quantize`: identical bytes.
@Suite struct QuantizeQ8_1Tests {
    @Test func matchesTheScalarQuantizerBitForBit() throws {
        var random = TestData(seed: 1)
        let blocks = 19  // not a multiple of the 8 blocks a CTA handles: the tail warps exit early
        var x = random.floats(32 * blocks, scale: 3)
        for j in 0..<32 { x[32 + j] = 0 }  // an all-zero block: d = 0
        x[70] = 127.5  // a tie at the top of the range
        let input = InterpreterBuffer(elements: x)
        let output = InterpreterBuffer(count: Q8_1Rows.rowBytes(blocks: blocks))
        try KernelInterpreter.launch(QuantizeQ8_1Kernel.make(), grid: QuantizeQ8_1Kernel.grid(blocks: blocks),
                                     block: Dim3(QuantizeQ8_1Kernel.threads),
                                     arguments: [.buffer(input), .buffer(output), .u32(UInt32(blocks)), .u32(UInt32(blocks))])
        var expected = [UInt8](repeating: 0, count: 36 * blocks)
        x.withUnsafeBufferPointer { source in
            expected.withUnsafeMutableBytes { target in
                for b in 0..<blocks { Q8_1Block.quantize(source.baseAddress! + 32 * b, into: target.baseAddress! + 36 * b) }
            }
        }
        let actual = output.byteArray
        let packed = Q8_1Rows.pack(expected, rows: 1, blocks: blocks)
        for b in 0..<blocks {
            #expect(Array(actual[(32 * b)..<(32 * b + 32)]) == Array(packed[(32 * b)..<(32 * b + 32)]), "block \(b)'s quants")
            let scales = 32 * blocks + 4 * b
            #expect(Array(actual[scales..<(scales + 4)]) == Array(packed[scales..<(scales + 4)]), "block \(b)'s scales")
        }
    }
}
