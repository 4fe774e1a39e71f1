import Foundation

/// The forward pass of a model as a fixed sequence of typed operations over named tensors: what
/// an architecture file describes once at load and a `Backend` computes for every batch.
///
/// The graph knows shapes and weights but no memory: a tensor is a width and a row kind, a weight
/// is a name in the model's `TensorSource`. The same graph runs a one-token decode step or a
/// 512-token prompt; only the pass's inputs (tokens, positions, caches) change, so a backend may
/// capture it once per batch shape and replay it.
public struct ModelGraph: Sendable {
    /// Hyper-parameters of the model, as `info` and `/api/show` report them.
    public var description: DecoderArchitecture
    public internal(set) var tensors: [TensorSpec] = []
    public internal(set) var matrices: [MatrixSpec] = []
    public internal(set) var vectors: [VectorSpec] = []
    public internal(set) var rotations: [RotaryEmbedding] = []
    public internal(set) var operations: [GraphOperation] = []
    /// Shape of the KV cache every sequence needs: one key and one value row per position and layer.
    public internal(set) var cacheLayers = 0
    public internal(set) var cacheRowWidth = 0
    /// Rows of the output projection: the logits per requested row.
    public internal(set) var vocabularySize = 0
    /// Rows of the token embedding table: valid token ids are below it.
    public internal(set) var tokenCount = 0
    /// Positions a learned position table holds (nil without one).
    public internal(set) var positionLimit: Int?
    /// What the pass ends in: next-token logits, or the final hidden states of the rows (an
    /// encoder's, or a decoder built for embeddings); `vocabularySize` is then the model width.
    public internal(set) var output: Output = .logits

    public enum Output: Sendable, Equatable {
        case logits
        case hiddenStates
    }

    public init(description: DecoderArchitecture) {
        self.description = description
    }
}

/// A tensor of the pass: `width` floats per row, one row per batch token or per logits row.
public struct TensorSpec: Sendable, Equatable {
    public enum Rows: Sendable, Equatable {
        /// One row per token of the pass.
        case batch
        /// One row per token whose logits were asked for.
        case selected
    }

    public let name: String
    public let width: Int
    public let rows: Rows
}

/// A handle on a tensor of the graph.
public struct TensorRef: Hashable, Sendable {
    public let index: Int
}

/// A weight matrix as the source holds it: `rows` outputs of `columns` inputs in blocks of `type`.
public struct MatrixSpec: Sendable, Equatable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int

    /// Bytes of the matrix in its block format.
    public var byteCount: Int { type.byteCount(forElements: columns)! * rows }
}

/// A handle on a weight matrix of the graph.
public struct MatrixRef: Hashable, Sendable {
    public let index: Int
}

/// A parameter vector (norm weights, biases, RoPE frequency factors), used as f32.
public struct VectorSpec: Sendable, Equatable {
    public let name: String
    public let count: Int
}

/// A handle on a parameter vector of the graph.
public struct VectorRef: Hashable, Sendable {
    public let index: Int
}

/// How RoPE turns a position into angles; a graph has one per distinct setting (Gemma 3: global
/// and sliding-window layers differ in base).
public struct RotaryEmbedding: Sendable, Equatable {
    /// Which pairs of a head's dimensions rotate together.
    public var style: DecoderArchitecture.RotaryStyle
    /// RoPE rotates the first `dimensions` of each head.
    public var dimensions: Int
    public var base: Float
    /// Linear scaling: positions are divided by it.
    public var scale: Float = 1
    /// Per-pair divisors of the frequencies at every position (Llama 3.1's `rope_freqs`).
    public var factors: VectorRef?
    /// LongRoPE (Phi-3 128k): per-pair divisors for sequences whose context is at most
    /// `originalContext`, and for longer ones.
    public var shortFactors: VectorRef?
    public var longFactors: VectorRef?
    public var originalContext: Int = .max
    /// Cosines and sines are multiplied by this (llama.cpp's `attn_factor`).
    public var magnitude: Float = 1

    public init(style: DecoderArchitecture.RotaryStyle, dimensions: Int, base: Float, scale: Float = 1) {
        self.style = style
        self.dimensions = dimensions
        self.base = base
        self.scale = scale
    }

    /// The divisors a sequence with a cache of `capacity` positions uses, if any.
    public func factors(capacity: Int) -> VectorRef? {
        factors ?? (capacity > originalContext ? longFactors : shortFactors)
    }

    /// The cosines and sines of each rotated pair at `position` (`dimensions / 2` each), `factors`
    /// the values of `factors(capacity:)`. Formed in float64 and rounded once: in f32 the angle
    /// alone is off by ~1e-7·θ, 1e-3 at 10k positions.
    public func angles(position: Int, factors: [Float]?, cosines: UnsafeMutablePointer<Float>, sines: UnsafeMutablePointer<Float>) {
        let p = Double(position) / Double(scale)
        for i in 0..<(dimensions / 2) {
            let theta = p * pow(Double(base), -2 * Double(i) / Double(dimensions)) / Double(factors?[i] ?? 1)
            cosines[i] = Float(cos(theta)) * magnitude
            sines[i] = Float(sin(theta)) * magnitude
        }
    }
}

/// A handle on a RoPE setting of the graph.
public struct RotaryRef: Hashable, Sendable {
    public let index: Int
}

/// What one attention layer computes, beyond its tensors.
public struct AttentionShape: Sendable, Equatable {
    public var heads: Int
    public var kvHeads: Int
    public var headDimension: Int
    /// Scores are multiplied by this (usually 1/sqrt(head dimension)).
    public var scale: Float
    /// Keys older than this many positions are invisible (sliding-window layers).
    public var window: Int?
    /// Scores are squashed by tanh(s / cap) · cap before the softmax (Gemma 2).
    public var softCap: Float?
    /// Whether a row sees only the positions up to its own (a decoder), or every position its
    /// sequence holds once the pass has stored its keys (an encoder such as BERT).
    public var causal = true

    public init(heads: Int, kvHeads: Int, headDimension: Int, scale: Float, window: Int? = nil, softCap: Float? = nil) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDimension = headDimension
        self.scale = scale
        self.window = window
        self.softCap = softCap
    }
}

/// A mixture-of-experts block: `router` scores `experts` experts per row (softmax); the `used`
/// best run `down_e · (act(gate_e · x) ⊙ up_e · x)`, weighted by their probabilities
/// (renormalised over the chosen ones when `normalizeWeights`). Expert matrices are stacked:
/// expert `e` owns rows `e·hidden ..< (e+1)·hidden` of `gate` and `up`, and `e·width ..< (e+1)·width`
/// of `down`.
public struct MixtureOfExperts: Sendable, Equatable {
    public var input: TensorRef
    public var output: TensorRef
    public var router: MatrixRef
    public var gate: MatrixRef
    public var up: MatrixRef
    public var down: MatrixRef
    public var experts: Int
    public var used: Int
    public var hidden: Int
    public var activation: Activation
    public var normalizeWeights: Bool
}

/// The activations a feed-forward block may use.
public enum Activation: Sendable, Equatable {
    case silu
    /// GELU with the tanh approximation (`gelu_pytorch_tanh`).
    case geluTanh
    /// GELU with the exact error function (BERT's `gelu`).
    case gelu
}

/// One step of the forward pass. Outputs are written in place of what the tensor held.
public enum GraphOperation: Sendable, Equatable {
    /// Each row ← its token's row of `table`, plus its position's row of `positions` when given.
    case embed(table: MatrixRef, positions: MatrixRef?, output: TensorRef)
    /// `tensor[i] ← tensor[i] · factor`.
    case scale(TensorRef, factor: Float)
    /// `tensor[t] += table[row]` for every row (BERT's token-type embedding of a single text).
    case addRow(TensorRef, table: MatrixRef, row: Int)
    /// Each group of `groupWidth` values of `input` (a row, or a head), divided by its root mean
    /// square and multiplied by `weight`, written to `output`.
    case rmsNorm(input: TensorRef, output: TensorRef, weight: VectorRef, groupWidth: Int, epsilon: Float)
    /// Each row of `input` less its mean, divided by its standard deviation, times `weight` plus
    /// `bias`, written to `output`.
    case layerNorm(input: TensorRef, output: TensorRef, weight: VectorRef, bias: VectorRef, epsilon: Float)
    /// `output_j[t] = W_j · input[t]` for matrices that read the same input (their activation
    /// quantization is shared).
    case matmul(input: TensorRef, products: [MatrixProduct])
    /// `tensor[t] += bias` for every row.
    case addBias(TensorRef, bias: VectorRef)
    /// `output[t] ← input[t][offset ..< offset + output.width]`.
    case slice(input: TensorRef, offset: Int, output: TensorRef)
    /// Rotates `heads` heads of each row by the row's position.
    case rope(TensorRef, heads: Int, headDimension: Int, rotation: RotaryRef)
    /// Appends each row's key and value to its sequence's cache for `layer`.
    case storeKV(layer: Int, keys: TensorRef, values: TensorRef)
    /// Each row's queries attend over its sequence's cached keys and values of `layer`.
    case attention(layer: Int, queries: TensorRef, output: TensorRef, shape: AttentionShape)
    /// `tensor += addend`.
    case add(TensorRef, TensorRef)
    /// `values ← act(gate) · values`, or `act(values)` without a gate.
    case activate(Activation, gate: TensorRef?, values: TensorRef)
    /// `output` ← the rows of `input` whose logits were asked for, in order.
    case selectRows(input: TensorRef, output: TensorRef)
    /// `tensor[i] ← tanh(tensor[i] / cap) · cap`.
    case softCap(TensorRef, cap: Float)
    /// A mixture-of-experts feed-forward block: a router picks each row's experts, whose gated
    /// feed-forward outputs are summed by the router's weights into `output`.
    case mixtureOfExperts(MixtureOfExperts)

    public struct MatrixProduct: Sendable, Equatable {
        public let weight: MatrixRef
        public let output: TensorRef
    }
}

extension ModelGraph {
    /// The tensor the logits end in: `vocabularySize` floats per selected row. Every graph has it.
    public static let logits = TensorRef(index: 0)

    public func spec(_ tensor: TensorRef) -> TensorSpec { tensors[tensor.index] }
    public func spec(_ matrix: MatrixRef) -> MatrixSpec { matrices[matrix.index] }
    public func spec(_ vector: VectorRef) -> VectorSpec { vectors[vector.index] }

    /// Weight bytes one generated token reads: every matrix but the embedding tables, whose rows
    /// are looked up (a tied output projection counts once, as the output).
    public var bytesPerToken: Int {
        var multiplied = Set<MatrixRef>()
        var expertBytes = 0
        for operation in operations {
            switch operation {
            case .matmul(_, let products):
                for product in products { multiplied.insert(product.weight) }
            case .mixtureOfExperts(let moe):
                // A token reads its chosen experts' share of the stacked matrices.
                multiplied.insert(moe.router)
                let share = Double(moe.used) / Double(moe.experts)
                expertBytes += [moe.gate, moe.up, moe.down].map { Int(Double(bytes(of: $0)) * share) }.reduce(0, +)
            default: break
            }
        }
        return multiplied.map(bytes(of:)).reduce(0, +) + expertBytes
    }

    private func bytes(of matrix: MatrixRef) -> Int { matrices[matrix.index].byteCount }
}
