import Foundation

/// A model's safetensors weights: one file, or shards listed by `model.safetensors.index.json`.
public final class SafetensorsCheckpoint: Sendable {
    public static let indexFileName = "model.safetensors.index.json"

    /// The shards, each validated.
    public let shards: [SafetensorsFile]
    private let location: [String: (shard: Int, tensor: SafetensorsTensorInfo)]

    /// Opens a `.safetensors` file, an index file, or a folder holding either.
    public convenience init(path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw FormatError(path: path, problem: "no such file or folder")
        }
        if isFolder.boolValue {
            let folder = URL(fileURLWithPath: path)
            let index = folder.appendingPathComponent(Self.indexFileName)
            if FileManager.default.fileExists(atPath: index.path) {
                try self.init(indexPath: index.path)
            } else {
                let single = folder.appendingPathComponent("model.safetensors")
                guard FileManager.default.fileExists(atPath: single.path) else {
                    throw FormatError(path: path, problem: "holds neither model.safetensors nor \(Self.indexFileName)")
                }
                try self.init(files: [SafetensorsFile(path: single.path)])
            }
        } else if path.hasSuffix(".json") {
            try self.init(indexPath: path)
        } else {
            try self.init(files: [SafetensorsFile(path: path)])
        }
    }

    /// Opens the shards an index file names and checks that every tensor it maps is in its shard.
    public convenience init(indexPath: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: indexPath))
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FormatError(path: indexPath, problem: "is not a JSON object")
        }
        guard let weightMap = json["weight_map"] as? [String: Any] else {
            throw FormatError(path: indexPath, field: "weight_map", problem: "is missing or not an object")
        }
        let folder = URL(fileURLWithPath: indexPath).deletingLastPathComponent()
        var shardNames: [String] = []
        var wanted: [(tensor: String, shard: String)] = []
        for (tensor, value) in weightMap.sorted(by: { $0.key < $1.key }) {
            guard let shard = value as? String, !shard.isEmpty, !shard.contains("/"), shard != "..", shard != "." else {
                throw FormatError(path: indexPath, field: "weight_map.\(tensor)", problem: "must name a shard file in the same folder")
            }
            if !shardNames.contains(shard) { shardNames.append(shard) }
            wanted.append((tensor, shard))
        }
        guard !shardNames.isEmpty else { throw FormatError(path: indexPath, field: "weight_map", problem: "is empty") }
        let files = try shardNames.map { try SafetensorsFile(path: folder.appendingPathComponent($0).path) }
        try self.init(files: files)
        for (tensor, shard) in wanted {
            guard let found = location[tensor], shards[found.shard].file.fileName == shard else {
                throw FormatError(path: indexPath, field: "weight_map.\(tensor)", problem: "tensor is not in shard \(shard)")
            }
        }
    }

    public init(files: [SafetensorsFile]) throws {
        shards = files
        var location: [String: (Int, SafetensorsTensorInfo)] = [:]
        for (position, file) in files.enumerated() {
            for tensor in file.tensors {
                if let existing = location[tensor.name] {
                    throw FormatError(path: file.file.path, field: "tensor \"\(tensor.name)\"",
                                      problem: "also appears in \(files[existing.0].file.fileName)")
                }
                location[tensor.name] = (position, tensor)
            }
        }
        self.location = location
    }

    /// Every tensor, shard by shard.
    public var tensors: [SafetensorsTensorInfo] { shards.flatMap(\.tensors) }

    public func tensor(named name: String) -> SafetensorsTensorInfo? { location[name]?.tensor }

    public func data(of name: String) -> UnsafeRawBufferPointer? {
        guard let (shard, tensor) = location[name] else { return nil }
        return shards[shard].data(of: tensor)
    }
}
