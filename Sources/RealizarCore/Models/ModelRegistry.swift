/// The architectures Realizar runs, by GGUF `general.architecture`. Adding one is adding a file
/// in `Models/Architectures/` and a line here.
public enum ModelRegistry {
    static let architectures: [any Architecture.Type] = [
        Gemma3.self,
        Gemma2.self,
        Llama.self,
        Qwen.self,
        Qwen3MoE.self,
        Phi3.self,
        GPT2.self,
        Bert.self,
    ]

    public static var supportedArchitectures: [String] { architectures.flatMap { $0.names }.sorted() }

    static func architecture(of file: GGUFFile) throws -> any Architecture.Type {
        guard let name = file.architecture else {
            throw ModelError("\(file.file.fileName): general.architecture is missing")
        }
        guard let found = architectures.first(where: { $0.names.contains(name) }) else {
            throw ModelError("\(file.file.fileName): architecture \(name) is not supported (supported: \(supportedArchitectures.joined(separator: ", ")))")
        }
        return found
    }

    /// The hyper-parameters the engine runs `file` with (what `info` and `/api/show` report).
    public static func configuration(_ file: GGUFFile) throws -> DecoderArchitecture {
        try architecture(of: file).configuration(file)
    }

    /// The forward pass of `file`'s model, with every tensor found and checked; ending in logits,
    /// or in the final hidden states for embeddings.
    public static func graph(_ file: GGUFFile, output: ModelGraph.Output = .logits) throws -> ModelGraph {
        let architecture = try architecture(of: file)
        return try graph(architecture, try architecture.configuration(file), source: file, output: output)
    }

    static func graph(_ architecture: any Architecture.Type, _ configuration: DecoderArchitecture, source: any TensorSource,
                      output: ModelGraph.Output) throws -> ModelGraph {
        var builder = GraphBuilder(configuration: configuration, weights: WeightLoader(source: source, architecture: configuration.name),
                                   output: output)
        try architecture.build(configuration, &builder)
        return try builder.finish()
    }

    public static var huggingFaceTypes: [String] { architectures.flatMap { $0.huggingFaceTypes }.sorted() }

    /// The architecture a model folder's `config.json` names (`model_type`).
    static func architecture(of folder: HuggingFaceFolder) throws -> any Architecture.Type {
        guard let type = try folder.config.optionalString("model_type") else {
            throw FormatError(path: folder.config.path, field: "model_type", problem: "is missing")
        }
        guard let found = architectures.first(where: { $0.huggingFaceTypes.contains(type) }) else {
            throw FormatError(path: folder.config.path, field: "model_type",
                              problem: "\(type) is not supported from a folder (supported: \(huggingFaceTypes.joined(separator: ", ")))")
        }
        return found
    }

    /// A model folder's configuration, its weights under the architecture's llama.cpp names
    /// (matrices quantized to `quantize` when given), and the forward pass over them.
    public static func load(folder: HuggingFaceFolder, quantize: GGMLType? = nil, output: ModelGraph.Output = .logits)
        throws -> (graph: ModelGraph, weights: SafetensorsTensorSource) {
        let architecture = try architecture(of: folder)
        let configuration = try architecture.configuration(huggingFace: folder.config)
        let source = try SafetensorsTensorSource(
            checkpoint: folder.checkpoint, name: folder.name, names: architecture.huggingFaceNames, architecture: configuration.name,
            quantize: quantize, extra: try architecture.derivedTensors(huggingFace: folder.config, configuration))
        return (try graph(architecture, configuration, source: source, output: output), source)
    }

    /// The configuration of a folder's model (what `info` reports).
    public static func configuration(folder: HuggingFaceFolder) throws -> DecoderArchitecture {
        try architecture(of: folder).configuration(huggingFace: folder.config)
    }

    /// The architecture's names in a Hugging Face checkpoint (for `export-safetensors`).
    public static func huggingFaceNames(architecture name: String) -> HuggingFaceNames? {
        architectures.first { $0.names.contains(name) && !$0.huggingFaceTypes.isEmpty }?.huggingFaceNames
    }

    /// Loads `file`'s model onto `backend` (the CPU with every thread by default).
    public static func load(_ file: GGUFFile, threads: Int? = nil, backend: (any Backend)? = nil) throws -> DecoderModel {
        let graph = try graph(file)
        return try DecoderModel(graph: graph, weights: file, backend: backend ?? CPUBackend(threads: threads))
    }

    /// Loads `file`'s model onto the first of `backends` that computes every operation of its
    /// graph; the last is used regardless, so a model none computes is refused with its reason.
    public static func load(_ file: GGUFFile, preferring backends: [any Backend], output: ModelGraph.Output = .logits) throws -> DecoderModel {
        try load(try graph(file, output: output), weights: file, preferring: backends)
    }

    /// Places `graph` on the first of `backends` that computes every operation of it; the last
    /// is used regardless, so a model none computes is refused with its reason.
    public static func load(_ graph: ModelGraph, weights: any TensorSource, preferring backends: [any Backend]) throws -> DecoderModel {
        precondition(!backends.isEmpty, "at least one backend")
        let backend = backends.first { backend in graph.operations.allSatisfy { backend.supports($0, in: graph) } } ?? backends.last!
        return try DecoderModel(graph: graph, weights: weights, backend: backend)
    }
}
