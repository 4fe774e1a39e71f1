import Foundation
import RealizarCore

/// Random-weight GGUF models of every architecture the README claims, tiny but shaped like the
/// real ones (grouped-query attention, biases, q/k norms, fused matrices, RoPE variants), written
/// with `GGUFWriter` for the architecture conformance tests. Weights come from a seeded generator,
/// so a variant and weight type always give the same file.
struct ConformanceModel: Sendable, CustomStringConvertible {
    enum Variant: String, CaseIterable, Sendable {
        case llama, qwen2, qwen3, phi3, gpt2, gemma3, gemma2
        /// Qwen3 with a mixture-of-experts feed-forward block: 4 experts, 2 per token.
        case qwen3moe
        /// Gemma 3 with `gemma3.rope.scaling.type = linear`, factor 8.
        case gemma3Linear = "gemma3-linear"
        /// Gemma 3 with 62 blocks, the block count llama.cpp takes for the 27B model.
        case gemma3Blocks62 = "gemma3-62-blocks"
        /// Llama with a `rope_freqs.weight` tensor of Llama 3.1-style ("llama3") factors.
        case llamaRopeFreqs = "llama-rope-freqs"
        /// Phi-3 with LongRoPE: `rope_factors_long/short.weight`, attention factor, original context.
        case phi3LongRope = "phi3-longrope"
    }

    let variant: Variant
    let type: GGMLType
    /// False writes the variant without what makes it one (no scaling keys, no factor tensors; for
    /// 62 blocks, `query_pre_attn_scalar` = head dimension), the same weights otherwise: what an
    /// engine that ignores the feature computes, to show that the file exercises it.
    var feature = true

    var description: String { "\(variant.rawValue) \(type.name)\(feature ? "" : " without its feature")" }

    static var all: [ConformanceModel] {
        Variant.allCases.flatMap { v in [GGMLType.f32, .q8_0].map { ConformanceModel(variant: v, type: $0) } }
    }

    /// Tokens 0, 1, 2 are `<unk>`, `<s>`, `</s>`, then the 256 byte tokens llama.cpp's SPM
    /// vocabulary needs (it looks up `<0x0A>`), then plain pieces.
    static let vocabularySize = 320

    /// The qwen3moe variant's experts.
    static let experts = (count: 4, used: 2, hidden: 64)

    /// The positions the LongRoPE model was trained on before its context was extended; llama.cpp
    /// pads contexts to multiples of 256, so a context of 256 runs it with the short factors and
    /// one of 512 with the long ones.
    static let longRopeOriginalContext = 256

    var architectureName: String {
        switch variant {
        case .llama, .llamaRopeFreqs: return "llama"
        case .qwen2: return "qwen2"
        case .qwen3: return "qwen3"
        case .phi3, .phi3LongRope: return "phi3"
        case .gpt2: return "gpt2"
        case .gemma3, .gemma3Linear, .gemma3Blocks62: return "gemma3"
        case .gemma2: return "gemma2"
        case .qwen3moe: return "qwen3moe"
        }
    }

    struct Shape {
        var width = 128, blocks = 3, heads = 4, headsKV = 2, headDimension = 32, feedForward = 256
        var context = 2048
    }

    var shape: Shape {
        switch variant {
        case .llama, .llamaRopeFreqs, .qwen2: return Shape()
        // Qwen3 sets attention.key_length: 4 heads of 64 on a width of 128.
        case .qwen3: return Shape(blocks: 3, headDimension: 64)
        case .phi3: return Shape(headsKV: 4, context: 4096)
        case .phi3LongRope: return Shape(context: 4 * Self.longRopeOriginalContext)
        case .gpt2: return Shape(headsKV: 4, feedForward: 512, context: 512)
        // Six blocks: five sliding-window layers, then a global one (the default pattern of 6).
        case .gemma3, .gemma3Linear: return Shape(blocks: 6, headDimension: 64, context: 32768)
        // Head dimension 64 differs from width / heads = 32: llama.cpp's 27B rule shows.
        case .gemma3Blocks62: return Shape(width: 64, blocks: 62, heads: 2, headsKV: 1, headDimension: 64, feedForward: 128, context: 32768)
        // Four blocks: windowed and global layers alternate.
        case .gemma2: return Shape(blocks: 4, context: 8192)
        case .qwen3moe: return Shape(blocks: 3, headDimension: 64)
        }
    }

    /// The GGUF file's bytes.
    func serialized() -> Data {
        var w = GGUFWriter()
        var random = SeededGenerator(seed: UInt64(Variant.allCases.firstIndex(of: variant)! + 1) * 0x9E37_79B9)
        let s = shape, arch = architectureName
        let qDim = s.heads * s.headDimension, kvDim = s.headsKV * s.headDimension
        func key(_ name: String) -> String { "\(arch).\(name)" }
        w.set("general.architecture", .string(arch))
        // No architecture in the name: llama.cpp gives names with "phi3" in them special tokens.
        w.set("general.name", .string("realizar conformance model"))
        w.set(key("context_length"), .uint32(UInt32(s.context)))
        w.set(key("embedding_length"), .uint32(UInt32(s.width)))
        w.set(key("block_count"), .uint32(UInt32(s.blocks)))
        w.set(key("feed_forward_length"), .uint32(UInt32(s.feedForward)))
        w.set(key("attention.head_count"), .uint32(UInt32(s.heads)))
        if arch == "gpt2" {
            w.set(key("attention.layer_norm_epsilon"), .float32(1e-5))
        } else {
            w.set(key("attention.head_count_kv"), .uint32(UInt32(s.headsKV)))
            w.set(key("attention.layer_norm_rms_epsilon"), .float32(1e-6))
            w.set(key("rope.dimension_count"), .uint32(UInt32(s.headDimension)))
        }
        if s.headDimension != s.width / s.heads {
            w.set(key("attention.key_length"), .uint32(UInt32(s.headDimension)))
            w.set(key("attention.value_length"), .uint32(UInt32(s.headDimension)))
        }
        switch variant {
        case .qwen2, .qwen3: w.set(key("rope.freq_base"), .float32(1_000_000))
        case .gemma3, .gemma3Linear, .gemma3Blocks62:
            w.set(key("rope.freq_base"), .float32(1_000_000))
            w.set(key("attention.sliding_window"), .uint32(16))
            if variant == .gemma3Blocks62, !feature {
                w.set(key("attention.query_pre_attn_scalar"), .uint32(UInt32(s.headDimension)))
            }
            if variant == .gemma3Linear, feature {
                w.set(key("rope.scaling.type"), .string("linear"))
                w.set(key("rope.scaling.factor"), .float32(8))
            }
        case .llamaRopeFreqs: w.set(key("rope.freq_base"), .float32(10_000))
        case .phi3:
            w.set(key("rope.freq_base"), .float32(10_000))
            w.set(key("attention.sliding_window"), .uint32(0))
        case .phi3LongRope:
            let original = Self.longRopeOriginalContext
            w.set(key("rope.freq_base"), .float32(10_000))
            w.set(key("attention.sliding_window"), .uint32(0))
            guard feature else { break }
            w.set(key("rope.scaling.original_context_length"), .uint32(UInt32(original)))
            // As convert_hf_to_gguf.py's Phi3MiniModel: sqrt(1 + ln(scale) / ln(original)).
            let scale = Double(s.context) / Double(original)
            w.set(key("rope.scaling.attn_factor"), .float32(Float((1 + log(scale) / log(Double(original))).squareRoot())))
        case .gemma2:
            w.set(key("rope.freq_base"), .float32(10_000))
            w.set(key("attention.sliding_window"), .uint32(16))
            // Smaller than Gemma 2's 50 and 30, so that these logits reach the caps.
            w.set(key("attn_logit_softcapping"), .float32(2))
            w.set(key("final_logit_softcapping"), .float32(8))
        case .qwen3moe:
            w.set(key("rope.freq_base"), .float32(1_000_000))
            w.set(key("expert_count"), .uint32(UInt32(Self.experts.count)))
            w.set(key("expert_used_count"), .uint32(UInt32(Self.experts.used)))
            w.set(key("expert_feed_forward_length"), .uint32(UInt32(Self.experts.hidden)))
        case .llama, .gpt2: break
        }
        RandomModel.setVocabulary(&w, size: Self.vocabularySize)

        func add(_ name: String, _ shape: [Int], _ values: [Float], quantizable: Bool = true) {
            if type == .q8_0, quantizable, shape.count >= 2, shape[0] % 32 == 0 {
                var bytes = Data(count: values.count / 32 * Q8_0Block.byteCount)
                values.withUnsafeBufferPointer { v in
                    bytes.withUnsafeMutableBytes { out in
                        for b in 0..<(values.count / 32) {
                            Q8_0Block.quantize(v.baseAddress! + 32 * b, into: out.baseAddress! + b * Q8_0Block.byteCount)
                        }
                    }
                }
                w.add(.init(name: name, type: .q8_0, shape: shape, data: bytes))
            } else {
                w.add(.init(name: name, type: .f32, shape: shape, data: values.withUnsafeBytes { Data($0) }))
            }
        }
        /// A `rows × columns` matrix (GGUF shape [columns, rows]) of standard deviation `scale`.
        func matrix(_ name: String, _ rows: Int, _ columns: Int, scale: Float) {
            add(name, [columns, rows], (0..<(rows * columns)).map { _ in random.normal() * scale })
        }
        func vector(_ name: String, _ count: Int, mean: Float, spread: Float, quantizable: Bool = false) {
            add(name, [count], (0..<count).map { _ in mean + random.normal() * spread }, quantizable: quantizable)
        }
        let d = s.width, v = Self.vocabularySize
        let inverseRoot = { (n: Int) in 1 / Float(n).squareRoot() }
        // Gemma scales embeddings by sqrt(width): keep its input of the same size as the others'.
        // Qwen3's output is tied to the embedding, whose scale then sets the logits' spread.
        // Gemma 2's output is tied to the embedding (llama.cpp refuses a separate one), as Qwen3's.
        let gemma = arch == "gemma3" || arch == "gemma2", qwen3 = arch == "qwen3" || arch == "qwen3moe"
        let tied = qwen3 || arch == "gemma2"
        let embeddingScale: Float = tied ? 4 * inverseRoot(d) : gemma ? inverseRoot(d) : 1
        matrix("token_embd.weight", v, d, scale: embeddingScale)
        if arch == "gpt2" { matrix("position_embd.weight", s.context, d, scale: 0.5) }
        let layerNorm = arch == "gpt2"
        for i in 0..<s.blocks {
            let p = "blk.\(i)."
            vector(p + "attn_norm.weight", d, mean: 1, spread: 0.1)
            if layerNorm { vector(p + "attn_norm.bias", d, mean: 0, spread: 0.1) }
            // Queries and keys a little larger than unit scale, so attention is not uniform.
            if arch == "phi3" || arch == "gpt2" {
                matrix(p + "attn_qkv.weight", qDim + 2 * kvDim, d, scale: 1.6 * inverseRoot(d))
                if arch == "gpt2" { vector(p + "attn_qkv.bias", qDim + 2 * kvDim, mean: 0, spread: 0.2) }
            } else {
                matrix(p + "attn_q.weight", qDim, d, scale: 1.6 * inverseRoot(d))
                matrix(p + "attn_k.weight", kvDim, d, scale: 1.6 * inverseRoot(d))
                matrix(p + "attn_v.weight", kvDim, d, scale: inverseRoot(d))
                if arch == "qwen2" {
                    vector(p + "attn_q.bias", qDim, mean: 0, spread: 0.3)
                    vector(p + "attn_k.bias", kvDim, mean: 0, spread: 0.3)
                    vector(p + "attn_v.bias", kvDim, mean: 0, spread: 0.3)
                }
            }
            if qwen3 || arch == "gemma3" {
                vector(p + "attn_q_norm.weight", s.headDimension, mean: 1.5, spread: 0.3)
                vector(p + "attn_k_norm.weight", s.headDimension, mean: 1.5, spread: 0.3)
            }
            matrix(p + "attn_output.weight", d, qDim, scale: inverseRoot(qDim))
            if arch == "gpt2" { vector(p + "attn_output.bias", d, mean: 0, spread: 0.1) }
            if gemma { vector(p + "post_attention_norm.weight", d, mean: 1, spread: 0.1) }
            vector(p + "ffn_norm.weight", d, mean: 1, spread: 0.1)
            if layerNorm { vector(p + "ffn_norm.bias", d, mean: 0, spread: 0.1) }
            let ff = s.feedForward
            switch arch {
            case "gpt2":
                matrix(p + "ffn_up.weight", ff, d, scale: inverseRoot(d))
                vector(p + "ffn_up.bias", ff, mean: 0, spread: 0.1)
                matrix(p + "ffn_down.weight", d, ff, scale: inverseRoot(ff))
                vector(p + "ffn_down.bias", d, mean: 0, spread: 0.1)
            case "phi3":
                matrix(p + "ffn_up.weight", 2 * ff, d, scale: inverseRoot(d))
                matrix(p + "ffn_down.weight", d, ff, scale: inverseRoot(ff))
            case "qwen3moe":
                // A sharp router (scores of standard deviation 8), so that 8-bit activations rarely
                // swap the second and third expert, a discontinuity no tolerance could cover.
                matrix(p + "ffn_gate_inp.weight", Self.experts.count, d, scale: 8 * inverseRoot(d))
                let e = Self.experts.count, h = Self.experts.hidden
                add(p + "ffn_gate_exps.weight", [d, h, e], (0..<(d * h * e)).map { _ in random.normal() * inverseRoot(d) })
                add(p + "ffn_up_exps.weight", [d, h, e], (0..<(d * h * e)).map { _ in random.normal() * inverseRoot(d) })
                add(p + "ffn_down_exps.weight", [h, d, e], (0..<(h * d * e)).map { _ in random.normal() * inverseRoot(h) })
            default:
                matrix(p + "ffn_gate.weight", ff, d, scale: inverseRoot(d))
                matrix(p + "ffn_up.weight", ff, d, scale: inverseRoot(d))
                matrix(p + "ffn_down.weight", d, ff, scale: inverseRoot(ff))
            }
            if gemma { vector(p + "post_ffw_norm.weight", d, mean: 1, spread: 0.1) }
        }
        vector("output_norm.weight", d, mean: 1, spread: 0.1)
        if layerNorm { vector("output_norm.bias", d, mean: 0, spread: 0.1) }
        // Logits with a standard deviation of about 4: a clear top token most of the time.
        // Gemma's real output is tied to its embedding (small here, see above): it gets its own.
        if !tied { matrix("output.weight", v, d, scale: 4 * inverseRoot(d)) }
        switch variant {
        case _ where !feature: break
        case .llamaRopeFreqs:
            add("rope_freqs.weight", [s.headDimension / 2], Self.llama3RopeFactors(headDimension: s.headDimension, base: 10_000))
        case .phi3LongRope:
            let half = s.headDimension / 2
            // Shaped like Phi-3's: short factors near 1, long ones rising with the wavelength.
            add("rope_factors_short.weight", [half], (0..<half).map { 1 + 0.6 * Float($0) / Float(half) })
            add("rope_factors_long.weight", [half], (0..<half).map { 1 + 15 * pow(Float($0) / Float(half), 2) })
        default: break
        }
        return w.serialized()
    }

    /// The factors of convert_hf_to_gguf.py's LlamaModel for `rope_type: llama3` (factor 8, low 1,
    /// high 4) with an original context of 64 positions, so a prompt of a few hundred tokens
    /// reaches the wavelengths they stretch.
    static func llama3RopeFactors(headDimension dim: Int, base: Double) -> [Float] {
        let factor = 8.0, low = 1.0, high = 4.0, original = 64.0
        let lowWavelength = original / low, highWavelength = original / high
        return stride(from: 0, to: dim, by: 2).map { i in
            let frequency = 1 / pow(base, Double(i) / Double(dim))
            let wavelength = 2 * Double.pi / frequency
            if wavelength < highWavelength { return 1 }
            if wavelength > lowWavelength { return Float(factor) }
            let smooth = (original / wavelength - low) / (high - low)
            return Float(1 / ((1 - smooth) / factor + smooth))
        }
    }
}

/// `SplitMix64` with Box–Muller normals: the same sequence on every machine.
struct SeededGenerator: RandomNumberGenerator {
    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    /// A uniform value in (0, 1].
    mutating func unit() -> Double { (Double(next() >> 11) + 1) / Double(1 << 53) }

    mutating func normal() -> Float {
        Float((-2 * log(unit())).squareRoot() * cos(2 * Double.pi * unit()))
    }
}
