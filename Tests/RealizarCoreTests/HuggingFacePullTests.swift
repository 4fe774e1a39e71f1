import Foundation
import Testing
import RealizarCore
import RealizarTestSupport

/// Runs Tests/Fixtures/hub_mock_server.py on a loopback port for the length of a test.
final class HubMockServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let log = Pipe()
    private let lock = NSLock()
    private var logText = ""

    init(root: URL, options: [String] = []) throws {
        let script = ProjectPaths.root.appendingPathComponent("Tests/Fixtures/hub_mock_server.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, root.path] + options
        let output = Pipe()
        process.standardOutput = output
        process.standardError = log
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { throw Shell.Failure(command: process.arguments ?? [], status: -1, output: "mock server did not start") }
            if byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        port = Int(String(decoding: line, as: UTF8.self)) ?? 0
        log.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            self?.lock.withLock { self?.logText += text }
        }
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }
    var requests: String { lock.withLock { logText } }

    deinit {
        log.fileHandleForReading.readabilityHandler = nil
        // SIGKILL: the test runner's blocked signal mask is inherited, so SIGTERM may never arrive.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite struct HuggingFacePullTests {
    /// A tiny but valid GGUF file whose bytes differ by `seed`.
    static func tinyGGUF(seed: UInt8) -> Data {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("general.name", .string("tiny \(seed)"))
        writer.add(.init(name: "w", type: .f32, shape: [64, 64], data: Data((0..<(64 * 64 * 4)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })))
        return writer.serialized()
    }

    /// A Hub folder: a GGUF repository with two quantizations and a safetensors repository.
    static func makeHub() throws -> TemporaryFolder {
        let hub = try TemporaryFolder()
        let gguf = hub.file("acme/tiny-GGUF")
        try FileManager.default.createDirectory(at: gguf, withIntermediateDirectories: true)
        try tinyGGUF(seed: 1).write(to: gguf.appendingPathComponent("tiny.Q4_K_M.gguf"))
        try tinyGGUF(seed: 2).write(to: gguf.appendingPathComponent("tiny.Q8_0.gguf"))
        try Data("{}".utf8).write(to: gguf.appendingPathComponent("README.json"))
        let st = hub.file("acme/tiny-st")
        try FileManager.default.createDirectory(at: st, withIntermediateDirectories: true)
        try MalformedSafetensorsCorpus.valid().write(to: st.appendingPathComponent("model.safetensors"))
        try Data(#"{"architectures":["BertModel"],"hidden_size":4,"num_hidden_layers":1,"num_attention_heads":2}"#.utf8)
            .write(to: st.appendingPathComponent("config.json"))
        try Data("not part of the model".utf8).write(to: st.appendingPathComponent("notes.txt"))
        return hub
    }

    func pull(_ name: String, server: HubMockServer, home: TemporaryFolder, token: String? = nil) throws -> RealizarBinary.Result {
        var environment = ["HF_ENDPOINT": server.endpoint, "REALIZAR_HOME": home.url.path]
        if let token { environment["HF_TOKEN"] = token }
        return try RealizarBinary.run(["pull", name], environment: environment, timeout: 30)
    }

    @Test func pullsAGGUFFileByQuantizationTagAndVerifiesIt() throws {
        let hub = try Self.makeHub()
        let home = try TemporaryFolder()
        let server = try HubMockServer(root: hub.url)
        let result = try pull("hf:acme/tiny-GGUF:Q8_0", server: server, home: home)
        #expect(result.status == 0, "\(result.stderr)")
        let stored = home.file("models/hf/acme/tiny-GGUF/tiny.Q8_0.gguf")
        #expect(try Data(contentsOf: stored) == Self.tinyGGUF(seed: 2))
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == stored.path)
        let info = try RealizarBinary.run(["info", "hf:acme/tiny-GGUF:tiny.Q8_0.gguf", "--json"],
                                          environment: ["HF_ENDPOINT": "http://127.0.0.1:1", "REALIZAR_HOME": home.url.path])
        #expect(info.status == 0 && info.stdout.contains("\"tiny 2\""), "an already pulled model needs no network: \(info.stderr)")
    }

    @Test func withoutAFileNamePrefersQ4KM() throws {
        let hub = try Self.makeHub()
        let home = try TemporaryFolder()
        let server = try HubMockServer(root: hub.url)
        let result = try pull("hf:acme/tiny-GGUF", server: server, home: home)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: home.file("models/hf/acme/tiny-GGUF/tiny.Q4_K_M.gguf").path))
    }

    @Test func anInterruptedDownloadResumesWithARangeRequest() throws {
        let hub = try Self.makeHub()
        let home = try TemporaryFolder()
        let server = try HubMockServer(root: hub.url, options: ["--flaky"])
        let first = try pull("hf:acme/tiny-GGUF:Q4_K_M", server: server, home: home)
        let stored = home.file("models/hf/acme/tiny-GGUF/tiny.Q4_K_M.gguf")
        #expect(first.status == 1, "the cut connection should fail the first pull: \(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stored.path), "a failed pull must not leave a loadable file")
        let partial = try Data(contentsOf: URL(fileURLWithPath: stored.path + ".partial"))
        #expect(partial.count > 0 && partial.count < Self.tinyGGUF(seed: 1).count)

        let second = try pull("hf:acme/tiny-GGUF:Q4_K_M", server: server, home: home)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Data(contentsOf: stored) == Self.tinyGGUF(seed: 1))
        #expect(server.requests.contains("bytes=\(partial.count)-"), "expected a Range request, server saw:\n\(server.requests)")
    }

    @Test func sendsTheTokenAndExplainsAuthFailures() throws {
        let hub = try Self.makeHub()
        let home = try TemporaryFolder()
        let server = try HubMockServer(root: hub.url, options: ["--token", "secret"])
        let denied = try pull("hf:acme/tiny-GGUF:Q8_0", server: server, home: home)
        #expect(denied.status == 1 && denied.stderr.contains("401") && denied.stderr.contains("HF_TOKEN"), "\(denied.stderr)")
        let allowed = try pull("hf:acme/tiny-GGUF:Q8_0", server: server, home: home, token: "secret")
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    @Test func aChecksumMismatchDiscardsTheDownload() throws {
        let hub = try Self.makeHub()
        let home = try TemporaryFolder()
        let server = try HubMockServer(root: hub.url, options: ["--corrupt", "tiny.Q8_0.gguf"])
        let result = try pull("hf:acme/tiny-GGUF:Q8_0", server: server, home: home)
        #expect(result.status == 1 && result.stderr.contains("SHA-256"), "\(result.stderr)")
        let folder = home.file("models/hf/acme/tiny-GGUF")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test func pullsASafetensorsRepositoryAsAModelFolder() throws {
        let hub = try Self.makeHub()
        let home = try TemporaryFolder()
        let server = try HubMockServer(root: hub.url)
        let result = try pull("hf:acme/tiny-st", server: server, home: home)
        #expect(result.status == 0, "\(result.stderr)")
        let folder = home.file("models/hf/acme/tiny-st")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == ["config.json", "model.safetensors"])
        let info = try RealizarBinary.run(["info", folder.path])
        #expect(info.status == 0 && info.stdout.contains("BertModel"), "\(info.stderr)")
    }

    @Test func unknownRepositoriesAndFilesGiveClearErrors() throws {
        let hub = try Self.makeHub()
        let home = try TemporaryFolder()
        let server = try HubMockServer(root: hub.url)
        let missingRepo = try pull("hf:acme/nothing", server: server, home: home)
        #expect(missingRepo.status == 1 && missingRepo.stderr.contains("repository not found"), "\(missingRepo.stderr)")
        let missingFile = try pull("hf:acme/tiny-GGUF:Q2_K", server: server, home: home)
        #expect(missingFile.status == 1 && missingFile.stderr.contains("tiny.Q8_0.gguf"), "the error should list the files: \(missingFile.stderr)")
        let hostile = try pull("hf:../../etc", server: server, home: home)
        #expect(hostile.status == 1 && hostile.stderr.contains("unknown model"), "\(hostile.stderr)")
    }
}
