import RealizarCore
import Testing

/// The packed 6-bit scales of Q4_K/Q5_K and Q3_K.
@Suite struct KQuantScalesTests {
    @Test func unpacksAHandWorkedExample() {
        // sc = [1, 2, 3, 4, 0x25, 0x3A, 0x10, 0x3F], m = [5, 6, 7, 8, 0x31, 0x0C, 0x2F, 0x20]
        // b[0..<4]  = sc[j] | (sc[j+4] >> 4) << 6 = 0x81, 0xC2, 0x43, 0xC4
        // b[4..<8]  = m[j]  | (m[j+4]  >> 4) << 6 = 0xC5, 0x06, 0x87, 0x88
        // b[8..<12] = (sc[j+4] & 0xF) | (m[j+4] & 0xF) << 4 = 0x15, 0xCA, 0xF0, 0x0F
        let packed: [UInt8] = [0x81, 0xC2, 0x43, 0xC4, 0xC5, 0x06, 0x87, 0x88, 0x15, 0xCA, 0xF0, 0x0F]
        let (scales, mins) = KQuantScales.unpack(packed)
        #expect(scales == [1, 2, 3, 4, 0x25, 0x3A, 0x10, 0x3F])
        #expect(mins == [5, 6, 7, 8, 0x31, 0x0C, 0x2F, 0x20])
        #expect(KQuantScales.pack(scales: scales, mins: mins) == packed)
    }

    @Test func unpackingMatchesGGUFPyFormulation() {
        // gguf-py's Q4_K.get_scale_min, an independent way of writing the same unpacking.
        var random = QuantTestRandom(seed: 42)
        for _ in 0..<2000 {
            let packed = (0..<12).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let d = Array(packed[0..<4]), m = Array(packed[4..<8]), md = Array(packed[8..<12])
            let expectedScales = d.map { $0 & 0x3F } + (0..<4).map { (md[$0] & 0x0F) | ((d[$0] >> 2) & 0x30) }
            let expectedMins = m.map { $0 & 0x3F } + (0..<4).map { (md[$0] >> 4) | ((m[$0] >> 2) & 0x30) }
            let (scales, mins) = KQuantScales.unpack(packed)
            #expect(scales == expectedScales)
            #expect(mins == expectedMins)
        }
    }

    @Test func packingRoundTripsEveryValueInEverySlot() {
        for slot in 0..<8 {
            for value in UInt8(0)...63 {
                var scales = [UInt8](repeating: 0, count: 8)
                var mins = [UInt8](repeating: 63, count: 8)
                scales[slot] = value
                mins[slot] = 63 - value
                let (unpackedScales, unpackedMins) = KQuantScales.unpack(KQuantScales.pack(scales: scales, mins: mins))
                #expect(unpackedScales == scales)
                #expect(unpackedMins == mins)
            }
        }
    }

    @Test func q3ScalesMatchGGUFPyFormulation() {
        var random = QuantTestRandom(seed: 7)
        for _ in 0..<2000 {
            let packed = (0..<12).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            packed.withUnsafeBytes { raw in
                for j in 0..<16 {
                    // gguf-py's Q3_K: lscales = scales[:8] >> [0, 4]; hscales = scales[8:] >> [0, 2, 4, 6]
                    let low = (packed[j % 8] >> (j < 8 ? 0 : 4)) & 0x0F
                    let high = (packed[8 + j % 4] >> UInt8(2 * (j / 4))) & 0x03
                    let expected = Int32(Int8(bitPattern: low | high << 4)) - 32
                    #expect(KQuantScales.q3Scale(j, in: raw.baseAddress!) == expected)
                }
            }
        }
    }
}
