import Foundation
import RealizarCore
import RealizarEngine

/// One embedding request on a host, as both dialects' routes run it: the host's queue (made on
/// first use for a model that generates), tokens checked against the model's limit with the
/// field that holds them named, vectors shortened to `dimensions`, and the request's metrics.
struct EmbeddingJob {
    let host: ModelHost
    let queue: EmbeddingQueue
    /// Seconds this request spent waiting for the embedding model to be made.
    let loadSeconds: Double

    static func start(host: ModelHost) async throws(APIError) -> EmbeddingJob {
        let (queue, seconds) = try await host.embeddingQueue()
        return EmbeddingJob(host: host, queue: queue, loadSeconds: seconds)
    }

    /// The width of the model's vectors.
    var width: Int { queue.model.dimensions }
    /// The most tokens one input may have, special tokens included.
    var limit: Int { queue.model.maximumTokens }

    /// The token ids of `text` (special tokens added), cut to the limit when `truncate`; otherwise
    /// a text over the limit is refused with `tooLong(tokens, limit)`.
    func tokens(_ text: String, field: String, truncate: Bool, tooLong: (Int, Int) -> String) throws(APIError) -> [Int] {
        let ids: [Int]
        do {
            ids = try queue.model.tokenize(text, truncate: truncate)
        } catch let error as EmbeddingModel.TooLong {
            throw APIError.invalid(tooLong(error.tokens, error.limit), param: field, code: "context_length_exceeded")
        } catch {
            throw APIError.invalid("'\(field)' could not be tokenized: \(error)", param: field)
        }
        guard !ids.isEmpty else { throw APIError.invalid("'\(field)' gives no tokens; give some text", param: field) }
        return ids
    }

    /// Checks token ids given by the client: not empty, within the limit and the vocabulary.
    func check(ids: [Int], field: String, tooLong: (Int, Int) -> String) throws(APIError) {
        guard !ids.isEmpty else { throw APIError.invalid("'\(field)' must not be empty", param: field) }
        guard ids.count <= limit else { throw APIError.invalid(tooLong(ids.count, limit), param: field, code: "context_length_exceeded") }
        let vocabulary = queue.model.model.decoder.graph.tokenCount
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw APIError.invalid("'\(field)' holds token id \(bad), outside the vocabulary (0..<\(vocabulary))", param: field)
        }
    }

    /// `dimensions` checked against the model's width: nil when absent or the full width.
    ///
    /// Shortening a vector keeps its first values and scales them back to unit length (OpenAI's
    /// text-embedding-3, Matryoshka representation learning). The result is only meaningful for
    /// models trained so that a prefix of the vector is itself an embedding; all-MiniLM-L6-v2 and
    /// decoders' hidden states were not.
    func dimensions(_ value: Int?, field: String = "dimensions") throws(APIError) -> Int? {
        guard let value else { return nil }
        guard value > 0, value <= width else {
            throw APIError.invalid("'\(field)' must be between 1 and \(width), the width of \(host.name)'s vectors; got \(value)", param: field)
        }
        return value == width ? nil : value
    }

    /// The vectors of `inputs`, in order, from the next pass of the host's queue (shared with the
    /// other requests waiting for it): 400 for inputs the model cannot read, 429 (as generation's queue) when the queue is
    /// full or the server is shutting down.
    func run(_ inputs: [[Int]], dimensions: Int?, metrics: ServerMetrics, stats: RequestStats) async throws -> [[Float]] {
        let vectors: [[Float]]
        do {
            vectors = try await queue.embed(inputs)
        } catch let error as SchedulerError {
            switch error {
            case .invalidRequest(let message): throw APIError.invalid(message, param: "input")
            case .queueFull: throw APIError(.tooManyRequests, "the server is busy: \(queue.queueLimit) embedding requests are already waiting; retry later",
                                            code: "queue_full")
            case .shuttingDown: throw APIError(.serviceUnavailable, error.description)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw APIError(.internalServerError, "embedding failed: \(error)")
        }
        let tokens = inputs.reduce(0) { $0 + $1.count }
        metrics.tokens(model: host.name, prompt: tokens, generated: 0)
        stats.record(model: host.name, prompt: tokens, generated: 0)
        guard let dimensions else { return vectors }
        let normalizes = queue.model.normalizes
        return vectors.map { Self.shortened($0, to: dimensions, normalizing: normalizes) }
    }

    /// The first `count` values of `vector`, scaled to unit length when the model's vectors are.
    static func shortened(_ vector: [Float], to count: Int, normalizing: Bool) -> [Float] {
        let prefix = vector.prefix(count).map(Double.init)
        guard normalizing else { return prefix.map(Float.init) }
        let norm = prefix.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return prefix.map { Float($0 / max(norm, 1e-12)) }
    }

    /// OpenAI's `encoding_format: "base64"`: the vector's little-endian float32 bytes in base64.
    static func base64(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
