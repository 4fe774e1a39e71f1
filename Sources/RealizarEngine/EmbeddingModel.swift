import Foundation
import RealizarCore
import RealizarTokenizers

/// A model that turns texts into vectors: a BERT encoder (a sentence-transformers folder or a
/// GGUF file), or a decoder whose final hidden states are pooled, as llama-server's embeddings.
///
/// Texts of one call (and, through `EmbeddingQueue`, of concurrent requests) share forward
/// passes: each text is its own sequence of the pass, so no padding is computed and no text
/// sees another's tokens.
public final class EmbeddingModel: @unchecked Sendable {
    public let model: LoadedModel
    public let pooling: DecoderArchitecture.Pooling
    /// Whether vectors are scaled to unit length (sentence-transformers' `Normalize` module).
    public let normalizes: Bool
    /// The most tokens a text may have, special tokens included: a sentence-transformers
    /// folder's `max_seq_length`, else the model's context (and learned positions).
    public let maximumTokens: Int
    /// Tokens one forward pass carries at most.
    public static let tokensPerPass = 4096

    public var dimensions: Int { model.decoder.vocabularySize }

    /// Loads the model at `path` (a folder or a GGUF file) for embeddings.
    public convenience init(path: String, threads: Int? = nil, quantize: GGMLType? = nil) throws {
        try self.init(path: path, preferring: [CPUBackend(threads: threads)], quantize: quantize)
    }

    public convenience init(path: String, preferring backends: [any Backend], quantize: GGMLType? = nil) throws {
        try self.init(model: try LoadedModel(path: path, preferring: backends, quantize: quantize, output: .hiddenStates))
    }

    /// An embedding model over a model already loaded with a graph that ends in hidden states.
    public init(model: LoadedModel) throws {
        guard model.decoder.graph.output == .hiddenStates else {
            throw ModelError("\(model.sourceName): loaded for generation; embeddings need the graph built for hidden states")
        }
        self.model = model
        let architecture = model.decoder.architecture
        var pooling = architecture.pooling
        var normalizes = true
        var limit = min(architecture.contextLength, model.decoder.maximumContext ?? .max)
        if let folder = model.folder {
            let settings = try SentenceTransformersSettings(folder: folder)
            pooling = settings.pooling ?? pooling
            normalizes = settings.normalizes ?? architecture.causal
            if let maximum = settings.maximumLength {
                guard maximum <= limit else {
                    throw ModelError("\(folder.name): sentence_bert_config.json: max_seq_length = \(maximum) exceeds the \(limit) positions the model has")
                }
                limit = maximum
            }
        }
        self.pooling = pooling
        self.normalizes = normalizes
        maximumTokens = limit
    }

    /// A text too long for the model, when the caller asked not to truncate.
    public struct TooLong: Error, CustomStringConvertible {
        public let tokens: Int
        public let limit: Int
        public var description: String { "the input has \(tokens) tokens, more than the \(limit) the model reads" }
    }

    /// The token ids of `text`, special tokens added; cut to `maximumTokens` when `truncate`,
    /// else refused with `TooLong`.
    public func tokenize(_ text: String, truncate: Bool = true) throws -> [Int] {
        let ids: [Int], full: Int
        if let tokenizer = model.tokenizer as? HuggingFaceTokenizer {
            ids = tokenizer.encode(text, maxLength: truncate ? maximumTokens : .max)
            full = ids.count
        } else {
            let all = model.tokenize(text, parseSpecial: true)
            full = all.count
            ids = Self.truncated(all, to: maximumTokens, keepingLast: model.tokenizer.addsEOS || model.tokenizer.model == .wordPiece)
        }
        if !truncate && full > maximumTokens { throw TooLong(tokens: full, limit: maximumTokens) }
        return ids
    }

    /// `ids` cut to `limit`, the final special token (BERT's [SEP]) kept in place when asked.
    static func truncated(_ ids: [Int], to limit: Int, keepingLast: Bool) -> [Int] {
        guard ids.count > limit else { return ids }
        if keepingLast, limit >= 2 { return Array(ids.prefix(limit - 1)) + [ids.last!] }
        return Array(ids.prefix(limit))
    }

    /// The embedding of each token sequence, in order. Each must hold 1 to `maximumTokens` ids of
    /// the vocabulary.
    public func embed(_ inputs: [[Int]]) throws -> [[Float]] {
        for (index, ids) in inputs.enumerated() {
            guard !ids.isEmpty else { throw ModelError("input \(index) is empty: give at least one token") }
            guard ids.count <= maximumTokens else { throw ModelError("input \(index) has \(ids.count) tokens, more than the \(maximumTokens) the model reads") }
            try DecoderModel.validate(tokens: ids, vocabulary: model.decoder.graph.tokenCount)
        }
        var results: [[Float]] = []
        results.reserveCapacity(inputs.count)
        var start = 0
        var output: [Float] = []
        while start < inputs.count {
            var end = start, tokens = 0
            while end < inputs.count, end == start || tokens + inputs[end].count <= Self.tokensPerPass {
                tokens += inputs[end].count
                end += 1
            }
            let batch = try inputs[start..<end].map { SequenceBatch(cache: try model.decoder.makeCache(capacity: $0.count), tokens: $0) }
            let pooling = pooling
            try model.decoder.forward(batch: batch, rows: { entry in
                switch pooling {
                case .mean: 0..<entry.tokens.count
                case .cls: 0..<1
                case .last: (entry.tokens.count - 1)..<entry.tokens.count
                }
            }, into: &output)
            var row = 0
            for entry in batch {
                let rows = pooling == .mean ? entry.tokens.count : 1
                results.append(pool(output, from: row, rows: rows))
                row += rows
            }
            start = end
        }
        return results
    }

    /// The mean of `rows` output rows from `first` (one row: itself), L2-normalised when the model says so.
    private func pool(_ output: [Float], from first: Int, rows: Int) -> [Float] {
        let d = dimensions
        var sum = [Double](repeating: 0, count: d)
        for r in first..<(first + rows) {
            for i in 0..<d { sum[i] += Double(output[r * d + i]) }
        }
        var vector = sum.map { $0 / Double(rows) }
        if normalizes {
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            // sentence-transformers divides by max(norm, 1e-12).
            vector = vector.map { $0 / max(norm, 1e-12) }
        }
        return vector.map(Float.init)
    }
}

/// What a sentence-transformers folder says about pooling, normalisation and length
/// (`modules.json`, the pooling module's `config.json`, `sentence_bert_config.json`).
struct SentenceTransformersSettings {
    var pooling: DecoderArchitecture.Pooling?
    var normalizes: Bool?
    var maximumLength: Int?

    init(folder: HuggingFaceFolder) throws {
        maximumLength = try folder.json("sentence_bert_config.json")?.optionalSize("max_seq_length")
        guard let path = folder.file("modules.json") else { return }
        guard let data = FileManager.default.contents(atPath: path),
              let modules = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw FormatError(path: path, problem: "is not a JSON array of modules")
        }
        normalizes = false
        for (index, module) in modules.enumerated() {
            guard let type = module["type"] as? String else {
                throw FormatError(path: path, field: "[\(index)].type", problem: "is missing or not a string")
            }
            switch type.split(separator: ".").last.map(String.init) ?? type {
            case "Transformer": break
            case "Normalize": normalizes = true
            case "Pooling":
                let modulePath = module["path"] as? String ?? ""
                guard !modulePath.contains(".."), !modulePath.hasPrefix("/") else {
                    throw FormatError(path: path, field: "[\(index)].path", problem: "must be a folder inside the model folder")
                }
                guard let config = try folder.json((modulePath as NSString).appendingPathComponent("config.json")) else {
                    throw FormatError(path: path, field: "[\(index)].path", problem: "\(modulePath)/config.json is missing")
                }
                let modes: [(String, DecoderArchitecture.Pooling?)] = [
                    ("pooling_mode_mean_tokens", .mean), ("pooling_mode_cls_token", .cls), ("pooling_mode_lasttoken", .last),
                    ("pooling_mode_max_tokens", nil), ("pooling_mode_mean_sqrt_len_tokens", nil), ("pooling_mode_weightedmean_tokens", nil),
                ]
                let chosen = try modes.filter { try config.optionalBool($0.0) == true }
                guard chosen.count == 1 else {
                    throw config.refuse("pooling_mode_*", "exactly one pooling mode must be true (\(chosen.count) are)")
                }
                guard let mode = chosen[0].1 else { throw config.refuse(chosen[0].0, "is not implemented (mean, CLS and last-token pooling are)") }
                pooling = mode
            default:
                throw FormatError(path: path, field: "[\(index)].type", problem: "\(type) is not a module this engine computes (Transformer, Pooling, Normalize)")
            }
        }
    }
}
