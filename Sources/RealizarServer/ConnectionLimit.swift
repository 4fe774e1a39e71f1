import Foundation
import Hummingbird
import HummingbirdCore

/// The open connections, for `/metrics` and for ``ConnectionLimit``.
final class ConnectionCount: @unchecked Sendable {
    private let lock = NSLock()
    private var open = 0
    private var accepted = 0
    private var waited = 0

    var current: Int { lock.withLock { open } }
    /// Connections accepted since start.
    var total: Int { lock.withLock { accepted } }
    /// Times the listener held off accepting because the limit was reached.
    var saturations: Int { lock.withLock { waited } }

    func opened() {
        lock.withLock {
            open += 1
            accepted += 1
        }
    }

    func closed() { lock.withLock { open -= 1 } }
    func saturated() { lock.withLock { waited += 1 } }
}

/// Stops accepting connections while `--max-connections` are open; those that come meanwhile wait
/// in the listen backlog (and the kernel refuses them once it is full). Hummingbird calls this on
/// the listener's event loop.
struct ConnectionLimit: AvailableConnectionsDelegate {
    let maximum: Int
    let count: ConnectionCount

    mutating func connectionOpened() { count.opened() }
    mutating func connectionClosed() { count.closed() }

    func isAcceptingNewConnections() -> Bool {
        let accepting = count.current < maximum
        if !accepting { count.saturated() }
        return accepting
    }
}
