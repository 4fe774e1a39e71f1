import Foundation
import Testing
import RealizarTestSupport

/// OpenAI's Responses API and Anthropic's Messages API against `realizar serve
/// smollm2-135m-instruct` with an API key, through the official openai and anthropic clients
/// (Tests/Fixtures/server/responses_messages.py): text, streamed event sequences, forced function
/// calls validated by jsonschema, tool-result round trips, count_tokens and usage equal to the
/// tokenizer's count, and 400s naming the field in each dialect's error shape.
@Suite(.serialized)
struct ResponsesAndMessagesTests {
    static let model = "smollm2-135m-instruct"

    init() throws {
        _ = try TestModels.path(.smolLM2)
    }

    @Test func officialClientsSpeakResponsesAndMessagesWithToolsUsageAndErrors() throws {
        let key = "test-key-" + UUID().uuidString
        let server = try ServerProcess([Self.model, "--parallel", "2", "--ctx", "2048", "--api-key", key])
        defer { server.stop() }
        let result = try FixtureScript.run("responses_messages.py", ["--base-url", server.baseURL, "--model", Self.model, "--api-key", key])
        print(result.output)
        #expect(result.status == 0, "Responses/Messages checks failed:\n\(result.output)\n\(server.stderr.suffix(3000))")
        let stop = server.stop()
        #expect(stop.status == 0 && !stop.crashed, "exit status \(stop.status)")
    }
}
