import Foundation

/// A Hugging Face model folder: `config.json`, the safetensors weights (one file or shards
/// through `model.safetensors.index.json`), and whichever of the tokenizer and
/// sentence-transformers files it has.
public struct HuggingFaceFolder: Sendable {
    public let path: String
    public let config: HuggingFaceConfig
    public let checkpoint: SafetensorsCheckpoint

    /// Whether `path` is a folder holding a `config.json` (how a model argument is told apart
    /// from a GGUF file).
    public static func isModelFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
            && FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("config.json"))
    }

    public init(path: String) throws {
        self.path = path
        guard Self.isModelFolder(path) else {
            throw FormatError(path: path, problem: "is not a Hugging Face model folder (it needs config.json and safetensors weights)")
        }
        config = try HuggingFaceConfig(path: (path as NSString).appendingPathComponent("config.json"))
        checkpoint = try SafetensorsCheckpoint(path: path)
    }

    /// The folder's name, as model names and messages use it.
    public var name: String { (path as NSString).lastPathComponent }

    /// The path of `file` inside the folder when it exists.
    public func file(_ file: String) -> String? {
        let full = (path as NSString).appendingPathComponent(file)
        return FileManager.default.fileExists(atPath: full) ? full : nil
    }

    /// A JSON file of the folder, when it exists.
    public func json(_ file: String) throws -> HuggingFaceConfig? {
        try self.file(file).map { try HuggingFaceConfig(path: $0) }
    }

    /// Bytes of the weights.
    public var weightBytes: Int { checkpoint.shards.reduce(0) { $0 + $1.file.size } }
}
