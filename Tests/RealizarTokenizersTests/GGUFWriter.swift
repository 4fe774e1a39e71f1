import Foundation

/// Writes small GGUF (version 3) files holding only metadata, for tokenizer tests.
enum GGUFWriter {
    indirect enum Value {
        case u8(UInt8), i8(Int8), u32(UInt32), i32(Int32), u64(UInt64), i64(Int64), f32(Float), f64(Double)
        case bool(Bool), string(String)
        case strings([String]), f32s([Float]), i32s([Int32]), u32s([UInt32]), u8s([UInt8]), i8s([Int8]), bools([Bool])
        case arrays([Value])  // an array of arrays (each element must itself be an array value)
    }

    static func data(_ entries: [(String, Value)]) -> Data {
        var out = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) {
            let bytes = Array(s.utf8)
            u64(UInt64(bytes.count))
            out.append(contentsOf: bytes)
        }
        func typeCode(_ value: Value) -> UInt32 {
            switch value {
            case .u8: return 0
            case .i8: return 1
            case .u32: return 4
            case .i32: return 5
            case .f32: return 6
            case .bool: return 7
            case .string: return 8
            case .strings, .f32s, .i32s, .u32s, .u8s, .i8s, .bools, .arrays: return 9
            case .u64: return 10
            case .i64: return 11
            case .f64: return 12
            }
        }
        func payload(_ value: Value) {
            switch value {
            case .u8(let v): out.append(v)
            case .i8(let v): out.append(UInt8(bitPattern: v))
            case .u32(let v): u32(v)
            case .i32(let v): u32(UInt32(bitPattern: v))
            case .u64(let v): u64(v)
            case .i64(let v): u64(UInt64(bitPattern: v))
            case .f32(let v): u32(v.bitPattern)
            case .f64(let v): u64(v.bitPattern)
            case .bool(let v): out.append(v ? 1 : 0)
            case .string(let v): string(v)
            case .strings(let a): u32(8); u64(UInt64(a.count)); a.forEach(string)
            case .f32s(let a): u32(6); u64(UInt64(a.count)); a.forEach { u32($0.bitPattern) }
            case .i32s(let a): u32(5); u64(UInt64(a.count)); a.forEach { u32(UInt32(bitPattern: $0)) }
            case .u32s(let a): u32(4); u64(UInt64(a.count)); a.forEach(u32)
            case .u8s(let a): u32(0); u64(UInt64(a.count)); out.append(contentsOf: a)
            case .i8s(let a): u32(1); u64(UInt64(a.count)); a.forEach { out.append(UInt8(bitPattern: $0)) }
            case .bools(let a): u32(7); u64(UInt64(a.count)); a.forEach { out.append($0 ? 1 : 0) }
            case .arrays(let a): u32(9); u64(UInt64(a.count)); a.forEach(payload)
            }
        }
        out.append(contentsOf: Array("GGUF".utf8))
        u32(3)
        u64(0)  // tensors
        u64(UInt64(entries.count))
        for (key, value) in entries {
            string(key)
            u32(typeCode(value))
            payload(value)
        }
        while out.count % 32 != 0 { out.append(0) }
        return out
    }

    /// Writes the file into a fresh temporary folder and returns its path.
    static func write(_ entries: [(String, Value)], name: String = "vocab.gguf") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("realizar-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try data(entries).write(to: url)
        return url.path
    }
}

/// Tiny vocabularies for tests.
enum TinyVocab {
    /// A SentencePiece vocabulary: <unk> <s> </s>, 256 byte tokens, then a few pieces.
    static func sentencePiece() -> [(String, GGUFWriter.Value)] {
        var tokens = ["<unk>", "<s>", "</s>"]
        var types: [Int32] = [2, 3, 3]
        for b in 0..<256 {
            tokens.append(String(format: "<0x%02X>", b))
            types.append(6)
        }
        let pieces = ["▁", "a", "b", "c", "▁a", "ab", "▁ab", "▁abc", "bc", "<start_of_turn>", "\n\n"]
        tokens += pieces
        types += pieces.map { $0 == "<start_of_turn>" ? 3 : ($0 == "\n\n" ? 4 : 1) }
        let scores = tokens.enumerated().map { i, t in Float(t.count) - Float(i) / 1000 }
        return [
            ("general.architecture", .string("llama")),
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.tokens", .strings(tokens)),
            ("tokenizer.ggml.scores", .f32s(scores)),
            ("tokenizer.ggml.token_type", .i32s(types)),
            ("tokenizer.ggml.bos_token_id", .u32(1)),
            ("tokenizer.ggml.eos_token_id", .u32(2)),
            ("tokenizer.ggml.unknown_token_id", .u32(0)),
        ]
    }

    /// A byte-level BPE vocabulary: the 256 GPT-2 byte characters, a few merges, a control token.
    static func bytePair() -> [(String, GGUFWriter.Value)] {
        var tokens: [String] = []
        for b in 0..<256 { tokens.append(gpt2Character(UInt8(b))) }
        let merged = ["Ġa", "ab", "Ġab", "<|end|>"]
        tokens += merged
        var types = [Int32](repeating: 1, count: tokens.count)
        types[types.count - 1] = 3
        return [
            ("general.architecture", .string("gpt2")),
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("gpt-2")),
            ("tokenizer.ggml.tokens", .strings(tokens)),
            ("tokenizer.ggml.token_type", .i32s(types)),
            ("tokenizer.ggml.merges", .strings(["Ġ a", "a b", "Ġa b"])),
            ("tokenizer.ggml.bos_token_id", .u32(259)),
            ("tokenizer.ggml.eos_token_id", .u32(259)),
        ]
    }

    static func gpt2Character(_ b: UInt8) -> String {
        var n: UInt32 = 256
        for x in 0..<256 {
            let printable = (0x21...0x7E).contains(x) || (0xA1...0xAC).contains(x) || (0xAE...0xFF).contains(x)
            if x == Int(b) { return String(UnicodeScalar(printable ? UInt32(x) : n)!) }
            if !printable { n += 1 }
        }
        fatalError()
    }

    /// `entries` with `key` replaced (or removed with nil, or added at the end).
    static func replacing(_ entries: [(String, GGUFWriter.Value)], _ key: String, with value: GGUFWriter.Value?) -> [(String, GGUFWriter.Value)] {
        var result = entries.filter { $0.0 != key }
        if let value {
            if let index = entries.firstIndex(where: { $0.0 == key }) {
                result.insert((key, value), at: index)
            } else {
                result.append((key, value))
            }
        }
        return result
    }
}
