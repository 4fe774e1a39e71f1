import Foundation

extension ModelStore {
    /// Turns what a user typed into a model's location: an existing file or folder path as it is,
    /// a catalog name (pulled on first use), or `hf:OWNER/REPO[:FILE]` (pulled on first use).
    public func resolve(_ nameOrPath: String, progress: @escaping PullProgress = { _ in }) throws -> URL {
        let expanded = (nameOrPath as NSString).expandingTildeInPath
        if FileManager.default.fileExists(atPath: expanded) {
            return URL(fileURLWithPath: expanded)
        }
        if let model = CatalogModel.named(nameOrPath) {
            return try pull(model, progress: progress)
        }
        if let reference = HuggingFaceReference(nameOrPath) {
            return try pull(reference, progress: progress)
        }
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".gguf") || nameOrPath.hasSuffix(".safetensors") {
            throw ModelStoreError.transportFailed("no such file or folder: \(nameOrPath)")
        }
        throw ModelStoreError.unknownModel(nameOrPath, available: CatalogModel.all.map(\.name))
    }
}
