import Foundation
import Testing
import RealizarCore
import RealizarTestSupport

/// `SafetensorsWriter` writes what `SafetensorsFile` (the reference implementation's checks)
/// accepts, streamed in pieces, and refuses data that does not match its header.
@Suite struct SafetensorsWriterTests {
    static let tensors = [
        SafetensorsWriter.Tensor(name: "b.weight", dtype: .f32, shape: [2, 3]),
        SafetensorsWriter.Tensor(name: "a.half", dtype: .f16, shape: [3]),
        SafetensorsWriter.Tensor(name: "c.brain", dtype: .bf16, shape: [1, 2]),
        SafetensorsWriter.Tensor(name: "empty", dtype: .f32, shape: [0, 4]),
    ]

    @Test func writtenFilesReadBackWithTheirValuesInTheGivenOrder() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("model.safetensors").path
        let writer = try SafetensorsWriter(path: path, tensors: Self.tensors)
        try writer.append([1, 2, 3])  // a tensor may come in several pieces
        try writer.append([4, 5, -6.25])
        try writer.append([0.5, -1.5, 65504])
        try writer.append([3.140625, -0.001953125])
        try writer.finish()

        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors.map(\.name) == ["b.weight", "a.half", "c.brain", "empty"])
        #expect(file.tensors.map(\.shape) == Self.tensors.map(\.shape))
        let headerLength = file.file.bytes.loadUnaligned(as: UInt64.self)
        #expect(headerLength % 8 == 0, "header of \(headerLength) bytes: data must start 8-byte aligned")
        func floats(_ name: String) -> [Float] {
            let info = file.tensor(named: name)!
            let data = file.data(of: info)
            switch info.dtype {
            case .f16: return (0..<info.elementCount).map { HalfPrecision.float(fromHalfBits: data.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            case .bf16: return (0..<info.elementCount).map { HalfPrecision.float(fromBFloat16Bits: data.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            default: return (0..<info.elementCount).map { data.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
            }
        }
        #expect(floats("b.weight") == [1, 2, 3, 4, 5, -6.25])
        #expect(floats("a.half") == [0.5, -1.5, 65504])
        #expect(floats("c.brain") == [3.140625, -0.001953125])
        #expect(file.tensor(named: "empty")?.byteCount == 0)
    }

    @Test func moreDataThanTheHeaderAnnouncedIsRefused() throws {
        let folder = try TemporaryFolder()
        let writer = try SafetensorsWriter(path: folder.file("x.safetensors").path,
                                           tensors: [.init(name: "w", dtype: .f32, shape: [2])])
        #expect(throws: FormatError.self) { try writer.append([1, 2, 3]) }
        try writer.append([1, 2])
        #expect(throws: FormatError.self) { try writer.append([4]) }
    }

    @Test func finishingBeforeEveryTensorIsWrittenIsRefused() throws {
        let folder = try TemporaryFolder()
        let writer = try SafetensorsWriter(path: folder.file("x.safetensors").path,
                                           tensors: [.init(name: "w", dtype: .f32, shape: [2]), .init(name: "v", dtype: .f16, shape: [1])])
        try writer.append([1, 2])
        #expect(throws: FormatError.self) { try writer.finish() }
    }

    @Test func duplicateOrReservedNamesAreRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("x.safetensors").path
        #expect(throws: FormatError.self) {
            try SafetensorsWriter(path: path, tensors: [.init(name: "w", dtype: .f32, shape: [1]), .init(name: "w", dtype: .f32, shape: [1])])
        }
        #expect(throws: FormatError.self) { try SafetensorsWriter(path: path, tensors: [.init(name: "__metadata__", dtype: .f32, shape: [1])]) }
    }
}
