import Foundation

/// A request's hold on a loaded model: while any lease on it is held the model is not unloaded.
/// Released when the request's response has been written (``RequestLogMiddleware``), with the
/// request's `keep_alive`; a lease dropped without that (a response never written) releases
/// itself when it goes.
final class ModelLease: @unchecked Sendable {
    let host: ModelHost
    private let lock = NSLock()
    private var keepAlive: OllamaDuration?
    private var onRelease: (@Sendable (OllamaDuration?) -> Void)?

    init(host: ModelHost, keepAlive: OllamaDuration?, onRelease: @escaping @Sendable (OllamaDuration?) -> Void) {
        self.host = host
        self.keepAlive = keepAlive
        self.onRelease = onRelease
    }

    /// Ends the lease (once; later calls do nothing).
    func release() {
        let (release, keepAlive) = lock.withLock { () -> ((@Sendable (OllamaDuration?) -> Void)?, OllamaDuration?) in
            defer { onRelease = nil }
            return (onRelease, self.keepAlive)
        }
        release?(keepAlive)
    }

    deinit { release() }
}
