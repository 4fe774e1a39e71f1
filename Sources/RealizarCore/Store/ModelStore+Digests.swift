import Crypto
import Foundation

extension ModelStore {
    /// The SHA-256 of a model, as lowercase hex: of the file for a one-file model (a GGUF, so the
    /// digest equals the catalog's and the Hub's record of it), or for a folder the SHA-256 of its
    /// manifest: one line `<sha256 of the file>  <path relative to the folder>\n` per regular file
    /// (recursively, hidden names skipped, sorted by path), which is what `find . -type f | sort |
    /// xargs sha256sum` prints without the `./`. A folder's digest so changes with any of its files.
    ///
    /// Hashing a few hundred megabytes takes a second, so each file's digest is kept in
    /// `digests.json` in the store's root, keyed by absolute path, size and modification time, and
    /// recomputed only when one of those changes (a replaced or rewritten file).
    public func digest(of url: URL) throws -> String {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ModelStoreError.transportFailed("no such file or folder: \(url.path)")
        }
        let cache = DigestCache(file: root.appendingPathComponent("digests.json"))
        defer { cache.save() }
        guard isFolder.boolValue else { return try cache.digest(of: url) }
        var manifest = ""
        for relative in Self.regularFiles(in: url) {
            manifest += "\(try cache.digest(of: url.appendingPathComponent(relative)))  \(relative)\n"
        }
        return Checksum.hex(SHA256.hash(data: Data(manifest.utf8)))
    }

    /// Records a digest already computed (a pull verifies the SHA-256 it downloads), so the first
    /// `digest(of:)` after a pull does not read the file again.
    func recordDigest(_ sha256: String, of url: URL) {
        let cache = DigestCache(file: root.appendingPathComponent("digests.json"))
        cache.record(sha256, of: url)
        cache.save()
    }

    /// A folder's regular files as paths relative to it, sorted; hidden names (temporary files of
    /// an unfinished write) are left out.
    static func regularFiles(in folder: URL) -> [String] {
        let fm = FileManager.default
        var files: [String] = []
        for case let relative as String in fm.enumerator(atPath: folder.path) ?? FileManager.DirectoryEnumerator() {
            guard !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
            let attributes = try? fm.attributesOfItem(atPath: folder.appendingPathComponent(relative).path)
            if attributes?[.type] as? FileAttributeType == .typeRegular { files.append(relative) }
        }
        return files.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}

/// The digest sidecar: path → (size, modification time, SHA-256). One process's concurrent
/// callers share it under a lock; between processes the file is replaced atomically, so a reader
/// sees a whole file and the worst a race costs is a digest computed again.
private final class DigestCache: @unchecked Sendable {
    private struct Record: Codable {
        var size: Int
        var modified: Double
        var sha256: String
    }

    private static let lock = NSLock()
    private let file: URL
    private var records: [String: Record]
    private var changed = false

    init(file: URL) {
        self.file = file
        Self.lock.lock()
        defer { Self.lock.unlock() }
        records = (try? Data(contentsOf: file)).flatMap { try? JSONDecoder().decode([String: Record].self, from: $0) } ?? [:]
    }

    private static func stamp(_ url: URL) -> (size: Int, modified: Double)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return (size, modified)
    }

    func digest(of url: URL) throws -> String {
        let key = url.standardizedFileURL.path
        guard let stamp = Self.stamp(url) else { throw ModelStoreError.transportFailed("cannot read \(url.path)") }
        if let record = records[key], record.size == stamp.size, record.modified == stamp.modified { return record.sha256 }
        let sha256 = try ModelStore.sha256Hex(of: url)
        records[key] = Record(size: stamp.size, modified: stamp.modified, sha256: sha256)
        changed = true
        return sha256
    }

    func record(_ sha256: String, of url: URL) {
        guard let stamp = Self.stamp(url) else { return }
        records[url.standardizedFileURL.path] = Record(size: stamp.size, modified: stamp.modified, sha256: sha256.lowercased())
        changed = true
    }

    /// Writes the records back, merged over what another caller saved meanwhile, and drops the
    /// records of files that are gone.
    func save() {
        guard changed else { return }
        Self.lock.lock()
        defer { Self.lock.unlock() }
        var merged = (try? Data(contentsOf: file)).flatMap { try? JSONDecoder().decode([String: Record].self, from: $0) } ?? [:]
        merged.merge(records) { _, mine in mine }
        merged = merged.filter { FileManager.default.fileExists(atPath: $0.key) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(merged) else { return }
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? data.write(to: file, options: .atomic)
        changed = false
    }
}
