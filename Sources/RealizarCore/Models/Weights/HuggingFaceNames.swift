/// How an architecture's tensors are named in a Hugging Face checkpoint: the pairs llama.cpp's
/// converter maps, both ways (loading a folder, and `export-safetensors` writing one).
///
/// Per-block names are modules without the block prefix and the `.weight`/`.bias` suffix:
/// `self_attn.q_proj` ↔ `attn_q` stands for `model.layers.N.self_attn.q_proj.weight` ↔
/// `blk.N.attn_q.weight`.
public struct HuggingFaceNames: Sendable {
    /// Whole names outside the blocks, checkpoint name first.
    public var global: [(String, String)]
    /// Per-block modules, checkpoint module first.
    public var block: [(String, String)]
    /// The checkpoint's block prefix (`model.layers.`, `encoder.layer.`).
    public var blockPrefix: String
    /// Checkpoint tensors no computation reads (BERT's pooler, position-id buffers), by suffix.
    public var unused: [String]
    /// llama.cpp names whose values the converter changes, and how.
    public var transforms: [String: HuggingFaceTensor.Transform]

    public init(global: [(String, String)], block: [(String, String)], blockPrefix: String = "model.layers.",
                unused: [String] = ["rotary_emb.inv_freq"], transforms: [String: HuggingFaceTensor.Transform] = [:]) {
        self.global = global
        self.block = block
        self.blockPrefix = blockPrefix
        self.unused = unused
        self.transforms = transforms
    }

    /// The names Llama-shaped decoders share (`model.layers.N.self_attn.q_proj.weight`, ...).
    public static let decoder = HuggingFaceNames(
        global: [("model.embed_tokens.weight", "token_embd.weight"), ("model.norm.weight", "output_norm.weight"),
                 ("lm_head.weight", "output.weight")],
        block: [("input_layernorm", "attn_norm"), ("post_attention_layernorm", "ffn_norm"),
                ("self_attn.q_proj", "attn_q"), ("self_attn.k_proj", "attn_k"), ("self_attn.v_proj", "attn_v"),
                ("self_attn.o_proj", "attn_output"), ("self_attn.q_norm", "attn_q_norm"), ("self_attn.k_norm", "attn_k_norm"),
                ("mlp.gate_proj", "ffn_gate"), ("mlp.up_proj", "ffn_up"), ("mlp.down_proj", "ffn_down")])

    /// These names with the per-block pairs of `replacing` put in place of (or beside) the ones of
    /// the same checkpoint module.
    public func replacing(block pairs: [(String, String)]) -> HuggingFaceNames {
        var copy = self
        let replaced = Set(pairs.map(\.0))
        copy.block = block.filter { !replaced.contains($0.0) } + pairs
        return copy
    }

    /// How the checkpoint tensor `name` enters the engine, or nil for a name this architecture
    /// does not know (the load is refused, naming it).
    public func tensor(checkpointName name: String) -> HuggingFaceTensor? {
        if unused.contains(where: { name.hasSuffix($0) }) { return .unused }
        let mapped: String?
        if let pair = global.first(where: { $0.0 == name }) {
            mapped = pair.1
        } else {
            mapped = Self.split(name, prefix: blockPrefix).flatMap { block, module, suffix in
                self.block.first { $0.0 == module }.map { "blk.\(block).\($0.1).\(suffix)" }
            }
        }
        return mapped.map { .renamed($0, transform(of: $0)) }
    }

    /// The checkpoint name of the llama.cpp tensor `name`, or nil when the checkpoint has none.
    /// Where several checkpoint modules load as one llama.cpp module (Phi-3's `mlp.gate_up_proj`
    /// beside the shared `mlp.up_proj`), the architecture's own pair, which `replacing` appends
    /// last, is the one its checkpoints use.
    public func checkpointName(of name: String) -> String? {
        if let pair = global.last(where: { $0.1 == name }) { return pair.0 }
        return Self.split(name, prefix: "blk.").flatMap { block, module, suffix in
            self.block.last { $0.1 == module }.map { "\(blockPrefix)\(block).\($0.0).\(suffix)" }
        }
    }

    /// The transform of `name`: looked up by its block-free form (`blk.*.attn_norm.weight`).
    public func transform(of name: String) -> HuggingFaceTensor.Transform {
        transforms[Self.transformKey(name)] ?? .none
    }

    private static func transformKey(_ name: String) -> String {
        guard let (_, module, suffix) = split(name, prefix: "blk.") else { return name }
        return "blk.*.\(module).\(suffix)"
    }

    /// `<prefix><N>.<module>.<weight|bias>` as its three parts.
    private static func split(_ name: String, prefix: String) -> (Int, String, String)? {
        guard name.hasPrefix(prefix) else { return nil }
        let tail = name.dropFirst(prefix.count)
        guard let dot = tail.firstIndex(of: "."), let block = Int(tail[..<dot]), block >= 0, block < 1 << 16 else { return nil }
        let rest = tail[tail.index(after: dot)...]
        guard let last = rest.lastIndex(of: ".") else { return nil }
        let suffix = String(rest[rest.index(after: last)...])
        guard suffix == "weight" || suffix == "bias" else { return nil }
        return (block, String(rest[..<last]), suffix)
    }
}

/// How one tensor of a Hugging Face checkpoint enters the engine.
public struct HuggingFaceTensor: Sendable, Equatable {
    public enum Transform: Sendable, Equatable {
        case none
        /// Gemma's norms multiply by `1 + w`, the engine's by `w`: llama.cpp's converter adds 1.
        case addOne
    }

    /// The llama.cpp name; nil for a tensor no computation reads.
    public let name: String?
    public let transform: Transform

    public static func renamed(_ name: String, _ transform: Transform = .none) -> HuggingFaceTensor {
        HuggingFaceTensor(name: name, transform: transform)
    }

    public static let unused = HuggingFaceTensor(name: nil, transform: .none)
}
