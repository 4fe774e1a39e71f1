import Foundation
import RealizarEngine
import RealizarTemplates

/// Bounds on what clients can make the server hold or do, each one set by a `realizar serve` flag
/// and shown in `/metrics` as `realizar_limit{limit="..."}`. A request past a per-request limit
/// gets a 400 (or 413) naming the field and the flag, with the code `limit_exceeded`; the
/// connection limits act on sockets instead (see each one).
public struct ServerLimits: Sendable {
    /// Connections open at once (`--max-connections`). Past it the server stops accepting; new
    /// connections wait in the listen backlog until one closes, so keep it well above the number
    /// of clients expected (`--parallel` plus the queue plus idle keep-alive connections).
    public var maxConnections: Int
    /// Bytes of one request's header block (`--max-header-bytes`); past it the request gets 400
    /// and its connection is closed.
    public var maxHeaderBytes: Int
    /// How long a connection may stay silent between requests, or while its body is read
    /// (`--idle-timeout`), before it is closed. Responses being written are not cut by it.
    public var idleTimeout: Duration
    /// How long one request may run, body reading and generation included (`--request-timeout`).
    /// Its sequences are then ended (the client gets the text so far, finish reason `stop`), and
    /// a request still being read or waiting to start has its connection closed (model pulls,
    /// which may take longer, excepted).
    public var requestTimeout: Duration
    /// Tokens one choice may generate (`--max-tokens`): `max_tokens`, `max_completion_tokens` and
    /// `num_predict` above it get a 400. Requests that send none still stop at the context.
    public var maxTokens: Int
    /// Choices per request (`--max-choices`): OpenAI's `n` (times the prompts of a completions request).
    public var maxChoices: Int
    /// Bytes of output queued for one streaming response that its client has not read yet
    /// (`--max-stream-buffer`). A client that falls that far behind has its sequences cancelled
    /// and its connection closed, so a reader that stops reading cannot grow the server's memory.
    public var maxStreamBuffer: Int
    /// Bytes of a request's GBNF grammar or JSON schema (`--max-grammar-bytes`), checked before it
    /// is compiled.
    public var maxGrammarBytes: Int
    /// Bounds on each chat template render (`--template-timeout`, `--template-max-output`); the
    /// models' templates come from their files and are not trusted either.
    public var render: RenderLimits

    public init(maxConnections: Int = 1024, maxHeaderBytes: Int = 64 << 10, idleTimeout: Duration = .seconds(60),
                requestTimeout: Duration = .seconds(600), maxTokens: Int = 32768, maxChoices: Int = 16,
                maxStreamBuffer: Int = 1 << 20, maxGrammarBytes: Int = 256 << 10, render: RenderLimits = RenderLimits()) {
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.maxTokens = maxTokens
        self.maxChoices = maxChoices
        self.maxStreamBuffer = maxStreamBuffer
        self.maxGrammarBytes = maxGrammarBytes
        self.render = render
    }

    /// The limits of the request being handled. ``RequestLimitsMiddleware`` binds them for the
    /// duration of a route's handler, so that the field checks the routes share (which have no
    /// request context) see the server's flags; outside a request they are the defaults.
    @TaskLocal public static var current = ServerLimits()

    /// The limits as `/metrics` shows them: name, value (durations in seconds).
    var published: [(String, Double)] {
        [("max_connections", Double(maxConnections)), ("max_header_bytes", Double(maxHeaderBytes)),
         ("idle_timeout_seconds", idleTimeout.seconds), ("request_timeout_seconds", requestTimeout.seconds),
         ("max_tokens", Double(maxTokens)), ("max_choices", Double(maxChoices)), ("max_stream_buffer_bytes", Double(maxStreamBuffer)),
         ("max_grammar_bytes", Double(maxGrammarBytes)), ("template_timeout_seconds", render.timeLimit?.seconds ?? 0),
         ("template_max_output_bytes", Double(render.maxOutputBytes))]
    }
}

extension ServerLimits {
    /// A 400 for a request field past a limit: the field, the limit and the flag that sets it.
    /// `limit` is the name `/metrics` counts the refusal under.
    static func exceeded(_ message: String, param: String, limit: String) -> APIError {
        var error = APIError.invalid(message, param: param, code: "limit_exceeded")
        error.limit = limit
        return error
    }

    /// Checks a requested token count (`max_tokens` and kin) against ``maxTokens``.
    static func checkTokens(_ value: Int, field: String) throws(APIError) {
        let limit = current.maxTokens
        guard value <= limit else {
            throw exceeded("'\(field)' is \(value); this server generates at most \(limit) tokens per choice (--max-tokens)", param: field, limit: "max_tokens")
        }
    }

    /// Checks a request's choice count against ``maxChoices``; `what` says what was counted.
    static func checkChoices(_ count: Int, what: String = "'n'") throws(APIError) {
        let limit = current.maxChoices
        guard (1...max(1, limit)).contains(count) else {
            throw exceeded("\(what) must be between 1 and \(limit) (--max-choices); got \(count)", param: "n", limit: "max_choices")
        }
    }

    /// Checks the text of a grammar or schema against ``maxGrammarBytes`` before it is compiled.
    static func checkGrammar(_ constraint: OutputConstraint, param: String) throws(APIError) {
        let bytes: Int
        switch constraint {
        case .jsonObject: return
        case .jsonSchema(let text), .grammar(let text): bytes = text.utf8.count
        }
        let limit = current.maxGrammarBytes
        guard bytes <= limit else {
            throw exceeded("'\(param)' is \(bytes) bytes; this server compiles grammars and schemas of at most \(limit) bytes (--max-grammar-bytes)",
                           param: param, limit: "max_grammar_bytes")
        }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
