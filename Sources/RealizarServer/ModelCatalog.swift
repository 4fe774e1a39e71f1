import Foundation
import RealizarCore

/// The models a server answers for, with Ollama's semantics: the models named at start, which
/// stay loaded for the server's lifetime, and any model of the store (or catalog, or Hugging Face)
/// that a request names, loaded on its first use (pulled first when it is not in the store) and
/// kept `keep_alive` after its last request ends (by default `Limits.defaultKeepAlive`, 5 minutes;
/// 0 unloads it when the request ends, a negative value keeps it).
///
/// A request holds a ``ModelLease`` on its model until its response is written, so a model is
/// never unloaded under a running request. Loading a model when `Limits.maxLoadedModels` are
/// loaded, or when `Limits.memoryBytes` (model files' sizes added up) would be exceeded, unloads
/// the least recently used idle models first; when every model that could go is in use, the
/// request gets 503. Concurrent first requests for one model wait for the same load.
public final class ModelCatalog: @unchecked Sendable {
    /// How many models may be loaded at once, and for how long an idle one stays.
    public struct Limits: Sendable {
        /// Models loaded at once, the start models included (Ollama's `OLLAMA_MAX_LOADED_MODELS`).
        public var maxLoadedModels: Int
        /// The most bytes of model files loaded at once; nil for no budget.
        public var memoryBytes: Int?
        /// Seconds an idle model stays loaded when a request does not send `keep_alive`; nil
        /// keeps it (Ollama's `OLLAMA_KEEP_ALIVE`).
        public var defaultKeepAlive: Double?

        public init(maxLoadedModels: Int = 3, memoryBytes: Int? = nil, defaultKeepAlive: Double? = 300) {
            self.maxLoadedModels = maxLoadedModels
            self.memoryBytes = memoryBytes
            self.defaultKeepAlive = defaultKeepAlive
        }

        /// Reads a keep-alive as Ollama does ("5m", "1h30m", "30s", a number of seconds): nil
        /// when it is not one, `.some(nil)` for a negative value (forever).
        public static func keepAliveSeconds(_ text: String) -> Double?? {
            guard let seconds = OllamaDuration.parse(text) else { return nil }
            return .some(seconds < 0 ? nil : seconds)
        }
    }

    /// Makes a host for a model of the store: `name` is what requests call it, `path` where it lies.
    public typealias Loader = @Sendable (_ name: String, _ path: String) throws -> ModelHost

    /// One loaded model and what decides when it goes.
    final class Loaded: @unchecked Sendable {
        let host: ModelHost
        /// Named at start: never unloaded before shutdown.
        let pinned: Bool
        var leases = 0
        var lastUsed = Date()
        /// When an idle model is unloaded; nil: never.
        var expiresAt: Date?
        /// The keep-alive of the latest request (nil: forever), which applies once it ends.
        var keepAlive: Double?
        /// Deleted from the store while in use: unloaded when its last request ends.
        var removed = false

        init(host: ModelHost, pinned: Bool, expiresAt: Date?) {
            self.host = host
            self.pinned = pinned
            self.expiresAt = expiresAt
        }
    }

    let store: ModelStore
    let limits: Limits
    private let load: Loader
    private let lock = NSLock()
    private var loaded: [Loaded]
    /// Loads under way, by the model's own name: later requests for it wait for the same one.
    private var loading: [String: Task<Void, any Error>] = [:]
    /// Bytes and model counts promised to loads under way, so two loads cannot both take the last room.
    private var reservedBytes = 0
    private var reservedModels = 0
    private var shuttingDown = false
    private var reaper: Task<Void, Never>?
    private var descriptions: [String: (stamp: Date, description: ModelDescription)] = [:]
    private var loadCount = 0
    private var unloadCount = 0

    /// A catalog of `hosts` (loaded at start, kept until shutdown) that loads other models of
    /// `store` on demand with `load`.
    public init(hosts: [ModelHost], store: ModelStore = .standard, limits: Limits = Limits(), load: Loader? = nil) {
        self.store = store
        self.limits = limits
        self.load = load ?? { name, _ in throw ModelError("this server loads no models on demand; '\(name)' is not loaded") }
        loaded = hosts.map { Loaded(host: $0, pinned: true, expiresAt: nil) }
        reaper = Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                self?.unloadExpired()
            }
        }
    }

    deinit { reaper?.cancel() }

    // MARK: Looking models up

    /// The loaded models, oldest first.
    public var hosts: [ModelHost] {
        lock.withLock { loaded.map(\.host) }
    }

    /// Models loaded on demand and models unloaded, since start.
    var loadCounts: (loads: Int, unloads: Int) {
        lock.withLock { (loadCount, unloadCount) }
    }

    /// The loaded models with when each is unloaded (nil: never), for `/api/ps`.
    var running: [(host: ModelHost, expiresAt: Date?)] {
        lock.withLock {
            loaded.map { entry in
                // A model in use expires its latest request's keep-alive after that request.
                let expires = entry.leases > 0 && !entry.pinned ? entry.keepAlive.map { Date().addingTimeInterval($0) } : entry.expiresAt
                return (entry.host, expires)
            }
        }
    }

    private func find(_ name: String) -> Loaded? {
        let canonical = ModelStore.canonicalName(name)
        return loaded.first { $0.host.name == name || $0.host.name == canonical }
    }

    /// The model called `name` (nil or empty: the first model loaded) for a request: loaded
    /// first when needed, and leased to the request until its response is written (`keepAlive`
    /// then decides how long it stays). 400 for a name that could reach outside the store, 404
    /// for a model that is neither loaded nor one the store can provide, 503 when it cannot load.
    func host(_ name: String?, for context: ServerContext, keepAlive: OllamaDuration? = nil) async throws(APIError) -> ModelHost {
        let lease = try await lease(name, keepAlive: keepAlive)
        context.stats.hold(lease)
        return lease.host
    }

    /// The model for an embedding request: `name`'s, or without one the first loaded model that
    /// only embeds (else the first model).
    func embeddingHost(_ name: String?, for context: ServerContext, keepAlive: OllamaDuration? = nil) async throws(APIError) -> ModelHost {
        if name == nil || name?.isEmpty == true, let encoder = hosts.first(where: { !$0.generates }) {
            return try await host(encoder.name, for: context, keepAlive: keepAlive)
        }
        return try await host(name, for: context, keepAlive: keepAlive)
    }

    /// A lease on the model called `name`, loading it first when needed.
    func lease(_ name: String?, keepAlive: OllamaDuration? = nil) async throws(APIError) -> ModelLease {
        enum Step {
            case ready(ModelLease)
            case wait(Task<Void, any Error>, own: String)
        }
        while true {
            let step = try locked { () throws(APIError) -> Step in
                if shuttingDown { throw APIError(.serviceUnavailable, "the server is shutting down") }
                guard let name, !name.isEmpty else {
                    guard let first = loaded.first else { throw APIError.invalid("no model is loaded; name one in 'model'", param: "model") }
                    return .ready(acquire(first, keepAlive: keepAlive))
                }
                if let entry = find(name) { return .ready(acquire(entry, keepAlive: keepAlive)) }
                do {
                    try ModelStore.validateRequestName(name)
                } catch {
                    throw APIError.invalid("\(error)", param: "model", code: "invalid_model_name")
                }
                let own = store.ownName(name)
                if let entry = find(own) { return .ready(acquire(entry, keepAlive: keepAlive)) }
                guard store.presentLocation(of: own) != nil || CatalogModel.named(own) != nil || HuggingFaceReference(own) != nil else {
                    throw APIError.modelNotFound(name, available: availableNames())
                }
                if let task = loading[own] { return .wait(task, own: own) }
                let task = Task.detached { [self] in try await self.loadModel(own) }
                loading[own] = task
                return .wait(task, own: own)
            }
            let task: Task<Void, any Error>
            let own: String
            switch step {
            case .ready(let lease): return lease
            case .wait(let loading, let name):
                task = loading
                own = name
            }
            do {
                try await task.value
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError(.internalServerError, "the model '\(own)' could not be loaded: \(error)", param: "model", code: "model_load_failed")
            }
            // Loaded: the next turn finds it (or loads it again if it went meanwhile).
        }
    }

    private func locked<T>(_ body: () throws(APIError) -> T) throws(APIError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Pulls when needed, makes room, loads on a thread of its own and adds the model (idle,
    /// expiring after the default keep-alive unless a waiting request leases it first).
    private func loadModel(_ own: String) async throws {
        defer { lock.withLock { loading[own] = nil } }
        let store = store
        let path = try await Self.onThread { try store.pull(named: own).path }
        let bytes = ModelStore.size(of: URL(fileURLWithPath: path))
        let evicted = try locked { () throws(APIError) -> [Loaded] in try makeRoom(bytes: bytes, for: own) }
        unload(evicted)
        defer { lock.withLock { reservedBytes -= bytes; reservedModels -= 1 } }
        let load = load
        let host = try await Self.onThread { try load(own, path) }
        lock.withLock {
            loadCount += 1
            if shuttingDown {
                Thread.detachNewThread { host.shutdown() }
                return
            }
            loaded.append(Loaded(host: host, pinned: false, expiresAt: limits.defaultKeepAlive.map { Date().addingTimeInterval(max($0, 1)) }))
        }
    }

    /// Chooses idle models to unload (least recently used first) until a model of `bytes` fits,
    /// and reserves its room; 503 when the models in the way are all in use. Called under the lock.
    private func makeRoom(bytes: Int, for name: String) throws(APIError) -> [Loaded] {
        if let budget = limits.memoryBytes, bytes > budget {
            throw APIError(.serviceUnavailable, "the model '\(name)' needs \(ByteCount.format(bytes)), more than the models' memory budget (--models-memory \(budget))",
                           code: "model_too_large")
        }
        var kept = loaded
        var evicted: [Loaded] = []
        func fits() -> Bool {
            let used = kept.reduce(reservedBytes) { $0 + $1.host.fileSize }
            let count = kept.count + reservedModels
            return count < limits.maxLoadedModels && limits.memoryBytes.map { used + bytes <= $0 } ?? true
        }
        while !fits() {
            guard let victim = kept.filter({ $0.leases == 0 && !$0.pinned }).min(by: { $0.lastUsed < $1.lastUsed }) else {
                throw APIError(.serviceUnavailable,
                               "cannot load '\(name)' now: the loaded models (\(kept.map(\.host.name).joined(separator: ", "))) are in use or kept for the server's lifetime, and no more fit (--max-loaded-models \(limits.maxLoadedModels)\(limits.memoryBytes.map { ", --models-memory \($0)" } ?? "")); retry when a request ends",
                               code: "no_room_for_model")
            }
            kept.removeAll { $0 === victim }
            evicted.append(victim)
        }
        loaded = kept
        reservedBytes += bytes
        reservedModels += 1
        return evicted
    }

    private func acquire(_ entry: Loaded, keepAlive: OllamaDuration?) -> ModelLease {
        entry.leases += 1
        entry.lastUsed = Date()
        entry.keepAlive = keepAlive.map(\.seconds) ?? limits.defaultKeepAlive
        return ModelLease(host: entry.host, keepAlive: keepAlive) { [weak self] keepAlive in self?.release(entry, keepAlive: keepAlive) }
    }

    /// A request ended: its `keep_alive` (or the default) sets when the model goes once idle.
    private func release(_ entry: Loaded, keepAlive: OllamaDuration?) {
        let seconds: Double? = keepAlive.map(\.seconds) ?? limits.defaultKeepAlive
        let unloadNow = lock.withLock { () -> Bool in
            entry.leases -= 1
            entry.lastUsed = Date()
            guard entry.leases == 0, !entry.pinned else { return false }
            entry.expiresAt = seconds.map { Date().addingTimeInterval($0) }
            guard entry.removed || seconds.map({ $0 <= 0 }) == true else { return false }
            let before = loaded.count
            loaded.removeAll { $0 === entry }
            return loaded.count < before
        }
        if unloadNow { unload([entry]) }
    }

    private func unloadExpired() {
        let now = Date()
        let expired = lock.withLock { () -> [Loaded] in
            let gone = loaded.filter { !$0.pinned && $0.leases == 0 && ($0.expiresAt.map { $0 <= now } ?? false) }
            loaded.removeAll { entry in gone.contains { $0 === entry } }
            return gone
        }
        unload(expired)
    }

    /// Ends the models' schedulers on a thread of their own (shutdown joins the scheduler's
    /// thread); their memory goes with the last reference.
    private func unload(_ entries: [Loaded]) {
        guard !entries.isEmpty else { return }
        lock.withLock { unloadCount += entries.count }
        let hosts = entries.map(\.host)
        Thread.detachNewThread { for host in hosts { host.shutdown() } }
    }

    /// Unloads the model called `name` when it is idle, or when its last request ends; for a
    /// model deleted from the store. Models named at start stay.
    func unloadWhenIdle(_ name: String) {
        let idle = lock.withLock { () -> [Loaded] in
            guard let entry = find(name), !entry.pinned else { return [] }
            entry.removed = true
            guard entry.leases == 0 else { return [] }
            loaded.removeAll { $0 === entry }
            return [entry]
        }
        unload(idle)
    }

    /// Refuses new requests and returns every loaded model, for shutdown.
    func shutdown() -> [ModelHost] {
        reaper?.cancel()
        return lock.withLock {
            shuttingDown = true
            return loaded.map(\.host)
        }
    }

    // MARK: Listing

    /// Names requests may use: loaded models, then the store's models and aliases.
    private func availableNames() -> [String] {
        var names = loaded.map(\.host.name)
        for entry in store.entries() where !names.contains(entry.name) { names.append(entry.name) }
        return names
    }

    /// A model of the listing (`/api/tags`, `/v1/models`): its name, where it lies and whether it is loaded.
    struct Listed: Sendable {
        var name: String
        var path: String
        var size: Int
        var modified: Date
        var host: ModelHost?
    }

    /// The loaded models (the default first: the chat page and clients pick the first), then
    /// the rest of what the store holds, aliases included.
    func listing() -> [Listed] {
        let hosts = hosts
        var stored: [Listed] = []
        for entry in store.entries() {
            let path = entry.location.path
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
            let host = hosts.first { $0.name == (entry.aliasOf ?? entry.name) || $0.path == path }
            stored.append(Listed(name: entry.name, path: path, size: entry.size, modified: modified, host: host))
        }
        var result: [Listed] = []
        for host in hosts {
            if let index = stored.firstIndex(where: { $0.name == host.name }) {
                result.append(stored.remove(at: index))
            } else {
                // A path named on the command line: not in the store.
                result.append(Listed(name: host.name, path: host.path, size: host.fileSize, modified: host.loadedAt, host: host))
            }
        }
        return result + stored
    }

    /// The model called `name` as the listing shows it: loaded, or in the store. 400 for a name
    /// that could reach outside the store, 404 for one that is neither.
    func listed(_ name: String?) throws(APIError) -> Listed {
        guard let name, !name.isEmpty else { throw APIError.invalid("'model' is required", param: "model") }
        let hosts = hosts
        let canonical = ModelStore.canonicalName(name)
        if let host = hosts.first(where: { $0.name == name || $0.name == canonical }) {
            return Listed(name: host.name, path: host.path, size: host.fileSize, modified: host.loadedAt, host: host)
        }
        do {
            try ModelStore.validateRequestName(name)
        } catch {
            throw APIError.invalid("\(error)", param: "model", code: "invalid_model_name")
        }
        let own = store.ownName(name)
        guard let location = store.presentLocation(of: own) else {
            throw APIError.modelNotFound(name, available: lock.withLock { availableNames() })
        }
        let path = location.path
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
        return Listed(name: canonical, path: path, size: ModelStore.size(of: location), modified: modified,
                      host: hosts.first { $0.name == own || $0.path == path })
    }

    /// The description of a listed model: the loaded host's, or one read from its file once
    /// (kept while the file's modification time is the same).
    func describe(_ listed: Listed) async throws -> ModelDescription {
        if let host = listed.host { return ModelDescription(host: host) }
        let path = listed.path
        let stamp = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
        if let cached = lock.withLock({ descriptions[path] }), cached.stamp == stamp { return cached.description }
        let description = try await Self.onThread { try ModelDescription.inspect(path: path) }
        lock.withLock { descriptions[path] = (stamp, description) }
        return description
    }

    /// The SHA-256 of the model at `path` (see ``ModelStore/digest(of:)``), hashed off the
    /// cooperative pool when the store's digest cache does not have it.
    func digest(path: String) async throws -> String {
        let store = store
        return try await Self.onThread { try store.digest(of: URL(fileURLWithPath: path)) }
    }

    /// Runs blocking work (a pull, a load, hashing a file) off the cooperative thread pool.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
