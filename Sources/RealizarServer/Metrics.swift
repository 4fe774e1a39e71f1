import Foundation
import Prometheus
import RealizarEngine

/// The server's Prometheus metrics: requests by route and status, tokens, time to first token and
/// per-token latency histograms, the schedulers' queue, active sequences and KV cache use, and the
/// embedding queues' depth and passes, the models loaded (read when scraped), and the server's
/// limits: their values, the open connections and the requests each limit refused.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let catalog: ModelCatalog
    private let limits: ServerLimits
    let connections = ConnectionCount()
    private static let firstBuckets: [Duration] = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30].map { .milliseconds(Int($0 * 1000)) }
    private static let tokenBuckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5].map { .microseconds(Int($0 * 1_000_000)) }
    /// Per-model gauges of the models loaded at the last scrape, so an unloaded model's go.
    private let shown = ShownModels()

    init(catalog: ModelCatalog, limits: ServerLimits = ServerLimits()) {
        self.catalog = catalog
        self.limits = limits
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    // The registry hands back the metric already made for a name and labels, so per-model
    // metrics are made on first use: models come and go (loaded on demand, unloaded when idle).
    private func counter(_ name: String, _ help: String, model: String) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, help), labels: [("model", model)])
    }

    private func gauge(_ name: String, _ help: String, model: String) -> Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name, help), labels: [("model", model)])
    }

    /// The gauges read per loaded model at each scrape.
    private enum ModelGauge: String, CaseIterable {
        case queueDepth = "realizar_queue_depth"
        case activeSequences = "realizar_active_sequences"
        case slots = "realizar_slots"
        case cacheUsed = "realizar_kv_cache_used_positions"
        case cacheCapacity = "realizar_kv_cache_capacity_positions"
        case cacheBytes = "realizar_kv_cache_bytes"
        case cachedPositions = "realizar_prefix_cache_positions"
        case promptTokens = "realizar_prompt_tokens_admitted"
        case cachedPromptTokens = "realizar_prefix_cache_hit_tokens"
        case preemptions = "realizar_kv_preemptions"
        case embeddingQueueDepth = "realizar_embedding_queue_depth"
        case embeddingPasses = "realizar_embedding_passes"
        case fileBytes = "realizar_model_file_bytes"

        var help: String {
            switch self {
            case .queueDepth: "Sequences waiting for a slot."
            case .activeSequences: "Sequences in the running batch."
            case .slots: "The most sequences running at once (--parallel)."
            case .cacheUsed: "KV positions held by running sequences (whole blocks)."
            case .cacheCapacity: "KV positions the memory budget holds (--kv-memory)."
            case .cacheBytes: "Bytes of KV memory (--kv-memory; pages are resident only once used)."
            case .cachedPositions: "KV positions of full blocks kept for the prefix cache, held by no sequence."
            case .promptTokens: "Prompt tokens admitted since start (the prefix cache's lookups)."
            case .cachedPromptTokens: "Prompt tokens whose keys and values the prefix cache supplied (hit rate: this over realizar_prompt_tokens_admitted)."
            case .preemptions: "Sequences preempted when KV memory ran out, and recomputed later."
            case .embeddingQueueDepth: "Embedding requests waiting for the next pass."
            case .embeddingPasses: "Embedding passes run (each serves every request that waited for it)."
            case .fileBytes: "Bytes of the loaded model's file or folder."
            }
        }
    }

    private func set(_ kind: ModelGauge, _ model: String, _ value: Int) {
        gauge(kind.rawValue, kind.help, model: model).set(Double(value))
    }

    func countRequest(route: String, status: Int) {
        registry.makeCounter(descriptor: Self.descriptor("realizar_http_requests_total", "HTTP requests by route and status."),
                             labels: [("route", route), ("status", "\(status)")]).increment()
    }

    /// A request (or a stream, or a connection) that `limit` refused or cut off.
    func limitRefused(_ limit: String) {
        registry.makeCounter(descriptor: Self.descriptor("realizar_limit_refusals_total",
                                                         "Requests refused, streams cut off and connections closed by a server limit, by limit."),
                             labels: [("limit", limit)]).increment()
    }

    func tokens(model: String, prompt: Int, generated: Int) {
        counter("realizar_prompt_tokens_total", "Prompt tokens processed.", model: model).increment(by: Int64(prompt))
        counter("realizar_generated_tokens_total", "Tokens generated.", model: model).increment(by: Int64(generated))
    }

    func firstToken(model: String, after duration: Duration) {
        registry.makeDurationHistogram(descriptor: Self.descriptor("realizar_time_to_first_token_seconds", "From a sequence's submission to its first generated token."),
                                       labels: [("model", model)], buckets: Self.firstBuckets)
            .recordNanoseconds(Int64(duration / .nanoseconds(1)))
    }

    func nextToken(model: String, after duration: Duration) {
        registry.makeDurationHistogram(descriptor: Self.descriptor("realizar_inter_token_latency_seconds", "Between successive generated tokens of one sequence."),
                                       labels: [("model", model)], buckets: Self.tokenBuckets)
            .recordNanoseconds(Int64(duration / .nanoseconds(1)))
    }

    /// The text exposition, with the gauges read from the catalog, schedulers and queues now.
    func render() -> [UInt8] {
        let hosts = catalog.hosts
        let names = Set(hosts.map(\.name))
        for gone in shown.replace(with: names).subtracting(names) {
            for kind in ModelGauge.allCases { registry.unregisterGauge(gauge(kind.rawValue, kind.help, model: gone)) }
        }
        registry.makeGauge(descriptor: Self.descriptor("realizar_loaded_models", "Models loaded now (at start, or on demand).")).set(Double(hosts.count))
        registry.makeGauge(descriptor: Self.descriptor("realizar_loaded_model_bytes", "Bytes of the loaded models' files (what --models-memory budgets).")).set(Double(hosts.reduce(0) { $0 + $1.fileSize }))
        for (name, value) in limits.published {
            registry.makeGauge(descriptor: Self.descriptor("realizar_limit", "The server's limits (realizar serve --help), durations in seconds."),
                               labels: [("limit", name)]).set(value)
        }
        registry.makeGauge(descriptor: Self.descriptor("realizar_open_connections", "Client connections open now.")).set(Double(connections.current))
        registry.makeGauge(descriptor: Self.descriptor("realizar_connections_accepted", "Client connections accepted since start.")).set(Double(connections.total))
        registry.makeGauge(descriptor: Self.descriptor("realizar_connection_limit_waits", "Times the listener held off accepting at --max-connections.")).set(Double(connections.saturations))
        let counts = catalog.loadCounts
        registry.makeGauge(descriptor: Self.descriptor("realizar_model_loads", "Models loaded on demand since start.")).set(Double(counts.loads))
        registry.makeGauge(descriptor: Self.descriptor("realizar_model_unloads", "Models unloaded (idle past keep_alive, evicted for room, or deleted) since start.")).set(Double(counts.unloads))
        for host in hosts {
            set(.fileBytes, host.name, host.fileSize)
            if let embeddings = host.readyEmbeddingQueue?.snapshot {
                set(.embeddingQueueDepth, host.name, embeddings.queued)
                set(.embeddingPasses, host.name, embeddings.passes)
            }
            guard let snapshot = host.scheduler?.snapshot else { continue }
            set(.queueDepth, host.name, snapshot.queued)
            set(.activeSequences, host.name, snapshot.active)
            set(.slots, host.name, snapshot.slots)
            set(.cacheUsed, host.name, snapshot.cachePositionsUsed)
            set(.cacheCapacity, host.name, snapshot.cachePositions)
            set(.cacheBytes, host.name, snapshot.cacheBytes)
            set(.cachedPositions, host.name, snapshot.cachedPositions)
            set(.promptTokens, host.name, snapshot.promptTokens)
            set(.cachedPromptTokens, host.name, snapshot.cachedPromptTokens)
            set(.preemptions, host.name, snapshot.preemptions)
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// The model names whose gauges the last scrape showed.
private final class ShownModels: @unchecked Sendable {
    private let lock = NSLock()
    private var names: Set<String> = []

    /// Stores `new`, returning what was there.
    func replace(with new: Set<String>) -> Set<String> {
        lock.withLock {
            defer { names = new }
            return names
        }
    }
}
