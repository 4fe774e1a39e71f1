import Foundation
import Hummingbird

/// `/api/pull`'s request (`name` is the older spelling of `model`; `insecure` is accepted and
/// has no meaning here: nothing is fetched from a registry of Ollama's).
struct OllamaPullRequest: Decodable, Sendable {
    var model: String?
    var name: String?
    var insecure: Bool?
    var stream: Bool?
}

/// `/api/delete`'s request.
struct OllamaDeleteRequest: Decodable, Sendable {
    var model: String?
    var name: String?
}

/// `/api/copy`'s request.
struct OllamaCopyRequest: Decodable, Sendable {
    var source: String
    var destination: String
}

/// One line of `/api/pull`'s progress, in Ollama's shape: `{"status"}`, or for a layer being
/// fetched `{"status": "pulling <12 hex digits>", "digest": "sha256:...", "total", "completed"}`.
struct OllamaPullStatus: Encodable, Sendable, Equatable {
    var status: String
    var digest: String?
    var total: Int?
    var completed: Int?
}

/// The `keep_alive` field of a generate or chat request, read beside the request's own type
/// from the same body.
enum OllamaKeepAlive {
    private struct Field: Decodable {
        var keepAlive: OllamaDuration?
        enum CodingKeys: String, CodingKey { case keepAlive = "keep_alive" }
    }

    /// Decodes `T` and `keep_alive` (nil when absent) from one read of the body.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> (T, OllamaDuration?) {
        let (value, keepAlive, _) = try await decodeKeepingText(type, from: request, limit: limit)
        return (value, keepAlive)
    }

    /// Also the body's text, for fields read again where key order matters (tools).
    static func decodeKeepingText<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> (T, OllamaDuration?, String) {
        var request = request
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw JSONBody.tooLarge(limit) }
        do {
            // The collected body replaces the stream, so both decodes below read it.
            _ = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw JSONBody.tooLarge(limit)
        } catch {
            // NIO reports a body past the limit as its own error type.
            if "\(Swift.type(of: error))".contains("TooManyBytes") { throw JSONBody.tooLarge(limit) }
            throw APIError.invalid("the request body could not be read: \(error)")
        }
        let (value, text) = try await JSONBody.decodeKeepingText(T.self, from: request, limit: limit)
        let field = try await JSONBody.decode(Field.self, from: request, limit: limit)
        return (value, field.keepAlive, text)
    }
}
