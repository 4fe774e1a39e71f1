import RealizarCore
import Testing

/// Quantize then dequantize stays within an error bound suited to each format.
@Suite struct QuantRoundTripTests {
    /// What a format's round trip may lose.
    struct Bound: Sendable, CustomStringConvertible {
        let type: GGMLType
        /// Largest error allowed for any value, as a fraction of the block's largest magnitude.
        let maxOfBlockAbsMax: Float
        /// Largest root-mean-square error over the whole test row, relative to the row's RMS, for
        /// normally distributed values.
        let relativeRMS: Float

        var description: String { type.name }
    }

    // Bounds from the formats' arithmetic, with room for the f16 rounding of scales:
    // Q8: half a step of amax/127. Q4_0/Q5_0: the level +8 (+16) is missing, so the most negative
    // value's magnitude is off by a whole step amax/8 (amax/16). Q4_1/Q5_1: half a step of
    // range/15 (range/31) <= amax/15 (amax/31) plus f16 error of the minimum. K-quants: half a step
    // plus the 6-bit (Q6_K: 8-bit) quantization of sub-block scales and minimums against the
    // largest: the observed errors (seeded data below) with about 1.5x headroom.
    static let bounds: [Bound] = [
        Bound(type: .f32, maxOfBlockAbsMax: 0, relativeRMS: 0),
        Bound(type: .f16, maxOfBlockAbsMax: 0x1p-11, relativeRMS: 0x1p-11),
        Bound(type: .bf16, maxOfBlockAbsMax: 0x1p-8, relativeRMS: 0x1p-8),
        Bound(type: .q8_0, maxOfBlockAbsMax: 0.5 / 127 + 0x1p-10, relativeRMS: 0.01),
        Bound(type: .q8_1, maxOfBlockAbsMax: 0.5 / 127 + 0x1p-10, relativeRMS: 0.01),
        Bound(type: .q8_K, maxOfBlockAbsMax: 0.5 / 127 + 0x1p-20, relativeRMS: 0.01),
        Bound(type: .q4_0, maxOfBlockAbsMax: 1.0 / 8 + 0x1p-9, relativeRMS: 0.12),
        Bound(type: .q5_0, maxOfBlockAbsMax: 1.0 / 16 + 0x1p-9, relativeRMS: 0.06),
        Bound(type: .q4_1, maxOfBlockAbsMax: 1.0 / 15 + 0x1p-8, relativeRMS: 0.12),
        Bound(type: .q5_1, maxOfBlockAbsMax: 1.0 / 31 + 0x1p-8, relativeRMS: 0.06),
        Bound(type: .q4_K, maxOfBlockAbsMax: 0.11, relativeRMS: 0.10),  // observed 0.071, 0.071
        Bound(type: .q5_K, maxOfBlockAbsMax: 0.06, relativeRMS: 0.05),  // observed 0.041, 0.036
        Bound(type: .q6_K, maxOfBlockAbsMax: 0.025, relativeRMS: 0.025),  // observed 0.016, 0.018
    ]

    @Test func everyQuantizableTypeHasABound() {
        #expect(Set(Self.bounds.map(\.type)) == Set(GGMLType.allCases.filter(Quantization.isSupported)))
    }

    @Test(arguments: bounds)
    func roundTripStaysWithinBound(_ bound: Bound) throws {
        let type = bound.type
        let blockSize = max(type.blockSize, 32)  // plain types: judge groups of 32
        var random = QuantTestRandom(seed: 0xC0FFEE ^ UInt64(type.rawValue))
        var values = [Float]()
        let blocks = 64 * 256 / blockSize
        for block in 0..<blocks {
            // 0.05 ... 102.4: scales stay in f16's normal range (tiny scales, where f16 subnormals
            // cost precision, are covered by the reference data instead)
            let magnitude = Float(0.05) * Float(1 << (block % 12))
            for _ in 0..<blockSize { values.append(random.normal() * magnitude) }
        }
        let restored = try Dequantization.dequantize(type, bytes: Quantization.quantize(type, values))
        try #require(restored.count == values.count)

        var worst: Float = 0
        var worstIndex = 0
        var rmsErrorSum: Double = 0
        var rmsSum: Double = 0
        for block in 0..<blocks {
            let range = (block * blockSize)..<((block + 1) * blockSize)
            let absMax = values[range].map(\.magnitude).max()!
            for i in range {
                let error = (restored[i] - values[i]).magnitude
                let relative = error / absMax
                if relative > worst {
                    worst = relative
                    worstIndex = i
                }
                // weigh blocks equally, whatever their magnitude
                rmsErrorSum += Double(error / absMax) * Double(error / absMax)
                rmsSum += Double(values[i] / absMax) * Double(values[i] / absMax)
            }
        }
        let relativeRMS = Float((rmsErrorSum / rmsSum).squareRoot())
        #expect(worst <= bound.maxOfBlockAbsMax,
                "\(type.name): error \(worst) of the block's largest magnitude at index \(worstIndex) (\(values[worstIndex]) -> \(restored[worstIndex]))")
        #expect(relativeRMS <= bound.relativeRMS, "\(type.name): relative RMS error \(relativeRMS)")
    }

    @Test(arguments: bounds)
    func zerosStayZeros(_ bound: Bound) throws {
        let count = max(bound.type.blockSize, 32) * 2
        let restored = try Dequantization.dequantize(bound.type, bytes: Quantization.quantize(bound.type, [Float](repeating: 0, count: count)))
        #expect(restored.allSatisfy { $0 == 0 })
    }

    @Test(arguments: bounds)
    func singleOutlierSurvives(_ bound: Bound) throws {
        // One large value among zeros: it sets the scale and must come back nearly unchanged.
        let blockSize = max(bound.type.blockSize, 32)
        var values = [Float](repeating: 0, count: blockSize)
        values[blockSize / 3] = -3.75
        let restored = try Dequantization.dequantize(bound.type, bytes: Quantization.quantize(bound.type, values))
        #expect((restored[blockSize / 3] - -3.75).magnitude <= 3.75 * 0x1p-7, "\(restored[blockSize / 3])")
        for i in 0..<blockSize where i != blockSize / 3 {
            #expect(restored[i].magnitude <= 3.75 * bound.maxOfBlockAbsMax, "index \(i): \(restored[i])")
        }
    }
}
