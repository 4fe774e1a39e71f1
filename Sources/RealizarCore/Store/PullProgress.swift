/// What a pull reports as it goes, for a progress display.
public enum PullEvent: Sendable {
    /// A new phase starts ("downloading", "verifying", ...).
    case phase(String)
    /// Bytes done in the current phase, out of `total` when known.
    case bytes(done: Int, total: Int?)
}

/// Receives pull events. Called from the pulling thread.
public typealias PullProgress = @Sendable (PullEvent) -> Void
