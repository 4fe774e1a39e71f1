import Foundation
import Hummingbird

/// An error a route answers with: an HTTP status and OpenAI's error object
/// (`{"error": {"message", "type", "param", "code"}}`), or Ollama's `{"error": "message"}` under `/api/`.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// The server limit that refused the request (``ServerLimits``), for `/metrics`; not sent.
    public var limit: String?

    public init(_ status: HTTPResponse.Status, _ message: String, type: String? = nil, param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type ?? Self.defaultType(status)
        self.param = param
        self.code = code
    }

    public var description: String { message }

    static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(.badRequest, message, param: param, code: code)
    }

    static func modelNotFound(_ name: String, available: [String]) -> APIError {
        APIError(.notFound, "The model '\(name)' does not exist or is not served here; available: \(available.joined(separator: ", "))",
                 type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    private static func defaultType(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "invalid_request_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        case 503: "service_unavailable"
        default: "server_error"
        }
    }

    private struct OpenAIBody: Encodable {
        struct Inner: Encodable {
            let message: String
            let type: String
            let param: String?
            let code: String?
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                // OpenAI sends these keys as null rather than leaving them out.
                try container.encode(param, forKey: .param)
                try container.encode(code, forKey: .code)
            }
            enum CodingKeys: String, CodingKey { case message, type, param, code }
        }
        let error: Inner
    }

    /// The response for a request to `path`.
    func response(path: String) -> Response {
        // Errors raised before the Messages routes' own encoding (the API key, the limits)
        // still reach Anthropic's clients in their shape.
        if path == "/v1/messages" || path.hasPrefix("/v1/messages/") { return anthropicResponse() }
        let data: Data
        if path.hasPrefix("/api/") {
            data = (try? JSONEncoder().encode(["error": message])) ?? Data()
        } else {
            data = (try? JSONEncoder().encode(OpenAIBody(error: .init(message: message, type: type, param: param, code: code)))) ?? Data()
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error a route throws into an API error response, so no request ends in an empty 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response(path: request.uri.path)
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return APIError(error.status, message).response(path: request.uri.path)
        } catch {
            return APIError(.internalServerError, "\(error)").response(path: request.uri.path)
        }
    }
}
