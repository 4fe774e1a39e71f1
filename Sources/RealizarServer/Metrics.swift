import Foundation
import Prometheus
import RealizarEngine

/// The server's Prometheus metrics: requests by route and status, tokens, time to first token and
/// per-token latency histograms, the schedulers' queue, active sequences and KV cache use, and the
/// embedding queues' depth and passes (read from the schedulers and queues when scraped).
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let catalog: ModelCatalog
    private let promptTokens: [String: Counter]
    private let generatedTokens: [String: Counter]
    private let timeToFirstToken: [String: DurationHistogram]
    private let interTokenLatency: [String: DurationHistogram]
    private let queueDepth: [String: Gauge]
    private let activeSequences: [String: Gauge]
    private let slots: [String: Gauge]
    private let cacheUsed: [String: Gauge]
    private let cacheCapacity: [String: Gauge]
    private let cacheBytes: [String: Gauge]
    private let embeddingQueueDepth: [String: Gauge]
    private let embeddingPasses: [String: Gauge]

    init(catalog: ModelCatalog) {
        self.catalog = catalog
        func each<T>(_ make: (String) -> T) -> [String: T] {
            Dictionary(uniqueKeysWithValues: catalog.hosts.map { ($0.name, make($0.name)) })
        }
        let registry = registry
        promptTokens = each { registry.makeCounter(descriptor: Self.descriptor("realizar_prompt_tokens_total", "Prompt tokens processed."), labels: [("model", $0)]) }
        generatedTokens = each { registry.makeCounter(descriptor: Self.descriptor("realizar_generated_tokens_total", "Tokens generated."), labels: [("model", $0)]) }
        let firstBuckets: [Duration] = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30].map { .milliseconds(Int($0 * 1000)) }
        let tokenBuckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5].map { .microseconds(Int($0 * 1_000_000)) }
        timeToFirstToken = each {
            registry.makeDurationHistogram(descriptor: Self.descriptor("realizar_time_to_first_token_seconds", "From a sequence's submission to its first generated token."), labels: [("model", $0)], buckets: firstBuckets)
        }
        interTokenLatency = each {
            registry.makeDurationHistogram(descriptor: Self.descriptor("realizar_inter_token_latency_seconds", "Between successive generated tokens of one sequence."), labels: [("model", $0)], buckets: tokenBuckets)
        }
        queueDepth = each { registry.makeGauge(descriptor: Self.descriptor("realizar_queue_depth", "Sequences waiting for a slot."), labels: [("model", $0)]) }
        activeSequences = each { registry.makeGauge(descriptor: Self.descriptor("realizar_active_sequences", "Sequences in the running batch."), labels: [("model", $0)]) }
        slots = each { registry.makeGauge(descriptor: Self.descriptor("realizar_slots", "Sequence slots (--parallel)."), labels: [("model", $0)]) }
        cacheUsed = each { registry.makeGauge(descriptor: Self.descriptor("realizar_kv_cache_used_positions", "KV cache positions filled."), labels: [("model", $0)]) }
        cacheCapacity = each { registry.makeGauge(descriptor: Self.descriptor("realizar_kv_cache_capacity_positions", "KV cache positions in all slots."), labels: [("model", $0)]) }
        cacheBytes = each { registry.makeGauge(descriptor: Self.descriptor("realizar_kv_cache_bytes", "Bytes allocated for KV caches."), labels: [("model", $0)]) }
        embeddingQueueDepth = each { registry.makeGauge(descriptor: Self.descriptor("realizar_embedding_queue_depth", "Embedding requests waiting for the next pass."), labels: [("model", $0)]) }
        embeddingPasses = each { registry.makeGauge(descriptor: Self.descriptor("realizar_embedding_passes", "Embedding passes run (each serves every request that waited for it)."), labels: [("model", $0)]) }
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func countRequest(route: String, status: Int) {
        registry.makeCounter(descriptor: Self.descriptor("realizar_http_requests_total", "HTTP requests by route and status."),
                             labels: [("route", route), ("status", "\(status)")]).increment()
    }

    func tokens(model: String, prompt: Int, generated: Int) {
        promptTokens[model]?.increment(by: Int64(prompt))
        generatedTokens[model]?.increment(by: Int64(generated))
    }

    func firstToken(model: String, after duration: Duration) {
        timeToFirstToken[model]?.recordNanoseconds(Int64(duration / .nanoseconds(1)))
    }

    func nextToken(model: String, after duration: Duration) {
        interTokenLatency[model]?.recordNanoseconds(Int64(duration / .nanoseconds(1)))
    }

    /// The text exposition, with the gauges read from the schedulers now.
    func render() -> [UInt8] {
        for host in catalog.hosts {
            if let embeddings = host.readyEmbeddingQueue?.snapshot {
                embeddingQueueDepth[host.name]?.set(Double(embeddings.queued))
                embeddingPasses[host.name]?.set(Double(embeddings.passes))
            }
            guard let snapshot = host.scheduler?.snapshot else { continue }
            queueDepth[host.name]?.set(Double(snapshot.queued))
            activeSequences[host.name]?.set(Double(snapshot.active))
            slots[host.name]?.set(Double(snapshot.slots))
            cacheUsed[host.name]?.set(Double(snapshot.cachePositionsUsed))
            cacheCapacity[host.name]?.set(Double(snapshot.cachePositions))
            cacheBytes[host.name]?.set(Double(snapshot.cacheBytes))
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
