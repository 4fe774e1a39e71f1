/// Records an architecture's forward pass as a `ModelGraph`: architecture files declare weights
/// through `weights` and append operations, mostly through the shared layer builders
/// (`LayerBuilders.swift`).
///
/// Tensors are named scratch: asking twice for the same name gives the same tensor, so every
/// layer reuses the previous layer's buffers, as a hand-written forward pass would.
public struct GraphBuilder {
    public let weights: WeightLoader
    public let configuration: DecoderArchitecture
    /// Whether the graph ends in hidden states rather than logits (a decoder run for embeddings).
    public let outputsHiddenStates: Bool
    var graph: ModelGraph
    private var tensorIndex: [String: TensorRef] = [:]

    init(configuration: DecoderArchitecture, weights: WeightLoader, output: ModelGraph.Output = .logits) {
        self.configuration = configuration
        outputsHiddenStates = output == .hiddenStates
        self.weights = weights
        graph = ModelGraph(description: configuration)
        graph.tensors = [TensorSpec(name: "logits", width: 0, rows: .selected)]
    }

    /// The scratch tensor called `name`, `width` floats per row.
    public mutating func tensor(_ name: String, width: Int, rows: TensorSpec.Rows = .batch) -> TensorRef {
        if let known = tensorIndex[name] {
            precondition(graph.tensors[known.index].width == width && graph.tensors[known.index].rows == rows,
                         "tensor \(name) asked for with two shapes")
            return known
        }
        let ref = TensorRef(index: graph.tensors.count)
        graph.tensors.append(TensorSpec(name: name, width: width, rows: rows))
        tensorIndex[name] = ref
        return ref
    }

    /// A RoPE setting, shared by every layer that asks for the same one.
    public mutating func rotation(_ rotation: RotaryEmbedding) -> RotaryRef {
        if let index = graph.rotations.firstIndex(of: rotation) { return RotaryRef(index: index) }
        graph.rotations.append(rotation)
        return RotaryRef(index: graph.rotations.count - 1)
    }

    public mutating func append(_ operation: GraphOperation) {
        graph.operations.append(operation)
    }

    public func width(of tensor: TensorRef) -> Int { graph.tensors[tensor.index].width }

    /// Declares the KV cache every sequence needs.
    public mutating func cache(layers: Int, rowWidth: Int) {
        graph.cacheLayers = layers
        graph.cacheRowWidth = rowWidth
    }

    /// The graph, with the weights it uses; fails if the source holds tensors it did not use.
    mutating func finish() throws -> ModelGraph {
        try weights.checkEverythingUsed()
        guard graph.vocabularySize > 0 else { throw ModelError("\(weights.source.sourceName): the architecture built no output layer") }
        graph.matrices = weights.matrices
        graph.vectors = weights.vectors
        return graph
    }
}
