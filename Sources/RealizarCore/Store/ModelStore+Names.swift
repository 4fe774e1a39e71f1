import Foundation

extension ModelStore {
    /// Refuses a model name that could reach outside the store when it becomes a path: an
    /// absolute or home path, a `..` component, a backslash or NUL, or an `hf:` reference that
    /// does not parse (`hf:../../x`). Servers call this on every name a request sends; the command
    /// line may still name files and folders by path.
    public static func validateRequestName(_ name: String) throws {
        func refuse(_ reason: String) -> ModelStoreError { .invalidName(name, reason: reason) }
        guard !name.isEmpty else { throw refuse("the name is empty") }
        guard name.count <= 512 else { throw refuse("the name is longer than 512 characters") }
        guard !name.contains("\0"), !name.contains("\\") else { throw refuse("it contains a NUL or a backslash") }
        // Names reach log lines, URLs and file names; a newline or escape could forge any of them.
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { throw refuse("it contains a control character") }
        guard !name.hasPrefix("/"), !name.hasPrefix("~") else { throw refuse("it is a path; name a model in the store") }
        let components = name.split(whereSeparator: { $0 == "/" || $0 == ":" }).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !components.contains("..") else { throw refuse("it has a '..' component") }
        if Self.looksLikeHuggingFace(name), HuggingFaceReference(name) == nil {
            throw refuse("it is not a valid hf:OWNER/REPO[:FILE] reference")
        }
    }

    static func looksLikeHuggingFace(_ name: String) -> Bool {
        ["hf:", "hf.co/", "huggingface.co/", "https://huggingface.co/"].contains { name.hasPrefix($0) }
    }

    /// A name as Ollama clients send it, without the `:latest` tag they add, lowercased (catalog
    /// names and aliases are case-insensitive). `hf:` references keep their case and their tag.
    public static func canonicalName(_ name: String) -> String {
        if looksLikeHuggingFace(name) { return name }
        var key = name.lowercased()
        if key.hasSuffix(":latest") { key.removeLast(":latest".count) }
        return key
    }

    // MARK: Aliases

    var aliasesFile: URL { root.appendingPathComponent("aliases.json") }

    /// Names given to models by `copy`: alias → the model's own name (a catalog name or `hf:`
    /// reference). Kept in `aliases.json` in the store's root; no file is copied.
    public func aliases() -> [String: String] {
        guard let data = try? Data(contentsOf: aliasesFile) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }

    private func saveAliases(_ aliases: [String: String]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try encoder.encode(aliases).write(to: aliasesFile, options: .atomic)
    }

    /// Whether `name` is usable as an alias: `[namespace/]model[:tag]` with letters, digits, `.`,
    /// `_` and `-`, and not a catalog name or `hf:` reference (those name real models).
    static func checkAliasName(_ name: String) throws {
        try validateRequestName(name)
        guard !looksLikeHuggingFace(name), CatalogModel.named(name) == nil else {
            throw ModelStoreError.invalidName(name, reason: "it is the name of a model Realizar can pull")
        }
        let (path, tag) = name.firstIndex(of: ":").map { (name[..<$0], name[name.index(after: $0)...]) } ?? (Substring(name), "")
        func valid(_ part: Substring) -> Bool {
            !part.isEmpty && part != "." && part != ".." && part.count <= 128
                && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 3, parts.allSatisfy(valid), tag.isEmpty || valid(tag) else {
            throw ModelStoreError.invalidName(name, reason: "an alias is [NAMESPACE/]MODEL[:TAG] of letters, digits, '.', '_' and '-'")
        }
    }

    /// The model's own name for `name`: an alias's target, else `name` itself (canonical form).
    public func ownName(_ name: String) -> String {
        let key = Self.canonicalName(name)
        return aliases()[key] ?? key
    }

    /// Gives the model called `source` (present in the store, or an alias of one) the further name
    /// `destination`, as `ollama cp` does. An existing alias of that name is replaced.
    public func copy(_ source: String, to destination: String) throws {
        try Self.validateRequestName(source)
        try Self.checkAliasName(destination)
        let target = ownName(source)
        guard presentLocation(of: target) != nil else { throw ModelStoreError.notPulled(source) }
        var all = aliases()
        all[Self.canonicalName(destination)] = target
        try saveAliases(all)
    }

    /// Removes an alias; false when `name` is not one.
    func removeAlias(_ name: String) throws -> Bool {
        var all = aliases()
        guard all.removeValue(forKey: Self.canonicalName(name)) != nil else { return false }
        try saveAliases(all)
        return true
    }

    /// Removes every alias of the model called `target`.
    func removeAliases(of target: String) throws {
        let all = aliases()
        let kept = all.filter { $0.value != target }
        if kept.count != all.count { try saveAliases(kept) }
    }

    /// Where the store holds the model called `name` (a catalog name, `hf:` reference or alias),
    /// without pulling anything; nil when it is not present.
    public func presentLocation(of name: String) -> URL? {
        let own = ownName(name)
        let fm = FileManager.default
        if let model = CatalogModel.named(own) { return isPulled(model) ? location(of: model) : nil }
        guard let reference = HuggingFaceReference(own) else { return nil }
        let repoFolder = modelsFolder.appendingPathComponent("hf/\(reference.owner)/\(reference.repo)")
        if let file = reference.file {
            // A quantization tag names the one GGUF file carrying it, as `pull` chose it.
            let exact = repoFolder.appendingPathComponent(file)
            if !file.hasSuffix(".partial"), fm.fileExists(atPath: exact.path) { return exact }
            let tag = file.lowercased()
            let tagged = ((try? fm.contentsOfDirectory(atPath: repoFolder.path)) ?? []).filter { name in
                let lower = name.lowercased()
                return lower.hasSuffix(".gguf") && (lower.contains(".\(tag).") || lower.contains("-\(tag).") || lower.contains("_\(tag)."))
            }
            return tagged.count == 1 ? repoFolder.appendingPathComponent(tagged[0]) : nil
        }
        if fm.fileExists(atPath: repoFolder.appendingPathComponent("config.json").path) { return repoFolder }
        let ggufs = ((try? fm.contentsOfDirectory(atPath: repoFolder.path)) ?? []).filter { $0.lowercased().hasSuffix(".gguf") }
        return ggufs.count == 1 ? repoFolder.appendingPathComponent(ggufs[0]) : nil
    }

    /// Pulls the model called `name` (a catalog name or `hf:` reference, or an alias of one)
    /// unless it is present; returns its location.
    @discardableResult
    public func pull(named name: String, progress: @escaping PullProgress = { _ in }) throws -> URL {
        try Self.validateRequestName(name)
        let own = ownName(name)
        if let location = presentLocation(of: own) { return location }
        if let model = CatalogModel.named(own) { return try pull(model, progress: progress) }
        if let reference = HuggingFaceReference(own) { return try pull(reference, progress: progress) }
        throw ModelStoreError.unknownModel(name, available: CatalogModel.all.map(\.name))
    }

    /// The size of a model file or folder on disk (a folder's regular files added up).
    public static func size(of url: URL) -> Int { diskSize(url) }
}
