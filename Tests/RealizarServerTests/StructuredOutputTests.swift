import Foundation
import Testing
import RealizarTestSupport

/// `response_format` json_schema (strict) and Ollama's `format` schemas against `realizar serve
/// smollm2-135m-instruct`, through the official openai and ollama clients: every output of a
/// subset of the schema set that covers each keyword family is complete, validates with
/// jsonschema and has its properties in the schema's order, streamed and not.
@Suite(.serialized)
struct StructuredOutputTests {
    static let model = "smollm2-135m-instruct"

    init() throws {
        _ = try TestModels.path(.smolLM2)
    }

    @Test func schemaOutputsValidateThroughBothClientsStreamedAndNot() throws {
        let server = try ServerProcess([Self.model, "--parallel", "4", "--ctx", "2048"])
        defer { server.stop() }
        let result = try FixtureScript.run("structured_output.py", ["--base-url", server.baseURL, "--model", Self.model])
        print(result.output)
        #expect(result.status == 0, "structured-output checks failed:\n\(result.output)\n\(server.stderr.suffix(3000))")
        let stop = server.stop()
        #expect(stop.status == 0 && !stop.crashed, "exit status \(stop.status)")
    }
}
