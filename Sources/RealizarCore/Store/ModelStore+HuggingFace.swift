import Foundation

extension ModelStore {
    /// One file of a Hugging Face repository, as its tree API lists it.
    struct HubFile: Decodable {
        struct LFS: Decodable {
            let oid: String
            let size: Int
        }
        let type: String
        let path: String
        let size: Int?
        let lfs: LFS?

        /// The SHA-256 the Hub records for LFS files (git blob ids of small files are not SHA-256).
        var sha256: String? { lfs?.oid }
        var byteSize: Int? { lfs?.size ?? size }
    }

    /// `HF_ENDPOINT` (as huggingface_hub reads it) or the public Hub.
    static var hubEndpoint: String {
        let value = ProcessInfo.processInfo.environment["HF_ENDPOINT"] ?? "https://huggingface.co"
        return value.hasSuffix("/") ? String(value.dropLast()) : value
    }

    static var hubHeaders: [String: String] {
        let env = ProcessInfo.processInfo.environment
        var headers = ["User-Agent": "realizar"]
        if let token = env["HF_TOKEN"] ?? env["HUGGING_FACE_HUB_TOKEN"], !token.isEmpty {
            headers["Authorization"] = "Bearer \(token)"
        }
        return headers
    }

    /// Files of a safetensors repository that make a loadable model folder.
    static func isModelFolderFile(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasSuffix(".safetensors") || name == "model.safetensors.index.json" { return true }
        if name.hasSuffix(".json") && !path.contains("/") { return true }
        return path.hasPrefix("1_Pooling/") && name == "config.json"
    }

    /// Fetches a model from Hugging Face unless already present: one GGUF file (named, chosen by
    /// quantization tag, or the repository's only or Q4_K_M one), or, for a repository without
    /// GGUF files, the safetensors model folder.
    @discardableResult
    public func pull(_ reference: HuggingFaceReference, progress: @escaping PullProgress = { _ in }) throws -> URL {
        let fm = FileManager.default
        let repoFolder = modelsFolder.appendingPathComponent("hf/\(reference.owner)/\(reference.repo)")
        if let file = reference.file, fm.fileExists(atPath: repoFolder.appendingPathComponent(file).path),
           !file.hasSuffix(".partial") {
            return repoFolder.appendingPathComponent(file)
        }
        if reference.file == nil, fm.fileExists(atPath: repoFolder.appendingPathComponent("config.json").path) {
            return repoFolder
        }
        progress(.phase("looking up \(reference.repoID)"))
        let files = try listFiles(reference)
        let ggufs = files.filter { $0.path.lowercased().hasSuffix(".gguf") }

        if let wanted = reference.file ?? (ggufs.isEmpty ? nil : ggufs.count == 1 ? ggufs[0].path : "Q4_K_M") {
            let chosen = try Self.choose(wanted, among: files, ggufs: ggufs, repo: reference.repoID)
            let destination = repoFolder.appendingPathComponent(chosen.path)
            if fm.fileExists(atPath: destination.path) { return destination }
            try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try download(chosen, from: reference, to: destination, progress: progress)
            return destination
        }

        let wanted = files.filter { $0.type == "file" && Self.isModelFolderFile($0.path) }
        guard wanted.contains(where: { $0.path.hasSuffix(".safetensors") }) else {
            throw ModelStoreError.noMatchingFile(repo: reference.repoID, detail: "has neither GGUF nor safetensors files")
        }
        let staging = repoFolder.deletingLastPathComponent().appendingPathComponent("\(reference.repo).partial")
        for file in wanted {
            let destination = staging.appendingPathComponent(file.path)
            if fm.fileExists(atPath: destination.path) { continue }
            try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try download(file, from: reference, to: destination, progress: progress)
        }
        try Self.moveIntoPlace(staging, repoFolder)
        return repoFolder
    }

    static func choose(_ wanted: String, among files: [HubFile], ggufs: [HubFile], repo: String) throws -> HubFile {
        if let exact = files.first(where: { $0.path == wanted && $0.type == "file" }) { return exact }
        let tag = wanted.lowercased()
        let tagged = ggufs.filter { file in
            let name = file.path.lowercased()
            return name.contains(".\(tag).") || name.contains("-\(tag).") || name.contains("_\(tag).")
        }
        if tagged.count == 1 { return tagged[0] }
        let listing = ggufs.map(\.path).joined(separator: ", ")
        if tagged.isEmpty {
            throw ModelStoreError.noMatchingFile(repo: repo, detail: "no file matches '\(wanted)'; GGUF files: \(listing.isEmpty ? "none" : listing)")
        }
        throw ModelStoreError.noMatchingFile(repo: repo, detail: "'\(wanted)' matches several files: \(tagged.map(\.path).joined(separator: ", "))")
    }

    func listFiles(_ reference: HuggingFaceReference) throws -> [HubFile] {
        guard let url = URL(string: "\(Self.hubEndpoint)/api/models/\(reference.repoID)/tree/main?recursive=true") else {
            throw ModelStoreError.transportFailed("bad Hub endpoint \(Self.hubEndpoint)")
        }
        let response = try HTTPClient.get(url, headers: Self.hubHeaders)
        guard response.status == 200 else {
            let detail = response.status == 404 ? "repository not found" : String(decoding: response.body.prefix(200), as: UTF8.self)
            throw ModelStoreError.httpStatus(url: url.absoluteString, status: response.status, detail: detail)
        }
        do {
            let files = try JSONDecoder().decode([HubFile].self, from: response.body)
            // The listing comes from the network: its paths become file names in the store, and
            // its digests are compared with and recorded beside the files.
            for file in files where file.path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) || file.path.hasPrefix("/")
                || file.path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) {
                throw ModelStoreError.transportFailed("\(reference.repoID): the Hub listed an unsafe path \(file.path.debugDescription)")
            }
            for file in files {
                if let digest = file.sha256, !(digest.utf8.count == 64 && digest.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })) {
                    throw ModelStoreError.transportFailed("\(reference.repoID): the Hub listed \(digest.debugDescription) as the SHA-256 of \(file.path); a digest is 64 lowercase hex digits")
                }
            }
            return files
        } catch let error as ModelStoreError {
            throw error
        } catch {
            throw ModelStoreError.transportFailed("\(url.absoluteString): unexpected file listing (\(error))")
        }
    }

    /// Downloads one file to `<destination>.partial` (resuming what an earlier attempt left there),
    /// checks size and SHA-256, then renames it into place.
    func download(_ file: HubFile, from reference: HuggingFaceReference, to destination: URL, progress: @escaping PullProgress) throws {
        let encodedPath = file.path.split(separator: "/")
            .map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0) }
            .joined(separator: "/")
        guard let url = URL(string: "\(Self.hubEndpoint)/\(reference.repoID)/resolve/main/\(encodedPath)") else {
            throw ModelStoreError.transportFailed("cannot build a URL for \(file.path)")
        }
        let partial = URL(fileURLWithPath: destination.path + ".partial")
        progress(.phase("downloading \(reference.repoID)/\(file.path)" + (file.byteSize.map { " (\(ByteCount.format($0)))" } ?? "")))
        var status = try HTTPClient.download(url, headers: Self.hubHeaders, to: partial, progress: progress)
        if status == 416 {
            // The partial file is not a prefix the server can continue: start over once.
            try? FileManager.default.removeItem(at: partial)
            status = try HTTPClient.download(url, headers: Self.hubHeaders, to: partial, progress: progress)
        }
        guard status == 200 || status == 206 else {
            try? FileManager.default.removeItem(at: partial)
            throw ModelStoreError.httpStatus(url: url.absoluteString, status: status, detail: "")
        }
        progress(.phase("verifying \(file.path)"))
        try Self.verify(partial, name: file.path, size: file.byteSize, sha256: file.sha256, progress: progress)
        try Self.moveIntoPlace(partial, destination)
    }
}
