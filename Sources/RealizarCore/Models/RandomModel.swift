import Foundation

/// A random-weight model of a real architecture and shape, written as a standard GGUF file that
/// llama.cpp loads too: how speed is measured at sizes that cannot be downloaded here
/// (`realizar gen-random`). Block bytes are random with scales chosen so that every weight has a
/// standard deviation near 1/√columns, as trained weights do; the tensor types follow llama.cpp's
/// rules for the file type (Q4_K_M: Q6_K for the output and for `attn_v`/`ffn_down` of the first
/// and last eighth of the layers and every third between, Q4_K elsewhere; Q5_0 and Q8_0 where a
/// row is not a whole number of 256-value blocks).
public struct RandomModel: Sendable {
    public enum Family: String, CaseIterable, Sendable {
        case llama, qwen3, gemma3
    }

    public enum FileType: String, CaseIterable, Sendable {
        case q4_k_m, q8_0, f16
    }

    public struct Shape: Sendable {
        public var width, blocks, heads, kvHeads, headDimension, feedForward, vocabulary: Int
        /// The output projection is the token embedding (no `output.weight`).
        public var tiedOutput: Bool
    }

    public let family: Family
    public let shapeName: String
    public let shape: Shape
    public let fileType: FileType

    /// The published shapes of each family (Llama 3.2 1B, Llama 3 8B, Qwen3 0.6B and 8B, Gemma 3
    /// 270M and 1B), and `tiny` for tests.
    public static let shapes: [Family: [String: Shape]] = [
        .llama: [
            "tiny": Shape(width: 256, blocks: 2, heads: 4, kvHeads: 2, headDimension: 64, feedForward: 512, vocabulary: 512, tiedOutput: false),
            "1b": Shape(width: 2048, blocks: 16, heads: 32, kvHeads: 8, headDimension: 64, feedForward: 8192, vocabulary: 128_256, tiedOutput: true),
            "8b": Shape(width: 4096, blocks: 32, heads: 32, kvHeads: 8, headDimension: 128, feedForward: 14336, vocabulary: 128_256, tiedOutput: false),
        ],
        .qwen3: [
            "tiny": Shape(width: 256, blocks: 2, heads: 4, kvHeads: 2, headDimension: 128, feedForward: 512, vocabulary: 512, tiedOutput: true),
            "0.6b": Shape(width: 1024, blocks: 28, heads: 16, kvHeads: 8, headDimension: 128, feedForward: 3072, vocabulary: 151_936, tiedOutput: true),
            "8b": Shape(width: 4096, blocks: 36, heads: 32, kvHeads: 8, headDimension: 128, feedForward: 12288, vocabulary: 151_936, tiedOutput: false),
        ],
        .gemma3: [
            "tiny": Shape(width: 256, blocks: 2, heads: 4, kvHeads: 1, headDimension: 256, feedForward: 512, vocabulary: 512, tiedOutput: true),
            "270m": Shape(width: 640, blocks: 18, heads: 4, kvHeads: 1, headDimension: 256, feedForward: 2048, vocabulary: 262_144, tiedOutput: true),
            "1b": Shape(width: 1152, blocks: 26, heads: 4, kvHeads: 1, headDimension: 256, feedForward: 6912, vocabulary: 262_144, tiedOutput: true),
        ],
    ]

    public init(family: Family, shape name: String, fileType: FileType) throws {
        guard let shape = Self.shapes[family]?[name] else {
            let known = Self.shapes[family]!.keys.sorted().joined(separator: ", ")
            throw ModelError("\(family.rawValue) has no shape '\(name)'; known: \(known)")
        }
        self.family = family
        shapeName = name
        self.shape = shape
        self.fileType = fileType
    }

    /// One tensor of the file: its name, GGUF shape ([columns, rows] for a matrix) and type.
    struct TensorPlan {
        let name: String
        let shape: [Int]
        let type: GGMLType
    }

    /// Every tensor, in file order.
    func plan() -> [TensorPlan] {
        let s = shape, d = s.width
        let q = s.heads * s.headDimension, kv = s.kvHeads * s.headDimension
        var plan: [TensorPlan] = []
        func matrix(_ name: String, rows: Int, columns: Int, more bits: Bool = false) {
            plan.append(TensorPlan(name: name, shape: [columns, rows], type: type(columns: columns, moreBits: bits)))
        }
        func vector(_ name: String, _ count: Int) { plan.append(TensorPlan(name: name, shape: [count], type: .f32)) }
        // A tied embedding is the output too: it gets the output's type.
        matrix("token_embd.weight", rows: s.vocabulary, columns: d, more: s.tiedOutput)
        for i in 0..<s.blocks {
            let p = "blk.\(i)."
            // llama.cpp's use_more_bits: the first and last eighth of the layers, every third between.
            let more = i < s.blocks / 8 || i >= 7 * s.blocks / 8 || (i - s.blocks / 8) % 3 == 2
            vector(p + "attn_norm.weight", d)
            matrix(p + "attn_q.weight", rows: q, columns: d)
            matrix(p + "attn_k.weight", rows: kv, columns: d)
            matrix(p + "attn_v.weight", rows: kv, columns: d, more: more)
            if family != .llama {
                vector(p + "attn_q_norm.weight", s.headDimension)
                vector(p + "attn_k_norm.weight", s.headDimension)
            }
            matrix(p + "attn_output.weight", rows: d, columns: q)
            if family == .gemma3 { vector(p + "post_attention_norm.weight", d) }
            vector(p + "ffn_norm.weight", d)
            matrix(p + "ffn_gate.weight", rows: s.feedForward, columns: d)
            matrix(p + "ffn_up.weight", rows: s.feedForward, columns: d)
            matrix(p + "ffn_down.weight", rows: d, columns: s.feedForward, more: more)
            if family == .gemma3 { vector(p + "post_ffw_norm.weight", d) }
        }
        vector("output_norm.weight", d)
        if !s.tiedOutput { matrix("output.weight", rows: s.vocabulary, columns: d, more: true) }
        return plan
    }

    /// The block type of a matrix with rows of `columns` values.
    func type(columns: Int, moreBits: Bool) -> GGMLType {
        switch fileType {
        case .f16: return .f16
        case .q8_0: return .q8_0
        case .q4_k_m:
            let whole = columns % 256 == 0
            return moreBits ? (whole ? .q6_K : .q8_0) : (whole ? .q4_K : .q5_0)
        }
    }

    /// Bytes the file's tensors take.
    public var tensorBytes: Int { plan().map { $0.type.byteCount(forElements: $0.shape.reduce(1, *))! }.reduce(0, +) }

    public func write(to url: URL, seed: UInt64 = 1) throws {
        let s = shape, arch = family.rawValue
        var w = GGUFWriter()
        func key(_ name: String) -> String { "\(arch).\(name)" }
        w.set("general.architecture", .string(arch))
        w.set("general.name", .string("realizar random \(arch) \(shapeName) \(fileType.rawValue)"))
        w.set("general.file_type", .uint32(fileType == .q4_k_m ? 15 : fileType == .q8_0 ? 7 : 1))
        w.set(key("context_length"), .uint32(family == .gemma3 ? 32768 : 131_072))
        w.set(key("embedding_length"), .uint32(UInt32(s.width)))
        w.set(key("block_count"), .uint32(UInt32(s.blocks)))
        w.set(key("feed_forward_length"), .uint32(UInt32(s.feedForward)))
        w.set(key("attention.head_count"), .uint32(UInt32(s.heads)))
        w.set(key("attention.head_count_kv"), .uint32(UInt32(s.kvHeads)))
        w.set(key("attention.layer_norm_rms_epsilon"), .float32(1e-6))
        w.set(key("attention.key_length"), .uint32(UInt32(s.headDimension)))
        w.set(key("attention.value_length"), .uint32(UInt32(s.headDimension)))
        w.set(key("rope.dimension_count"), .uint32(UInt32(s.headDimension)))
        switch family {
        case .llama: w.set(key("rope.freq_base"), .float32(500_000))
        case .qwen3: w.set(key("rope.freq_base"), .float32(1_000_000))
        case .gemma3:
            w.set(key("rope.freq_base"), .float32(1_000_000))
            w.set(key("attention.sliding_window"), .uint32(512))
        }
        Self.setVocabulary(&w, size: s.vocabulary)
        let plan = plan()
        for tensor in plan { w.add(GGUFWriter.Tensor(name: tensor.name, type: tensor.type, shape: tensor.shape)) }
        try w.write(to: url) { index in
            let tensor = plan[index]
            if tensor.type == .f32 { return Self.norm(count: tensor.shape[0], seed: seed &+ UInt64(index)) }
            return Self.randomBlocks(tensor.type, rows: tensor.shape.count > 1 ? tensor.shape[1] : 1, columns: tensor.shape[0],
                                     seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        }
    }

    /// Norm weights near 1.
    static func norm(count: Int, seed: UInt64) -> Data {
        var random = SplitMix64(seed: seed)
        let values = (0..<count).map { _ in 1 + 0.1 * (Float(random.next() >> 40) / Float(1 << 24) - 0.5) }
        return values.withUnsafeBytes { Data($0) }
    }

    /// `rows × columns` weights of `type`: random bytes, each block's scales set so that its
    /// weights have a standard deviation near 1/√columns. Filled in parallel, row ranges apart.
    static func randomBlocks(_ type: GGMLType, rows: Int, columns: Int, seed: UInt64) -> Data {
        let rowBytes = type.byteCount(forElements: columns)!
        var data = Data(count: rows * rowBytes)
        let sigma = 1 / Float(columns).squareRoot()
        let chunks = min(rows, 64)
        data.withUnsafeMutableBytes { raw in
            // An address, not a pointer, crosses into the workers (each writes its own rows).
            let address = UInt(bitPattern: raw.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let base = UnsafeMutableRawPointer(bitPattern: address)!
                var random = SplitMix64(seed: seed &+ UInt64(chunk) &* 0xD1B5_4A32_D192_ED03)
                let first = chunk * rows / chunks, end = (chunk + 1) * rows / chunks
                let start = base + first * rowBytes, count = (end - first) * rowBytes
                let words = count / 8
                let wordPointer = UnsafeMutableRawPointer(start)
                for i in 0..<words { wordPointer.storeBytes(of: random.next(), toByteOffset: 8 * i, as: UInt64.self) }
                for i in (8 * words)..<count { start.storeBytes(of: UInt8(truncatingIfNeeded: random.next()), toByteOffset: i, as: UInt8.self) }
                setScales(type, in: start, bytes: count, sigma: sigma, columns: columns)
            }
        }
        return data
    }

    /// Overwrites each block's scale fields (f16 `d`, and `dmin` for Q4_K) so that random levels
    /// give weights of about `sigma`; f16 tensors get uniform values of that deviation.
    static func setScales(_ type: GGMLType, in start: UnsafeMutableRawPointer, bytes: Int, sigma: Float, columns: Int) {
        func half(_ value: Float, at offset: Int) { start.storeBytes(of: HalfPrecision.halfBits(from: value), toByteOffset: offset, as: UInt16.self) }
        switch type {
        case .f16:
            // Uniform in ±√3·σ from the random bits already there.
            for i in 0..<(bytes / 2) {
                let bits = start.load(fromByteOffset: 2 * i, as: UInt16.self)
                half((Float(bits) / 32768 - 1) * 1.732 * sigma, at: 2 * i)
            }
        case .q8_0:
            // Levels uniform in −128...127: deviation 74.
            for b in stride(from: 0, to: bytes, by: 34) { half(sigma / 74, at: b) }
        case .q5_0:
            // Levels 0...31 less 16: deviation 9.2.
            for b in stride(from: 0, to: bytes, by: 22) { half(sigma / 9.2, at: b) }
        case .q4_K:
            // d·sc·q − dmin·m with sc, m in 0...63 and q in 0...15: about 236·d of spread.
            for b in stride(from: 0, to: bytes, by: 144) {
                half(sigma / 236, at: b)
                half(sigma / 236, at: b + 2)
            }
        case .q6_K:
            // d·sc·(q − 32) with sc an Int8 (deviation 74) and q in 0...63 (18.5): about 1,370·d.
            for b in stride(from: 0, to: bytes, by: 210) { half(sigma / 1370, at: b + 208) }
        default:
            preconditionFailure("no random blocks of \(type.name)")
        }
    }

    /// `<unk>`, `<s>`, `</s>`, the 256 byte tokens llama.cpp's SPM vocabulary needs, then plain
    /// pieces up to `size` (the tests' random models use it too).
    public static func setVocabulary(_ w: inout GGUFWriter, size: Int) {
        var tokens = ["<unk>", "<s>", "</s>"], types: [Int32] = [2, 3, 3]
        for byte in 0..<256 {
            tokens.append(String(format: "<0x%02X>", byte))
            types.append(6)
        }
        while tokens.count < size {
            tokens.append("▁t\(tokens.count)")
            types.append(1)
        }
        w.set("tokenizer.ggml.model", .string("llama"))
        w.set("tokenizer.ggml.tokens", .array(.string(tokens)))
        w.set("tokenizer.ggml.scores", .array(.float32(tokens.indices.map { -Float($0) })))
        w.set("tokenizer.ggml.token_type", .array(.int32(types)))
        w.set("tokenizer.ggml.bos_token_id", .uint32(1))
        w.set("tokenizer.ggml.eos_token_id", .uint32(2))
    }
}
