import Hummingbird

/// Requires `Authorization: Bearer KEY` (or Anthropic's `x-api-key: KEY`) when the server has an
/// API key. `/health`, the chat page and CORS preflights stay open: a browser must load the page
/// before it can send the key.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: [UInt8]

    init(key: String) {
        self.key = Array(key.utf8)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if request.method == .options || path == "/" || path == "/health" || path == "/favicon.ico" {
            return try await next(request, context)
        }
        // Anthropic's clients send the key as `x-api-key`.
        let given: [UInt8]
        if let header = request.headers[.authorization] {
            let prefix = "bearer "
            given = header.lowercased().hasPrefix(prefix) ? Array(header.utf8.dropFirst(prefix.count)) : []
        } else if let header = request.headers.first(where: { $0.name.canonicalName == "x-api-key" }) {
            given = Array(header.value.utf8)
        } else {
            throw APIError(.unauthorized, "an API key is required: send 'Authorization: Bearer KEY' (or 'x-api-key: KEY')", code: "invalid_api_key")
        }
        guard Self.constantTimeEqual(given, key) else {
            throw APIError(.unauthorized, "the API key is not valid", code: "invalid_api_key")
        }
        return try await next(request, context)
    }

    /// Compares every byte whatever the first difference, so the time taken does not tell an
    /// attacker how much of a guess was right (only the length can leak).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
