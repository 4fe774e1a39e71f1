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

    /// The forward pass of `file`'s model, with every tensor found and checked.
    public static func graph(_ file: GGUFFile) throws -> ModelGraph {
        let architecture = try architecture(of: file)
        let configuration = try architecture.configuration(file)
        var builder = GraphBuilder(configuration: configuration, weights: WeightLoader(source: file, architecture: file.architecture!))
        try architecture.build(configuration, &builder)
        return try builder.finish()
    }

    /// Loads `file`'s model onto `backend` (the CPU with every thread by default).
    public static func load(_ file: GGUFFile, threads: Int? = nil, backend: (any Backend)? = nil) throws -> DecoderModel {
        let graph = try graph(file)
        return try DecoderModel(graph: graph, weights: file, backend: backend ?? CPUBackend(threads: threads))
    }

    /// Loads `file`'s model onto the first of `backends` that computes every operation of its
    /// graph; the last is used regardless, so a model none computes is refused with its reason.
    public static func load(_ file: GGUFFile, preferring backends: [any Backend]) throws -> DecoderModel {
        precondition(!backends.isEmpty, "at least one backend")
        let graph = try graph(file)
        let backend = backends.first { backend in graph.operations.allSatisfy { backend.supports($0, in: graph) } } ?? backends.last!
        return try DecoderModel(graph: graph, weights: file, backend: backend)
    }
}
