/// The architectures Realizar runs, by GGUF `general.architecture`. Adding one is adding a file
/// in `Models/` and a line here.
public enum ModelRegistry {
    static let architectures: [String: @Sendable (GGUFFile) throws -> DecoderArchitecture] = [
        "gemma3": Gemma3.architecture,
        "llama": Llama.architecture,
        "mistral": Llama.architecture,
        "qwen2": Qwen.architecture,
        "qwen3": Qwen.architecture,
        "phi3": Phi3.architecture,
        "gpt2": GPT2.architecture,
    ]

    public static var supportedArchitectures: [String] { architectures.keys.sorted() }

    /// Reads the hyper-parameters and finds every tensor of a decoder model.
    public static func load(_ file: GGUFFile, threads: Int? = nil) throws -> DecoderModel {
        guard let name = file.architecture else {
            throw ModelError("\(file.file.fileName): general.architecture is missing")
        }
        guard let make = architectures[name] else {
            throw ModelError("\(file.file.fileName): architecture \(name) is not supported (supported: \(supportedArchitectures.joined(separator: ", ")))")
        }
        let architecture = try make(file)
        if let threads { return try DecoderModel(file: file, architecture: architecture, threads: threads) }
        return try DecoderModel(file: file, architecture: architecture)
    }
}
