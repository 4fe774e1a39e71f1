import Foundation
import Testing
import RealizarTestSupport

/// `realizar serve` as a separate process, checked with the official clients, concurrent streams,
/// failures, disconnects, shutdown and the chat page in headless Chromium.
@Suite(.serialized)
struct ServerTests {
    static let model = "gemma3-270m"

    init() throws {
        _ = try TestModels.path(.gemma)
    }

    @Test func officialClientsAndChatPage() throws {
        let server = try ServerProcess([Self.model, "--parallel", "4", "--ctx", "1024"])
        defer { server.stop() }
        let clients = try FixtureScript.run("official_clients.py", ["--base-url", server.baseURL, "--model", Self.model])
        print(clients.output)
        #expect(clients.status == 0, "official clients failed:\n\(clients.output)\n\(server.stderr.suffix(3000))")

        let shot = ProjectPaths.root.appendingPathComponent(".build/test-output/web-chat.png")
        try FileManager.default.createDirectory(at: shot.deletingLastPathComponent(), withIntermediateDirectories: true)
        let page = try FixtureScript.run("web_chat_chromium.py", ["--url", server.baseURL + "/", "--screenshot", shot.path, "--timeout", "120", "--max-tokens", "16"])
        print(page.output)
        #expect(page.status == 0, "web chat page failed:\n\(page.output)")
        #expect(FileManager.default.fileExists(atPath: shot.path))
        let stop = server.stop()
        #expect(stop.status == 0 && !stop.crashed, "exit status \(stop.status)")
    }

    @Test func apiKeyErrorsDisconnectAndShutdown() throws {
        let key = "test-key-\(UUID().uuidString.prefix(8))"
        let server = try ServerProcess([Self.model, "--parallel", "1", "--queue", "1", "--ctx", "256", "--api-key", key,
                                        "--max-body", "65536"])
        defer { server.stop() }
        let common = ["--base-url", server.baseURL, "--model", Self.model, "--api-key", key]
        let clients = try FixtureScript.run("official_clients.py", common)
        print(clients.output)
        #expect(clients.status == 0, "official clients (with an API key) failed:\n\(clients.output)\n\(server.stderr.suffix(3000))")

        for command in ["errors", "queue", "disconnect"] {
            let result = try FixtureScript.run("server_checks.py", [command] + common + ["--ctx", "256", "--max-body", "65536"])
            print(result.output)
            #expect(result.status == 0, "\(command) checks failed:\n\(result.output)\n\(server.stderr.suffix(2000))")
        }

        // SIGTERM while two clients stream: both get a proper end, the server exits 0.
        let (client, output) = try FixtureScript.start("server_checks.py", ["shutdown"] + common)
        var seen = Data()
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline, !String(decoding: seen, as: UTF8.self).contains("STREAMING") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        let stop = server.stop()
        seen.append(output.fileHandleForReading.readDataToEndOfFile())
        client.waitUntilExit()
        let text = String(decoding: seen, as: UTF8.self)
        print(text)
        #expect(stop.status == 0 && !stop.crashed, "the server exited with \(stop.status) after SIGTERM:\n\(server.stderr.suffix(2000))")
        #expect(client.terminationStatus == 0, "streams during shutdown:\n\(text)")
        #expect(server.stderr.contains("path=/v1/chat/completions"), "no request log lines:\n\(server.stderr.suffix(2000))")
    }
}
