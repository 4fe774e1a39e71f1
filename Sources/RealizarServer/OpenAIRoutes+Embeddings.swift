import Foundation
import Hummingbird
import RealizarEngine

/// `POST /v1/embeddings`, as OpenAI's: texts or token ids, never truncated (an input over the
/// model's limit is a 400), floats or base64, and `dimensions` for shortened vectors.
extension OpenAIRoutes {
    /// OpenAI's limit on inputs per request.
    static let maximumEmbeddingInputs = 2048

    func embeddings(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await JSONBody.decode(EmbeddingRequest.self, from: request, limit: maxBody)
        let host = try await catalog.embeddingHost(body.model, for: context)
        let base64: Bool
        switch body.encodingFormat {
        case nil, "float": base64 = false
        case "base64": base64 = true
        case let other?: throw APIError.invalid("'encoding_format' must be \"float\" or \"base64\"; got \"\(other)\"", param: "encoding_format")
        }
        guard body.input.count > 0 else { throw APIError.invalid("'input' must not be empty", param: "input") }
        guard body.input.count <= Self.maximumEmbeddingInputs else {
            throw APIError.invalid("'input' holds \(body.input.count) inputs; at most \(Self.maximumEmbeddingInputs) per request", param: "input")
        }
        let job = try await EmbeddingJob.start(host: host)
        let dimensions = try job.dimensions(body.dimensions)
        let list = body.input.isList
        func field(_ index: Int) -> String { list ? "input[\(index)]" : "input" }
        func tooLong(_ index: Int) -> (Int, Int) -> String {
            { tokens, limit in
                "'\(field(index))' has \(tokens) tokens, more than the \(limit) \(host.name) reads; this route does not truncate: shorten the input or split it"
            }
        }
        var inputs: [[Int]] = []
        switch body.input.inputs {
        case .texts(let texts):
            for (index, text) in texts.enumerated() {
                guard !text.isEmpty else { throw APIError.invalid("'\(field(index))' must not be an empty string", param: field(index)) }
                inputs.append(try job.tokens(text, field: field(index), truncate: false, tooLong: tooLong(index)))
            }
        case .tokens(let lists):
            for (index, ids) in lists.enumerated() {
                try job.check(ids: ids, field: field(index), tooLong: tooLong(index))
                inputs.append(ids)
            }
        }
        let vectors = try await job.run(inputs, dimensions: dimensions, metrics: metrics, stats: context.stats)
        try Task.checkCancellation()
        let tokens = inputs.reduce(0) { $0 + $1.count }
        return try JSONBody.response(EmbeddingList(
            data: vectors.enumerated().map { index, vector in
                EmbeddingObject(index: index, embedding: base64 ? .base64(EmbeddingJob.base64(vector)) : .floats(vector))
            },
            model: host.name, usage: EmbeddingUsage(promptTokens: tokens, totalTokens: tokens)))
    }
}
