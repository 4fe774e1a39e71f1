import Foundation

/// The malformed safetensors corpus: each case names what it breaks.
enum MalformedSafetensorsCorpus {
    static func file(header: String, data: Data, declaredLength: UInt64? = nil) -> Data {
        var out = Data()
        let json = Data(header.utf8)
        out.appendLE(declaredLength ?? UInt64(json.count))
        out.append(json)
        out.append(data)
        return out
    }

    /// A valid file: an F32 [2, 2] tensor and an I8 [4] tensor.
    static let validHeader = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}}"#

    static func valid() -> Data { file(header: validHeader, data: Data(count: 20)) }

    static func cases() -> [(name: String, bytes: Data)] {
        func tensors(_ body: String, dataSize: Int = 20) -> Data { file(header: "{\(body)}", data: Data(count: dataSize)) }
        let valid = valid()
        return [
            ("empty file", Data()),
            ("shorter than the length prefix", Data([1, 2, 3, 4, 5])),
            ("header length beyond the limit", file(header: validHeader, data: Data(count: 20), declaredLength: 1 << 60)),
            ("header length beyond the file", file(header: validHeader, data: Data(), declaredLength: 4096)),
            ("truncated in the data", valid.prefix(valid.count - 3)),
            ("truncated in the header", valid.prefix(40)),
            ("header is not JSON", file(header: "{not json", data: Data())),
            ("header is a JSON array", file(header: "[1,2,3]", data: Data())),
            ("unknown dtype", tensors(#""a":{"dtype":"F7","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("shape is not an array", tensors(#""a":{"dtype":"F32","shape":4,"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("negative dimension", tensors(#""a":{"dtype":"F32","shape":[-2,-2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("fractional dimension", tensors(#""a":{"dtype":"F32","shape":[2.5,2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("boolean dimension", tensors(#""a":{"dtype":"F32","shape":[true,4],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("shape overflows", tensors(#""a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("three data offsets", tensors(#""a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("offsets past the end", tensors(#""a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[1000,1004]}"#)),
            ("begin after end", tensors(#""a":{"dtype":"F32","shape":[2,2],"data_offsets":[16,0]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("dtype size disagrees with the byte range", tensors(#""a":{"dtype":"F64","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("overlapping tensors", tensors(#""a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[12,16]}"#, dataSize: 16)),
            ("gap between tensors", tensors(#""a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[20,24]}"#, dataSize: 24)),
            ("bytes after the last tensor", tensors(#""a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#, dataSize: 64)),
            ("metadata value not a string", tensors(#""__metadata__":{"format":1},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("tensor entry not an object", tensors(#""a":"F32","b":{"dtype":"I8","shape":[4],"data_offsets":[16,20]}"#)),
            ("deeply nested header", file(header: String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000), data: Data())),
        ]
    }
}
