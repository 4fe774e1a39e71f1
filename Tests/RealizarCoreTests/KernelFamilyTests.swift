import Testing
import RealizarCore

@Suite struct KernelFamilyTests {
    static let available = KernelFamily.allCases.filter(\.isSupportedByHardware)

    @Test func theSelectedFamilyRunsOnThisCPU() {
        #expect(KernelFamily.selected.isSupportedByHardware)
        #expect(KernelFamily.best(for: []) == .generic)
        #expect(KernelFamily.best(for: .avx2Kernels) == .avx2)
        #expect(KernelFamily.best(for: .avx512Kernels) == .avx512)
    }

    /// Every half bit pattern, NaN payloads included, widens to the scalar reference's bits with
    /// every kernel family this CPU can run.
    @Test(arguments: available)
    func halfConversionMatchesTheReferenceBitForBit(family: KernelFamily) {
        let halves = (0...UInt16.max).map { $0 } + [0x3C00, 0x7E01, 0xFC00]  // odd length exercises the tail
        var converted = [Float](repeating: 0, count: halves.count)
        halves.withUnsafeBufferPointer { source in
            converted.withUnsafeMutableBufferPointer { out in
                HalfPrecision.convertToFloat(source.baseAddress!, out.baseAddress!, count: halves.count, using: family)
            }
        }
        let mismatch = halves.indices.first { converted[$0].bitPattern != HalfPrecision.float(fromHalfBits: halves[$0]).bitPattern }
        #expect(mismatch == nil, "\(family): half 0x\(String(halves[mismatch ?? 0], radix: 16)) widened to 0x\(String(converted[mismatch ?? 0].bitPattern, radix: 16))")
    }
}
