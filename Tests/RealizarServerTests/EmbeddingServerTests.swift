import Foundation
import Testing
import RealizarTestSupport

/// `realizar serve` with an encoder (all-MiniLM-L6-v2, a sentence-transformers folder) and a
/// decoder (SmolLM2) side by side: the embedding routes of both dialects with the official clients,
/// checked against `realizar embed`, their errors, and the encoder refusing to generate.
@Suite(.serialized)
struct EmbeddingServerTests {
    static let encoder = TestModels.Name.miniLM.rawValue
    static let decoder = TestModels.Name.smolLM2.rawValue

    @Test func embeddingRoutesWithTheOfficialClients() throws {
        let folder = try TestModels.path(.miniLM)
        _ = try TestModels.path(.smolLM2)
        let server = try ServerProcess([Self.encoder, Self.decoder, "--parallel", "1", "--ctx", "256"])
        defer { server.stop() }
        let result = try FixtureScript.run("embedding_checks.py", [
            "--base-url", server.baseURL, "--model", Self.encoder, "--decoder", Self.decoder,
            "--folder", folder, "--realizar", RealizarBinary.url.path,
        ])
        print(result.output)
        #expect(result.status == 0, "embedding checks failed:\n\(result.output)\n\(server.stderr.suffix(3000))")
        let stop = server.stop()
        #expect(stop.status == 0 && !stop.crashed, "exit status \(stop.status)")
        #expect(server.stderr.contains("serves=embeddings only"), "the encoder should load without a scheduler:\n\(server.stderr.prefix(2000))")
        #expect(server.stderr.contains("path=/v1/embeddings") && server.stderr.contains("path=/api/embed"),
                "no request log lines for the embedding routes:\n\(server.stderr.suffix(2000))")
    }
}
