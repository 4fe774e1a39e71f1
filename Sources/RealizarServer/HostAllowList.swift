import Foundation
import Hummingbird

/// Which `Host` headers the server answers, against DNS rebinding: a hostile web page whose domain
/// the attacker points at 127.0.0.1 reaches a server on loopback from the victim's browser, as
/// the same origin; its requests still carry the attacker's name in `Host`. So a server bound to a
/// loopback address answers only loopback names (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`,
/// with or without a port) and the names given with `--allowed-hosts`, as Ollama does. A server
/// bound to another address checks only when `--allowed-hosts` is given; `*` allows any host.
public struct HostAllowList: Sendable, Equatable {
    /// Exact names, lowercased, and suffixes (from `*.example.com` or `.example.com`).
    private var names: Set<String> = []
    private var suffixes: [String] = []
    private var any = false
    /// Whether the check is on at all.
    public private(set) var enforced: Bool

    /// - Parameters:
    ///   - bindHost: the address the server listens on.
    ///   - allowed: further names (`--allowed-hosts`); `*` turns the check off.
    public init(bindHost: String, allowed: [String]) {
        for entry in allowed.map({ Self.normalized($0) }) where !entry.isEmpty {
            if entry == "*" { any = true }
            else if entry.hasPrefix("*.") { suffixes.append(String(entry.dropFirst(1))) }
            else if entry.hasPrefix(".") { suffixes.append(entry) }
            else { names.insert(Self.hostPart(entry)) }
        }
        enforced = !any && (Self.isLoopback(Self.hostPart(Self.normalized(bindHost))) || !allowed.isEmpty)
    }

    /// Whether a request with this `Host` header (`authority`) is answered. A request without one
    /// is: HTTP/1.0 clients may omit it, and browsers, the rebinding attack's vehicle, never do.
    public func allows(_ authority: String?) -> Bool {
        guard enforced, let authority else { return true }
        let host = Self.hostPart(Self.normalized(authority))
        if Self.isLoopback(host) || names.contains(host) { return true }
        return suffixes.contains { host.hasSuffix($0) }
    }

    /// Lowercased, without surrounding spaces or the trailing dot of a fully qualified name.
    static func normalized(_ text: String) -> String {
        var value = text.trimmingCharacters(in: .whitespaces).lowercased()
        if value.hasSuffix("."), !value.hasSuffix("..") { value.removeLast() }
        return value
    }

    /// The host of `host[:port]` or `[v6]:port`, without brackets.
    static func hostPart(_ authority: String) -> String {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return authority }
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        // More than one colon without brackets is a bare IPv6 address, not host:port.
        let colons = authority.filter { $0 == ":" }.count
        if colons == 1, let colon = authority.firstIndex(of: ":") { return String(authority[..<colon]) }
        return authority
    }

    /// `localhost`, a name under `.localhost` (RFC 6761 keeps them on loopback), 127.0.0.0/8 or ::1.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        return false
    }
}

/// Answers 403 to a request whose `Host` the allow list refuses, before any other middleware
/// (CORS preflights included) sees it.
struct HostCheckMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let allowList: HostAllowList
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard allowList.allows(request.head.authority) else {
            metrics.limitRefused("allowed_hosts")
            let host = request.head.authority ?? ""
            return APIError(.forbidden, "the Host '\(host)' is not allowed: this server answers loopback names only; start it with --allowed-hosts \(HostAllowList.hostPart(HostAllowList.normalized(host))) to allow it",
                            code: "host_not_allowed").response(path: request.uri.path)
        }
        return try await next(request, context)
    }
}
