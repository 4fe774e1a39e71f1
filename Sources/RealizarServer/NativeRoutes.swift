import Foundation
import Hummingbird
import RealizarEngine

/// `/health`, `/metrics`, `/tokenize`, `/detokenize` (llama.cpp server's shapes) and the chat page.
struct NativeRoutes: Sendable {
    let catalog: ModelCatalog
    let metrics: ServerMetrics
    let maxBody: Int

    struct TokenizeRequest: Decodable {
        var content: String
        var model: String?
        var addSpecial: Bool?
        enum CodingKeys: String, CodingKey { case content, model, addSpecial = "add_special" }
    }

    struct DetokenizeRequest: Decodable {
        var tokens: [Int]
        var model: String?
    }

    struct Health: Encodable {
        var status = "ok"
        var models: [String]
    }

    func register(on router: Router<ServerContext>) {
        router.get("/") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: ChatPage.html)))
        }
        router.get("/health") { _, _ in try JSONBody.response(Health(models: self.catalog.hosts.map(\.name))) }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.metrics.render())))
        }
        router.post("/tokenize") { request, context in
            let body = try await JSONBody.decode(TokenizeRequest.self, from: request, limit: self.maxBody)
            let host = try await self.catalog.host(body.model, for: context)
            let tokens = host.model.tokenizer.encode(body.content, addSpecial: body.addSpecial ?? false, parseSpecial: true)
            return try JSONBody.response(["tokens": tokens])
        }
        router.post("/detokenize") { request, context in
            let body = try await JSONBody.decode(DetokenizeRequest.self, from: request, limit: self.maxBody)
            let host = try await self.catalog.host(body.model, for: context)
            let size = host.model.tokenizer.vocabularySize
            if let bad = body.tokens.first(where: { $0 < 0 || $0 >= size }) {
                throw APIError.invalid("token id \(bad) is outside the vocabulary (0..<\(size))", param: "tokens")
            }
            return try JSONBody.response(["content": host.model.tokenizer.decode(body.tokens)])
        }
    }
}
