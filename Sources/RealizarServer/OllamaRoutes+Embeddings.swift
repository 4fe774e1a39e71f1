import Foundation
import Hummingbird
import RealizarEngine

/// `POST /api/embed` and the legacy `POST /api/embeddings`, as Ollama's: inputs are truncated to
/// the model's limit unless `truncate` is false, and an empty input answers at once with no
/// vectors (Ollama's way of loading a model; here it makes a decoder's embedding model).
extension OllamaRoutes {
    func embed(_ request: Request, context: ServerContext) async throws -> Response {
        let started = Date()
        let body = try await JSONBody.decode(OllamaEmbedRequest.self, from: request, limit: maxBody)
        let host = try await catalog.embeddingHost(body.model, for: context, keepAlive: body.keepAlive)
        let job = try await EmbeddingJob.start(host: host)
        let dimensions = try job.dimensions(body.dimensions)
        let texts = body.input?.texts ?? []
        let truncate = body.truncate ?? true
        var inputs: [[Int]] = []
        for (index, text) in texts.enumerated() {
            let field = body.input?.isList == true ? "input[\(index)]" : "input"
            guard !text.isEmpty else { throw APIError.invalid("'\(field)' is an empty string", param: field) }
            inputs.append(try job.tokens(text, field: field, truncate: truncate) { tokens, limit in
                "the input length exceeds the context length: '\(field)' has \(tokens) tokens, more than the \(limit) \(host.name) reads; shorten it or leave truncate at true"
            })
        }
        var response = OllamaEmbedResponse(model: host.name, embeddings: [])
        if !inputs.isEmpty {
            response.embeddings = try await job.run(inputs, dimensions: dimensions, metrics: metrics, stats: context.stats)
            try Task.checkCancellation()
        }
        response.totalDuration = Int(Date().timeIntervalSince(started) * 1e9)
        response.loadDuration = Int(job.loadSeconds * 1e9)
        response.promptEvalCount = inputs.reduce(0) { $0 + $1.count }
        return try JSONBody.response(response)
    }

    func legacyEmbeddings(_ request: Request, context: ServerContext) async throws -> Response {
        let body = try await JSONBody.decode(OllamaEmbeddingsRequest.self, from: request, limit: maxBody)
        let host = try await catalog.embeddingHost(body.model, for: context, keepAlive: body.keepAlive)
        let job = try await EmbeddingJob.start(host: host)
        guard let prompt = body.prompt, !prompt.isEmpty else { return try JSONBody.response(["embedding": [Float]()]) }
        let ids = try job.tokens(prompt, field: "prompt", truncate: true) { tokens, limit in "'prompt' has \(tokens) tokens, more than \(limit)" }
        let vectors = try await job.run([ids], dimensions: nil, metrics: metrics, stats: context.stats)
        try Task.checkCancellation()
        return try JSONBody.response(["embedding": vectors[0]])
    }
}
