import Foundation
import RealizarCore
import RealizarEngine
import RealizarTemplates

/// One served model: the loaded weights, its scheduler, its chat template and its embeddings.
///
/// A model whose graph ends in logits generates (a scheduler) and embeds through a second graph
/// over the same weights, made on the first embedding request (cheap on the CPU: the file is
/// mapped, not copied). A model whose graph ends in hidden states (an encoder such as BERT) only
/// embeds: it gets its embedding queue at start and no scheduler.
public final class ModelHost: Sendable {
    /// The name requests use (`model`): the catalog name or reference given on the command line,
    /// or a file's name without its extension.
    public let name: String
    public let path: String
    public let model: LoadedModel
    /// Nil for a model that only embeds; generation routes then answer 400.
    public let scheduler: Scheduler?
    /// Nil when no template could be made; chat routes then answer 400.
    public let chat: ChatPrompt?
    public let loadedAt: Date
    public let loadSeconds: Double
    /// The file's size, or the sum of a folder's files.
    public let fileSize: Int
    private let embeddings: LazyEmbeddings

    /// Loads the model at `path` onto the first of `backends` that computes all of it.
    /// `queueLimit` bounds the requests waiting for generation and, separately, for embeddings.
    /// `slots` bounds the sequences generated at once; `kv` sets their shared KV memory (its
    /// `slots`, `context` and `queueLimit` are replaced by the other arguments). `renderLimits`
    /// bound each render of the model's chat template.
    public init(name: String, path: String, backends: [any Backend], context: Int?, slots: Int, queueLimit: Int,
                kv: Scheduler.Configuration? = nil, renderLimits: RenderLimits = RenderLimits()) throws {
        let start = Date()
        self.name = name
        self.path = path
        let loaded = try LoadedModel(path: path, preferring: backends)
        if loaded.decoder.graph.output == .logits {
            model = loaded
            let context = min(context ?? loaded.defaultContext, loaded.decoder.architecture.contextLength)
            var configuration = kv ?? Scheduler.Configuration(context: context)
            (configuration.slots, configuration.context, configuration.queueLimit) = (max(1, slots), max(1, context), max(0, queueLimit))
            scheduler = try Scheduler(model: loaded, configuration: configuration)
            chat = try? ChatPrompt(model: loaded, limits: renderLimits)
            embeddings = LazyEmbeddings(queueLimit: queueLimit) { try EmbeddingModel(path: path, preferring: backends) }
        } else {
            // An encoder: its graph already ends in hidden states; pooling and normalisation come
            // from the folder's sentence-transformers settings.
            let embedder = try EmbeddingModel(model: loaded)
            model = embedder.model
            scheduler = nil
            chat = nil
            embeddings = LazyEmbeddings(ready: EmbeddingQueue(model: embedder, queueLimit: queueLimit))
        }
        loadedAt = Date()
        loadSeconds = Date().timeIntervalSince(start)
        fileSize = Self.size(of: path)
    }

    /// Whether the model generates text (its graph ends in logits).
    public var generates: Bool { scheduler != nil }

    /// The context of a sequence slot; for a model that only embeds, the most tokens it reads.
    public var context: Int {
        scheduler?.configuration.context ?? embeddings.ready?.model.maximumTokens ?? model.defaultContext
    }

    /// The embedding queue, made on first use for a model that generates. The seconds are the
    /// time this call spent making it (0 once made).
    func embeddingQueue() async throws(APIError) -> (queue: EmbeddingQueue, loadSeconds: Double) {
        do {
            return try await embeddings.queue()
        } catch {
            throw APIError.invalid("the model '\(name)' cannot make embeddings: \(error)", param: "model")
        }
    }

    /// The embedding queue if it has been made.
    var readyEmbeddingQueue: EmbeddingQueue? { embeddings.ready }

    /// 400 for a generation route on a model that only embeds, naming the route that serves it.
    func requireGeneration(embeddingRoute: String) throws(APIError) -> Scheduler {
        guard let scheduler else {
            throw APIError.invalid("the model '\(name)' only embeds (its graph ends in hidden states, not logits); use \(embeddingRoute)",
                                   param: "model", code: "model_not_generative")
        }
        return scheduler
    }

    /// Ends generation and embedding work (shutdown); blocks until the scheduler's thread is done.
    func shutdown() {
        scheduler?.shutdown()
        embeddings.ready?.shutdown()
    }

    private static func size(of path: String) -> Int {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isFolder) else { return 0 }
        guard isFolder.boolValue else { return (try? manager.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        var total = 0
        for case let file as String in manager.enumerator(atPath: path) ?? FileManager.DirectoryEnumerator() {
            let full = (path as NSString).appendingPathComponent(file)
            if let attributes = try? manager.attributesOfItem(atPath: full), attributes[.type] as? FileAttributeType == .typeRegular {
                total += attributes[.size] as? Int ?? 0
            }
        }
        return total
    }
}

/// A host's embedding queue: given at start, or made once on first use on a serial queue of its
/// own (concurrent first requests wait for the same one; a failure is retried by the next request).
private final class LazyEmbeddings: @unchecked Sendable {
    private let lock = NSLock()
    private var value: EmbeddingQueue?
    private let make: (@Sendable () throws -> EmbeddingModel)?
    private let queueLimit: Int
    private let builder = DispatchQueue(label: "realizar-embedding-load")

    init(ready: EmbeddingQueue) {
        value = ready
        make = nil
        queueLimit = ready.queueLimit
    }

    init(queueLimit: Int, make: @escaping @Sendable () throws -> EmbeddingModel) {
        self.make = make
        self.queueLimit = queueLimit
    }

    var ready: EmbeddingQueue? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func queue() async throws -> (queue: EmbeddingQueue, loadSeconds: Double) {
        if let ready { return (ready, 0) }
        let start = Date()
        let queue = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<EmbeddingQueue, any Error>) in
            builder.async { [self] in
                if let ready { continuation.resume(returning: ready); return }
                do {
                    guard let make else { throw ModelError("no embedding model") }
                    let made = EmbeddingQueue(model: try make(), queueLimit: queueLimit)
                    lock.lock()
                    value = made
                    lock.unlock()
                    continuation.resume(returning: made)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        return (queue, Date().timeIntervalSince(start))
    }
}
