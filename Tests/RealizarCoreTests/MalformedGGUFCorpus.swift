import Foundation
import RealizarCore

/// Builds GGUF bytes field by field, so that each malformed case can break exactly one thing.
struct RawGGUF {
    var magic: UInt32 = GGUFFile.magic
    var version: UInt32 = 3
    var tensorCount: UInt64?
    var metadataCount: UInt64?
    var metadata: [Data] = []
    var tensorInfos: [Data] = []
    var alignment = 32
    var data = Data()

    static func string(_ s: String) -> Data {
        var d = Data()
        d.appendLE(UInt64(s.utf8.count))
        d.append(contentsOf: Array(s.utf8))
        return d
    }

    static func entry(_ key: String, type: UInt32, _ payload: Data) -> Data {
        var d = string(key)
        d.appendLE(type)
        d.append(payload)
        return d
    }

    static func u32Entry(_ key: String, _ value: UInt32) -> Data {
        var payload = Data()
        payload.appendLE(value)
        return entry(key, type: GGUFValueType.uint32.rawValue, payload)
    }

    static func stringEntry(_ key: String, _ value: String) -> Data {
        entry(key, type: GGUFValueType.string.rawValue, string(value))
    }

    static func tensorInfo(_ name: String, shape: [UInt64], type: UInt32, offset: UInt64) -> Data {
        var d = string(name)
        d.appendLE(UInt32(shape.count))
        for dimension in shape { d.appendLE(dimension) }
        d.appendLE(type)
        d.appendLE(offset)
        return d
    }

    func bytes() -> Data {
        var d = Data()
        d.appendLE(magic)
        d.appendLE(version)
        d.appendLE(tensorCount ?? UInt64(tensorInfos.count))
        d.appendLE(metadataCount ?? UInt64(metadata.count))
        metadata.forEach { d.append($0) }
        tensorInfos.forEach { d.append($0) }
        d.append(Data(count: (alignment - d.count % alignment) % alignment))
        d.append(data)
        return d
    }

    /// A small valid file: metadata of several types, an F32 tensor and a Q8_0 tensor.
    static func valid() -> RawGGUF {
        var file = RawGGUF()
        file.metadata = [
            stringEntry("general.architecture", "llama"),
            u32Entry("llama.block_count", 1),
            entry("tokenizer.ggml.tokens", type: GGUFValueType.array.rawValue, {
                var d = Data()
                d.appendLE(GGUFValueType.string.rawValue)
                d.appendLE(UInt64(3))
                ["a", "b", "c"].forEach { d.append(string($0)) }
                return d
            }()),
        ]
        file.tensorInfos = [
            tensorInfo("a.weight", shape: [8, 2], type: GGMLType.f32.rawValue, offset: 0),
            tensorInfo("b.weight", shape: [32], type: GGMLType.q8_0.rawValue, offset: 64),
        ]
        file.data = Data(count: 64 + 34)
        return file
    }
}

extension Data {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

/// The malformed GGUF corpus: each case names what it breaks.
enum MalformedGGUFCorpus {
    static func cases() -> [(name: String, bytes: Data)] {
        let validFile = RawGGUF.valid()
        let valid = validFile.bytes()
        var cases: [(String, Data)] = []
        func variant(_ name: String, _ change: (inout RawGGUF) -> Void) {
            var file = RawGGUF.valid()
            change(&file)
            cases.append((name, file.bytes()))
        }

        cases.append(("empty file", Data()))
        for cut in [2, 4, 6, 8, 12, 16, 20, 24, 30, 40, 60, 90, 120] where cut < valid.count {
            cases.append(("truncated at \(cut)", valid.prefix(cut)))
        }
        let headerEnd = valid.count - validFile.data.count
        cases.append(("truncated before the data section", valid.prefix(headerEnd - 8)))
        cases.append(("truncated in the first tensor's data", valid.prefix(headerEnd + 20)))
        cases.append(("truncated in the last tensor's data", valid.prefix(valid.count - 1)))

        variant("bad magic") { $0.magic = 0x5855_4747 }
        variant("old GGML magic") { $0.magic = 0x6767_6D6C }
        variant("version 1") { $0.version = 1 }
        variant("version 4") { $0.version = 4 }
        variant("big-endian version") { $0.version = UInt32(3).byteSwapped }
        variant("absurd tensor count") { $0.tensorCount = UInt64(Int64.max) }
        variant("absurd metadata count") { $0.metadataCount = 1 << 60 }
        variant("metadata count one too many") { $0.metadataCount = 4 }
        variant("absurd key length") {
            var d = Data()
            d.appendLE(UInt64(1) << 62)
            $0.metadata[0] = d
        }
        variant("absurd string length") {
            var payload = Data()
            payload.appendLE(UInt64.max)
            $0.metadata[0] = RawGGUF.entry("general.architecture", type: GGUFValueType.string.rawValue, payload)
        }
        variant("absurd array length") {
            var payload = Data()
            payload.appendLE(GGUFValueType.uint32.rawValue)
            payload.appendLE(UInt64(1) << 61)
            $0.metadata[2] = RawGGUF.entry("tokenizer.ggml.tokens", type: GGUFValueType.array.rawValue, payload)
        }
        variant("unknown value type") { $0.metadata[1] = RawGGUF.entry("llama.block_count", type: 99, Data([1, 0, 0, 0])) }
        variant("unknown array element type") {
            var payload = Data()
            payload.appendLE(UInt32(42))
            payload.appendLE(UInt64(1))
            $0.metadata[2] = RawGGUF.entry("tokenizer.ggml.tokens", type: GGUFValueType.array.rawValue, payload)
        }
        variant("bool that is neither 0 nor 1") {
            $0.metadata.append(RawGGUF.entry("tokenizer.ggml.add_bos_token", type: GGUFValueType.bool.rawValue, Data([7])))
        }
        variant("duplicate metadata key") { $0.metadata.append(RawGGUF.u32Entry("llama.block_count", 2)) }
        variant("empty metadata key") { $0.metadata.append(RawGGUF.u32Entry("", 2)) }
        variant("alignment zero") { $0.metadata.append(RawGGUF.u32Entry("general.alignment", 0)) }
        variant("alignment not a power of two") { $0.metadata.append(RawGGUF.u32Entry("general.alignment", 48)) }
        variant("alignment of the wrong type") { $0.metadata.append(RawGGUF.stringEntry("general.alignment", "32")) }
        variant("arrays nested too deep") {
            var payload = Data()
            for _ in 0..<12 {
                payload.appendLE(GGUFValueType.array.rawValue)
                payload.appendLE(UInt64(1))
            }
            payload.appendLE(GGUFValueType.uint8.rawValue)
            payload.appendLE(UInt64(0))
            $0.metadata.append(RawGGUF.entry("general.nested", type: GGUFValueType.array.rawValue, Data(payload.dropFirst(12))))
        }
        variant("tensor of rank 5") { $0.tensorInfos[0] = RawGGUF.tensorInfo("a.weight", shape: [8, 2, 1, 1, 1], type: 0, offset: 0) }
        variant("tensor element count overflows") {
            $0.tensorInfos[0] = RawGGUF.tensorInfo("a.weight", shape: [1 << 40, 1 << 40], type: 0, offset: 0)
        }
        variant("tensor dimension above Int64.max") {
            $0.tensorInfos[0] = RawGGUF.tensorInfo("a.weight", shape: [UInt64.max], type: 0, offset: 0)
        }
        variant("unknown tensor type") { $0.tensorInfos[0] = RawGGUF.tensorInfo("a.weight", shape: [8, 2], type: 4, offset: 0) }
        variant("absurd tensor type") { $0.tensorInfos[0] = RawGGUF.tensorInfo("a.weight", shape: [8, 2], type: 0xFFFF_FFFF, offset: 0) }
        variant("row not a whole number of blocks") {
            $0.tensorInfos[1] = RawGGUF.tensorInfo("b.weight", shape: [33], type: GGMLType.q8_0.rawValue, offset: 64)
        }
        variant("tensor offset not aligned") {
            $0.tensorInfos[1] = RawGGUF.tensorInfo("b.weight", shape: [32], type: GGMLType.q8_0.rawValue, offset: 65)
        }
        variant("tensor offset past the end") {
            $0.tensorInfos[1] = RawGGUF.tensorInfo("b.weight", shape: [32], type: GGMLType.q8_0.rawValue, offset: 1 << 40)
        }
        variant("tensor offset near UInt64.max") {
            $0.tensorInfos[1] = RawGGUF.tensorInfo("b.weight", shape: [32], type: GGMLType.q8_0.rawValue, offset: UInt64.max - 31)
        }
        variant("tensor larger than the data") {
            $0.tensorInfos[1] = RawGGUF.tensorInfo("b.weight", shape: [32, 4], type: GGMLType.q8_0.rawValue, offset: 64)
        }
        variant("overlapping tensors") {
            $0.tensorInfos[1] = RawGGUF.tensorInfo("b.weight", shape: [32], type: GGMLType.q8_0.rawValue, offset: 32)
        }
        variant("duplicate tensor name") {
            $0.tensorInfos[1] = RawGGUF.tensorInfo("a.weight", shape: [32], type: GGMLType.q8_0.rawValue, offset: 64)
        }
        variant("empty tensor name") { $0.tensorInfos[1] = RawGGUF.tensorInfo("", shape: [32], type: GGMLType.q8_0.rawValue, offset: 64) }

        // The "Bleeding Llama" shapes (Ollama, 2026): an offset inside the file whose data runs
        // past its end, and sizes whose arithmetic wraps to something small enough to pass a check.
        variant("tensor offset inside the file, data past its end") {
            $0.tensorInfos[1] = RawGGUF.tensorInfo("b.weight", shape: [32], type: GGMLType.q8_0.rawValue, offset: 96)
        }
        variant("tensor byte size overflows (2^62 f32 elements)") {
            $0.tensorInfos[0] = RawGGUF.tensorInfo("a.weight", shape: [1 << 62], type: GGMLType.f32.rawValue, offset: 0)
        }
        variant("dimensions whose product wraps to 0") {
            $0.tensorInfos[0] = RawGGUF.tensorInfo("a.weight", shape: [1 << 32, 1 << 32], type: GGMLType.f32.rawValue, offset: 0)
        }
        variant("dimensions whose product wraps to 2") {
            $0.tensorInfos[0] = RawGGUF.tensorInfo("a.weight", shape: [3, 0x5555_5555_5555_5556], type: GGMLType.f32.rawValue, offset: 0)
        }
        variant("four dimensions whose product wraps to 0") {
            $0.tensorInfos[0] = RawGGUF.tensorInfo("a.weight", shape: [1 << 16, 1 << 16, 1 << 16, 1 << 16], type: GGMLType.f32.rawValue, offset: 0)
        }
        variant("dimension with the sign bit set") {
            $0.tensorInfos[0] = RawGGUF.tensorInfo("a.weight", shape: [8, 1 << 63], type: GGMLType.f32.rawValue, offset: 0)
        }
        variant("n_dims of UInt32.max") {
            var d = RawGGUF.string("a.weight")
            d.appendLE(UInt32.max)
            d.appendLE(UInt64(8))
            d.appendLE(GGMLType.f32.rawValue)
            d.appendLE(UInt64(0))
            $0.tensorInfos[0] = d
        }
        variant("tensor count past the infos present") { $0.tensorCount = 3 }
        variant("alignment of 2^31 puts the data past the end") { $0.metadata.append(RawGGUF.u32Entry("general.alignment", 1 << 31)) }
        variant("alignment of 2^31 with the offsets it implies") {
            $0.metadata.append(RawGGUF.u32Entry("general.alignment", 1 << 31))
            $0.tensorInfos[1] = RawGGUF.tensorInfo("b.weight", shape: [32], type: GGMLType.q8_0.rawValue, offset: 1 << 31)
        }
        variant("alignment 64 makes the second tensor's offset unaligned") {
            $0.metadata.append(RawGGUF.u32Entry("general.alignment", 64))
            $0.tensorInfos[1] = RawGGUF.tensorInfo("b.weight", shape: [32], type: GGMLType.q8_0.rawValue, offset: 32)
        }
        return cases
    }
}
