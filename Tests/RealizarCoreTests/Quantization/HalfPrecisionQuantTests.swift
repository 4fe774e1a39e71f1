@testable import RealizarCore
import Testing

/// f16 and bf16 conversions (used by every quantization format's scales).
@Suite struct HalfPrecisionQuantTests {
    @Test func everyHalfWidensLikeFloat16() {
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let actual = HalfPrecision.float(fromHalfBits: bits)
            if expected.isNaN {
                #expect(actual.isNaN)
            } else {
                #expect(actual.bitPattern == expected.bitPattern, "half 0x\(String(bits, radix: 16))")
                #expect(HalfPrecision.halfBits(from: actual) == bits, "half 0x\(String(bits, radix: 16)) round trip")
            }
        }
    }

    @Test func narrowingRoundsToNearestEvenLikeFloat16() {
        var random = QuantTestRandom(seed: 3)
        for i in 0..<200_000 {
            // Random bit patterns around and beyond f16's range, plus exact midpoints.
            let exponent = UInt32(100 + random.next() % 45)  // 2^-27 ... 2^17
            var bits = UInt32(random.next() & 0x8000_0000) | exponent << 23 | UInt32(random.next() & 0x7F_FFFF)
            if i % 4 == 0 { bits = (bits & ~0x1FFF) | 0x1000 }  // a tie in the normal range
            let value = Float(bitPattern: bits)
            #expect(HalfPrecision.halfBits(from: value) == Float16(value).bitPattern, "\(value)")
        }
        #expect(HalfPrecision.halfBits(from: 65519.99) == 0x7BFF)
        #expect(HalfPrecision.halfBits(from: 65520) == 0x7C00)
        #expect(HalfPrecision.halfBits(from: -.infinity) == 0xFC00)
        #expect(HalfPrecision.halfBits(from: 0x1p-25) == 0)
        #expect(HalfPrecision.halfBits(from: 0x1.0002p-25) == 1)
        #expect(HalfPrecision.halfBits(from: 0x1.8p-24) == 2)  // 1.5 ulp ties to even
        #expect(HalfPrecision.halfBits(from: -0.0) == 0x8000)
        #expect(HalfPrecision.float(fromHalfBits: HalfPrecision.halfBits(from: .nan)).isNaN)
    }

    @Test func bfloat16RoundsToNearestEven() {
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie, even stays
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie, odd rounds up
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(HalfPrecision.bfloat16Bits(from: .greatestFiniteMagnitude) == 0x7F80)
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x7F80_0001)) == 0x7FC0)  // NaN made quiet
        #expect(HalfPrecision.float(fromBFloat16Bits: 0xC040) == -3)
    }
}
